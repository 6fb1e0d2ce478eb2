/**
 * arp.spoofing — a second machine claims an address another machine is
 * still using (T1557.002), over ARP or IPv6 neighbor discovery. arpspoof,
 * ettercap and bettercap tell a victim that the gateway's address (or any
 * other) is at the attacker's MAC (parasite6 does it by answering Neighbor
 * Solicitations), with replies sent again every few seconds so the poison
 * stays in the victim's cache. arpwatch reports every "changed ethernet address" and
 * "flip flop"; most of those are an address handed to another machine, a
 * replaced card or a failover, which is why its users stop reading them.
 *
 * Every ARP packet with a sender address, Neighbor Solicitation (its source)
 * and Neighbor Advertisement (its target) binds that address to a MAC (per
 * VLAN). A claim by another MAC is judged against the address's owner (the
 * MAC that held it first):
 * - the owner's last claim is older than `window`, or a DHCP server just
 *   leased the address to the new MAC: the address moved; the new MAC owns
 *   it, quietly;
 * - otherwise the new MAC contends for it, and the rule reports it when the
 *   owner claims the address again after it (both machines answer for one
 *   address: flip flop), or when the contender has sent `min_claims` ARP
 *   replies for it that nobody asked for to other hosts while the owner was
 *   active: that is how poisoners keep a victim's cache, every few seconds.
 *   A failover announces itself by gratuitous ARP, once, and the old
 *   machine stops answering for the address. An answer to a request the
 *   owner answered a moment before alerts at once (two machines answering
 *   for one address: parasite6 and ARP responders answer every request).
 *
 * Severity 3; 4 when the address is a gateway (a router a DHCP server hands
 * out, an IPv6 router's link-local address from its advertisements, or
 * `watch_addresses`) or the contender claims addresses of two or
 * more machines (a man in the middle between two hosts, or a whole subnet).
 * An address conflict (two machines configured alike) reads the same, and
 * the message says so. One alert per contending MAC (and VLAN) per dedup
 * interval, listing the addresses it claimed. MACs that answer for others
 * by design (proxy ARP, load balancers) go in `allowed_macs`.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { cidrField, detectorOptions, durationField, macField, thresholdField } from '../config/fields.js';
import { CidrSet } from '../config/cidr.js';
import { isGroupAddress, UNSPECIFIED_V4, UNSPECIFIED_V6 } from '../config/ip.js';
import { LruMap } from '../state/lru.js';
import { formatDuration } from '../config/duration.js';
import { hostLabel, joinAnd } from './host-text.js';

const ARP_REQUEST = 1;
const ARP_REPLY = 2;
const NO_MAC = '00:00:00:00:00:00';
/** How a claim was made: ARP, or IPv6 neighbor discovery. */
type Protocol = 'ARP' | 'NDP';
const PROTOCOL_TEXT: Readonly<Record<Protocol, string>> = { ARP: 'ARP', NDP: 'IPv6 neighbor discovery' };
/** A reply this soon after a request it answers is solicited. */
const SOLICITED_WITHIN = 2;
/** Requests remembered (requester and address asked for) to tell solicited replies. */
const MAX_REQUESTS = 20_000;
/** Addresses, victims and gateways listed per contender. */
const MAX_LISTED = 20;

export const OPTIONS = detectorOptions({
  /** How recently the owner must have claimed an address for another MAC's claim to contend (older: the address moved). */
  window: durationField('10m'),
  /** ARP replies nobody asked for, sent by a contender to other hosts, that make it a poisoner without the owner answering again. */
  min_claims: thresholdField(3),
  /** Addresses whose theft is critical besides the routers DHCP servers hand out (gateways, DNS servers). */
  watch_addresses: z.array(cidrField).default([]),
  /** MACs that answer for other machines by design (proxy ARP, load balancers, failover pairs). */
  allowed_macs: z.array(macField).default([]),
  max_tracked: z.number().int().min(100).default(50000),
});

/** Who an address belongs to. */
interface Binding {
  owner: string;
  ownerLast: number;
  /** A MAC contending for the address, with its claims since it started. */
  contender?: { mac: string; first: number; last: number; replies: number };
}

/** What a contending MAC did, over every address it claimed, since `first` (restarted after `window` of quiet). */
interface Contention {
  addresses: Map<string, string>;
  protocols: Set<Protocol>;
  victims: Set<string>;
  unsolicited: number;
  flips: number;
  first: number;
  last: number;
}

export default defineDetector({
  id: 'arp.spoofing',
  name: 'ARP spoofing',
  description: 'A second machine claimed over ARP or IPv6 neighbor discovery an address another machine is still using (the gateway, most often): cache poisoning for a man in the middle, or an address conflict.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1557.002',
  subscribes: ['arp', 'nd.solicit', 'nd.advert', 'nd.router_advert', 'dhcp.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowed = new Set(o.allowed_macs);
    const watched = CidrSet.of(o.watch_addresses);
    const bindings = new LruMap<string, Binding>(o.max_tracked);
    const requests = new LruMap<string, number>(MAX_REQUESTS);
    /** Addresses leased by DHCP: address -> MAC and until when. */
    const leases = new LruMap<string, { mac: string; until: number }>(o.max_tracked);
    /** Routers DHCP servers hand out, and IPv6 routers that advertise themselves. */
    const gateways = new LruMap<string, true>(1000);
    /** The address each MAC owns last (its own address, for the alert). */
    const ownAddress = new LruMap<string, string>(o.max_tracked);
    const contentions = new LruMap<string, Contention>(o.max_tracked);
    ctx.bounded(bindings);
    ctx.bounded(contentions);

    const isGateway = (ip: string): boolean => gateways.has(ip) || watched.has(ip);

    /** The running tally of `mac` (per VLAN) as a contender at `ts`: a fresh one from `first` when it was quiet for `window`. */
    const contention = (vlan: number | undefined, mac: string, first: number, ts: number): Contention => {
      const key = `${vlan ?? ''}|${mac}`;
      let k = contentions.get(key);
      if (k === undefined || ts - k.last > o.window) {
        k = { addresses: new Map(), protocols: new Set(), victims: new Set(), unsolicited: 0, flips: 0, first, last: ts };
        contentions.set(key, k);
      }
      k.last = ts;
      return k;
    };

    const report = (ts: number, vlan: number | undefined, ip: string, owner: string, mac: string, k: Contention): void => {
      if (k.addresses.size < MAX_LISTED || k.addresses.has(ip)) k.addresses.set(ip, owner);
      const owners = new Set(k.addresses.values());
      const gatewaysClaimed = [...k.addresses.keys()].filter(isGateway);
      const own = ownAddress.get(mac);
      const who = own !== undefined && !k.addresses.has(own) ? `${mac} at ${hostLabel(ctx.site, own)}` : mac;
      const label = (addr: string): string => {
        const l = hostLabel(ctx.site, addr);
        if (!isGateway(addr)) return l;
        return l.endsWith(')') ? `${l.slice(0, -1)}, a gateway)` : `${l} (a gateway)`;
      };
      const claimed = joinAnd([...k.addresses].map(([addr, of]) => `${label(addr)} from ${of}`));
      const replies =
        k.unsolicited > 0
          ? ` in ${k.unsolicited} ${k.unsolicited === 1 ? 'reply' : 'replies'} nobody asked for, sent to ${joinAnd([...k.victims].map((v) => hostLabel(ctx.site, v)))}`
          : '';
      const both = k.flips > 0 ? `, while ${owners.size === 1 ? 'the owner' : 'the owners'} still answered` : '';
      ctx.report({
        ts,
        key: `${vlan ?? ''}|${mac}`,
        severity: gatewaysClaimed.length > 0 || owners.size >= 2 ? 4 : 3,
        source: { mac, ...(own !== undefined && !k.addresses.has(own) ? { ip: own } : {}) },
        destination: { ip },
        message:
          `${who} claimed ${claimed} over ${joinAnd([...k.protocols].map((p) => PROTOCOL_TEXT[p]))}${replies}${both}, over ${formatDuration(ts - k.first)}: ` +
          `${k.protocols.has('ARP') ? 'ARP' : 'neighbor discovery'} spoofing (a man in the middle${gatewaysClaimed.length > 0 ? ' of the traffic through the gateway' : ''}) or an address conflict`,
        firstSeen: k.first,
        evidence: {
          addresses: Object.fromEntries(k.addresses),
          gateways: gatewaysClaimed,
          victims: [...k.victims],
          protocols: [...k.protocols],
          unsolicited_replies: k.unsolicited,
          flips: k.flips,
          vlan: vlan ?? null,
        },
      });
    };

    /**
     * `mac` says `ip` is at it, in a frame sent from `frameMac`; `to` is the
     * host the claim answers (an ARP reply, a Neighbor Advertisement), undefined
     * for a request or an announcement.
     */
    const claim = (ts: number, vlan: number | undefined, ip: string, mac: string, frameMac: string, proto: Protocol, to: string | undefined): void => {
      if (ip === UNSPECIFIED_V4 || mac === '' || mac === NO_MAC) return;
      if (ctx.excluded(ip)) return;
      const key = `${vlan ?? ''}|${ip}`;
      const b = bindings.get(key);
      if (b === undefined) {
        bindings.set(key, { owner: mac, ownerLast: ts });
        ownAddress.set(mac, ip);
        return;
      }
      const c = b.contender;
      if (mac === b.owner) {
        // A frame from another card in the owner's name (arpspoof restoring caches as it stops) is not the owner.
        if (frameMac !== '' && frameMac !== mac) return;
        b.ownerLast = ts;
        // The owner answers again while another MAC claims its address: both machines are alive (flip flop).
        if (c !== undefined && ts - c.last <= o.window) {
          const k = contention(vlan, c.mac, c.first, ts);
          k.flips++;
          k.protocols.add(proto);
          report(ts, vlan, ip, b.owner, c.mac, k);
        }
        return;
      }
      const lease = leases.get(ip);
      if ((lease !== undefined && lease.mac === mac && ts <= lease.until) || ts - b.ownerLast > o.window) {
        // The address moved: a new lease, a replaced card, a machine gone.
        bindings.set(key, { owner: mac, ownerLast: ts });
        ownAddress.set(mac, ip);
        return;
      }
      if (allowed.has(mac)) return;
      if (c === undefined || c.mac !== mac || ts - c.last > o.window) b.contender = { mac, first: ts, last: ts, replies: 0 };
      const now = b.contender!;
      now.last = ts;
      // A reply nobody asked for, sent to one host: how poisoners keep a victim's cache. A failover
      // announces itself (gratuitous ARP, an advertisement to every node) instead, and the old machine stops answering.
      if (to === undefined) return;
      const asked = requests.get(`${to}|${ip}`);
      if (asked !== undefined && ts - asked <= SOLICITED_WITHIN) {
        // Asked, and answered by the owner too, a moment before: two machines answer for one address
        // (parasite6 and ARP responders answer every request, after the owner and so last in the cache).
        if (ts - b.ownerLast > SOLICITED_WITHIN) return;
        const k = contention(vlan, mac, now.first, ts);
        k.flips++;
        k.protocols.add(proto);
        if (k.victims.size < MAX_LISTED) k.victims.add(to);
        report(ts, vlan, ip, b.owner, mac, k);
        return;
      }
      now.replies++;
      const k = contention(vlan, mac, now.first, ts);
      k.unsolicited++;
      k.protocols.add(proto);
      if (k.victims.size < MAX_LISTED) k.victims.add(to);
      if (now.replies >= o.min_claims) report(ts, vlan, ip, b.owner, mac, k);
    };

    return {
      'dhcp.message'(e) {
        for (const r of e.routers ?? []) if (r !== UNSPECIFIED_V4) gateways.set(r, true);
        // DHCPACK (5): the address is the client's from now on.
        if (e.msg_type === 5 && e.yiaddr !== UNSPECIFIED_V4 && e.chaddr !== '') {
          leases.set(e.yiaddr, { mac: e.chaddr.toLowerCase(), until: e.ts + Math.max(e.lease_time ?? 0, 60) });
        }
      },
      arp(e) {
        const mac = e.sha !== '' ? e.sha : e.src_mac;
        if (e.op === ARP_REQUEST && e.tpa !== e.spa) requests.set(`${e.spa}|${e.tpa}`, e.ts);
        // A reply goes to one host, unless gratuitous (its own address as the target: an announcement).
        const to = e.op === ARP_REPLY && e.tpa !== e.spa ? e.tpa : undefined;
        claim(e.ts, e.vlan, e.spa, mac, e.src_mac, 'ARP', to);
      },
      'nd.solicit'(e) {
        if (e.src === UNSPECIFIED_V6) return;
        requests.set(`${e.src}|${e.target}`, e.ts);
        claim(e.ts, e.vlan, e.src, e.src_mac, e.src_mac, 'NDP', undefined);
      },
      'nd.router_advert'(e) {
        // An IPv6 router is known by its link-local address (the source of its advertisements).
        gateways.set(e.src, true);
      },
      'nd.advert'(e) {
        // An advertisement to every node (ff02::1) announces; one to a host answers it.
        claim(e.ts, e.vlan, e.target, e.tlla !== '' ? e.tlla : e.src_mac, e.src_mac, 'NDP', isGroupAddress(e.dst) ? undefined : e.dst);
      },
    };
  },
});
