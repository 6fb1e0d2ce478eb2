/**
 * auth.anonymous_access — a service inside the site that can ask for a
 * password let a client in without one: a Redis server ran a client's
 * commands before any AUTH, an MQTT broker accepted a CONNECT that carried
 * neither a user name nor a password, a SQL Server accepted a login with an
 * empty password (the classic blank `sa`), a PostgreSQL server let a client
 * in without asking for any password (trust). Open Redis and database
 * servers are how cryptominer worms and ransom bots get in (Redis: an SSH
 * key or a cron job written through CONFIG SET; SQL Server: xp_cmdshell);
 * open brokers leak and accept every device's messages. Internet scanners
 * find them within hours (T1190, exploit public-facing application).
 *
 * Judged for clients outside the site by default (the service is exposed);
 * `internal_clients` judges the inside too, where applications often use an
 * unprotected cache on purpose. A Redis connection is judged only when its
 * start was captured (the client's SYN, not picked up midstream, when a
 * sign-in may have gone by unseen), at its end or its first `flow.long`
 * snapshot; an MQTT connection at its CONNACK; a database at its sign-in's
 * `auth` event (`no_password`). Severity 4 for Redis and the databases (they
 * hand out files and commands on the server) and 3 for MQTT from outside; 2
 * while every client listed is inside. One alert per server and service within the dedup interval,
 * listing the clients.
 */
import { z } from 'zod';
import { defineDetector, isSnapshot } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import { shortText } from '../util/cut-text.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import type { RedisLogEvent } from '../protocols/redis/events.js';

/** Services judged. */
const SERVICES = ['redis', 'mqtt', 'mssql', 'postgresql'] as const;
type Service = (typeof SERVICES)[number];

/** Clients and commands (or client ids) listed per alert. */
const MAX_LISTED = 10;
/** Redis connections followed until they end. */
const MAX_CONNECTIONS = 20000;
/** (server, service) tallies kept. */
const MAX_TALLIES = 10000;
/** Longest command name or client id copied into evidence (client-chosen text). */
const MAX_EVIDENCE_TEXT = 128;
/** Redis commands any client may send before signing in, whose success proves nothing. */
const BEFORE_SIGN_IN = new Set(['QUIT', 'RESET']);

export const OPTIONS = detectorOptions({
  /** Services judged. */
  services: z.array(z.enum(SERVICES)).default([...SERVICES]),
  /** Judge clients inside the site too (applications often use an unprotected cache or broker on purpose). */
  internal_clients: z.boolean().default(false),
  /** Servers never judged (CIDRs, addresses or network names): public brokers and caches run open on purpose. */
  allowed_servers: z.array(hostEntryField).default([]),
});

/** A Redis connection's verdict so far: undecided, open (commands ran without a sign-in) or not judged. */
interface RedisConnection {
  open: boolean;
  done: boolean;
  commands: string[];
}

interface Tally {
  clients: string[];
  /** A client outside the site was among them (the service is exposed). */
  outside: boolean;
  connections: number;
  /** Redis: commands run; MQTT: client ids; databases: users. */
  seen: string[];
}

/** True for a command that signs in: AUTH, or HELLO with its AUTH option. */
function signsIn(e: RedisLogEvent): boolean {
  const name = e.record['cmd.name'];
  if (name === 'AUTH') return true;
  return name === 'HELLO' && e.args.some((a) => a.toUpperCase() === 'AUTH');
}

/** What each service is called in a message. */
const SERVICE_NAMES: Readonly<Record<Service, string>> = { redis: 'Redis', mqtt: 'MQTT broker', mssql: 'SQL Server', postgresql: 'PostgreSQL' };
/** The evidence key of what `seen` lists. */
const SEEN_KEYS: Readonly<Record<Service, string>> = { redis: 'commands', mqtt: 'client_ids', mssql: 'users', postgresql: 'users' };

function isService(s: string): s is Service {
  return (SERVICES as readonly string[]).includes(s);
}

function addListed(list: string[], item: string): void {
  if (list.length < MAX_LISTED && !list.includes(item)) list.push(item);
}

export default defineDetector({
  id: 'auth.anonymous_access',
  name: 'Service open without a password',
  description: 'A Redis server ran commands, an MQTT broker accepted a connection, or a SQL Server or PostgreSQL server accepted a login, from a client that gave no password: a data store or message bus open to whoever reaches it.',
  severity: 4,
  category: ['authentication', 'network'],
  technique: 'T1190',
  subscribes: ['redis', 'mqtt_connect', 'auth', 'flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const services = new Set<Service>(o.services);
    const allowed = ctx.site.hostSet(o.allowed_servers);
    const redisConnections = new LruMap<string, RedisConnection>(MAX_CONNECTIONS);
    const tallies = new LruMap<string, Tally>(MAX_TALLIES);

    /** Whether a connection from `client` to `server` is judged at all. */
    function judged(client: string, server: string): boolean {
      if (!ctx.site.isInternal(server) || allowed.has(server)) return false;
      if (ctx.excluded(client) || ctx.excluded(server)) return false;
      return o.internal_clients || !ctx.site.isInternal(client);
    }

    function report(ts: number, service: Service, client: string, clientPort: number, server: string, port: number, seen: readonly string[], uid: string): void {
      const key = `${server}|${port}|${service}`;
      const t = openTally(ctx, tallies, key, () => ({ clients: [], outside: false, connections: 0, seen: [] }));
      t.connections++;
      addListed(t.clients, client);
      for (const s of seen) addListed(t.seen, s);
      // An outside client seen once keeps the alert at the exposed service's severity.
      if (!ctx.site.isInternal(client)) t.outside = true;
      const severity = !t.outside ? 2 : service === 'mqtt' ? 3 : 4;
      const who = joinAnd(t.clients.map((c) => hostLabel(ctx.site, c)));
      const at = `${SERVICE_NAMES[service]} on ${hostLabel(ctx.site, server)} port ${port}`;
      const listed = t.seen.join(', ');
      const message =
        service === 'redis'
          ? `${at} ran commands from ${who} without a password${listed !== '' ? ` (${listed})` : ''}`
          : service === 'mqtt'
            ? `${at} accepted ${who} without a user name or password${listed !== '' ? ` (client id ${listed})` : ''}`
            : `${at} let ${who} sign in${listed !== '' ? ` as ${listed}` : ''} without a password`;
      ctx.report({
        ts,
        key,
        severity,
        source: { ip: client, port: clientPort },
        destination: { ip: server, port },
        transport: 'tcp',
        message: message + (t.connections > 1 ? `; ${plural(t.connections, 'connection')}` : ''),
        evidence: {
          service,
          clients: [...t.clients],
          connections: t.connections,
          [SEEN_KEYS[service]]: [...t.seen],
          from_inside: !t.outside,
          uid,
        },
      });
    }

    return {
      redis(e) {
        if (!services.has('redis')) return;
        const r = e.record;
        let c = redisConnections.get(e.uid);
        if (c?.done === true) return;
        if (c === undefined) {
          if (!judged(r['id.orig_h'], r['id.resp_h'])) return;
          c = { open: false, done: false, commands: [] };
          redisConnections.set(e.uid, c);
        }
        const name = r['cmd.name'];
        if (signsIn(e) || (!c.open && r.success === false)) {
          // Signed in (or tried), or refused (NOAUTH, protected mode): this connection says nothing of open access.
          c.done = !c.open;
          return;
        }
        if (r.success !== true || BEFORE_SIGN_IN.has(name)) return;
        c.open = true;
        addListed(c.commands, shortText(name, MAX_EVIDENCE_TEXT));
      },
      auth(e) {
        if (e.no_password !== true || e.outcome !== 'success' || !isService(e.service) || !services.has(e.service)) return;
        if (!judged(e.client, e.server)) return;
        report(e.ts, e.service, e.client, e.client_port, e.server, e.server_port, e.user !== undefined ? [shortText(e.user, MAX_EVIDENCE_TEXT)] : [], e.uid);
      },
      mqtt_connect(e) {
        if (!services.has('mqtt') || !e.accepted || !e.anonymous) return;
        const r = e.record;
        if (!judged(r['id.orig_h'], r['id.resp_h'])) return;
        report(r.ts, 'mqtt', r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'], [shortText(r.client_id === '' ? '(empty)' : r.client_id, MAX_EVIDENCE_TEXT)], e.uid);
      },
      'flow.end'(e) {
        const rec = e.record;
        const c = redisConnections.get(rec.uid);
        if (c === undefined || (isSnapshot(e) && !c.open)) return;
        redisConnections.delete(rec.uid);
        if (!c.open) return;
        // Only a connection whose start was captured: picked up midstream, a sign-in may have gone by unseen.
        if (e.openedWithAck === true || !(rec.history ?? '').includes('S')) return;
        const ts = isSnapshot(e) ? e.ts : rec.ts + (rec.duration ?? 0);
        report(ts, 'redis', rec['id.orig_h'], rec['id.orig_p'], rec['id.resp_h'], rec['id.resp_p'], c.commands, rec.uid);
      },
    };
  },
});
