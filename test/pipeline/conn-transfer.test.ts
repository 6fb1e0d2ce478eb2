import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowEndEvent } from '../../src/events/types.js';
import { ConnPacker, unpackConn } from '../../src/pipeline/conn-transfer.js';

const PLAIN: FlowEndEvent = {
  type: 'flow.end',
  ts: 1700000001.5,
  log: 'conn',
  reason: 'timeout',
  record: {
    ts: 1700000000.25,
    uid: 'C1',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 51000,
    'id.resp_h': '192.0.2.9',
    'id.resp_p': 53,
    proto: 'udp',
    conn_state: 'S0',
    missed_bytes: 0,
    history: 'D',
    orig_pkts: 1,
    orig_ip_bytes: 60,
    resp_pkts: 0,
    resp_ip_bytes: 0,
    ip_proto: 17,
    community_id: '1:abc=',
  },
};

const FULL: FlowEndEvent = {
  type: 'flow.end',
  ts: 1700000100,
  log: 'conn',
  reason: 'capture_end',
  record: {
    ts: 1700000050.000001,
    uid: 'C2',
    'id.orig_h': '2001:db8::1',
    'id.orig_p': 0,
    'id.resp_h': '2001:db8::2',
    'id.resp_p': 443,
    proto: 'tcp',
    service: 'ssl,http',
    duration: 0,
    orig_bytes: 2 ** 40,
    resp_bytes: 0,
    conn_state: 'SF',
    local_orig: false,
    local_resp: true,
    missed_bytes: 7,
    history: 'ShADadFf',
    orig_pkts: 10,
    orig_ip_bytes: 1000,
    resp_pkts: 9,
    resp_ip_bytes: 9000,
    tunnel_parents: ['Cabc', 'Cdef'],
    ip_proto: 6,
    orig_l2_addr: '00:11:22:33:44:55',
    resp_l2_addr: '66:77:88:99:aa:bb',
    vlan: 0,
    inner_vlan: 4095,
    tunnel: 'gre',
    tunnel_id: 4294967295,
    community_id: '1:xyz=',
    orig_asn: 64500,
    orig_as_org: 'Example "Org" ✓',
    orig_cc: 'NL',
    resp_asn: 0,
    resp_as_org: '',
    resp_cc: 'US',
  },
};

test('flow.end events survive packing and unpacking, optional fields and all', () => {
  const packer = new ConnPacker();
  const events: FlowEndEvent[] = [
    PLAIN,
    FULL,
    { ...PLAIN, reason: 'closed' as const, openedWithAck: true },
    { ...FULL, reason: 'evicted' as const, openedWithAck: false },
  ];
  for (const e of events) packer.add(e);
  assert.equal(packer.count, 4);
  // Through a real structured clone, as between threads.
  const packed = structuredClone(packer.take());
  assert.equal(packer.count, 0);
  assert.equal(packed.count, 4);
  for (let i = 0; i < events.length; i++) {
    const back = unpackConn(packed, i);
    assert.deepEqual(back, events[i]);
    // Absent optional fields stay absent (not undefined-valued keys).
    if (i === 0) assert.deepEqual(Object.keys(back.record).includes('duration'), false);
  }
});

test('the packer grows past its first block and starts afresh after take()', () => {
  const packer = new ConnPacker();
  for (let i = 0; i < 5000; i++) packer.add({ ...PLAIN, ts: i, record: { ...PLAIN.record, 'id.orig_p': i } });
  const packed = packer.take();
  assert.equal(packed.count, 5000);
  assert.equal(unpackConn(packed, 4999).record['id.orig_p'], 4999);
  packer.add(FULL);
  assert.deepEqual(unpackConn(packer.take(), 0), FULL);
});
