/**
 * ntlm.relay — NTLM relaying (T1557.001): a host takes another host's NTLM
 * authentication and replays it to a third host as its own session
 * (Impacket ntlmrelayx, Responder's MultiRelay, Inveigh-Relay), after
 * poisoning a name lookup or coercing the victim to connect
 * (PetitPotam, PrinterBug).
 *
 * Seen as two legs of one authentication: the victim V authenticates to
 * the relay A, and within `window` A authenticates to the target T as the
 * same account from the same workstation (domain, user and workstation
 * name of the NTLM AUTHENTICATE message, read from ntlm events: SMB,
 * DCE/RPC and LDAP; and from HTTP NTLM/Negotiate auth events). A host never has a reason to present another host's
 * NTLM sign-in: a legitimate server checks it with a domain controller
 * over Netlogon, it does not send it on. Legs are matched in either order
 * (the relayed leg is often logged first). A relay back to the victim
 * itself (reflection) counts too.
 *
 * Severity 4 when the target let the relay in, 3 when it refused. One
 * alert per relay and target within the dedup interval, listing victims
 * and accounts. NTLM pass-through proxies forward authentication by
 * design: list them in `allowed_relays`.
 *
 * Where the sensor sees only the relayed leg (the victim and the relay
 * talk on another segment), the authentication still names the victim's
 * workstation. With `one_leg`, an authentication from an inside host whose
 * workstation name was seen lately (`names_within`) at other addresses
 * only, while the host itself goes by other names (host-names.ts: DHCP,
 * NBNS, LLMNR, mDNS announcements and DNS answers), is reported as relayed
 * too, at most high: the host presents a sign-in made on another machine.
 * Both conditions must hold, so a host whose names are unknown (a VPN
 * address) or that goes by the workstation's name (a new lease) stays
 * quiet; names every other Linux or lab machine has (`generic_names`) are
 * not judged.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions, durationField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import { HostNames, computerName, hostNamesFeed } from './host-names.js';
import type { NtlmRecord } from '../protocols/smb/events.js';

/** Identities whose recent legs are kept. */
const MAX_IDENTITIES = 20000;
/** Legs kept per identity (a busy service account signs in often). */
const MAX_LEGS = 16;
/** Victims and accounts listed per alert. */
const MAX_LISTED = 20;

export const OPTIONS = detectorOptions({
  /** Longest time between the victim's leg and the relayed one (relay tools send it on at once). */
  window: durationField('30s'),
  /** Hosts that forward NTLM by design (CIDRs, addresses or network names): pass-through proxies. */
  allowed_relays: z.array(hostEntryField).default([]),
  /** Also judge an authentication alone: its workstation's name belongs to other addresses, its sender goes by other names. */
  one_leg: z.boolean().default(true),
  /** How recent a name seen on the network must be to count for `one_leg`. */
  names_within: durationField('1h'),
  /** Workstation names many machines share (defaults of tools and distributions), never judged by `one_leg`. */
  generic_names: z
    .array(z.string().min(1))
    .default(['workstation', 'localhost', 'ubuntu', 'debian', 'kali', 'raspberrypi', 'android', 'iphone', 'ipad', 'macbook', 'user-pc', 'desktop', 'laptop', 'pc', 'unknown']),
});

/** One NTLM authentication seen. */
interface Leg {
  client: string;
  server: string;
  port: number;
  ts: number;
  uid: string;
  success: boolean | undefined;
  /** The server name the CHALLENGE gave (a relay hands its victim the target's challenge). */
  challengeName: string | undefined;
}

/** What a relay did to one target, for the alert. */
interface Relay {
  victims: Set<string>;
  accounts: Set<string>;
  relayed: number;
  accepted: number;
}

/** The service an authentication ran over, by its server port. */
function serviceOf(port: number): string {
  if (port === 445 || port === 139) return 'SMB';
  if (port === 80 || port === 443 || port === 8080) return 'HTTP';
  if (port === 389 || port === 636 || port === 3268 || port === 3269) return 'LDAP';
  return `port ${port}`;
}

/** What the target answered a relayed authentication, as the message ends: " and was let in", " and was refused", or nothing. */
function outcomeText(success: boolean | undefined): string {
  return success === true ? ' and was let in' : success === false ? ' and was refused' : '';
}

/** Who an authentication presents itself as: the account and the workstation it came from. */
interface Identity {
  account: string;
  workstation: string;
  /** Lower-case "account|workstation". */
  key: string;
}

/** The account and workstation an ntlm record presents, or undefined for an anonymous one. */
export function ntlmIdentity(r: NtlmRecord): Identity | undefined {
  const user = r.username ?? '';
  if (user === '') return undefined;
  const account = r.domainname !== undefined && r.domainname !== '' ? `${r.domainname}\\${user}` : user;
  const workstation = r.hostname ?? '';
  return { account, workstation, key: `${account}|${workstation}`.toLowerCase() };
}

export default defineDetector({
  id: 'ntlm.relay',
  name: 'NTLM relay',
  description: "A host presented another host's NTLM authentication to a third host, one it received moments before or one from a workstation the network knows at another address: NTLM relaying (ntlmrelayx, MultiRelay).",
  severity: 4,
  category: ['network', 'intrusion_detection'],
  technique: 'T1557.001',
  subscribes: ['ntlm', 'auth', 'dns.answer', 'hostname'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowedRelays = ctx.site.hostSet(o.allowed_relays);
    const legs = new LruMap<string, Leg[]>(MAX_IDENTITIES);
    const relays = new LruMap<string, Relay>(MAX_IDENTITIES);
    const names = HostNames.of(ctx.site);
    const generic = new Set(o.generic_names.map((n) => computerName(n) ?? n.toLowerCase()));

    /** One relayed authentication counted toward the alert of its relay and target (keyed `relay|target`). */
    const countRelay = (key: string, victim: string, account: string, success: boolean | undefined): Relay => {
      const t = openTally(ctx, relays, key, () => ({ victims: new Set<string>(), accounts: new Set<string>(), relayed: 0, accepted: 0 }));
      t.relayed++;
      if (success === true) t.accepted++;
      if (t.victims.size < MAX_LISTED) t.victims.add(victim);
      if (t.accounts.size < MAX_LISTED) t.accounts.add(account);
      return t;
    };

    const report = (victimLeg: Leg, relayLeg: Leg, account: string, workstation: string, ts: number): void => {
      const relay = relayLeg.client;
      const target = relayLeg.server;
      if (ctx.excluded(relay) || ctx.excluded(target) || ctx.excluded(victimLeg.client) || allowedRelays.has(relay)) return;
      const key = `${relay}|${target}`;
      const t = countRelay(key, victimLeg.client, account, relayLeg.success);
      const reflected = target === victimLeg.client;
      const outcome = outcomeText(relayLeg.success);
      const from = workstation !== '' ? `${workstation} at ${hostLabel(ctx.site, victimLeg.client)}` : hostLabel(ctx.site, victimLeg.client);
      ctx.report({
        ts,
        key,
        severity: t.accepted > 0 ? 4 : 3,
        source: { ip: relay },
        destination: { ip: target, port: relayLeg.port },
        transport: 'tcp',
        message:
          `${hostLabel(ctx.site, relay)} relayed the NTLM authentication of ${account} from ${from} ` +
          (reflected ? 'back to that host itself' : `to ${hostLabel(ctx.site, target)}`) +
          ` over ${serviceOf(relayLeg.port)}${outcome}` +
          (t.relayed > 1 ? `; ${t.relayed} relayed authentications of ${joinAnd([...t.accounts])}` : ''),
        evidence: {
          victim: victimLeg.client,
          user: account,
          workstation: workstation !== '' ? workstation : null,
          victim_connected_to_port: victimLeg.port,
          relayed_to_port: relayLeg.port,
          accepted: relayLeg.success ?? null,
          reflection: reflected,
          seconds_between: Math.round(Math.abs(relayLeg.ts - victimLeg.ts) * 1000) / 1000,
          challenge_server_name: victimLeg.challengeName ?? null,
          one_leg: false,
          victims: [...t.victims],
          accounts: [...t.accounts],
          relayed: t.relayed,
          accepted_count: t.accepted,
          uids: [victimLeg.uid, relayLeg.uid],
        },
      });
    };

    /** The relay leg `cur` alone: its sender presents a workstation that is another host (see the header). */
    const oneLeg = (id: Identity, cur: Leg): void => {
      const w = computerName(id.workstation);
      const relay = cur.client;
      if (w === undefined || generic.has(w) || !ctx.site.isInternal(relay)) return;
      if (allowedRelays.has(relay) || ctx.excluded(relay) || ctx.excluded(cur.server)) return;
      const since = cur.ts - o.names_within;
      const homes = names.addressesOf(w, since);
      if (homes.length === 0 || homes.includes(relay)) return;
      const own = names.namesOf(relay, since);
      if (own.length === 0 || own.includes(w)) return;
      const target = cur.server;
      const key = `${relay}|${target}`;
      const t = countRelay(key, homes[0]!, id.account, cur.success);
      const outcome = outcomeText(cur.success);
      ctx.report({
        ts: cur.ts,
        key,
        severity: 3,
        source: { ip: relay },
        destination: { ip: target, port: cur.port },
        transport: 'tcp',
        message:
          `${hostLabel(ctx.site, relay)}, which goes by ${joinAnd(own)}, presented the NTLM authentication of ${id.account} from workstation ${id.workstation}, ` +
          `a name seen at ${joinAnd(homes)}, to ${hostLabel(ctx.site, target)} over ${serviceOf(cur.port)}${outcome}: ` +
          `a sign-in made on another machine, relayed (the victim's own connection was not seen)`,
        evidence: {
          victim: homes[0]!,
          user: id.account,
          workstation: id.workstation,
          victim_connected_to_port: null,
          relayed_to_port: cur.port,
          accepted: cur.success ?? null,
          reflection: false,
          seconds_between: null,
          challenge_server_name: null,
          one_leg: true,
          workstation_seen_at: homes,
          relay_names: own,
          victims: [...t.victims],
          accounts: [...t.accounts],
          relayed: t.relayed,
          accepted_count: t.accepted,
          uids: [cur.uid],
        },
      });
    };

    /** One authentication seen: matched against the identity's recent legs, then kept; judged alone when nothing matched. */
    const leg = (id: Identity, cur: Leg): void => {
      let seen = legs.get(id.key);
      if (seen === undefined) {
        seen = [];
        legs.set(id.key, seen);
      }
      let matched = false;
      for (const l of seen) {
        if (Math.abs(cur.ts - l.ts) > o.window || l.uid === cur.uid) continue;
        // l was the victim's leg to the relay, cur the relay's leg to its target; or the other way round.
        if (l.server === cur.client && l.client !== cur.client) {
          report(l, cur, id.account, id.workstation, cur.ts);
          matched = true;
        } else if (cur.server === l.client && cur.client !== l.client) {
          report(cur, l, id.account, id.workstation, cur.ts);
          matched = true;
        }
      }
      if (!matched && o.one_leg) oneLeg(id, cur);
      // Keep the legs of the last window, newest last.
      let drop = 0;
      while (drop < seen.length && (cur.ts - seen[drop]!.ts > o.window || seen.length - drop >= MAX_LEGS)) drop++;
      if (drop > 0) seen.splice(0, drop);
      seen.push(cur);
    };

    return {
      ...hostNamesFeed(names),
      ntlm(e) {
        const r = e.record;
        const id = ntlmIdentity(r);
        if (id === undefined) return;
        leg(id, {
          client: r['id.orig_h'],
          server: r['id.resp_h'],
          port: r['id.resp_p'],
          ts: r.ts,
          uid: r.uid,
          success: r.success,
          challengeName: r.server_nb_computer_name ?? r.server_dns_computer_name,
        });
      },
      // HTTP NTLM sign-ins are auth events (ntlm events come from SMB, RPC and LDAP): a coerced
      // WebDAV connection relayed to LDAP or SMB has its victim's leg here.
      auth(e) {
        if (e.service !== 'http' || e.user === undefined || e.user === '' || !/^(NTLM|Negotiate) /.test(e.detail ?? '')) return;
        const workstation = e.workstation ?? '';
        leg(
          { account: e.user, workstation, key: `${e.user}|${workstation}`.toLowerCase() },
          {
            client: e.client,
            server: e.server,
            port: e.server_port,
            ts: e.ts,
            uid: e.uid,
            success: e.outcome === 'success' ? true : e.outcome === 'failure' ? false : undefined,
            challengeName: undefined,
          },
        );
      },
    };
  },
});
