/**
 * The conn.jsonl serializer: for real captures every line must parse to
 * exactly what JSON.stringify of the record gives, in Zeek's column order;
 * hand-made records cover the fields real captures rarely fill (escaping in
 * `service` and enrichment text, local_orig, non-finite numbers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import { connRecordJsonMaxBytes, connRecordToJson, writeConnRecordJson } from '../../src/flows/conn-json.js';
import { elapsedSeconds } from '../../src/util/elapsed.js';

/** Zeek's conn.log columns (and Picket's enrichment after them): the required key order. */
const ORDER = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes',
  'resp_pkts', 'resp_ip_bytes', 'tunnel_parents', 'ip_proto', 'orig_l2_addr', 'resp_l2_addr', 'vlan', 'inner_vlan',
  'tunnel', 'tunnel_id', 'community_id',
  'orig_asn', 'orig_as_org', 'orig_cc', 'resp_asn', 'resp_as_org', 'resp_cc',
];

function assertOrdered(keys: string[]): void {
  const idx = keys.map((k) => ORDER.indexOf(k));
  assert.ok(idx.every((i) => i >= 0), `unknown key in ${keys.join(',')}`);
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i]! > idx[i - 1]!, `key order: ${keys.join(',')}`);
}

const CAPTURES = ['http-qinq-0/http-qinq-0.pcap', 'ipv6-fragmented-dns/ipv6-fragmented-dns.pcap', 'ftp-bruteforce/bruteforce.pcap'];

test('conn lines of real captures parse to the records, keys in Zeek order', async () => {
  let checked = 0;
  let withService = 0;
  let withInner = 0;
  for (const c of CAPTURES) {
    const file = path.join(ZEEK_CORPUS, c);
    await replayCaptures([file], {
      flows: { uidSeed: 7 },
      onEvent: (e) => {
        if (e.type !== 'flow.end') return;
        const r = e.record;
        const line = connRecordToJson(r);
        assert.ok(!line.includes('\n'));
        const parsed = JSON.parse(line) as Record<string, unknown>;
        assert.deepEqual(parsed, JSON.parse(JSON.stringify(r)));
        assertOrdered(Object.keys(parsed));
        if (r.service !== undefined) withService++;
        if (r.inner_vlan !== undefined) withInner++;
        checked++;
      },
    });
  }
  assert.ok(checked > 10, `only ${checked} records`);
  assert.ok(withService > 0, 'no record with a service');
  assert.ok(withInner > 0, 'no QinQ record');
});

const BASE: ConnRecord = {
  ts: 1700000000.123456,
  uid: 'CabcDEF123',
  'id.orig_h': '10.0.0.1',
  'id.orig_p': 51000,
  'id.resp_h': '2001:db8::1',
  'id.resp_p': 443,
  proto: 'tcp',
  conn_state: 'SF',
  missed_bytes: 0,
  history: '^ShADadFf',
  orig_pkts: 10,
  orig_ip_bytes: 1234,
  resp_pkts: 9,
  resp_ip_bytes: 98765,
  ip_proto: 6,
  community_id: '1:hVPKwg1iRn/qy+MAOBwkr3m2zeE=',
};

test('a record built in column order serializes exactly as JSON.stringify', () => {
  const r: ConnRecord = { ...BASE };
  assert.equal(connRecordToJson(r), JSON.stringify(r));
  const full: ConnRecord = {
    ts: 1,
    uid: 'C1',
    'id.orig_h': '::',
    'id.orig_p': 0,
    'id.resp_h': 'ff02::fb',
    'id.resp_p': 65535,
    proto: 'udp',
    service: 'dns',
    duration: 0.000001,
    orig_bytes: 2 ** 40,
    resp_bytes: 0,
    conn_state: 'S0',
    local_orig: true,
    local_resp: false,
    missed_bytes: 7,
    history: 'Dd',
    orig_pkts: 1,
    orig_ip_bytes: 2,
    resp_pkts: 3,
    resp_ip_bytes: 4,
    tunnel_parents: ['CtunnelA', 'CtunnelB'],
    ip_proto: 17,
    orig_l2_addr: '00:11:22:33:44:55',
    resp_l2_addr: 'ff:ff:ff:ff:ff:ff',
    vlan: 10,
    inner_vlan: 4095,
    tunnel: 'geneve',
    tunnel_id: 16777215,
    community_id: '1:x=',
    orig_asn: 64512,
    orig_as_org: 'Example "Net" \\ Ünïcode ✓',
    orig_cc: 'DE',
    resp_asn: 13335,
    resp_as_org: 'line\nbreak\u0001',
    resp_cc: 'US',
  };
  assert.equal(connRecordToJson(full), JSON.stringify(full));
});

test('service set after the record was built goes to its column; text is escaped', () => {
  const r: ConnRecord = { ...BASE };
  r.service = 'http,"x"\\';
  const line = connRecordToJson(r);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed.service, 'http,"x"\\');
  assert.deepEqual(Object.keys(parsed).slice(6, 9), ['proto', 'service', 'conn_state']);
});

test('free text with a lone surrogate, DEL or only some odd characters is written as JSON.stringify writes it', () => {
  for (const text of ['Cloud\ud800Net', 'del\x7fchar', 'tab\tonly', 'plain ASCII AS', '', 'ÄÖÜ GmbH', '\u2028sep']) {
    const r: ConnRecord = { ...BASE, service: text, orig_asn: 1, orig_as_org: text, resp_cc: text };
    const line = connRecordToJson(r);
    assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(r)), JSON.stringify(text));
    for (const key of ['service', 'orig_as_org', 'resp_cc']) assert.ok(line.includes(`"${key}":${JSON.stringify(text)}`), `${key} ${JSON.stringify(text)}`);
  }
});

test('non-finite numbers become null, like JSON.stringify', () => {
  const r: ConnRecord = { ...BASE, orig_pkts: NaN, duration: Infinity, resp_pkts: -0 };
  assert.deepEqual(JSON.parse(connRecordToJson(r)), JSON.parse(JSON.stringify(r)));
  assert.match(connRecordToJson(r), /"orig_pkts":null/);
});

test('numbers of every shape come out as JSON.stringify writes them', () => {
  const numbers = [0, -0, 1, 9, 10, 99, 100, 65535, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 1e21, 1e300, -5, -123456789];
  const fractions = [0.5, 1e-7, 1e-6, 0.000001, 0.1, 1.1, 1.000001, 4294967295.5, 4294967296.5, 1.5e-9, 1700000000.123456, 1234.000001, -0.25, 5e-324, Number.MAX_VALUE];
  for (const n of [...numbers, ...fractions]) {
    // Fields BASE already has keep their place, so the whole text compares.
    const r: ConnRecord = { ...BASE, ts: n, missed_bytes: n, resp_ip_bytes: n };
    assert.equal(connRecordToJson(r), JSON.stringify(r), String(n));
  }
  // Capture times and durations at micro- and nanosecond resolution, and arithmetic noise.
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 0; i < 20000; i++) {
    const sec = Math.floor(rand() * 2e9);
    const micro = Math.floor(rand() * 1e6);
    const nano = Math.floor(rand() * 1e9);
    // Durations as the tracker makes them (rounded to nanoseconds), up to and past the nine-decimal bound (2^22 s).
    const durations = [
      elapsedSeconds(sec + micro / 1e6, sec + micro / 1e6 + rand() * 100),
      Math.round(rand() * 2 ** 22 * 1e9) / 1e9,
      2 ** 22 - nano / 1e9,
      2 ** 22 + nano / 1e9,
      nano / 1e12,
    ];
    for (const n of [sec + micro / 1e6, sec + nano / 1e9, micro / 1e6, nano / 1e9, (sec + micro / 1e6) - sec, micro / 1e6 + 0.1 + 0.2, rand() * 5, 1e-6 * (i % 7), ...durations]) {
      const r: ConnRecord = { ...BASE, ts: n, missed_bytes: n };
      assert.equal(connRecordToJson(r), JSON.stringify(r), String(n));
    }
  }
});

test('the tracker\'s own strings are escaped when they hold odd characters', () => {
  const r: ConnRecord = { ...BASE, history: 'S"h\\', uid: 'C\u00e9', 'id.orig_h': 'a\u0000b', conn_state: '\u2713' };
  assert.equal(connRecordToJson(r), JSON.stringify(r));
});

test('bytes go straight into a buffer at any offset, within the promised room', () => {
  const records: ConnRecord[] = [
    { ...BASE },
    { ...BASE, service: 'x'.repeat(5000), orig_as_org: '\u0001'.repeat(3000), resp_as_org: '✓'.repeat(100) },
  ];
  for (const r of records) {
    const room = connRecordJsonMaxBytes(r);
    const out = new Uint8Array(7 + room);
    out.fill(0xee);
    const end = writeConnRecordJson(r, out, 7);
    assert.ok(end - 7 <= room, `${end - 7} > ${room}`);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.subarray(7, end))), JSON.parse(JSON.stringify(r)));
    assert.ok(out.subarray(0, 7).every((b) => b === 0xee));
  }
});
