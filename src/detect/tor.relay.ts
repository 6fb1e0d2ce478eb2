/**
 * tor.relay — a host inside the network connecting to a Tor relay: on the
 * relay's OR or directory port (a Tor client or bridge bootstrapping), or,
 * for exits, on any port by default (exit addresses often differ from OR
 * addresses, and an exit's address is what reaches you from Tor). Relay
 * addresses, nicknames, flags and ports come from the configured Tor sources
 * (Onionoo, consensus, TorDNSEL exit lists). Like the ET TOR rules this is
 * policy, not compromise: medium for OR/Dir-port connections, low for an
 * exit address on another port and for inbound traffic from exits
 * (`inbound_from_exits`, off by default). One alert per internal host within
 * the dedup interval, listing the relays it reached. Quiet without Tor sources.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import type { TorRelay } from '../intel/context.js';
import type { EvidenceValue, Severity } from '../alerts/alert.js';
import { hostPort } from '../util/host-port.js';

/** Relays listed per alert. */
const MAX_LISTED = 20;
/** Hosts whose running tallies are kept. */
const MAX_HOSTS = 10000;

export const OPTIONS = detectorOptions({
  /** Only exits; unset = the site's intel.tor_exits_only (default false: any relay). */
  exits_only: z.boolean().optional(),
  /** Exits match on any port, not only their OR/Dir ports. */
  exit_any_port: z.boolean().default(true),
  /** Also report connections from exits to internal hosts (Tor users reaching your services). */
  inbound_from_exits: z.boolean().default(false),
});

type Via = 'or_port' | 'dir_port' | 'exit_address' | 'address';

/** Which way a connection on `port` matches `relay`, or null. */
function matchRelay(relay: TorRelay, port: number, exitsOnly: boolean, exitAnyPort: boolean): Via | null {
  if (exitsOnly && !relay.exit) return null;
  if (relay.or_port === port) return 'or_port';
  if (relay.dir_port === port) return 'dir_port';
  if (relay.exit && exitAnyPort) return 'exit_address';
  // A document without ports (an address list) leaves nothing to compare: the address decides.
  if (relay.or_port === undefined && relay.dir_port === undefined) return 'address';
  return null;
}

function relayName(r: TorRelay): string {
  return r.nickname ?? (r.fingerprint !== undefined ? r.fingerprint.slice(0, 8) : 'unnamed relay');
}

export default defineDetector({
  id: 'tor.relay',
  name: 'Connection to a Tor relay',
  description: 'An internal host connected to a known Tor relay (OR/Dir port) or exit address.',
  severity: 2,
  category: ['network', 'threat'],
  technique: 'T1090.003',
  subscribes: ['flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const tor = ctx.intel.tor;
    if (tor === undefined) return {};
    const o = ctx.options;
    const exitsOnly = o.exits_only ?? ctx.config.intel.tor_exits_only;
    const tallies = new LruMap<string, { relays: Set<string>; connections: number }>(MAX_HOSTS);
    return {
      'flow.end'(e) {
        const rec = e.record;
        if (rec.proto !== 'tcp') return;
        const orig = rec['id.orig_h'];
        const resp = rec['id.resp_h'];
        const port = rec['id.resp_p'];
        let inbound = false;
        let relays = ctx.site.isInternal(orig) && !ctx.site.isInternal(resp) ? tor.lookup(resp) : undefined;
        if (relays === undefined) {
          if (!o.inbound_from_exits || ctx.site.isInternal(orig) || !ctx.site.isInternal(resp)) return;
          relays = tor.lookup(orig);
          if (relays === undefined) return;
          inbound = true;
        }
        let relay: TorRelay | undefined;
        let via: Via | null = null;
        for (let i = 0; i < relays.length; i++) {
          const r = relays[i]!;
          const v = inbound ? (r.exit ? 'exit_address' : null) : matchRelay(r, port, exitsOnly, o.exit_any_port);
          if (v !== null && (via === null || v === 'or_port' || v === 'dir_port')) {
            relay = r;
            via = v;
          }
        }
        if (relay === undefined || via === null) return;
        if (ctx.excluded(orig) || ctx.excluded(resp)) return;
        const host = inbound ? resp : orig;
        const relayIp = inbound ? orig : resp;
        let t = tallies.get(host);
        if (t === undefined || ctx.held(host) === undefined) {
          t = { relays: new Set(), connections: 0 };
          tallies.set(host, t);
        }
        const name = relayName(relay);
        if (t.relays.size < MAX_LISTED) t.relays.add(`${name} ${hostPort(relayIp, port)}`);
        t.connections++;
        const severity: Severity = via === 'or_port' || via === 'dir_port' ? 2 : 1;
        const flags = relay.flags.length > 0 ? relay.flags.join(' ') : relay.exit ? 'Exit' : 'no flags known';
        const portNote = via === 'or_port' ? 'OR port' : via === 'dir_port' ? 'directory port' : via === 'exit_address' ? 'exit address' : 'listed address';
        const relayEvidence: { [key: string]: EvidenceValue } = {
          address: relayIp,
          nickname: relay.nickname ?? null,
          fingerprint: relay.fingerprint ?? null,
          flags: relay.flags,
          exit: relay.exit,
          or_port: relay.or_port ?? null,
          dir_port: relay.dir_port ?? null,
          source: relay.source,
        };
        ctx.report({
          ts: rec.ts,
          key: host,
          source: { ip: orig, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: resp, port },
          transport: 'tcp',
          severity,
          message:
            (inbound
              ? `Tor exit ${name} (${flags}) at ${orig} connected to ${resp} on TCP ${port}`
              : `${orig} connected to Tor relay ${name} (${flags}) at ${resp} on TCP ${port}, its ${portNote}`) +
            (t.connections > 1 ? ` (${plural(t.connections, 'connection')} to ${plural(t.relays.size, 'relay')})` : ''),
          evidence: {
            direction: inbound ? 'inbound' : 'outbound',
            matched_on: via,
            port,
            relay: relayEvidence,
            relays: [...t.relays],
            connections: t.connections,
          },
        });
      },
    };
  },
});
