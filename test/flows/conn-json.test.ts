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
import { connRecordToJson } from '../../src/flows/conn-json.js';

/** Zeek's conn.log columns (and Picket's enrichment after them): the required key order. */
const ORDER = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes',
  'resp_pkts', 'resp_ip_bytes', 'ip_proto', 'orig_l2_addr', 'resp_l2_addr', 'vlan', 'inner_vlan', 'community_id',
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
    ip_proto: 17,
    orig_l2_addr: '00:11:22:33:44:55',
    resp_l2_addr: 'ff:ff:ff:ff:ff:ff',
    vlan: 10,
    inner_vlan: 4095,
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

test('non-finite numbers become null, like JSON.stringify', () => {
  const r: ConnRecord = { ...BASE, orig_pkts: NaN, duration: Infinity, resp_pkts: -0 };
  assert.deepEqual(JSON.parse(connRecordToJson(r)), JSON.parse(JSON.stringify(r)));
  assert.match(connRecordToJson(r), /"orig_pkts":null/);
});
