/**
 * Shared body of the lateral-movement rules: a connection on a remote
 * administration / file-sharing port (config `lateral_movement.ports`) from a
 * network of one role to a network of another. Workstations talk to
 * servers, not to each other; servers answer workstations but rarely open
 * sessions to them — when they do on SMB, RDP, WinRM or SSH, someone is
 * moving through the network.
 *
 * By default only sessions count (payload both ways): Windows discovery and
 * firewall-blocked probes between workstations are routine and would bury the
 * real events; refused probes are the scan rules' business. Set
 * `sessions_only: false` to count attempts too.
 *
 * Link-local addresses (fe80::/10, 169.254/16) are in no configured network,
 * yet Windows prefers them: a name resolved by LLMNR or NetBIOS on the LAN
 * answers with the peer's fe80:: address, and SMB, WinRM or RDP then run
 * over it. Link-local traffic never crosses a router, so the link-layer
 * address of each side is the host itself: such an address takes the
 * network its MAC was seen with (ARP, or a flow from a configured address).
 * A MAC seen in two networks is a router's and places nothing.
 */
import { z } from 'zod';
import type { DetectorContext, DetectorHandlers } from './detector.js';
import { isSnapshot } from './detector.js';
import { detectorOptions, portField } from '../config/fields.js';
import type { NetworkConfig, NetworkRole, Site } from '../config/site.js';
import { isSession, responderAnswered } from './tcp-attempt.js';
import { ConnTallies, tallyPorts, type ConnTally } from './conn-tally.js';
import { LruMap } from '../state/lru.js';
import { perSite } from './per-site.js';
import type { AuthOutcome } from '../events/auth.js';
import type { ArpEvent } from '../events/arp.js';
import type { ConnRecord } from '../flows/conn-record.js';
import { plural } from '../alerts/alert.js';
import { UNSPECIFIED_V4 } from '../config/ip.js';

/** Pairs whose tallies are kept. */
const MAX_PAIRS = 50000;
/** Connections whose login outcome is remembered until they end (auth events come first). */
const MAX_OUTCOMES = 50000;
/** MACs whose network is remembered, to place link-local addresses. */
const MAX_MACS = 50000;

/** fe80::/10 or 169.254/16, from the text (Zeek-style lower-case addresses; no parse on the per-flow path). */
export function isLinkLocal(ip: string): boolean {
  const c0 = ip.charCodeAt(0);
  if (c0 === 0x31) return ip.startsWith('169.254.');
  if (c0 !== 0x66 && c0 !== 0x46) return false;
  const c1 = ip.charCodeAt(1) | 0x20;
  const c2 = ip.charCodeAt(2) | 0x20;
  // fe80 .. febf: third hex digit 8, 9, a or b, and a four-digit first group.
  const c3 = ip.charCodeAt(3) | 0x20;
  const hex = (c3 >= 0x30 && c3 <= 0x39) || (c3 >= 0x61 && c3 <= 0x66);
  return c1 === 0x65 && (c2 === 0x38 || c2 === 0x39 || c2 === 0x61 || c2 === 0x62) && hex && ip.charCodeAt(4) === 0x3a;
}

/**
 * The configured network of each MAC seen with a configured (not
 * link-local) address, for the link-local addresses of the same host;
 * null once a MAC turned up in two networks (a router).
 */
export class MacNetworks {
  readonly #site: Site;
  readonly #map = new LruMap<string, NetworkConfig | null>(MAX_MACS);
  /** The last events noted: both lateral rules share one instance and see each event. */
  #lastFlow: ConnRecord | undefined;
  #lastArp: ArpEvent | undefined;

  /** The instance of `site`, shared by both lateral rules of one engine. */
  static readonly of = perSite((site) => new MacNetworks(site));

  constructor(site: Site) {
    this.#site = site;
  }

  get evictions(): number {
    return this.#map.evictions;
  }

  /** The MACs of both sides of a flow (each side that sent packets). */
  noteFlow(rec: ConnRecord): void {
    if (rec === this.#lastFlow) return;
    this.#lastFlow = rec;
    if (rec.orig_pkts > 0) this.note(rec.orig_l2_addr, rec['id.orig_h']);
    if (rec.resp_pkts > 0) this.note(rec.resp_l2_addr, rec['id.resp_h']);
  }

  /** An ARP sender (not a probe from 0.0.0.0). */
  noteArp(e: ArpEvent): void {
    if (e === this.#lastArp) return;
    this.#lastArp = e;
    if (e.spa !== UNSPECIFIED_V4) this.note(e.sha !== '' ? e.sha : e.src_mac, e.spa);
  }

  note(mac: string | undefined, ip: string): void {
    if (mac === undefined || mac === '' || isLinkLocal(ip)) return;
    const net = this.#site.networkOf(ip);
    if (net === undefined) return;
    const prev = this.#map.get(mac);
    if (prev === net || prev === null) return;
    this.#map.set(mac, prev === undefined ? net : null);
  }

  /** The network of `ip`: configured, or for a link-local address the network of its MAC. */
  networkOf(ip: string, mac: string | undefined): { net: NetworkConfig | undefined; byMac: boolean } {
    const net = this.#site.networkOf(ip);
    if (net !== undefined || mac === undefined || !isLinkLocal(ip)) return { net, byMac: false };
    const viaMac = this.#map.get(mac) ?? undefined;
    return { net: viaMac, byMac: viaMac !== undefined };
  }
}

/**
 * What the tally says happened: a login (success or failure) where the
 * protocol showed it, else data both ways, else only an attempt. Data both
 * ways is not a login: an SMB negotiation or an SSH banner exchange is one.
 */
function whatHappened(t: ConnTally): string {
  if (t.logins > 0) return 'logged in to';
  if (t.loginsFailed > 0) return 'failed to log in to';
  return t.sessions > 0 ? 'exchanged data with' : 'tried to connect to';
}

export const LATERAL_OPTIONS = detectorOptions({
  /** Count only connections with payload both ways (see the file comment for the trade-off). */
  sessions_only: z.boolean().default(true),
  /** Ports for this rule; empty = `lateral_movement.ports` of the config. */
  ports: z.array(portField).default([]),
});

export function createLateral(
  ctx: DetectorContext<z.output<typeof LATERAL_OPTIONS>>,
  fromRole: NetworkRole,
  toRole: NetworkRole,
): DetectorHandlers {
  const ports = new Set(ctx.options.ports.length > 0 ? ctx.options.ports : ctx.config.lateral_movement.ports);
  const tallies = new ConnTallies(MAX_PAIRS);
  const outcomes = new LruMap<string, AuthOutcome>(MAX_OUTCOMES);
  const macs = MacNetworks.of(ctx.site);
  ctx.bounded(macs);
  return {
    arp(e) {
      macs.noteArp(e);
    },
    auth(e) {
      // The last known outcome of the connection wins (a failure then a success is a success).
      if (e.outcome !== 'unknown' && outcomes.peek(e.uid) !== 'success') outcomes.set(e.uid, e.outcome);
    },
    'flow.end'(e) {
      const rec = e.record;
      // The connection's login outcome. Its end takes it out whether or not the rule judges the
      // connection; a snapshot of a connection still open (flow.long) only when it reports.
      const login = outcomes.peek(rec.uid);
      if (login !== undefined && !isSnapshot(e)) outcomes.delete(rec.uid);
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      macs.noteFlow(rec);
      const port = rec['id.resp_p'];
      if (rec.proto === 'icmp' || !ports.has(port)) return;
      if (src === dst) return;
      const fromAt = macs.networkOf(src, rec.orig_l2_addr);
      const from = fromAt.net;
      if (from === undefined || from.role !== fromRole) return;
      const toAt = macs.networkOf(dst, rec.resp_l2_addr);
      const to = toAt.net;
      if (to === undefined || to.role !== toRole) return;
      const session = rec.proto === 'tcp' ? isSession(rec) : responderAnswered(rec);
      if (ctx.options.sessions_only && !session) return;
      if (ctx.excluded(src) || ctx.excluded(dst)) return;
      const key = `${src}|${dst}`;
      if (login !== undefined) outcomes.delete(rec.uid);
      const t = tallies.note(key, ctx.held(key) === undefined, port, session, login, rec.proto);
      ctx.report({
        ts: rec.ts,
        key,
        source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
        destination: { ip: dst, port },
        transport: rec.proto,
        network: from.name,
        message:
          `${fromRole === 'server' ? 'Server' : 'Workstation'} ${src} (${from.name}) ` +
          `${whatHappened(t)} ${toRole} ${dst} (${to.name}) on ${tallyPorts(t)}` +
          (t.connections > 1 ? ` (${plural(t.connections, 'connection')})` : ''),
        evidence: {
          from_network: from.name,
          to_network: to.name,
          ports: [...t.ports],
          connections: t.connections,
          sessions: t.sessions,
          failed: t.failed,
          logins: t.logins,
          logins_failed: t.loginsFailed,
          service: rec.service ?? null,
          // Link-local addresses placed in their network by their MAC (see the file comment).
          network_by_mac: [...(fromAt.byMac ? [src] : []), ...(toAt.byMac ? [dst] : [])],
        },
      });
    },
  };
}
