/** auth.bruteforce: failure counts and hidden-outcome connection counts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, auth, harness, only, session } from './harness.js';

const RULE = 'auth.bruteforce';

test('29 SSH failures in 30 min: no alert; 30: alert (Zeek default)', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 29; i++) h1.emit(auth(1000 + i * 60, { user: `u${i % 3}` }));
  assert.equal(only(h1.finish(), RULE).length, 0);

  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 30; i++) h2.emit(auth(1000 + i * 60, { user: `u${i % 3}` }));
  const a = only(h2.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'failures');
  assert.deepEqual(a[0]!.evidence.users, ['u0', 'u1', 'u2']);
  assert.equal(a[0]!.count, 30);
  assert.equal(a[0]!.message, '10.77.2.20 failed 30 SSH logins on 10.77.1.10 in 29 min');
});

test('FTP uses 20 in 15 min; successes do not count', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 19; i++) h.emit(auth(1000 + i, { service: 'ftp', server_port: 21 }));
  for (let i = 0; i < 10; i++) h.emit(auth(1100 + i, { service: 'ftp', server_port: 21, outcome: 'success' }));
  assert.equal(only(h.finish(), RULE).length, 0);
  h.emit(auth(1200, { service: 'ftp', server_port: 21 }));
  assert.equal(only(h.finish(), RULE).length, 1);
});

test('failures spread beyond the window do not add up', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 60; i++) h.emit(auth(1000 + i * 120, {})); // one per 2 min: 15 per 30 min
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('short SSH connections count where outcomes are hidden: 14 no, 15 yes', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 14; i++) h1.emit(session({ ts: 1000 + i * 5, 'id.resp_p': 22, service: 'ssh', duration: 3 }));
  assert.equal(only(h1.finish(), RULE).length, 0);

  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 15; i++) h2.emit(session({ ts: 1000 + i * 5, 'id.resp_p': 22, service: 'ssh', duration: 3 }));
  const a = only(h2.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'connections');
  assert.match(a[0]!.message, /opened 15 short SSH connections to 10\.77\.1\.10 in 1\.2 min|in 70 s/);
});

test('long sessions and connections with their own auth event are not guesses', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 30; i++) h.emit(session({ ts: 1000 + i * 5, 'id.resp_p': 22, duration: 600 }));
  for (let i = 0; i < 30; i++) {
    const s = session({ ts: 2000 + i * 5, 'id.resp_p': 22, duration: 2 });
    h.emit(auth(2000 + i * 5, { uid: s.record.uid, outcome: 'success' }));
    h.emit(s);
  }
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('per-service thresholds are configurable', () => {
  const h = harness(SITE_YAML + `detectors:\n  auth.bruteforce:\n    failures: { ssh: { threshold: 3, window: 1m } }\n    connections: { ssh: false }\n`);
  for (let i = 0; i < 20; i++) h.emit(session({ ts: 1000 + i, 'id.resp_p': 22, duration: 1 }));
  assert.equal(only(h.finish(), RULE).length, 0);
  for (let i = 0; i < 3; i++) h.emit(auth(2000 + i));
  assert.equal(only(h.finish(), RULE).length, 1);
});

test('connections whose auth outcome is unknown (RDP) still count as connections', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) {
    const s = session({ ts: 1000 + i * 10, 'id.resp_p': 3389, duration: 4 });
    h.emit(auth(1000 + i * 10, { uid: s.record.uid, service: 'rdp', server_port: 3389, outcome: 'unknown' }));
    h.emit(s);
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.service, 'rdp');
  assert.equal(a[0]!.evidence.mode, 'connections');
});

test('user names kept for evidence are cut (an LDAP bind DN can be as long as the message)', () => {
  const h = harness(SITE_YAML);
  const dn = `CN=${'x'.repeat(10000)},DC=corp,DC=example`;
  for (let i = 0; i < 20; i++) h.emit(auth(1000 + i, { service: 'ldap', server_port: 389, user: `${dn}${i % 2}` }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  const users = a[0]!.evidence.users as string[];
  assert.equal(users.length, 1, 'names alike in their first 128 characters are one');
  assert.equal(users[0], dn.slice(0, 128));
});

test('an unknown account asked again is a retry, not a guess; distinct unknown accounts count; the transport is the event one', () => {
  const krb = { service: 'kerberos', server_port: 88, transport: 'udp' as const, unknown_user: true as const };
  const h1 = harness(SITE_YAML);
  // A client stuck on one name it cannot spell: 40 identical refusals, no password ever checked.
  for (let i = 0; i < 40; i++) h1.emit(auth(1000 + i, { ...krb, user: 'enterprise_principal@AD' }));
  assert.equal(only(h1.finish(), RULE).length, 0);

  const h2 = harness(SITE_YAML);
  // Account enumeration: 20 different names refused.
  for (let i = 0; i < 20; i++) h2.emit(auth(1000 + i, { ...krb, user: `user${i}` }));
  const a = only(h2.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.network?.transport, 'udp');
  assert.equal(a[0]!.message, '10.77.2.20 tried 20 Kerberos accounts the server does not know on 10.77.1.10 in 19 s (account enumeration)');
  assert.equal(a[0]!.evidence['unknown_accounts_only'], true);

  const h3 = harness(SITE_YAML);
  // Enumeration with one wrong password for a real account among it: guessing, worded as failures.
  for (let i = 0; i < 19; i++) h3.emit(auth(1000 + i, { ...krb, user: `user${i}` }));
  h3.emit(auth(1019, { service: 'kerberos', server_port: 88, transport: 'udp', user: 'alice' }));
  const b = only(h3.finish(), RULE);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.message, '10.77.2.20 failed 20 Kerberos logins on 10.77.1.10 in 19 s');
  assert.equal(b[0]!.evidence['unknown_accounts_only'], false);
});

test('the message and first_seen cover the whole attack, not only the failures up to the threshold', () => {
  const h = harness(SITE_YAML);
  // 30 FTP failures a second apart; the threshold (20 in 15 min) is crossed at the 20th.
  for (let i = 0; i < 30; i++) h.emit(auth(1000 + i, { service: 'ftp', server_port: 21 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 30);
  assert.equal(a[0]!.message, '10.77.2.20 failed 30 FTP logins on 10.77.1.10 in 29 s');
  assert.equal(a[0]!.first_seen, new Date(1000 * 1000).toISOString());
  assert.equal(a[0]!.last_seen, new Date(1029 * 1000).toISOString());
});

test('one SSH connection with several guesses (hydra reuses connections) counts every guess once it has ended short', () => {
  // hydra -t 4 against OpenSSH: 5 passwords per connection, so 8 connections are 40 guesses.
  const h = harness(SITE_YAML);
  for (let i = 0; i < 8; i++) {
    const s = session({ ts: 1000 + i, 'id.resp_p': 22, service: 'ssh', duration: 0.2 });
    h.emit(auth(1000 + i, { uid: s.record.uid, attempts: 5, detail: 'size heuristic, 5 attempts' }));
    h.emit(s);
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'failures');
  assert.equal(a[0]!.count, 40);
  assert.equal(a[0]!.message, '10.77.2.20 failed 40 SSH logins on 10.77.1.10 in 7 s');
});

test('guesses of a long connection count once, and one connection counts for at most 10', () => {
  // Past max_duration the connection is a session whose success the size heuristic missed.
  const long = harness(SITE_YAML);
  for (let i = 0; i < 29; i++) {
    const s = session({ ts: 1000 + i * 60, 'id.resp_p': 22, service: 'ssh', duration: 600 });
    long.emit(auth(1000 + i * 60, { uid: s.record.uid, attempts: 40 }));
    long.emit(s);
  }
  assert.equal(only(long.finish(), RULE).length, 0);
  // Short, but an implausible 40 guesses: 10 each, so 2 connections stay under 30 and 3 reach it.
  for (const [connections, alerts] of [[2, 0], [3, 1]] as const) {
    const capped = harness(SITE_YAML);
    for (let i = 0; i < connections; i++) {
      const s = session({ ts: 1000 + i, 'id.resp_p': 22, service: 'ssh', duration: 1 });
      capped.emit(auth(1000 + i, { uid: s.record.uid, attempts: 40 }));
      capped.emit(s);
    }
    assert.equal(only(capped.finish(), RULE).length, alerts, `${connections} connections`);
  }
});

test('a connection with its own auth event stays out of the count however many others with auth events ended meanwhile', () => {
  const h = harness(SITE_YAML);
  // An SSH login whose outcome the analyzer told, still open while 60,000 other told connections come and go.
  const told = session({ ts: 1000, 'id.resp_p': 22, service: 'ssh', duration: 3 });
  h.emit(auth(1000, { uid: told.record.uid, outcome: 'success' }));
  for (let i = 0; i < 60_000; i++) {
    const other = session({ ts: 1000, 'id.orig_h': '10.77.2.99', 'id.resp_p': 443, duration: 1 });
    h.emit(auth(1000, { uid: other.record.uid, client: '10.77.2.99', service: 'http', server_port: 443, outcome: 'success' }));
    h.emit(other);
  }
  // 14 short SSH connections without auth events, then the told one ends: 14, below the threshold of 15.
  for (let i = 0; i < 14; i++) h.emit(session({ ts: 1001 + i, 'id.resp_p': 22, service: 'ssh', duration: 3 }));
  h.emit(told);
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('HTTP login forms (outcome not shown): 20 different passwords in 15 min alert; one password sent again and again never does', () => {
  const form = (ts: number, tag: number, user = 'admin') =>
    auth(ts, { service: 'http', server_port: 80, outcome: 'unknown', user, cleartext: true, secret_tag: tag, detail: 'password in a form (field "pwd"), POST /wp-login.php: 200 OK' });
  // A script signing in with its one password every 20 s for an hour.
  const script = harness(SITE_YAML);
  for (let i = 0; i < 180; i++) script.emit(form(1000 + i * 20, 0xbeef));
  assert.deepEqual(only(script.finish(), RULE), []);
  // A user who mistypes a few times.
  const human = harness(SITE_YAML);
  for (let i = 0; i < 4; i++) human.emit(form(1000 + i * 30, i));
  assert.deepEqual(only(human.finish(), RULE), []);
  // Guessing: 19 different passwords, each sent twice, do not reach the threshold; the 20th does.
  const h = harness(SITE_YAML);
  for (let i = 0; i < 19; i++) {
    h.emit(form(1000 + i * 10, 1000 + i));
    h.emit(form(1005 + i * 10, 1000 + i));
  }
  assert.deepEqual(only(h.finish(), RULE), []);
  h.emit(form(1300, 5000));
  const [a] = only(h.finish(), RULE);
  assert.ok(a !== undefined);
  assert.equal(a.evidence.mode, 'failures');
  assert.equal(a.evidence.service, 'http');
  assert.equal(a.evidence.outcomes_hidden, true);
  assert.deepEqual(a.evidence.users, ['admin']);
  assert.equal(a.message, '10.77.2.20 tried 20 HTTP logins with different passwords (or failed them) on 10.77.1.10 in 5 min');
  // The same passwords for different accounts are different guesses (credential stuffing).
  const stuffing = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) stuffing.emit(form(1000 + i, 7, `user${i}`));
  assert.equal(only(stuffing.finish(), RULE).length, 1);
});
