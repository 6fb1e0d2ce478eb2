/**
 * icmp.tunnel on the lab's capture (test/lab/captures/icmp-tunnel.pcap: a
 * ptunnel-style channel beside ordinary large pings), on every capture of
 * the Zeek corpus and the lab's other captures (quiet), and on built ICMP
 * echo connections: echoes, non-echoes, unanswered data, direction and size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, flow, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, capturesUnder } from '../helpers/paths.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';

const RULE = 'icmp.tunnel';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

/** An ICMP echo connection from 10.77.2.20 to 198.51.100.10 (or as overridden). */
function echo(r: Partial<ConnRecord>): ReturnType<typeof flow> {
  return flow({
    ts: 1000,
    'id.resp_h': '198.51.100.10',
    'id.orig_p': 8,
    'id.resp_p': 0,
    proto: 'icmp',
    ip_proto: 1,
    conn_state: 'OTH',
    history: '',
    duration: 60,
    ...r,
  });
}

function severities(...events: ReturnType<typeof flow>[]): number[] {
  const h = harness(SITE_YAML);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE).map((a) => a.event.severity);
}

test('icmp-tunnel.pcap: the tunnel is reported with its sizes; the large pings beside it are not', async () => {
  const alerts = await replayRuleAlerts(path.join(LAB, 'icmp-tunnel.pcap'), [RULE]);
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.equal(a.source?.ip, '10.77.2.20');
  assert.equal(a.destination?.ip, '198.51.100.10');
  assert.equal(a.threat.technique.id, 'T1095');
  assert.equal(a.evidence.request_payload_average, 999);
  assert.equal(a.evidence.reply_payload_average, 28);
  assert.equal(a.evidence.bytes_out, 200804);
  assert.match(a.message, /^10\.77\.2\.20 pinged public address 198\.51\.100\.10: 201 KB out and 5\.6 KB in over \d+ ms \(replies averaging 28 bytes to requests averaging 999: not echoes\): data carried in ICMP echo messages/);
});

test('no capture of the Zeek corpus and no other lab capture raises it', async () => {
  const files = [...capturesUnder(ZEEK_CORPUS), ...capturesUnder(LAB).filter((f) => !f.endsWith('icmp-tunnel.pcap'))];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('replies that are not echoes of the requests are a tunnel; echoes of any size, and a few lost, are not', () => {
  assert.deepEqual(severities(echo({ orig_pkts: 100, orig_bytes: 100_000, resp_pkts: 100, resp_bytes: 2_800 })), [3]);
  // A tunnel whose server sends the data: small requests, large replies.
  assert.deepEqual(severities(echo({ orig_pkts: 200, orig_bytes: 6_400, resp_pkts: 200, resp_bytes: 190_000 })), [3]);
  // An hour of 1,400-byte pings, 5 % lost: the averages still match.
  assert.deepEqual(severities(echo({ orig_pkts: 3600, orig_bytes: 5_040_000, resp_pkts: 3420, resp_bytes: 4_788_000 })), []);
  // Under min_bytes, whatever the sizes.
  assert.deepEqual(severities(echo({ orig_pkts: 50, orig_bytes: 50_000, resp_pkts: 50, resp_bytes: 1_400 })), []);
});

test('unanswered requests count when they carry data; pings to a host that is down do not', () => {
  assert.deepEqual(severities(echo({ orig_pkts: 100, orig_bytes: 100_000, resp_pkts: 0, resp_bytes: 0 })), [3]);
  assert.deepEqual(severities(echo({ orig_pkts: 3000, orig_bytes: 168_000, resp_pkts: 0, resp_bytes: 0 })), []);
});

test('only echo connections between an internal host and a public address; a tunnel opened from outside names the internal host', () => {
  assert.deepEqual(severities(echo({ 'id.resp_h': '10.77.1.10', orig_pkts: 100, orig_bytes: 100_000, resp_pkts: 100, resp_bytes: 2_800 })), []);
  assert.deepEqual(severities(echo({ 'id.orig_p': 3, 'id.resp_p': 3, orig_pkts: 100, orig_bytes: 100_000, resp_pkts: 0, resp_bytes: 0 })), []);
  const h = harness(SITE_YAML);
  h.emit(echo({ 'id.orig_h': '198.51.100.10', 'id.resp_h': '10.77.2.20', orig_pkts: 100, orig_bytes: 100_000, resp_pkts: 100, resp_bytes: 2_800 }));
  const a = only(h.finish(), RULE);
  assert.equal(a[0]!.source?.ip, '10.77.2.20');
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) was pinged by public address 198\.51\.100\.10: 2\.8 KB out and 100 KB in/);
});

test('thresholds are options', () => {
  const h = harness(`${SITE_YAML}detectors:\n  icmp.tunnel: { min_bytes: 10000 }\n`);
  h.emit(echo({ orig_pkts: 20, orig_bytes: 20_000, resp_pkts: 20, resp_bytes: 560 }));
  assert.equal(only(h.finish(), RULE).length, 1);
});
