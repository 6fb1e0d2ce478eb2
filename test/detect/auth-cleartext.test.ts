/**
 * auth.cleartext on real captures: the lab's HTTP Basic sign-ins to the
 * Internet host (test/lab/captures/cleartext-login.pcap), Zeek's FTP brute
 * force and LDAP simple binds (inside their sites: only with `internal`),
 * every other capture quiet by default; and on built auth events:
 * services, anonymous FTP, Internet versus inside, one alert per server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, auth, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import type { AuthEvent } from '../../src/events/auth.js';

const RULE = 'auth.cleartext';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const INTERNAL = 'detectors:\n  auth.cleartext: { internal: true }\n';

function run(events: AuthEvent[], yaml = SITE_YAML) {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

const basic = (ts: number, a: Partial<AuthEvent> = {}): AuthEvent =>
  auth(ts, { service: 'http', server: '203.0.113.80', server_port: 80, outcome: 'success', user: 'jdoe', cleartext: true, detail: 'Basic 200 OK', ...a });

test('cleartext-login.pcap: two HTTP Basic passwords to the Internet host make one alert; the LDAP bind inside is quiet', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'cleartext-login.pcap'), [RULE]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.threat.technique.id, 'T1040');
  assert.deepEqual(a[0]!.evidence.users, ['jdoe', 'backup']);
  assert.equal(a[0]!.message, 'HTTP on 198.51.100.10 port 80 received 2 passwords in clear text over the Internet, for jdoe and backup, from 10.77.2.20 and 10.77.2.21');
  const inside = await replayRuleAlerts(path.join(LAB, 'cleartext-login.pcap'), [RULE], INTERNAL);
  assert.deepEqual(inside.map((x) => [x.evidence.service, x.event.severity]), [['http', 3], ['ldap', 2]]);
});

test('Zeek\'s FTP brute force and LDAP simple binds are passwords in clear inside their sites', async () => {
  const ftp = await replayRuleAlerts(path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap'), [RULE], INTERNAL);
  assert.equal(ftp.length, 1);
  assert.equal(ftp[0]!.evidence.logins, 30);
  assert.deepEqual(ftp[0]!.evidence.users, ['bro']);
  const ldap = await replayRuleAlerts(path.join(ZEEK_CORPUS, 'ldap-simpleauth', 'simpleauth.pcap'), [RULE], INTERNAL);
  assert.equal(ldap[0]!.evidence.service, 'ldap');
  assert.equal(ldap[0]!.evidence.accepted, 2);
  // NTLM and Kerberos binds are not passwords in clear.
  assert.deepEqual(await replayRuleAlerts(path.join(ZEEK_CORPUS, 'ldap-sasl-ntlm', 'sasl-ntlm.pcap'), [RULE], INTERNAL), []);
});

test('no other capture raises it by default', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !['cleartext-login.pcap', 'form-login.pcap', 'snmp.pcap', 'mail-fetch.pcap', 'mail-imap.pcap', 'mail-upload.pcap', 'open-services.pcap', 'mssql.pcap'].includes(path.basename(f))),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('login forms, a JSON sign-in and a password in a query; POP3 and IMAP; an SNMP community over the Internet (the lab\'s captures)', async () => {
  const forms = await replayRuleAlerts(path.join(LAB, 'form-login.pcap'), [RULE]);
  assert.deepEqual(forms.map((a) => [a.destination?.ip, a.evidence.service, a.evidence.users, a.evidence.logins]), [['198.51.100.10', 'http', ['editor', 'svc-report', 'admin'], 3]]);
  const pop3 = await replayRuleAlerts(path.join(LAB, 'mail-fetch.pcap'), [RULE]);
  assert.deepEqual(pop3.map((a) => [a.destination?.port, a.evidence.service, a.evidence.users, a.evidence.logins, a.evidence.accepted]), [[110, 'pop3', ['jdoe'], 3, 2]]);
  const imap = await replayRuleAlerts(path.join(LAB, 'mail-imap.pcap'), [RULE]);
  assert.deepEqual(imap.map((a) => [a.destination?.port, a.evidence.service, a.evidence.users, a.evidence.logins, a.evidence.accepted]), [[143, 'imap', ['jdoe'], 3, 2]]);
  // The second client fetched its mail in pieces (16,384 octets a FETCH).
  assert.deepEqual(imap[0]!.evidence.clients, ['10.77.2.21', '10.77.2.22']);
  const snmp = await replayRuleAlerts(path.join(LAB, 'snmp.pcap'), [RULE]);
  assert.deepEqual(snmp.map((a) => [a.source?.ip, a.destination?.ip, a.destination?.port, a.evidence.service, a.evidence.accepted]), [['10.77.2.21', '198.51.100.10', 161, 'snmp', 1]]);
  assert.match(snmp[0]!.message, /received 1 community string in clear text over the Internet/);
  // Inside the site too with `internal`: the manager's read, onesixtyone's guesses; never SNMPv3.
  const inside = await replayRuleAlerts(path.join(LAB, 'snmp.pcap'), [RULE], INTERNAL);
  assert.deepEqual(inside.map((a) => a.destination?.ip).sort(), ['10.77.1.10', '198.51.100.10']);
  assert.deepEqual(inside.find((a) => a.destination?.ip === '10.77.1.10')!.evidence.clients, ['10.77.2.20', '10.77.2.23', '10.77.2.24']);
});

test('only flagged sign-ins of the listed services count; anonymous FTP never does', () => {
  assert.equal(run([basic(1)]).length, 1);
  assert.equal(run([basic(1, { cleartext: undefined })]).length, 0);
  assert.equal(run([basic(1, { service: 'ftp', user: 'anonymous' })]).length, 0);
  assert.equal(run([basic(1, { service: 'ftp', user: 'FTP' })]).length, 0);
  assert.equal(run([basic(1)], `${SITE_YAML}detectors:\n  auth.cleartext: { services: [ftp] }\n`).length, 0);
});

test('the Internet in either direction is high; inside the site only with internal, at severity 2', () => {
  assert.match(run([basic(1, { client: '198.51.100.7', server: '10.77.1.10' })])[0]!.message, /in clear text from the Internet/);
  const lan = basic(1, { server: '10.77.1.10', service: 'ldap', server_port: 389 });
  assert.equal(run([lan]).length, 0);
  const a = run([lan], SITE_YAML + INTERNAL);
  assert.equal(a[0]!.event.severity, 2);
  assert.match(a[0]!.message, /^LDAP on 10\.77\.1\.10 \(servers\) port 389 received 1 password in clear text inside the site, for jdoe, from 10\.77\.2\.20 \(workstations\)$/);
});

test('one alert per server, port and service within the dedup interval', () => {
  const a = run([basic(1), basic(2, { client: '10.77.2.21', user: 'ann', outcome: 'failure' }), basic(3, { server_port: 8080 })]);
  assert.equal(a.length, 2);
  assert.deepEqual(a[0]!.evidence.users, ['jdoe', 'ann']);
  assert.equal(a[0]!.evidence.logins, 2);
  assert.equal(a[0]!.evidence.accepted, 1);
});

test('a Redis AUTH from the Internet host (open-services.pcap): the protected server on 6380, no user', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'open-services.pcap'), [RULE]);
  assert.deepEqual(a.map((x) => [x.source.ip, x.destination?.ip, x.destination?.port, x.evidence.service, x.evidence.accepted, x.evidence.internet]), [['198.51.100.10', '10.77.1.10', 6380, 'redis', 1, true]]);
  assert.deepEqual(a[0]!.evidence.users, []);
});

test('a SQL Server login in clear from the Internet host (mssql.pcap); the inside logins and hydra\'s guesses only with internal', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'mssql.pcap'), [RULE]);
  assert.deepEqual(a.map((x) => [x.source.ip, x.destination?.port, x.evidence.service, x.evidence.users, x.evidence.internet]), [['198.51.100.10', 1433, 'mssql', ['app'], true]]);
});
