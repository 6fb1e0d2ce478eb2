/**
 * ntlm.relay on the lab's capture (test/lab/captures/ntlm-relay.pcap:
 * Impacket ntlmrelayx relaying WS20's SMB sign-in to a Samba server, beside
 * an ordinary sign-in), on every other capture (quiet), and on built ntlm
 * records: legs in either order, the window, reflection, refused relays,
 * anonymous sessions and the allowlist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, hostname, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import { ntlmIdentity } from '../../src/detect/ntlm.relay.js';
import type { NtlmLogEvent, NtlmRecord } from '../../src/protocols/smb/events.js';
import type { AuthEvent } from '../../src/events/auth.js';
import type { HostnameEvent } from '../../src/events/hostname.js';
import type { DnsAnswerEvent } from '../../src/protocols/dns/events.js';

const RULE = 'ntlm.relay';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
let uid = 0;

function ntlm(ts: number, client: string, server: string, r: Partial<NtlmRecord> = {}): NtlmLogEvent {
  const record: NtlmRecord = {
    ts, uid: `Cntlm${++uid}`, 'id.orig_h': client, 'id.orig_p': 50000 + uid, 'id.resp_h': server, 'id.resp_p': 445,
    username: 'alice', hostname: 'WS20', domainname: 'CORP', success: true, status: 'STATUS_SUCCESS', ...r,
  };
  return { type: 'ntlm', log: 'ntlm', ts, uid: record.uid, record };
}

function run(events: Array<NtlmLogEvent | AuthEvent | HostnameEvent | DnsAnswerEvent>, yaml = SITE_YAML) {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('ntlmIdentity: domain\\user and workstation, case-insensitive key; none for anonymous sessions', () => {
  const id = ntlmIdentity(ntlm(1, '10.77.2.20', '10.77.1.10').record);
  assert.deepEqual(id, { account: 'CORP\\alice', workstation: 'WS20', key: 'corp\\alice|ws20' });
  assert.equal(ntlmIdentity(ntlm(1, 'a', 'b', { username: '' }).record), undefined);
  assert.equal(ntlmIdentity(ntlm(1, 'a', 'b', { domainname: undefined }).record)?.account, 'alice');
});

test('ntlm-relay.pcap: ntlmrelayx on 10.77.2.66 relaying WS20 (SMB) and a curl NTLM sign-in (HTTP) is critical; the direct sign-in is not reported', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'ntlm-relay.pcap'), [RULE]);
  assert.equal(a.length, 2);
  assert.deepEqual([a[1]!.source?.ip, a[1]!.destination?.ip, a[1]!.evidence.victim, a[1]!.evidence.victim_connected_to_port, a[1]!.event.severity], ['10.77.2.66', '10.77.1.20', '10.77.2.22', 80, 4]);
  assert.equal(a[1]!.evidence.user, 'PKLLAB\\helpdesk');
  assert.equal(a[0]!.source?.ip, '10.77.2.66');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(a[0]!.threat.technique.id, 'T1557.001');
  assert.equal(a[0]!.evidence.victim, '10.77.2.20');
  assert.equal(a[0]!.evidence.workstation, 'WS20');
  // The relay handed its victim the target's challenge: the victim's leg names the target server.
  assert.equal(a[0]!.evidence.challenge_server_name, 'VM');
  assert.equal(a[0]!.message, '10.77.2.66 relayed the NTLM authentication of PKLLAB\\labuser from WS20 at 10.77.2.20 to 10.77.1.10 over SMB and was let in');
});

test('ntlm-relay-far.pcap: only the relayed sign-in is in the capture; the names the lab DNS gave make it a relay (high); WS21 signing in from its own address is not', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'ntlm-relay-far.pcap'), [RULE]);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.source.ip, x.destination?.ip, x.destination?.port, x.event.severity], ['10.77.2.66', '10.77.1.10', 445, 3]);
  assert.deepEqual([x.evidence.one_leg, x.evidence.victim, x.evidence.user, x.evidence.workstation, x.evidence.relay_names], [true, '10.77.2.20', 'PKLLAB\\labuser', 'WS20', ['lab66']]);
  assert.equal(
    x.message,
    '10.77.2.66, which goes by lab66, presented the NTLM authentication of PKLLAB\\labuser from workstation WS20, a name seen at 10.77.2.20, to 10.77.1.10 over SMB and was let in: a sign-in made on another machine, relayed (the victim\'s own connection was not seen)',
  );
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('ntlm-relay.pcap') && !f.endsWith('ntlm-relay-far.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('legs match in either order within the window; the same account signing in to two servers is not a relay', () => {
  const victim = ntlm(1000, '10.77.2.20', '10.77.2.66');
  const relayed = ntlm(1000.4, '10.77.2.66', '10.77.1.10', { 'id.resp_p': 389 });
  for (const order of [[victim, relayed], [relayed, victim]]) {
    const a = run(order);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.source?.ip, '10.77.2.66');
    assert.equal(a[0]!.destination?.port, 389);
    assert.match(a[0]!.message, /over LDAP and was let in$/);
  }
  assert.equal(run([victim, ntlm(1040, '10.77.2.66', '10.77.1.10')]).length, 0, 'outside the 30 s window');
  assert.equal(run([ntlm(1000, '10.77.2.20', '10.77.1.10'), ntlm(1001, '10.77.2.20', '10.77.1.11')]).length, 0);
  // Another workstation's or another account's sign-in from the relay host is its own.
  assert.equal(run([victim, ntlm(1000.5, '10.77.2.66', '10.77.1.10', { hostname: 'WS66' })]).length, 0);
  assert.equal(run([victim, ntlm(1000.5, '10.77.2.66', '10.77.1.10', { username: 'bob' })]).length, 0);
  assert.equal(run([ntlm(1000, '10.77.2.20', '10.77.2.66', { username: '' }), ntlm(1000.5, '10.77.2.66', '10.77.1.10', { username: '' })]).length, 0);
});

test('an HTTP NTLM sign-in (auth event) is a victim leg: a coerced WebDAV connection relayed to LDAP', () => {
  const http: AuthEvent = {
    type: 'auth', ts: 1000, uid: 'Chttp1', service: 'http', client: '10.77.2.20', client_port: 50111, server: '10.77.2.66', server_port: 80,
    transport: 'tcp', user: 'CORP\\WS20$', workstation: 'WS20', outcome: 'unknown', detail: 'NTLM 404 Not Found',
  };
  const a = run([http, ntlm(1000.2, '10.77.2.66', '10.77.1.5', { username: 'WS20$', 'id.resp_p': 389 })]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.victim_connected_to_port, 80);
  assert.match(a[0]!.message, /relayed the NTLM authentication of CORP\\WS20\$ from WS20 at 10\.77\.2\.20 \(workstations\) to 10\.77\.1\.5 \(servers\) over LDAP and was let in$/);
  // Basic sign-ins and other services' auth events are not legs (SMB's come as ntlm events).
  assert.equal(run([{ ...http, detail: 'Basic 200 OK' }, ntlm(1000.2, '10.77.2.66', '10.77.1.5', { username: 'WS20$' })]).length, 0);
  assert.equal(run([{ ...http, service: 'smb' }, ntlm(1000.2, '10.77.2.66', '10.77.1.5', { username: 'WS20$' })]).length, 0);
});

test('a refused relay is high, an accepted one critical; reflection to the victim counts; allowed relays are quiet', () => {
  const refused = run([ntlm(1000, '10.77.2.20', '10.77.2.66', { success: false }), ntlm(1000.1, '10.77.2.66', '10.77.1.10', { success: false, status: 'STATUS_ACCESS_DENIED' })]);
  assert.equal(refused[0]!.event.severity, 3);
  assert.match(refused[0]!.message, /and was refused$/);
  const reflected = run([ntlm(1000, '10.77.2.20', '10.77.2.66'), ntlm(1000.1, '10.77.2.66', '10.77.2.20')]);
  assert.equal(reflected.length, 1);
  assert.equal(reflected[0]!.evidence.reflection, true);
  assert.match(reflected[0]!.message, /back to that host itself over SMB/);
  const proxy = `${SITE_YAML}detectors:\n  ntlm.relay: { allowed_relays: [10.77.2.66] }\n`;
  assert.equal(run([ntlm(1000, '10.77.2.20', '10.77.2.66'), ntlm(1000.1, '10.77.2.66', '10.77.1.10')], proxy).length, 0);
});

test('one alert per relay and target, listing every victim and account relayed', () => {
  const a = run([
    ntlm(1000, '10.77.2.20', '10.77.2.66'), ntlm(1000.1, '10.77.2.66', '10.77.1.10', { success: false }),
    ntlm(1010, '10.77.2.21', '10.77.2.66', { username: 'bob', hostname: 'WS21' }), ntlm(1010.1, '10.77.2.66', '10.77.1.10', { username: 'bob', hostname: 'WS21' }),
  ]);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.victims, ['10.77.2.20', '10.77.2.21']);
  assert.deepEqual(a[0]!.evidence.accounts, ['CORP\\alice', 'CORP\\bob']);
  assert.equal(a[0]!.evidence.relayed, 2);
  assert.equal(a[0]!.event.severity, 4, 'the second relay was let in');
  assert.match(a[0]!.message, /; 2 relayed authentications of CORP\\alice and CORP\\bob$/);
});

/** A DNS answer: `client` learnt that `query` is at `addr`. */
function answer(ts: number, query: string, addr: string, cnames: string[] = []): DnsAnswerEvent {
  return { type: 'dns.answer', ts, uid: `Cdns${++uid}`, client: '10.77.2.30', server: '10.77.1.1', query, qtype_name: 'A', addrs: [addr], ttls: [1200], cnames };
}

/** The network's names: WS20 at 10.77.2.20, and the relay host 10.77.2.66 as att66 (DHCP). */
const NAMES = [hostname(600, { name: 'WS20', ip: '10.77.2.20', source: 'nbns' }), hostname(700, { name: 'att66', ip: '10.77.2.66' })];

test('one leg: a host that goes by another name presents the sign-in of a workstation seen at another address: high, naming both', () => {
  const relayed = ntlm(1000, '10.77.2.66', '10.77.1.10');
  const a = run([...NAMES, relayed]);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.source.ip, x.destination?.ip, x.destination?.port, x.event.severity], ['10.77.2.66', '10.77.1.10', 445, 3]);
  assert.equal(
    x.message,
    '10.77.2.66 (workstations), which goes by att66, presented the NTLM authentication of CORP\\alice from workstation WS20, a name seen at 10.77.2.20, to 10.77.1.10 (servers) over SMB and was let in: a sign-in made on another machine, relayed (the victim\'s own connection was not seen)',
  );
  assert.deepEqual([x.evidence.one_leg, x.evidence.victim, x.evidence.workstation_seen_at, x.evidence.relay_names], [true, '10.77.2.20', ['10.77.2.20'], ['att66']]);
  // DNS answers name hosts too (AD DNS: ws20.corp.example); a CNAME's target is not the host's name.
  assert.equal(run([answer(600, 'ws20.corp.example', '10.77.2.20'), answer(610, 'att66.corp.example', '10.77.2.66'), relayed]).length, 1);
  assert.equal(run([answer(600, 'ws20.corp.example', '10.77.2.20', ['lb.corp.example']), answer(610, 'att66.corp.example', '10.77.2.66'), relayed]).length, 0);
});

test('one leg stays quiet without both facts, for generic or stale names, for a host that took the name, when off, and for allowed relays', () => {
  const relayed = (r: Partial<NtlmRecord> = {}) => ntlm(1000, '10.77.2.66', '10.77.1.10', r);
  // The sender's names are unknown (a VPN address), or the workstation's are.
  assert.equal(run([NAMES[0]!, relayed()]).length, 0);
  assert.equal(run([NAMES[1]!, relayed()]).length, 0);
  // The workstation signs in from its own address; the sender took the workstation's name (a new lease).
  assert.equal(run([...NAMES, ntlm(1000, '10.77.2.20', '10.77.1.10')]).length, 0);
  assert.equal(run([...NAMES, hostname(900, { name: 'ws20.corp.example', ip: '10.77.2.66' }), relayed()]).length, 0);
  // A name every other machine has.
  assert.equal(run([...NAMES, hostname(650, { name: 'WORKSTATION', ip: '10.77.2.21' }), relayed({ hostname: 'WORKSTATION' })]).length, 0);
  // Names seen more than names_within (1 h) before.
  assert.equal(run([...NAMES, ntlm(4200, '10.77.2.66', '10.77.1.10')]).length, 1, 'WS20 seen at 600 is just within the hour at 4200');
  assert.equal(run([...NAMES, ntlm(4201, '10.77.2.66', '10.77.1.10')]).length, 0, 'and past it at 4201');
  assert.equal(run([...NAMES, relayed()], SITE_YAML + 'detectors:\n  ntlm.relay: { one_leg: false }\n').length, 0);
  assert.equal(run([...NAMES, relayed()], SITE_YAML + 'detectors:\n  ntlm.relay: { allowed_relays: [10.77.2.66] }\n').length, 0);
  // A sender outside the site is not judged by name.
  assert.equal(run([...NAMES, ntlm(1000, '198.51.100.7', '10.77.1.10')]).length, 0);
});

test('one leg and both legs of the same relay are one alert', () => {
  const victim = ntlm(1000, '10.77.2.20', '10.77.2.66');
  const relayed = ntlm(1000.4, '10.77.2.66', '10.77.1.10');
  for (const order of [[victim, relayed], [relayed, victim]]) {
    const a = run([...NAMES, ...order]);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.evidence.victim, '10.77.2.20');
  }
});

test('one leg over HTTP: a relay of a machine account to AD CS web enrollment (an NTLM auth event) is judged by names too', () => {
  const relayed: AuthEvent = {
    type: 'auth', ts: 1000, uid: 'Chttp2', service: 'http', client: '10.77.2.66', client_port: 50222, server: '10.77.1.30', server_port: 80,
    transport: 'tcp', user: 'CORP\\WS20$', workstation: 'WS20', outcome: 'success', detail: 'NTLM 200 OK',
  };
  const a = run([...NAMES, relayed]);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.source.ip, a[0]!.destination?.port, a[0]!.evidence.user, a[0]!.evidence.one_leg, a[0]!.event.severity], ['10.77.2.66', 80, 'CORP\\WS20$', true, 3]);
  assert.match(a[0]!.message, /presented the NTLM authentication of CORP\\WS20\$ from workstation WS20, a name seen at 10\.77\.2\.20, to 10\.77\.1\.30 \(servers\) over HTTP and was let in/);
  // The machine signing in from its own address is itself.
  assert.equal(run([...NAMES, { ...relayed, client: '10.77.2.20' }]).length, 0);
});
