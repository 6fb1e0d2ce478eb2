/**
 * crypto.mining on the lab's capture (test/lab/captures/crypto-mining.pcap:
 * an XMRig-style Monero login and a Stratum V1 sign-in to a pool on the
 * Internet host, and a pool lookup), on every other capture (quiet), and on
 * built events: severities, pool names by DNS and TLS, the options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, dns, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import type { StratumLoginEvent } from '../../src/protocols/stratum/events.js';
import type { PicketEvent } from '../../src/events/types.js';
import type { SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'crypto.mining';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

function login(ts: number, s: Partial<StratumLoginEvent> = {}): StratumLoginEvent {
  return { type: 'stratum.login', ts, uid: `Cst${ts}`, client: '10.77.1.10', server: '203.0.113.9', server_port: 3333, method: 'login', agent: 'XMRig/6.21.0', user: '48wallet', accepted: true, ...s };
}

function sni(ts: number, name: string, client = '10.77.2.20'): PicketEvent {
  const record = { ts, uid: `Cssl${ts}`, 'id.orig_h': client, 'id.orig_p': 50000, 'id.resp_h': '203.0.113.10', 'id.resp_p': 443, server_name: name } as unknown as SslRecord;
  return { type: 'ssl', log: 'ssl', ts, uid: record.uid, record };
}

function run(events: PicketEvent[], yaml = SITE_YAML) {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('crypto-mining.pcap: two sign-ins are critical, naming the software and wallet or worker; the lookup is high', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'crypto-mining.pcap'), [RULE]);
  assert.deepEqual(a.map((x) => [x.source?.ip, x.destination?.port, x.event.severity]), [['10.77.1.10', 3333, 4], ['10.77.2.20', 14444, 4], ['10.77.2.21', 53, 3]]);
  assert.equal(a[0]!.threat.technique.id, 'T1496');
  assert.deepEqual(a[1]!.evidence.wallets, ['labworker.rig1']);
  assert.equal(a[1]!.message, '10.77.2.20 signed in to mining pool 198.51.100.10:14444 with cgminer/4.12.0 as labworker.rig1, and the pool accepted it');
  assert.equal(a[2]!.message, '10.77.2.21 looked up or connected to mining pool pool.supportxmr.com');
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('crypto-mining.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('pool names by DNS query or TLS server name, subdomains included; other names and public clients are not judged', () => {
  assert.equal(run([dns(1000, { query: 'gulf.moneroocean.stream' })])[0]!.event.severity, 3);
  assert.deepEqual(run([sni(1000, 'xmr-eu1.nanopool.org')])[0]!.evidence.pools, ['xmr-eu1.nanopool.org (203.0.113.10:443)']);
  assert.equal(run([dns(1000, { query: 'nanopool.org.example.com' })]).length, 0);
  assert.equal(run([dns(1000, { query: 'www.example.com' })]).length, 0);
  assert.equal(run([login(1000, { client: '198.51.100.7' })]).length, 0, 'a public client');
  assert.equal(run([dns(1000, { query: 'pool.lab-coin.example' })], `${SITE_YAML}detectors:\n  crypto.mining: { pool_domains: [lab-coin.example] }\n`).length, 1);
});

test('a sign-in after a lookup raises the one alert to critical; allowed clients are quiet', () => {
  const a = run([dns(1000, { 'id.orig_h': '10.77.1.10', query: 'pool.supportxmr.com' }), login(1001)]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.match(a[0]!.message, /signed in to mining pool 203\.0\.113\.9:3333 with XMRig\/6\.21\.0 as 48wallet, and the pool accepted it \(looked up pool\.supportxmr\.com\)$/);
  assert.equal(run([login(1000)], `${SITE_YAML}detectors:\n  crypto.mining: { allowed_clients: [10.77.1.10] }\n`).length, 0);
});
