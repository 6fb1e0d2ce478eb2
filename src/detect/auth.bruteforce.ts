/**
 * auth.bruteforce — password guessing, counted two ways per (client, service):
 *
 * 1. Failures: `auth` events with outcome "failure" (FTP 530, Telnet, HTTP
 *    401, LDAP invalidCredentials, Kerberos PREAUTH_FAILED, SMB/NTLM, SSH
 *    heuristic...). Zeek's defaults: 30 SSH failures in 30 min, 20 FTP
 *    failures in 15 min; other services default to 20 in 15 min. A failure
 *    standing for several guesses in one connection (SSH: hydra, medusa and
 *    ncrack try up to MaxAuthTries passwords per connection, which the size
 *    heuristic counts) adds each guess, up to MAX_GUESSES_PER_CONNECTION,
 *    once the connection has ended within `max_duration`: Zeek counts one
 *    per connection, so 40 hydra guesses in 11 connections stayed under its
 *    30, and those connections, having an outcome, were not in the
 *    connection count either.
 * 2. Connections, for services whose outcome is hidden (encrypted: SSH, RDP,
 *    TLS mail, LDAPS) or that have no outcome parser: short connections that
 *    reached the service, as ET's SYN-count rules do. Connections whose
 *    analyzer reported a success or failure are left to the first count;
 *    an "unknown" outcome (RDP with NLA/TLS) still counts as a connection. Zeek misses Hydra on
 *    SSH because its failure heuristic fires once per connection (zeek
 *    #1552), which is why connections are counted at all. A connection with
 *    its own auth event is left to the failure count, and connections longer
 *    than `max_duration` are real sessions, not guesses.
 *
 *    A sign-in whose outcome the protocol does not show but whose password
 *    it does (an HTTP login form: the reply is a page or a redirect either
 *    way) counts as a failure when its password is new for that client,
 *    server and account within the window (`secret_tag`, a keyed digest):
 *    guessing sends many different passwords, a script that signs in again
 *    and again sends one.
 *
 * Both counts use the same dedup key (client + service), so one attack is
 * one alert whichever count fires first. Counting is per client across all
 * servers (ET `track by_src`), which also catches fast password spraying;
 * slow spraying (many accounts, each tried once, under these rates) is
 * auth.spray's, which counts distinct accounts per client over a longer window.
 *
 * 3. Distributed guessing: one account whose logins fail from many different
 *    clients (`distributed`: 10 clients in 15 min), a botnet sharing out the
 *    guesses against one account so that no client reaches the rates above.
 *    An account is the domain's for directory services (Kerberos, LDAP, SMB:
 *    counted across the domain controllers) and one server's otherwise (root
 *    on one SSH server). Not counted: failures without a user name, accounts
 *    the server does not know (Kerberos C_PRINCIPAL_UNKNOWN: no password was
 *    checked, and a misconfigured client on many hosts asks for the same
 *    missing name), and `distributed.ignore_users` (machine accounts,
 *    anonymous, guest). The thresholds are ours, not taken from a published
 *    rule. Its dedup key is the account, its count the number of distinct
 *    clients.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, portField, thresholdField } from '../config/fields.js';
import { RateWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { responderAnswered } from './tcp-attempt.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { cutText } from '../util/cut-text.js';
import { burstOf } from './burst.js';
import { DEFAULT_IGNORED_USERS, DIRECTORY_SERVICES, FailureBreadth, MAX_USER_LENGTH, accountName, serviceLabel as label, userMatcher } from './auth-accounts.js';
import type { AuthEvent } from '../events/auth.js';

/** Clients tracked per service counter. */
const MAX_CLIENTS = 50000;
/**
 * Open connections remembered as "has its own auth event" (auth arrives
 * before flow.end, which forgets the connection), and failures waiting for
 * their connection's end (moreGuesses).
 */
const MAX_AUTH_UIDS = 50000;
/**
 * Most guesses one failed connection counts for. OpenSSH allows 6
 * (MaxAuthTries), some servers 10; past that a size-heuristic count is
 * misreading session traffic.
 */
const MAX_GUESSES_PER_CONNECTION = 10;
/** Users / servers listed per alert. */
const MAX_LISTED = 10;
/** Directory services: an account there is the domain's, failing on any of its servers. */
const DIRECTORY = new Set(DIRECTORY_SERVICES);

const failureEntry = z.strictObject({ threshold: thresholdField(20), window: durationField('15m') });
const connectionEntry = z.strictObject({
  ports: z.array(portField).min(1),
  threshold: thresholdField(20),
  window: durationField('2m'),
});

/** Failure thresholds by service (Zeek: SSH 30/30 min, FTP 20/15 min). */
export const DEFAULT_FAILURES: Readonly<Record<string, { threshold: number; window: number }>> = Object.freeze({
  ssh: { threshold: 30, window: 1800 },
  ftp: { threshold: 20, window: 900 },
});

/**
 * Connection thresholds for hidden-outcome services, from ET's SYN-count rules
 * where they exist (VNC 5/60 s, POP3 30/120 s, IMAP 30/60 s, RDP 20/360 s).
 * SSH is 15/120 s rather than ET's 5/120 s (an inbound-from-Internet rule):
 * inside a network, automation routinely opens five SSH sessions in two
 * minutes. Databases are 30/60 s rather than ET's 5/60 s for the same reason
 * (connection-per-request applications); exclude app servers if needed.
 */
export const DEFAULT_CONNECTIONS: Readonly<Record<string, { ports: number[]; threshold: number; window: number }>> = Object.freeze({
  ssh: { ports: [22], threshold: 15, window: 120 },
  rdp: { ports: [3389], threshold: 20, window: 360 },
  vnc: { ports: [5900, 5800], threshold: 5, window: 60 },
  telnet: { ports: [23], threshold: 10, window: 120 },
  smb: { ports: [445], threshold: 50, window: 300 },
  ldaps: { ports: [636], threshold: 50, window: 300 },
  pop3: { ports: [110, 995], threshold: 30, window: 120 },
  imap: { ports: [143, 993], threshold: 30, window: 60 },
  smtp: { ports: [465, 587], threshold: 30, window: 120 },
  mysql: { ports: [3306], threshold: 30, window: 60 },
  postgresql: { ports: [5432], threshold: 30, window: 60 },
  mssql: { ports: [1433], threshold: 30, window: 60 },
});

const distributedEntry = z.strictObject({
  /** Distinct clients failing for one account within `window`. */
  threshold: thresholdField(10),
  window: durationField('15m'),
  /** Account names (globs, case-insensitive) never counted: machine accounts, anonymous and guest logins. */
  ignore_users: z.array(z.string().min(1)).default([...DEFAULT_IGNORED_USERS]),
});

export const OPTIONS = detectorOptions({
  /** Per-service failure thresholds merged over DEFAULT_FAILURES; `false` turns a service off. */
  failures: z.record(z.string(), z.union([z.literal(false), failureEntry])).default({}),
  /** Threshold for services not listed in `failures` (Zeek's FTP figure). */
  default_failures: failureEntry.prefault({}),
  /** Per-service connection thresholds merged over DEFAULT_CONNECTIONS; `false` turns a service off. */
  connections: z.record(z.string(), z.union([z.literal(false), connectionEntry])).default({}),
  /** Connections lasting longer than this are sessions, not guesses. */
  max_duration: durationField('30s'),
  /** Many clients failing for one account (distributed guessing); `false` turns it off. */
  distributed: z.union([z.literal(false), distributedEntry]).prefault({}),
});

/** A key's users and servers for the evidence, in first-seen order (at most MAX_LISTED each: arrays cost less than sets). */
interface Tally {
  users: string[];
  servers: string[];
  /** Sign-ins without a shown outcome (new passwords in login forms) are among the counted. */
  untold: boolean;
  /** A failure for an account the server knows is among the counted (false: only unknown names, i.e. account enumeration). */
  guessed: boolean;
  /** An alert was reported from this tally. */
  reported: boolean;
}

/**
 * `list` with `value` added when new and the list is not full: a new array
 * for the first value (a push would reserve room for 16).
 */
function listed(list: string[], value: string): string[] {
  if (list.length === 0) return [value];
  if (list.length < MAX_LISTED && !list.includes(value)) list.push(value);
  return list;
}

/** What untold sign-ins varied, for the message: communities (SNMP), passwords for one account, or account and password pairs. */
function untoldGuesses(service: string, accounts: number): string {
  if (service === 'snmp') return 'different communities';
  return accounts > 1 ? 'new account and password pairs' : 'different passwords';
}

export default defineDetector({
  id: 'auth.bruteforce',
  name: 'Password guessing',
  description: 'Many failed logins, or many short connections to a password-protected service, from one client; or failed logins as one account from many clients.',
  severity: 3,
  category: ['authentication', 'network'],
  technique: 'T1110',
  subscribes: ['auth', 'flow.end'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const failureCfg = new Map<string, { threshold: number; window: number }>();
    for (const [s, v] of Object.entries(DEFAULT_FAILURES)) failureCfg.set(s, v);
    const disabledFailures = new Set<string>();
    for (const [s, v] of Object.entries(o.failures)) {
      if (v === false) disabledFailures.add(s);
      else failureCfg.set(s, v);
    }
    /** The failure threshold and window in force for `service`. */
    const failureRule = (service: string): { threshold: number; window: number } => failureCfg.get(service) ?? o.default_failures;
    const failureCounters = new Map<string, RateWindow>();
    const counterFor = (service: string): RateWindow | null => {
      let c = failureCounters.get(service);
      if (c === undefined) {
        if (disabledFailures.has(service)) return null;
        const cfg = failureRule(service);
        c = new RateWindow({ window: cfg.window, capacity: cfg.threshold, maxKeys: MAX_CLIENTS });
        failureCounters.set(service, c);
        ctx.bounded(c);
      }
      return c;
    };

    const merged: Record<string, { ports: number[]; threshold: number; window: number } | false> = { ...DEFAULT_CONNECTIONS, ...o.connections };
    const byPort = new Map<number, { service: string; counter: RateWindow; window: number }>();
    for (const [service, v] of Object.entries(merged)) {
      if (v === false) continue;
      const counter = new RateWindow({ window: v.window, capacity: v.threshold, maxKeys: MAX_CLIENTS });
      ctx.bounded(counter);
      for (const p of v.ports) byPort.set(p, { service, counter, window: v.window });
    }

    /** Connections whose login outcome an auth event told, until they end (they are not counted as bare connections). */
    const authUids = new LruMap<string, true>(MAX_AUTH_UIDS);
    /** Failures standing for several guesses, until their connection ends (auth arrives before flow.end). */
    const moreGuesses = new LruMap<string, AuthEvent>(MAX_AUTH_UIDS);
    /** (client, service, user) -> when an unknown-account failure of that name was last counted. */
    const unknownNames = new LruMap<string, number>(MAX_CLIENTS);
    /** (client, server, service, user, password digest) -> when that password was last counted as a guess. */
    const triedPasswords = new LruMap<string, number>(MAX_CLIENTS);
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);
    const tally = (key: string, user: string | undefined, server: string): Tally => {
      let t = tallies.get(key);
      // Restart once the alert this tally fed has been emitted; before any alert, keep collecting.
      if (t === undefined || (t.reported && ctx.held(key) === undefined)) {
        t = { users: [], servers: [], untold: false, guessed: false, reported: false };
        tallies.set(key, t);
      }
      if (user !== undefined && t.users.length < MAX_LISTED) t.users = listed(t.users, cutText(user, MAX_USER_LENGTH));
      t.servers = listed(t.servers, server);
      return t;
    };
    const target = (t: Tally, fallback: string): string =>
      t.servers.length > 1 ? `${formatCount(t.servers.length)} servers` : fallback;

    /** Distinct clients per account: (service, account) for directory services, (service, server, account) otherwise. */
    const distributed =
      o.distributed === false
        ? null
        : {
            ...o.distributed,
            clients: new FailureBreadth({ threshold: o.distributed.threshold, window: o.distributed.window, maxKeys: MAX_CLIENTS }),
            ignored: userMatcher(o.distributed.ignore_users),
          };
    if (distributed !== null) ctx.bounded(distributed.clients);

    /** Counts a failed login of `e` towards its account's distinct clients; reports at the threshold. */
    const guessedFromMany = (e: AuthEvent, service: string, d: NonNullable<typeof distributed>): void => {
      // No password was checked for an unknown account; no account, nothing to guess.
      if (e.unknown_user === true) return;
      const account = accountName(service, e.user);
      if (account === undefined || d.ignored(account)) return;
      const domainWide = DIRECTORY.has(service);
      const key = domainWide ? `account|${service}|${account}` : `account|${service}|${e.server}|${account}`;
      const r = d.clients.add(key, e.client, e.server, service, e.ts, ctx.held(key));
      if (r === null) return;
      const on = r.servers.length > 1 ? `${formatCount(r.servers.length)} servers` : e.server;
      ctx.report({
        ts: e.ts,
        key,
        // Many clients: the alert's subject is the account and the server it is on.
        destination: { ip: e.server, port: e.server_port },
        network: ctx.site.networkOf(e.server)?.name,
        transport: e.transport === 'udp' ? 'udp' : 'tcp',
        count: r.added,
        firstSeen: r.first,
        message:
          `${r.capped ? 'at least ' : ''}${formatCount(r.total)} clients failed ${label(service)} logins as ${account} ` +
          `on ${on} in ${formatDuration(e.ts - r.first)}`,
        evidence: {
          mode: 'distributed',
          service,
          user: account,
          clients_count: r.total,
          clients_in_window: r.inWindow,
          threshold: d.threshold,
          window_seconds: d.window,
          clients: r.sample,
          servers: r.servers,
          last_client: e.client,
          last_detail: e.detail ?? null,
        },
      });
    };

    /**
     * Counts `weight` failures of `e` (several when one connection carried
     * several guesses) and reports once the service's threshold is reached.
     */
    const fail = (e: AuthEvent, service: string, counter: RateWindow, weight: number): void => {
      // The window holds at most `threshold` failures: guesses past it still count in the alert.
      const before = weight > 1 ? counter.count(e.client, e.ts) : 0;
      let n = 0;
      for (let i = 0; i < weight; i++) n = counter.add(e.client, e.ts);
      const key = `${e.client}|${service}`;
      // Users and servers are collected from the first failure on, so evidence is complete.
      const t = tally(key, e.user, e.server);
      if (e.outcome === 'unknown') t.untold = true;
      if (e.unknown_user !== true) t.guessed = true;
      if (n < counter.capacity) return;
      const b = burstOf(ctx.held(key), Math.max(n, before + weight), counter.oldest(e.client), e.ts, weight);
      t.reported = true;
      ctx.report({
        ts: e.ts,
        key,
        source: { ip: e.client, port: e.client_port },
        destination: { ip: e.server, port: e.server_port },
        transport: e.transport === 'udp' ? 'udp' : 'tcp',
        count: b.count,
        firstSeen: b.first,
        message: t.untold
          ? `${e.client} tried ${formatCount(b.total)} ${label(service)} logins with ${untoldGuesses(service, t.users.length)} (or failed them) on ${target(t, e.server)} in ${formatDuration(e.ts - b.first)}`
          : t.guessed
            ? `${e.client} failed ${formatCount(b.total)} ${label(service)} logins on ${target(t, e.server)} in ${formatDuration(e.ts - b.first)}`
            : `${e.client} tried ${formatCount(b.total)} ${label(service)} accounts the server does not know on ${target(t, e.server)} in ${formatDuration(e.ts - b.first)} (account enumeration)`,
        evidence: {
          mode: 'failures',
          service,
          failures_in_window: n,
          outcomes_hidden: t.untold,
          unknown_accounts_only: !t.guessed,
          window_seconds: failureRule(service).window,
          users: [...t.users],
          servers: [...t.servers],
          last_detail: e.detail ?? null,
        },
      });
    };

    return {
      auth(e) {
        // Only a known outcome takes a connection out of the connection count
        // (RDP, for one, reports "unknown" for every connection).
        if (e.outcome !== 'unknown') authUids.set(e.uid, true);
        const untold = e.outcome === 'unknown' && e.secret_tag !== undefined;
        if (e.outcome !== 'failure' && !untold) return;
        if (ctx.excluded(e.client) || ctx.excluded(e.server)) return;
        const service = e.service.toLowerCase();
        const counter = counterFor(service);
        if (counter === null) return;
        if (untold) {
          // Outcome not shown: a password new within the window is a guess, the same one again is not.
          const name = `${e.client}|${e.server}|${service}|${e.user ?? ''}|${e.secret_tag}`;
          const last = triedPasswords.get(name);
          const window = failureRule(service).window;
          triedPasswords.set(name, e.ts);
          if (last !== undefined && e.ts - last < window) return;
          fail(e, service, counter, 1);
          return;
        }
        if (distributed !== null) guessedFromMany(e, service, distributed);
        if (e.unknown_user === true) {
          // No password was tried: a name asked again within the window is a retry, not a guess.
          const name = `${e.client}|${service}|${e.user ?? ''}`;
          const last = unknownNames.get(name);
          const window = failureRule(service).window;
          if (last !== undefined && e.ts - last < window) return;
          unknownNames.set(name, e.ts);
        }
        fail(e, service, counter, 1);
        // The connection's other guesses count once its end shows it was short (see flow.end).
        if (e.attempts !== undefined && e.attempts > 1) moreGuesses.set(e.uid, e);
      },
      'flow.end'(e) {
        const rec = e.record;
        const authed = authUids.delete(rec.uid);
        const guessed = moreGuesses.get(rec.uid);
        if (guessed !== undefined) {
          moreGuesses.delete(rec.uid);
          // A long connection is a session whose success the heuristic missed, not a guessing round.
          if ((rec.duration ?? 0) <= o.max_duration) {
            const service = guessed.service.toLowerCase();
            const counter = counterFor(service);
            if (counter !== null) fail(guessed, service, counter, Math.min(guessed.attempts!, MAX_GUESSES_PER_CONNECTION) - 1);
          }
        }
        if (rec.proto !== 'tcp') return;
        const svc = byPort.get(rec['id.resp_p']);
        if (svc === undefined) return;
        if (authed) return;
        if (!responderAnswered(rec) || (rec.duration ?? 0) > o.max_duration) return;
        const client = rec['id.orig_h'];
        const server = rec['id.resp_h'];
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const n = svc.counter.add(client, rec.ts);
        const key = `${client}|${svc.service}`;
        const t = tally(key, undefined, server);
        if (n < svc.counter.capacity) return;
        const b = burstOf(ctx.held(key), n, svc.counter.oldest(client), rec.ts);
        t.reported = true;
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: client, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: server, port: rec['id.resp_p'] },
          transport: 'tcp',
          count: b.count,
          firstSeen: b.first,
          message: `${client} opened ${formatCount(b.total)} short ${label(svc.service)} connections to ${target(t, server)} in ${formatDuration(rec.ts - b.first)}, the pattern of password guessing`,
          evidence: {
            mode: 'connections',
            service: svc.service,
            connections_in_window: n,
            window_seconds: svc.window,
            max_duration_seconds: o.max_duration,
            servers: [...t.servers],
          },
        });
      },
    };
  },
});
