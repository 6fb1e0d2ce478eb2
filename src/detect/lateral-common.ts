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
 */
import { z } from 'zod';
import type { DetectorContext, DetectorHandlers } from './detector.js';
import { detectorOptions, portField } from '../config/fields.js';
import type { NetworkRole } from '../config/site.js';
import { isSession, responderAnswered } from './tcp-attempt.js';
import { ConnTallies, portList, type ConnTally } from './conn-tally.js';
import { LruMap } from '../state/lru.js';
import type { AuthOutcome } from '../events/auth.js';
import { plural } from '../alerts/alert.js';

/** Pairs whose tallies are kept. */
const MAX_PAIRS = 50000;
/** Connections whose login outcome is remembered until they end (auth events come first). */
const MAX_OUTCOMES = 50000;

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
  return {
    auth(e) {
      // The last known outcome of the connection wins (a failure then a success is a success).
      if (e.outcome !== 'unknown' && outcomes.peek(e.uid) !== 'success') outcomes.set(e.uid, e.outcome);
    },
    'flow.end'(e) {
      const rec = e.record;
      const port = rec['id.resp_p'];
      if (rec.proto === 'icmp' || !ports.has(port)) return;
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      if (src === dst) return;
      const from = ctx.site.networkOf(src);
      if (from === undefined || from.role !== fromRole) return;
      const to = ctx.site.networkOf(dst);
      if (to === undefined || to.role !== toRole) return;
      const session = rec.proto === 'tcp' ? isSession(rec) : responderAnswered(rec);
      if (ctx.options.sessions_only && !session) return;
      if (ctx.excluded(src) || ctx.excluded(dst)) return;
      const key = `${src}|${dst}`;
      const login = outcomes.peek(rec.uid);
      if (login !== undefined) outcomes.delete(rec.uid);
      const t = tallies.note(key, ctx.held(key) === undefined, port, session, login);
      ctx.report({
        ts: rec.ts,
        key,
        source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
        destination: { ip: dst, port },
        transport: rec.proto,
        network: from.name,
        message:
          `${fromRole === 'server' ? 'Server' : 'Workstation'} ${src} (${from.name}) ` +
          `${whatHappened(t)} ${toRole} ${dst} (${to.name}) on ${portList(rec.proto, t.ports)}` +
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
        },
      });
    },
  };
}
