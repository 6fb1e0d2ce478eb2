/**
 * auth.spray (distinct accounts failing from one client over a long window)
 * and auth.bruteforce's distributed count (distinct clients failing as one
 * account), with auth events spread over hours of packet time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, auth, harness, only } from './harness.js';
import { retainedBytes } from '../helpers/heap.js';
import { FailureBreadth, MAX_ALERT_MEMBERS, accountName } from '../../src/detect/auth-accounts.js';
import type { AuthEvent } from '../../src/events/auth.js';
import type { HeldView } from '../../src/detect/detector.js';

const SPRAY = 'auth.spray';
const BRUTE = 'auth.bruteforce';
const MIN = 60;
const HOUR = 3600;
const T0 = 1_700_000_000;

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];

/** A Kerberos AS-REQ refused for a wrong password, from a workstation to the DC 10.77.1.5. */
function krbFail(ts: number, user: string, a: Partial<AuthEvent> = {}): AuthEvent {
  return auth(ts, { service: 'kerberos', server: '10.77.1.5', server_port: 88, transport: 'udp', user: `${user}/CORP.EXAMPLE`, detail: 'KDC_ERR_PREAUTH_FAILED', ...a });
}

test('a slow Kerberos spray over 12 accounts (one every 5 min) is one auth.spray alert with the count and a sample of 10; auth.bruteforce misses it', () => {
  const h = harness(SITE_YAML);
  NAMES.forEach((name, i) => {
    h.emit(krbFail(T0 + i * 5 * MIN, name));
    // The spray finds carol's password: her success does not take her, or anyone, out of the count.
    if (name === 'carol') h.emit(krbFail(T0 + i * 5 * MIN + 30, name, { outcome: 'success', detail: 'AS-REP' }));
  });
  const alerts = h.finish();
  const a = only(alerts, SPRAY);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.ip, '10.77.1.5');
  assert.equal(a[0]!.network?.transport, 'udp');
  assert.equal(a[0]!.count, 12, 'the alert counts distinct accounts');
  assert.equal(a[0]!.message, '10.77.2.20 sprayed 12 accounts with failed Kerberos logins on 10.77.1.5 in 55 min');
  assert.equal(a[0]!.first_seen, new Date(T0 * 1000).toISOString());
  assert.equal(a[0]!.last_seen, new Date((T0 + 55 * MIN) * 1000).toISOString());
  assert.equal(a[0]!.rule.id, SPRAY);
  assert.equal(a[0]!.threat.technique.id, 'T1110.003');
  const ev = a[0]!.evidence;
  assert.equal(ev.scope, 'directory');
  assert.deepEqual(ev.services, ['kerberos']);
  assert.equal(ev.accounts_count, 12);
  assert.equal(ev.accounts_in_window, 12);
  assert.equal(ev.threshold, 10);
  assert.equal(ev.window_seconds, HOUR);
  assert.deepEqual(ev.users, NAMES.slice(0, 10), 'a bounded sample, in the order the accounts were tried');
  assert.deepEqual(ev.servers, ['10.77.1.5']);
  assert.equal(ev.last_user, 'oscar');
  // 12 failures in 55 minutes are far under every failure rate: the gap this rule fills.
  assert.equal(only(alerts, BRUTE).length, 0);
});

test('accounts the server does not know are named as enumeration: all of them ("tried"), or how many of the sprayed', () => {
  const sip = { service: 'sip', server: '10.77.1.10', server_port: 5060, transport: 'udp' as const };
  const h = harness(SITE_YAML);
  // svwar: REGISTERs for extensions 1000-1011, each answered 404.
  for (let i = 0; i < 12; i++) h.emit(auth(T0 + i, { ...sip, user: String(1000 + i), unknown_user: true, detail: 'REGISTER 404 Not Found' }));
  const [walk] = only(h.finish(), SPRAY);
  assert.equal(walk!.message, '10.77.2.20 tried 12 accounts with failed SIP logins on 10.77.1.10 in 11 s, all unknown to the server (account enumeration)');
  assert.equal(walk!.evidence.unknown_accounts, 12);

  const k = harness(SITE_YAML);
  // A Kerberos spray in which 4 of the 10 names do not exist.
  NAMES.slice(0, 10).forEach((name, i) => k.emit(krbFail(T0 + i * MIN, name, i < 4 ? { unknown_user: true, detail: 'KDC_ERR_C_PRINCIPAL_UNKNOWN' } : {})));
  const [spray] = only(k.finish(), SPRAY);
  assert.equal(spray!.message, '10.77.2.20 sprayed 10 accounts with failed Kerberos logins on 10.77.1.5 in 9 min, 4 of them unknown to the server (account enumeration)');
  assert.equal(spray!.evidence.unknown_accounts, 4);
  assert.equal(spray!.evidence.accounts_count, 10);
});

test('9 accounts in an hour: no alert; the 10th: alert; 10 accounts spread over 63 min need a longer window', () => {
  const nine = harness(SITE_YAML);
  for (let i = 0; i < 9; i++) nine.emit(krbFail(T0 + i * 6 * MIN, NAMES[i]!));
  assert.equal(only(nine.finish(), SPRAY).length, 0);
  nine.emit(krbFail(T0 + 54 * MIN, NAMES[9]!));
  assert.equal(only(nine.finish(), SPRAY).length, 1);

  // One account every 7 minutes: never 10 within an hour.
  const slow = (yaml: string) => {
    const h = harness(SITE_YAML + yaml);
    for (let i = 0; i < 10; i++) h.emit(krbFail(T0 + i * 7 * MIN, NAMES[i]!));
    return only(h.finish(), SPRAY);
  };
  assert.equal(slow('').length, 0);
  const a = slow(`detectors:\n  auth.spray: { window: 2h }\n`);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.window_seconds, 2 * HOUR);
  assert.equal(a[0]!.count, 10);
});

test('a user mistyping their own password 40 times over a day is one account: no spray alert (nor any other)', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 40; i++) {
    const ts = T0 + i * 36 * MIN;
    // The same account written as each protocol writes it: Kerberos, NTLM inside SMB, an LDAP simple bind with a UPN.
    h.emit(krbFail(ts, 'Alice'));
    if (i % 4 === 0) h.emit(auth(ts + 5, { service: 'smb', server: '10.77.1.5', server_port: 445, user: 'CORP\\alice', detail: 'STATUS_LOGON_FAILURE (ntlm)' }));
    if (i % 4 === 1) h.emit(auth(ts + 5, { service: 'ldap', server: '10.77.1.5', server_port: 389, user: 'alice@corp.example' }));
    h.emit(krbFail(ts + 20, 'alice', { outcome: 'success', detail: 'AS-REP' }));
  }
  const alerts = h.finish();
  assert.equal(only(alerts, SPRAY).length, 0);
  assert.equal(only(alerts, BRUTE).length, 0);
});

test('three accounts failing again and again from one client do not alert', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 60; i++) h.emit(krbFail(T0 + i * 50, ['alice', 'alice.admin', 'svc_backup'][i % 3]!));
  assert.equal(only(h.finish(), SPRAY).length, 0);
});

test('Kerberos, LDAP and SMB count together as one directory; other services each on their own', () => {
  const dir = harness(SITE_YAML);
  for (let i = 0; i < 4; i++) dir.emit(krbFail(T0 + i * 4 * MIN, NAMES[i]!));
  for (let i = 4; i < 7; i++) dir.emit(auth(T0 + i * 4 * MIN, { service: 'ldap', server: '10.77.1.6', server_port: 389, user: `CN=${NAMES[i]!},OU=Staff,DC=corp,DC=example` }));
  for (let i = 7; i < 10; i++) dir.emit(auth(T0 + i * 4 * MIN, { service: 'smb', server: '10.77.1.7', server_port: 445, user: `CORP\\${NAMES[i]!}` }));
  const a = only(dir.finish(), SPRAY);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.services, ['kerberos', 'ldap', 'smb']);
  assert.deepEqual(a[0]!.evidence.servers, ['10.77.1.5', '10.77.1.6', '10.77.1.7']);
  assert.deepEqual(a[0]!.evidence.users, NAMES.slice(0, 10));
  assert.equal(a[0]!.message, '10.77.2.20 sprayed 10 accounts with failed Kerberos, LDAP and SMB logins on 3 servers in 36 min');

  // Five SSH accounts and five FTP accounts are five and five.
  const split = harness(SITE_YAML);
  for (let i = 0; i < 5; i++) split.emit(auth(T0 + i * 5 * MIN, { user: NAMES[i]! }));
  for (let i = 5; i < 10; i++) split.emit(auth(T0 + i * 5 * MIN, { service: 'ftp', server_port: 21, user: NAMES[i]! }));
  assert.equal(only(split.finish(), SPRAY).length, 0);

  // Ten SSH accounts on one host alert, under the service's own name.
  const ssh = harness(SITE_YAML);
  for (let i = 0; i < 10; i++) ssh.emit(auth(T0 + i * 5 * MIN, { user: NAMES[i]! }));
  const s = only(ssh.finish(), SPRAY);
  assert.equal(s.length, 1);
  assert.equal(s[0]!.evidence.scope, 'ssh');
  assert.equal(s[0]!.message, '10.77.2.20 sprayed 10 accounts with failed SSH logins on 10.77.1.10 in 45 min');
});

test('machine accounts, anonymous and guest are not counted unless ignore_users says otherwise; exclude silences a terminal server', () => {
  const run = (yaml: string) => {
    const h = harness(SITE_YAML + yaml);
    for (let i = 0; i < 12; i++) h.emit(krbFail(T0 + i * MIN, `PC${i}$`));
    h.emit(krbFail(T0 + 13 * MIN, 'guest'));
    return only(h.finish(), SPRAY);
  };
  assert.equal(run('').length, 0);
  const a = run(`detectors:\n  auth.spray: { ignore_users: [] }\n`);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 13);
  assert.equal(run(`detectors:\n  auth.spray: { ignore_users: [], exclude: [10.77.2.20] }\n`).length, 0);
});

test('a spray that goes on past the dedup interval is a second alert; accounts already counted do not add', () => {
  const h = harness(SITE_YAML);
  // 30 accounts, one every 4 minutes (2 h); a minute after each, the previous account is tried again.
  for (let i = 0; i < 30; i++) {
    h.emit(krbFail(T0 + i * 4 * MIN, `user${i}`));
    if (i > 0) h.emit(krbFail(T0 + i * 4 * MIN + MIN, `user${i - 1}`));
  }
  const a = only(h.finish(), SPRAY);
  assert.equal(a.length, 2);
  // The first opens at the 10th account (36 min); its dedup interval runs from its oldest failure (user0's retry at
  // 5 min), so it takes the new accounts up to 64 min: user0 to user16.
  assert.equal(a[0]!.count, 17);
  assert.equal(a[0]!.first_seen, new Date((T0 + 5 * MIN) * 1000).toISOString());
  assert.equal(a[0]!.last_seen, new Date((T0 + 64 * MIN) * 1000).toISOString(), 'retries of counted accounts do not move it');
  // The next opens once 10 accounts no alert counted have failed (user17 to user26, at 104 min), and takes the rest.
  assert.equal(a[1]!.count, 13);
  assert.equal(a[1]!.evidence.accounts_count, 13);
  assert.deepEqual((a[1]!.evidence.users as string[]).slice(0, 2), ['user17', 'user18']);
  assert.equal(a[0]!.count + a[1]!.count, 30, 'every account once');
});

test('distributed guessing: 10 clients failing as root on one SSH server alert (auth.bruteforce, mode distributed); 9 do not', () => {
  const run = (clients: number) => {
    const h = harness(SITE_YAML);
    for (let i = 0; i < clients; i++) {
      // Each client guesses twice, far under the per-client rate.
      for (let k = 0; k < 2; k++) h.emit(auth(T0 + i * MIN + k * 10, { client: `198.51.100.${i + 1}`, user: 'root' }));
    }
    return only(h.finish(), BRUTE);
  };
  assert.equal(run(9).length, 0);
  const a = run(12);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'distributed');
  assert.equal(a[0]!.source.ip, undefined, 'many clients: no one source');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(a[0]!.network?.name, 'servers', 'the network of the server the account is on');
  assert.equal(a[0]!.count, 12, 'distinct clients');
  assert.equal(a[0]!.message, '12 clients failed SSH logins as root on 10.77.1.10 in 11 min');
  assert.equal(a[0]!.evidence.user, 'root');
  assert.equal(a[0]!.evidence.clients_count, 12);
  assert.equal(a[0]!.evidence.window_seconds, 900);
  assert.deepEqual(a[0]!.evidence.clients, Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}`));
});

test('distributed: an account is one server\'s for SSH, the domain\'s for Kerberos; unknown, empty, machine and guest accounts never count', () => {
  // root on two SSH servers: two accounts, five clients each.
  const ssh = harness(SITE_YAML);
  for (let i = 0; i < 10; i++) ssh.emit(auth(T0 + i * MIN, { client: `198.51.100.${i + 1}`, server: i % 2 === 0 ? '10.77.1.10' : '10.77.1.11', user: 'root' }));
  assert.equal(only(ssh.finish(), BRUTE).length, 0);

  // administrator at two domain controllers: one account, ten clients.
  const krb = harness(SITE_YAML);
  for (let i = 0; i < 10; i++) krb.emit(krbFail(T0 + i * MIN, 'Administrator', { client: `10.77.2.${i + 100}`, server: i % 2 === 0 ? '10.77.1.5' : '10.77.1.6' }));
  const k = only(krb.finish(), BRUTE);
  assert.equal(k.length, 1);
  assert.equal(k[0]!.message, '10 clients failed Kerberos logins as administrator on 2 servers in 9 min');
  assert.deepEqual(k[0]!.evidence.servers, ['10.77.1.5', '10.77.1.6']);

  const quiet = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) {
    const client = `10.77.2.${i + 100}`;
    // A missing service account configured on 20 hosts: no password is checked.
    quiet.emit(krbFail(T0 + i * MIN, 'svc_missing', { client, unknown_user: true, detail: 'KDC_ERR_C_PRINCIPAL_UNKNOWN' }));
    quiet.emit(auth(T0 + i * MIN, { client, service: 'ftp', server_port: 21, user: '' }));
    quiet.emit(auth(T0 + i * MIN, { client, service: 'ftp', server_port: 21, user: 'anonymous' }));
    quiet.emit(auth(T0 + i * MIN, { client, service: 'smb', server_port: 445, user: 'WORKGROUP\\Guest' }));
    quiet.emit(krbFail(T0 + i * MIN, 'FILESRV01$', { client }));
    quiet.emit(auth(T0 + i * MIN, { client }));
  }
  assert.equal(only(quiet.finish(), BRUTE).length, 0);
});

test('distributed is tunable and can be turned off', () => {
  const run = (yaml: string) => {
    const h = harness(SITE_YAML + yaml);
    for (let i = 0; i < 5; i++) h.emit(auth(T0 + i * 5 * MIN, { client: `198.51.100.${i + 1}`, user: 'admin' }));
    return only(h.finish(), BRUTE);
  };
  assert.equal(run('').length, 0);
  assert.equal(run(`detectors:\n  auth.bruteforce:\n    distributed: { threshold: 5, window: 30m }\n`).length, 1);
  assert.equal(run(`detectors:\n  auth.bruteforce:\n    distributed: { threshold: 5, window: 15m }\n`).length, 0, '20 min apart');
  assert.equal(run(`detectors:\n  auth.bruteforce:\n    distributed: { threshold: 5, window: 30m, ignore_users: [adm*] }\n`).length, 0);
  assert.equal(run(`detectors:\n  auth.bruteforce:\n    distributed: false\n`).length, 0);
  // A service whose failures are not counted is not counted here either.
  assert.equal(run(`detectors:\n  auth.bruteforce:\n    distributed: { threshold: 5, window: 30m }\n    failures: { ssh: false }\n`).length, 0);
});

test('account names: one form per account, cut, and never a slice of a long DN', () => {
  assert.equal(accountName('kerberos', 'alice/CORP.EXAMPLE'), 'alice');
  assert.equal(accountName('kerberos', 'enterprise_principal@AD.VLADG.NET/VLADG.NET'), 'enterprise_principal');
  assert.equal(accountName('smb', 'CORP\\Alice'), 'alice');
  assert.equal(accountName('ldap', 'alice@corp.example'), 'alice');
  assert.equal(accountName('ldap', 'CN=Smith\\, Alice,OU=Staff,DC=corp,DC=example'), 'smith\\, alice');
  assert.equal(accountName('ldap', 'uid=alice+mail=a@x,ou=people,dc=example,dc=org'), 'alice');
  assert.equal(accountName('imap', 'Alice@Example.com'), 'alice@example.com', 'a mail login keeps its domain');
  assert.equal(accountName('ssh', '  '), undefined);
  assert.equal(accountName('smb', 'CORP\\'), undefined);
  assert.equal(accountName('ssh', undefined), undefined);
  assert.equal(accountName('ldap', `CN=${'x'.repeat(10000)},DC=corp`)!.length, 128);
});

test('memory: keys, accounts per client and clients per account stay within their bounds', () => {
  const b = new FailureBreadth({ threshold: 10, window: HOUR, maxKeys: 100, maxTotalMembers: 5000 });
  // 10,000 clients with three accounts each: at most 100 keys.
  for (let c = 0; c < 10_000; c++) for (let u = 0; u < 3; u++) b.add(`10.${c >> 8}.${c & 255}.1|ssh`, `u${u}`, '10.77.1.10', 'ssh', T0 + c, undefined);
  assert.ok(b.footprint.keys <= 100 && b.footprint.tallies <= 100, JSON.stringify(b.footprint));
  assert.ok(b.evictions >= 9_900);
  // One client spraying 100,000 names: its window holds MAX_ALERT_MEMBERS.
  let held: HeldView | undefined;
  for (let i = 0; i < 100_000; i++) {
    const r = b.add('10.77.2.20|directory', `user${i}`, '10.77.1.5', 'kerberos', T0 + 20_000 + i * 0.01, held);
    if (r !== null) held = { count: r.total, firstSeen: r.first, evidence: {} };
  }
  assert.equal(held!.count, MAX_ALERT_MEMBERS, 'the count stops at the cap');
  assert.ok(b.footprint.windowMembers <= 5000 && b.footprint.talliedMembers <= MAX_ALERT_MEMBERS, JSON.stringify(b.footprint));
  // 100 sprayers at once: the members across keys stay under the total.
  for (let c = 0; c < 100; c++) for (let i = 0; i < 200; i++) b.add(`10.77.3.${c}|directory`, `user${i}`, '10.77.1.5', 'kerberos', T0 + 30_000 + i, undefined);
  assert.ok(b.footprint.windowMembers <= 5000, JSON.stringify(b.footprint));
});

test('memory: a flood of long distinct user names from many clients keeps only cut names for the tracked clients', () => {
  let stats: Record<string, number> = {};
  const flood = (rules: string) =>
    retainedBytes(() => {
      const h = harness(`${SITE_YAML}detectors:\n  auth.bruteforce: { enabled: false }\n${rules}`);
      for (let c = 0; c < 20_000; c++) {
        for (let u = 0; u < 3; u++) {
          const dn = `CN=${`${c}-${u}`.padEnd(4096, 'x')},OU=Staff,DC=corp,DC=example`;
          h.emit(auth(T0 + c, { client: `10.${c >> 8}.${c & 255}.9`, service: 'ldap', server: '10.77.1.5', server_port: 389, user: dn }));
        }
      }
      stats = h.engine.stats().state_evictions;
      return h;
    });
  // What the engine and the other rules keep for these events (the lateral rules read auth events too).
  const others = flood('  auth.spray: { enabled: false }\n');
  const kept = flood('  auth.spray: { max_tracked: 1000 }\n') - others;
  assert.ok((stats[SPRAY] ?? 0) >= 19_000, JSON.stringify(stats));
  // Uncut, the 3,000 names of 1,000 clients were 12 MB; unbounded, 20,000 clients took 15 MB; measured about 1 MB.
  assert.ok(kept < 4 * 1024 * 1024, `${kept} bytes kept`);
});

test('memory: one client spraying 4,000 long names is one alert of "at least 1,000" accounts, and its state stays small', () => {
  let message: string | undefined;
  const spray = (rules: string) =>
    retainedBytes(() => {
      const h = harness(`${SITE_YAML}detectors:\n  auth.bruteforce: { distributed: false }\n${rules}`);
      for (let i = 0; i < 4000; i++) h.emit(krbFail(T0 + i * 0.1, `user${i}`.padEnd(16 * 1024, 'y')));
      const a = only(h.finish(), SPRAY);
      if (a.length > 0) message = a[0]!.message;
      return h;
    });
  const others = spray('  auth.spray: { enabled: false }\n');
  const kept = spray('') - others;
  assert.match(message ?? '', /^10\.77\.2\.20 sprayed at least 1,000 accounts with failed Kerberos logins on 10\.77\.1\.5 in /);
  // 1,000 names in the window and the alert's tally: uncut, 16 MB; cut to 128 characters, measured under 1 MB.
  assert.ok(kept < 4 * 1024 * 1024, `${kept} bytes kept`);
});

test('memory: a short account name taken out of a long bind DN does not keep the DN alive', () => {
  const kept = retainedBytes(() => {
    const names: (string | undefined)[] = [];
    for (let i = 0; i < 1000; i++) names.push(accountName('ldap', `CN=someone.called.number${i},${'OU=Unit,'.repeat(8000)}DC=corp`));
    return names;
  });
  // A slice of each 64 KB DN would keep 64 MB.
  assert.ok(kept < 1024 * 1024, `${kept} bytes kept`);
});

test('memory: 20,000 clients failing as one account are one distributed alert of "at least 1,000" clients', () => {
  const h = harness(`${SITE_YAML}detectors:\n  auth.spray: { enabled: false }\n`);
  for (let i = 0; i < 20_000; i++) h.emit(krbFail(T0 + i * 0.01, 'Administrator', { client: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` }));
  const a = only(h.finish(), BRUTE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /^at least 1,000 clients failed Kerberos logins as administrator on 10\.77\.1\.5 in 10 s$/);
  assert.equal(a[0]!.count, 1000);
  assert.equal((a[0]!.evidence.clients as string[]).length, 10);
});

/** A login form posted to 10.77.1.10:8081 whose reply does not tell the outcome, with the password's digest. */
function formSignIn(ts: number, user: string, tag: number, a: Partial<AuthEvent> = {}): AuthEvent {
  return auth(ts, { service: 'http', outcome: 'unknown', server: '10.77.1.10', server_port: 8081, user, secret_tag: tag, cleartext: true, detail: 'form log/pwd', ...a });
}

test('untold sign-ins: one password tried on 10 accounts is a spray; each user with their own password is not', () => {
  const h = harness(SITE_YAML);
  NAMES.slice(0, 10).forEach((name, i) => h.emit(formSignIn(T0 + i * MIN, name, 0xabc)));
  // A shared terminal server: ten users, each signing in with their own password, twice.
  NAMES.slice(0, 10).forEach((name, i) => {
    h.emit(formSignIn(T0 + i * MIN, name, 1000 + i, { client: '10.77.2.30' }));
    h.emit(formSignIn(T0 + i * MIN + 5, name, 1000 + i, { client: '10.77.2.30' }));
  });
  const a = only(h.finish(), SPRAY);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.count, 10);
  assert.equal(a[0]!.message, '10.77.2.20 tried one password on 10 accounts in HTTP sign-ins on 10.77.1.10 in 9 min (the replies do not tell the outcome)');
  assert.equal(a[0]!.evidence.outcomes_hidden, true);
  assert.equal(a[0]!.evidence.scope, 'http');
});

test('untold sign-ins without a password digest, or with 9 accounts per password, stay quiet; failures keep their own count', () => {
  const h = harness(SITE_YAML);
  // Two passwords, each tried on 9 accounts: no one password reached 10.
  NAMES.slice(0, 9).forEach((name, i) => {
    h.emit(formSignIn(T0 + i * MIN, name, 1));
    h.emit(formSignIn(T0 + i * MIN + 1, name, 2));
  });
  // Untold sign-ins without a digest (an HTTP Basic 404) say nothing of the password.
  NAMES.forEach((name, i) => h.emit(formSignIn(T0 + i * MIN, name, 0, { secret_tag: undefined, client: '10.77.2.31' })));
  assert.equal(only(h.finish(), SPRAY).length, 0);
});
