/**
 * auth.cleartext — passwords crossing the network readable (T1040: what a
 * sniffing intruder collects): FTP and Telnet logins, HTTP Basic and login
 * forms (urlencoded, JSON or in the URI's query), POP3 and
 * IMAP logins, SMTP AUTH PLAIN/LOGIN without STARTTLS, LDAP simple binds
 * with a password, PostgreSQL's cleartext password method, SNMP v1/v2c
 * communities, Redis AUTH, MQTT CONNECT passwords (auth events
 * flagged `cleartext` by their analyzers). Anonymous FTP is not counted.
 *
 * By default only sign-ins that cross the Internet (client or server
 * public): a password sent over the Internet in clear is exposed to every
 * network between. `internal: true` also reports them inside the site (an
 * audit of the LAN: legacy FTP, applications binding to LDAP with simple
 * binds), at severity 2.
 *
 * One alert per server and service within the dedup interval, listing the
 * accounts and clients: the fix is on the server (require TLS).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { hostLabel, joinAnd } from './host-text.js';
import { plural } from '../alerts/alert.js';

/** (server, service) tallies kept. */
const MAX_TALLIES = 10000;
/** Accounts and clients listed per alert. */
const MAX_LISTED = 10;
/** Accounts that carry no secret (an e-mail address by convention). */
const ANONYMOUS = new Set(['anonymous', 'ftp']);

export const OPTIONS = detectorOptions({
  /** Also report sign-ins between internal hosts (severity 2). */
  internal: z.boolean().default(false),
  /** Services judged (auth event service names). */
  services: z.array(z.string().min(1)).default(['ftp', 'telnet', 'http', 'pop3', 'imap', 'smtp', 'ldap', 'postgresql', 'snmp', 'socks', 'redis', 'mqtt', 'mssql']),
});

interface Tally {
  users: Set<string>;
  clients: Set<string>;
  logins: number;
  accepted: number;
}

export default defineDetector({
  id: 'auth.cleartext',
  name: 'Password sent in clear text',
  description: 'A password crossed the network readable (FTP, Telnet, HTTP Basic or a login form, POP3, IMAP, SMTP AUTH, LDAP simple bind, PostgreSQL): anyone on the path can take it.',
  severity: 3,
  category: ['network'],
  technique: 'T1040',
  subscribes: ['auth'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const services = new Set(o.services);
    const tallies = new LruMap<string, Tally>(MAX_TALLIES);
    return {
      auth(e) {
        if (e.cleartext !== true || !services.has(e.service)) return;
        if (e.user !== undefined && ANONYMOUS.has(e.user.toLowerCase())) return;
        const clientIn = ctx.site.isInternal(e.client);
        const serverIn = ctx.site.isInternal(e.server);
        const internet = !clientIn || !serverIn;
        if (!internet && !o.internal) return;
        if (ctx.excluded(e.client) || ctx.excluded(e.server)) return;
        const key = `${e.server}|${e.server_port}|${e.service}`;
        const t = openTally(ctx, tallies, key, () => ({ users: new Set<string>(), clients: new Set<string>(), logins: 0, accepted: 0 }));
        t.logins++;
        if (e.outcome === 'success') t.accepted++;
        if (e.user !== undefined && t.users.size < MAX_LISTED) t.users.add(e.user);
        if (t.clients.size < MAX_LISTED) t.clients.add(e.client);
        const service = e.service === 'postgresql' ? 'PostgreSQL' : e.service.toUpperCase();
        const where = internet ? (serverIn ? 'from the Internet' : 'over the Internet') : 'inside the site';
        ctx.report({
          ts: e.ts,
          key,
          severity: internet ? 3 : 2,
          source: { ip: e.client, port: e.client_port },
          destination: { ip: e.server, port: e.server_port },
          transport: e.transport,
          message:
            `${service} on ${hostLabel(ctx.site, e.server)} port ${e.server_port} received ${plural(t.logins, e.service === 'snmp' ? 'community string' : 'password')} in clear text ${where}` +
            (t.users.size > 0 ? `, for ${joinAnd([...t.users])},` : '') +
            ` from ${joinAnd([...t.clients].map((c) => hostLabel(ctx.site, c)))}`,
          evidence: {
            service: e.service,
            users: [...t.users],
            clients: [...t.clients],
            logins: t.logins,
            accepted: t.accepted,
            internet,
            detail: e.detail ?? null,
          },
        });
      },
    };
  },
});
