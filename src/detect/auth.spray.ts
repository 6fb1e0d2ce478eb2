/**
 * auth.spray — password spraying: one client failing to log in as many
 * different accounts, slowly enough to stay under auth.bruteforce's failure
 * rates (a few passwords tried once per account, one attempt every few
 * minutes: 12 accounts in an hour is 12 failures, where auth.bruteforce wants
 * 20 in 15 minutes).
 *
 * The signal is breadth, not rate: distinct accounts whose login failed from
 * one client within `window`, counted per service, and across the services of
 * the directory (`directory_services`: Kerberos, LDAP and SMB all check the
 * same Active Directory accounts, and a sprayer may switch between them).
 * Repeats of one account never add, so a user mistyping their own password
 * forty times is one account; successes do not reset the count (a spray that
 * finds one valid password goes on). Names are compared in one form per
 * account (auth-accounts.ts: "CORP\alice", "alice@corp.example" and Kerberos
 * "alice/CORP.EXAMPLE" are one), cut to 128 characters.
 *
 * Defaults, from published spraying detections: SigmaHQ's rules for
 * Windows logs (Mauricio Velazco, 2021, after Splunk's Active Directory
 * password spraying use case: "Valid Users Failing to Authenticate From
 * Single Source Using Kerberos", "Multiple Users Remotely Failing To
 * Authenticate From Single Source" and their variants) alert on more than
 * 10 distinct TargetUserName failing from one source address and drop
 * machine accounts (names ending in "$"); Splunk's own analytics flag more
 * than 10 distinct failing users per source in a few minutes. Hence 10
 * distinct accounts and `*$` ignored.
 * Sigma correlates over 24 h for hunting; the 1 h window here is ours: long
 * enough for one attempt every 6 minutes, short enough that a terminal
 * server's users mistyping over a working day do not add up. A longer window
 * (`window: 24h`) catches slower sprays at that cost.
 *
 * Alerts are per (client, service or directory): "10.77.2.20 sprayed 12
 * accounts with failed Kerberos logins on 10.77.1.10 in 55 min", with a
 * sample of the accounts; the count is the number of distinct accounts.
 *
 * Sign-ins whose outcome the protocol does not tell (a login form answers
 * 200 or a redirect either way) count when they carry the password's keyed
 * digest (`secret_tag`): the accounts tried with one and the same password
 * are counted per (client, scope, password), which is what spraying is, and
 * which a team's own users, each with their own password, do not add up to.
 * Such alerts say "tried one password on 12 accounts" and carry
 * `outcomes_hidden: true`.
 *
 * Failures for accounts the server does not know (Kerberos
 * C_PRINCIPAL_UNKNOWN, a SIP REGISTER answered 404) count too: no password
 * was checked, but trying name after name is account enumeration, the step
 * before spraying. The alert says how many of the accounts were unknown
 * (`unknown_accounts`), so enumeration is told apart from guessing.
 */
import { z } from 'zod';
import { DistinctWindow } from '../state/window.js';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { DEFAULT_IGNORED_USERS, DIRECTORY_SERVICES, FailureBreadth, MAX_ALERT_MEMBERS, accountName, serviceList, userMatcher } from './auth-accounts.js';

export const OPTIONS = detectorOptions({
  /** Distinct accounts failing from one client within `window` (SigmaHQ: more than 10). */
  threshold: thresholdField(10),
  /** Sliding window. Longer catches slower sprays; terminal servers and proxies then need `exclude`. */
  window: durationField('1h'),
  /** Services counted together per client, as one directory's accounts (lower-case service names). */
  directory_services: z.array(z.string().min(1).transform((s) => s.toLowerCase())).default([...DIRECTORY_SERVICES]),
  /** Account names (globs, case-insensitive) never counted: machine accounts, anonymous and guest logins. */
  ignore_users: z.array(z.string().min(1)).default([...DEFAULT_IGNORED_USERS]),
  /** (client, service) keys tracked at once; the least recently active is dropped beyond it. */
  max_tracked: z.number().int().min(100).default(50000),
});

export default defineDetector({
  id: 'auth.spray',
  name: 'Password spraying',
  description: 'One client failed to log in as many different accounts within a long window (password spraying), however slowly.',
  severity: 3,
  category: ['authentication', 'network'],
  technique: 'T1110.003',
  subscribes: ['auth'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const directory = new Set(o.directory_services);
    const ignored = userMatcher(o.ignore_users);
    const accounts = new FailureBreadth({ threshold: o.threshold, window: o.window, maxKeys: o.max_tracked });
    ctx.bounded(accounts);
    /** Per key, the distinct accounts the server said it does not know, within the window. */
    const unknown = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.threshold, MAX_ALERT_MEMBERS) });
    return {
      auth(e) {
        // An untold sign-in counts by its password: the accounts one password was tried on.
        const untold = e.outcome === 'unknown' && e.secret_tag !== undefined;
        if (e.outcome !== 'failure' && !untold) return;
        if (ctx.excluded(e.client) || ctx.excluded(e.server)) return;
        const service = e.service.toLowerCase();
        const account = accountName(service, e.user);
        if (account === undefined || ignored(account)) return;
        const scope = directory.has(service) ? 'directory' : service;
        const key = untold ? `${e.client}|${scope}|password ${e.secret_tag}` : `${e.client}|${scope}`;
        if (e.unknown_user === true) unknown.add(key, account, e.ts);
        const r = accounts.add(key, account, e.server, service, e.ts, ctx.held(key));
        if (r === null) return;
        const unknownAccounts = unknown.count(key, e.ts);
        // Every account unknown: names were tried, not passwords.
        const enumerated = unknownAccounts >= r.total;
        const enumeration = unknownAccounts === 0 ? '' : enumerated ? ', all unknown to the server (account enumeration)' : `, ${formatCount(unknownAccounts)} of them unknown to the server (account enumeration)`;
        const target = r.servers.length > 1 ? `${formatCount(r.servers.length)} servers` : e.server;
        ctx.report({
          ts: e.ts,
          key,
          source: { ip: e.client, port: e.client_port },
          destination: { ip: e.server, port: e.server_port },
          transport: e.transport === 'udp' ? 'udp' : 'tcp',
          count: r.added,
          firstSeen: r.first,
          message: untold
            ? `${e.client} tried one password on ${r.capped ? 'at least ' : ''}${formatCount(r.total)} accounts in ` +
              `${serviceList(r.services)} sign-ins on ${target} in ${formatDuration(e.ts - r.first)} (the replies do not tell the outcome)`
            : `${e.client} ${enumerated ? 'tried' : 'sprayed'} ${r.capped ? 'at least ' : ''}${formatCount(r.total)} accounts with failed ` +
              `${serviceList(r.services)} logins on ${target} in ${formatDuration(e.ts - r.first)}${enumeration}`,
          evidence: {
            scope,
            outcomes_hidden: untold,
            services: r.services,
            accounts_count: r.total,
            accounts_in_window: r.inWindow,
            unknown_accounts: unknownAccounts,
            threshold: o.threshold,
            window_seconds: o.window,
            users: r.sample,
            servers: r.servers,
            last_user: account,
            last_detail: e.detail ?? null,
          },
        });
      },
    };
  },
});
