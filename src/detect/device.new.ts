/**
 * device.new — a MAC address never seen before in a network whose config
 * says `new_device_alerts: true` (arpwatch's "new station", per segment).
 *
 * Every sighting in every configured network is recorded in the persistent
 * state (MAC, IPs, hostnames, first/last seen), so "never seen" means never
 * across runs when `--state` is used. Sightings come from ARP (sender
 * MAC/IP), DHCP ACKs (client hardware address and
 * assigned address), hostname announcements (DHCP, mDNS, LLMNR, NBNS) and flows (the
 * link-layer source of each side). Flow MACs are only trusted for hosts on
 * the sensor's own segment: a MAC seen with addresses of two networks, or of
 * a public address, is a router forwarding for others, and its flow
 * sightings are ignored from then on (ARP sightings still count).
 * Unspecified, link-local and group addresses place a MAC in no network and
 * are passed over (an IPv6 host's neighbour discovery from fe80:: is not a
 * second network). The rule learns: during baseline runs and the learning period it records without
 * alerting.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { CidrSet, GROUP_CIDRS } from '../config/cidr.js';
import { isGroupMac } from '../decode/addr.js';
import { UNSPECIFIED_V4 } from '../config/ip.js';

/** MACs whose network membership is remembered for the router heuristic. */
const MAX_MACS_TRACKED = 100000;
const ZERO_MAC = '00:00:00:00:00:00';
const DHCP_ACK = 5;
/**
 * Addresses that say nothing about which network a MAC serves: unspecified
 * (a DHCP client, IPv6 duplicate address detection), link-local (every
 * IPv6 host's neighbour discovery, IPv4 autoconfiguration) and groups.
 * Every IPv6 host sends from its link-local address as well as its global
 * or ULA one; counted as a second network, they made each such host look
 * like a router, and an IPv6-only device was never reported.
 */
const NO_NETWORK = CidrSet.of(['0.0.0.0/32', '::/128', '169.254.0.0/16', 'fe80::/10', ...GROUP_CIDRS]);


export const OPTIONS = detectorOptions({
  /** Where sightings come from; drop "flow" on networks behind routers you cannot see around. */
  sources: z.array(z.enum(['arp', 'dhcp', 'hostname', 'flow'])).default(['arp', 'dhcp', 'hostname', 'flow']),
});

export default defineDetector({
  id: 'device.new',
  name: 'New device',
  description: 'A MAC address never seen before appeared in a network watched for new devices.',
  severity: 2,
  category: ['network', 'host'],
  technique: 'T1200',
  subscribes: ['arp', 'dhcp.message', 'hostname', 'flow.end'],
  learns: true,
  options: OPTIONS,
  create(ctx) {
    const sources = new Set(ctx.options.sources);
    /** mac -> first network name it was seen in via flows ("" = outside every network). */
    const macNetwork = new LruMap<string, string>(MAX_MACS_TRACKED);
    const routers = new LruMap<string, true>(MAX_MACS_TRACKED);
    ctx.bounded(macNetwork, routers);

    const sight = (mac: string | undefined, ip: string | undefined, hostname: string | undefined, ts: number, via: string): void => {
      if (mac === undefined || mac === ZERO_MAC || isGroupMac(mac)) return;
      if (ip === undefined || ip === UNSPECIFIED_V4) return;
      const net = ctx.site.networkOf(ip);
      if (net === undefined) return;
      const note = ctx.state.noteDevice(net.name, mac, ip, hostname, ts);
      if (note !== 'new' || !net.new_device_alerts) return;
      if (ctx.excluded(ip)) return;
      ctx.report({
        ts,
        key: `${net.name}|${mac}`,
        source: { ip, mac },
        network: net.name,
        message: `New device ${mac} appeared in ${net.name} as ${ip}${hostname !== undefined ? ` (${hostname})` : ''}`,
        evidence: { network: net.name, mac, ip, hostname: hostname ?? null, seen_via: via },
      });
    };

    /** Flow MACs: learn which network each MAC serves; two networks (or a public IP) make it a router. */
    const flowSight = (mac: string | undefined, ip: string, ts: number): void => {
      if (mac === undefined || routers.has(mac)) return;
      const net = ctx.site.networkOf(ip);
      if (net === undefined) {
        // A public address: the MAC forwards for the Internet.
        if (!ctx.site.isInternal(ip)) {
          routers.set(mac, true);
          return;
        }
        if (NO_NETWORK.has(ip)) return;
      }
      const name = net?.name ?? '';
      const prev = macNetwork.get(mac);
      if (prev === undefined) macNetwork.set(mac, name);
      else if (prev !== name) {
        routers.set(mac, true);
        return;
      }
      if (net === undefined) return;
      sight(mac, ip, undefined, ts, 'flow');
    };

    return {
      arp(e) {
        if (!sources.has('arp')) return;
        sight(e.sha !== '' ? e.sha : e.src_mac, e.spa, undefined, e.ts, 'arp');
      },
      'dhcp.message'(e) {
        // A server's ACK binds the client's hardware address to the address it may now use.
        if (!sources.has('dhcp') || e.is_client || e.msg_type !== DHCP_ACK || e.yiaddr === UNSPECIFIED_V4) return;
        sight(e.chaddr, e.yiaddr, e.host_name, e.ts, 'dhcp');
      },
      hostname(e) {
        if (!sources.has('hostname')) return;
        sight(e.mac, e.ip, e.name, e.ts, e.source);
      },
      'flow.end'(e) {
        if (!sources.has('flow')) return;
        const rec = e.record;
        // Only a side that sent something proves its MAC is there (a scanned address may have none left).
        if (rec.orig_pkts > 0) flowSight(rec.orig_l2_addr, rec['id.orig_h'], rec.ts);
        if (rec.resp_pkts > 0) flowSight(rec.resp_l2_addr, rec['id.resp_h'], rec.ts);
      },
    };
  },
});
