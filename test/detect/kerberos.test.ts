/** kerberos.kerberoasting and kerberos.asrep_roasting: thresholds, exclusions, dedup and memory bounds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, harness, kdc, only } from './harness.js';
import { checkConfigText } from '../../src/config/load.js';
import { retainedBytes } from '../helpers/heap.js';

const KR = 'kerberos.kerberoasting';
const AS = 'kerberos.asrep_roasting';
/** An RC4 ticket issued to a Windows client that offered AES first (a service account without AES keys). */
const rc4 = { ticket_etype: 23 };
/** Rubeus /rc4opsec: RC4 alone requested. */
const rc4Only = { ticket_etype: 23, request_etypes: [23] };
/** Impacket GetUserSPNs: RC4 first, then DES3, DES and the TGT's own etype. */
const impacket = { ticket_etype: 23, request_etypes: [23, 16, 3, 18] };

test('kerberoasting: one RC4 ticket the client asked for alone alerts, naming client, account, SPN, etypes and KDC', () => {
  const h = harness(SITE_YAML);
  h.emit(kdc(1000, { ...rc4Only, service: 'MSSQLSvc/sql1.corp.example:1433' }));
  const a = only(h.finish(), KR);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.deepEqual(a[0]!.destination, { ip: '10.77.1.5', port: 88 });
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.threat.technique.id, 'T1558.003');
  assert.equal(
    a[0]!.message,
    '10.77.2.20 requested a service ticket for MSSQLSvc/sql1.corp.example:1433 encrypted with rc4-hmac as alice@CORP.EXAMPLE, offering a weak encryption type first (Kerberoasting tools ask for RC4; Windows asks for AES first)',
  );
  assert.deepEqual(a[0]!.evidence.services, ['MSSQLSvc/sql1.corp.example:1433']);
  assert.deepEqual(a[0]!.evidence.accounts, ['alice@CORP.EXAMPLE']);
  assert.deepEqual(a[0]!.evidence.ticket_etypes, ['rc4-hmac']);
  assert.deepEqual(a[0]!.evidence.requested_etypes, ['rc4-hmac']);
  assert.deepEqual(a[0]!.evidence.kdcs, ['10.77.1.5']);
  assert.equal(a[0]!.evidence.downgraded_requests, 1);
});

test('kerberoasting: Impacket\'s RC4-first request alerts; weak_request: false turns that off', () => {
  const h = harness(SITE_YAML);
  h.emit(kdc(1000, { ...impacket, service: 'HTTP/web1.corp.example' }));
  assert.equal(only(h.finish(), KR).length, 1);
  const off = harness(`${SITE_YAML}detectors:\n  kerberos.kerberoasting: { weak_request: false }\n`);
  off.emit(kdc(1000, { ...impacket, service: 'HTTP/web1.corp.example' }));
  assert.equal(only(off.finish(), KR).length, 0);
});

test('kerberoasting: an RC4-first request answered with an AES ticket is no downgrade', () => {
  const h = harness(SITE_YAML);
  h.emit(kdc(1000, { request_etypes: [23, 18], ticket_etype: 18 }));
  assert.equal(only(h.finish(), KR).length, 0);
});

test('kerberoasting: RC4 tickets after an AES offer: 4 distinct SPNs in 10 min no, 5 yes', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 4; i++) h1.emit(kdc(1000 + i * 60, { ...rc4, service: `MSSQLSvc/sql${i}.corp.example:1433` }));
  // The same SPN again is not a new service.
  h1.emit(kdc(1300, { ...rc4, service: 'MSSQLSvc/sql0.corp.example:1433' }));
  assert.equal(only(h1.finish(), KR).length, 0);

  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 5; i++) h2.emit(kdc(1000 + i * 60, { ...rc4, service: `MSSQLSvc/sql${i}.corp.example:1433` }));
  const a = only(h2.finish(), KR);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 obtained crackable service tickets for 5 services (rc4-hmac) in 4 min as alice@CORP.EXAMPLE');
  assert.equal(a[0]!.count, 5);
  assert.equal(a[0]!.evidence.weak_services_count, 5);
  assert.equal(a[0]!.evidence.downgraded_requests, 0);
  assert.deepEqual(a[0]!.evidence.requested_etypes, ['aes256-cts-hmac-sha1-96', 'aes128-cts-hmac-sha1-96', 'rc4-hmac', 'rc4-hmac-exp', 'unknown--135']);

  // Spread over more than the window: no alert.
  const h3 = harness(SITE_YAML);
  for (let i = 0; i < 5; i++) h3.emit(kdc(1000 + i * 200, { ...rc4, service: `MSSQLSvc/sql${i}.corp.example:1433` }));
  assert.equal(only(h3.finish(), KR).length, 0);
});

test('kerberoasting: tickets for many services in any encryption: 19 no, 20 yes (severity 2)', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 19; i++) h1.emit(kdc(1000 + i, { service: `HTTP/app${i}.corp.example` }));
  assert.equal(only(h1.finish(), KR).length, 0);
  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) h2.emit(kdc(1000 + i, { service: `HTTP/app${i}.corp.example` }));
  const a = only(h2.finish(), KR);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.equal(a[0]!.message, '10.77.2.20 requested service tickets for 20 services in 19 s as alice@CORP.EXAMPLE');
  assert.equal((a[0]!.evidence.services as string[]).length, 10, 'a bounded sample');
  assert.deepEqual(a[0]!.evidence.ticket_etypes, ['aes256-cts-hmac-sha1-96']);
});

test('kerberoasting: krbtgt, the client\'s own machine account and user-to-user tickets are never counted', () => {
  const h = harness(SITE_YAML);
  const routine = [
    { principal: 'alice', service: 'krbtgt/CORP.EXAMPLE' },
    { principal: 'WS20$', service: 'HOST/ws20.corp.example' },
    { principal: 'WS20$', service: 'RestrictedKrbHost/WS20' },
    { principal: 'WS20$', service: 'ws20$' },
    { principal: 'alice', service: 'alice' },
  ];
  for (let i = 0; i < 25; i++) h.emit(kdc(1000 + i, { ...rc4Only, ...routine[i % routine.length]! }));
  assert.equal(only(h.finish(), KR).length, 0);
  // Another machine's host SPN is a service like any other.
  const other = harness(SITE_YAML);
  other.emit(kdc(1000, { ...rc4Only, principal: 'WS20$', service: 'HOST/ws21.corp.example' }));
  assert.equal(only(other.finish(), KR).length, 1);
});

test('kerberoasting: excluded clients and ignored services are not judged', () => {
  const h = harness(`${SITE_YAML}detectors:\n  kerberos.kerberoasting:\n    exclude: [10.77.2.20]\n    ignore_services: ["MSSQLSvc/legacy*"]\n`);
  h.emit(kdc(1000, { ...rc4Only }));
  h.emit(kdc(1001, { ...rc4Only, client: '10.77.2.21', service: 'MSSQLSvc/legacy-db.corp.example:1433' }));
  h.emit(kdc(1002, { ...rc4Only, client: '10.77.2.22', service: 'MSSQLSvc/sql1.corp.example:1433' }));
  const a = only(h.finish(), KR);
  assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.22']);
});

test('kerberoasting: weak_etypes by name or number; AES counts when listed', () => {
  const h = harness(`${SITE_YAML}detectors:\n  kerberos.kerberoasting: { weak_etypes: [rc4-hmac, 17] }\n`);
  h.emit(kdc(1000, { request_etypes: [17], ticket_etype: 17 }));
  const a = only(h.finish(), KR);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.ticket_etypes, ['aes128-cts-hmac-sha1-96']);
  const bad = checkConfigText('detectors:\n  kerberos.kerberoasting:\n    weak_etypes: [rc4-hmac, rc5]\n', 'picket.yaml');
  assert.equal(bad.config, null);
  assert.equal(bad.problems.length, 1);
  assert.equal(bad.problems[0]!.line, 3);
  assert.equal(bad.problems[0]!.path, 'detectors["kerberos.kerberoasting"].weak_etypes[1]');
  assert.match(bad.problems[0]!.message, /is not an encryption type/);
});

test('kerberoasting: one alert per client, every further ticket merged; another client is another alert', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 7; i++) h.emit(kdc(1000 + i, { ...rc4Only, service: `MSSQLSvc/sql${i}.corp.example:1433` }));
  h.emit(kdc(1010, { ...rc4Only, client: '10.77.2.30', principal: 'bob' }));
  const a = only(h.finish(), KR);
  assert.equal(a.length, 2);
  const first = a.find((x) => x.source.ip === '10.77.2.20')!;
  assert.equal(first.count, 7);
  assert.equal(first.evidence.weak_services_count, 7);
  assert.match(first.message, /^10\.77\.2\.20 requested service tickets for 7 services encrypted with rc4-hmac in 6 s as alice@CORP\.EXAMPLE, offering a weak/);
  // A later, milder match (volume only) does not replace the downgrade's message or severity.
  const h2 = harness(SITE_YAML);
  h2.emit(kdc(1000, { ...rc4Only, service: 'MSSQLSvc/sql1.corp.example:1433' }));
  for (let i = 0; i < 25; i++) h2.emit(kdc(1001 + i, { service: `HTTP/app${i}.corp.example` }));
  const b = only(h2.finish(), KR);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.event.severity, 3);
  assert.match(b[0]!.message, /offering a weak encryption type first/);
  assert.equal(b[0]!.count, 8, 'the downgrade (the first of 26 services), then the 20th to 26th');
});

test('kerberoasting: failed requests, AS exchanges and replies without a service are not counted', () => {
  const h = harness(SITE_YAML);
  h.emit(kdc(1000, { ...rc4Only, success: false, error_code: 7, ticket_etype: -1 }));
  h.emit(kdc(1001, { ...rc4Only, request_type: 'AS', service: 'HTTP/x.corp.example' }));
  h.emit(kdc(1002, { ...rc4Only, service: '' }));
  assert.equal(only(h.finish(), KR).length, 0);
});

test('kerberoasting: tracked clients are bounded (max_tracked), evictions reported', () => {
  const h = harness(`${SITE_YAML}detectors:\n  kerberos.kerberoasting: { max_tracked: 100 }\n`);
  for (let i = 0; i < 150; i++) h.emit(kdc(1000 + i * 0.01, { ...rc4, client: `10.77.2.${i + 1}` }));
  h.finish();
  // Two windows (weak SPNs and all SPNs) each dropped 50 clients.
  assert.equal(h.engine.stats().state_evictions[KR], 100);
});

test('kerberoasting: service names kept in evidence do not keep long messages alive', () => {
  const kept = retainedBytes(() => {
    const h = harness(SITE_YAML);
    for (let c = 0; c < 200; c++) {
      for (let i = 0; i < 10; i++) h.emit(kdc(1000 + i, { ...rc4, client: `10.77.2.${c}`, service: `HTTP/${c}-${i}.`.padEnd(32 * 1024, 'x') }));
    }
    return h;
  });
  // 2,000 SPNs of 32 KiB are 128 MB as UTF-16; cut to 256 characters, a few MB.
  assert.ok(kept < 12 * 1024 * 1024, `${kept} bytes kept`);
});

/** An AS exchange of `user` without pre-authentication answered by `answer`. */
function asExchange(ts: number, user: string, answer: 'rep' | 'preauth' | 'unknown', more: Parameters<typeof kdc>[1] = {}) {
  return kdc(ts, {
    request_type: 'AS',
    principal: user,
    service: 'krbtgt/CORP.EXAMPLE',
    preauth: false,
    request_etypes: [23],
    success: answer === 'rep',
    ticket_etype: answer === 'rep' ? 18 : -1,
    reply_etype: answer === 'rep' ? 23 : -1,
    error_code: answer === 'rep' ? -1 : answer === 'preauth' ? 25 : 6,
    ...more,
  });
}

test('AS-REP roasting: one RC4 AS-REP without pre-authentication alerts, naming the account', () => {
  const h = harness(SITE_YAML);
  h.emit(asExchange(1000, 'svc-backup', 'rep'));
  const a = only(h.finish(), AS);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.threat.technique.id, 'T1558.004');
  assert.equal(a[0]!.message, '10.77.2.20 received a crackable rc4-hmac AS-REP for svc-backup@CORP.EXAMPLE, an account that does not require Kerberos pre-authentication');
  assert.deepEqual(a[0]!.evidence.roastable_accounts, ['svc-backup@CORP.EXAMPLE']);
  assert.deepEqual(a[0]!.evidence.reply_etypes, ['rc4-hmac']);
  assert.deepEqual(a[0]!.evidence.kdcs, ['10.77.1.5']);
});

test('AS-REP roasting: pre-authenticated, AES (unless any_etype) and request-less replies do not alert', () => {
  const h = harness(SITE_YAML);
  h.emit(asExchange(1000, 'alice', 'rep', { preauth: true }));
  h.emit(asExchange(1001, 'bob', 'rep', { reply_etype: 18, request_etypes: [18, 17, 23] }));
  h.emit(asExchange(1002, 'carol', 'rep', { request_seen: false, request_etypes: [] }));
  assert.equal(only(h.finish(), AS).length, 0);
  const any = harness(`${SITE_YAML}detectors:\n  kerberos.asrep_roasting: { any_etype: true }\n`);
  any.emit(asExchange(1001, 'bob', 'rep', { reply_etype: 18 }));
  const a = only(any.finish(), AS);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 received a aes256-cts-hmac-sha1-96 AS-REP for bob@CORP.EXAMPLE, an account that does not require Kerberos pre-authentication');
});

test('AS-REP roasting: enumeration without pre-authentication: 19 distinct accounts in 5 min no, 20 yes', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 19; i++) h1.emit(asExchange(1000 + i, `user${i}`, i % 2 === 0 ? 'preauth' : 'unknown'));
  // Machine accounts and repeats do not add.
  h1.emit(asExchange(1030, 'WS20$', 'preauth'));
  h1.emit(asExchange(1031, 'USER0', 'preauth'));
  assert.equal(only(h1.finish(), AS).length, 0);

  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) h2.emit(asExchange(1000 + i, `user${i}`, i % 2 === 0 ? 'preauth' : 'unknown'));
  const a = only(h2.finish(), AS);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 asked the KDC for 20 accounts without pre-authentication in 19 s (10 exist and require it, 10 unknown)');
  assert.equal(a[0]!.count, 20);
  assert.equal((a[0]!.evidence.accounts as string[]).length, 10);
  assert.equal(a[0]!.evidence.preauth_required, 10);
  assert.equal(a[0]!.evidence.unknown_accounts, 10);

  // Other errors (a clock skew, a revoked account) are no answer about the account.
  const h3 = harness(SITE_YAML);
  for (let i = 0; i < 25; i++) h3.emit(asExchange(1000 + i, `user${i}`, 'preauth', { error_code: 37 }));
  assert.equal(only(h3.finish(), AS).length, 0);
});

test('AS-REP roasting: a roastable reply found during enumeration stays the subject; one alert per client; excluded clients ignored', () => {
  const h = harness(`${SITE_YAML}detectors:\n  kerberos.asrep_roasting: { exclude: [10.77.2.99] }\n`);
  for (let i = 0; i < 30; i++) h.emit(asExchange(1000 + i, `user${i}`, i === 7 ? 'rep' : 'unknown'));
  for (let i = 0; i < 30; i++) h.emit(asExchange(1000 + i, `user${i}`, 'rep', { client: '10.77.2.99' }));
  const a = only(h.finish(), AS);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.message, '10.77.2.20 received a crackable rc4-hmac AS-REP for user7@CORP.EXAMPLE, an account that does not require Kerberos pre-authentication, asking for 30 accounts in 29 s');
  assert.equal(a[0]!.count, 12, 'the reply, then the 20th to 30th accounts');
});

test('AS-REP roasting: tracked clients are bounded (max_tracked), evictions reported', () => {
  const h = harness(`${SITE_YAML}detectors:\n  kerberos.asrep_roasting: { max_tracked: 100 }\n`);
  for (let i = 0; i < 150; i++) h.emit(asExchange(1000 + i * 0.01, 'alice', 'preauth', { client: `10.77.2.${i + 1}` }));
  h.finish();
  assert.equal(h.engine.stats().state_evictions[AS], 50);
});

test('excluding the domain controller leaves its own requests out, not the ones others send its KDC', () => {
  const yaml = SITE_YAML + 'detectors:\n  kerberos.kerberoasting: { exclude: [10.77.1.5] }\n  kerberos.asrep_roasting: { exclude: [10.77.1.5] }\n';
  const h = harness(yaml);
  // The DC replicating: many tickets of its own.
  for (let i = 0; i < 25; i++) h.emit(kdc(1000 + i, { client: '10.77.1.5', kdc: '10.77.1.6', principal: 'DC01$', service: `ldap/dc${i}.corp.example` }));
  // A workstation roasting through that DC's KDC.
  h.emit(kdc(1100, { ...rc4Only, service: 'MSSQLSvc/sql1.corp.example:1433' }));
  for (let i = 0; i < 5; i++) h.emit(kdc(1200 + i, { request_type: 'AS', principal: `svc${i}`, service: 'krbtgt/CORP.EXAMPLE', preauth: false, ticket_etype: 23, reply_etype: 23 }));
  const alerts = h.finish();
  assert.deepEqual(only(alerts, KR).map((a) => a.source.ip), ['10.77.2.20']);
  assert.deepEqual([...new Set(only(alerts, AS).map((a) => a.source.ip))], ['10.77.2.20']);
});
