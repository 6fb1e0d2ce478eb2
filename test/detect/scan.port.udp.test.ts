/** UDP port scans and sweeps (scan.port.vertical, scan.port.horizontal) on synthetic flow.end sequences through a real EventBus. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only } from './harness.js';
import type { FlowEndEvent } from '../../src/events/types.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';

const VERTICAL = 'scan.port.vertical';
const HORIZONTAL = 'scan.port.horizontal';

/** One unanswered UDP datagram (nmap -sU's probe of a closed or filtered port). */
function datagram(r: Partial<ConnRecord> & { ts: number }): FlowEndEvent {
  return flow({
    proto: 'udp',
    ip_proto: 17,
    'id.orig_p': 61000,
    conn_state: 'S0',
    history: 'D',
    orig_pkts: 1,
    orig_ip_bytes: 28,
    orig_bytes: 0,
    resp_pkts: 0,
    resp_ip_bytes: 0,
    resp_bytes: 0,
    orig_l2_addr: '02:77:02:00:00:14',
    resp_l2_addr: '02:77:01:00:00:0a',
    ...r,
  });
}

function portScan(h: ReturnType<typeof harness>, count: number, first = 1, extra: Partial<ConnRecord> = {}): void {
  for (let i = 0; i < count; i++) h.emit(datagram({ ts: 1000 + i * 0.05, 'id.resp_p': first + i, ...extra }));
}

test('unanswered UDP datagrams to udp_threshold ports of one host are a UDP scan, apart from TCP', () => {
  const below = harness(SITE_YAML);
  portScan(below, 19);
  assert.equal(only(below.finish(), VERTICAL).length, 0, '19 ports stay under the default of 20');

  const h = harness(SITE_YAML);
  portScan(h, 100);
  const a = only(h.finish(), VERTICAL);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 probed 100 UDP ports on 10.77.1.10 in 5 s with datagrams that got no reply');
  assert.equal(a[0]!.evidence.scan_type, 'udp');
  assert.deepEqual(a[0]!.evidence.attempts, { udp: 100 });
  assert.equal(a[0]!.evidence.threshold, 20);
  assert.equal(a[0]!.network?.transport, 'udp');
});

test('a TCP scan and a UDP scan from one source are two alerts, each counting its own ports', () => {
  const h = harness(SITE_YAML);
  portScan(h, 30);
  for (let i = 0; i < 15; i++) h.emit(flow({ ts: 1000 + i * 0.05, 'id.resp_p': 1 + i, history: 'Sr', conn_state: 'REJ' }));
  const a = only(h.finish(), VERTICAL);
  assert.equal(a.length, 2);
  const udp = a.find((x) => x.evidence.scan_type === 'udp');
  const tcp = a.find((x) => x.evidence.scan_type === 'syn');
  assert.equal(udp?.evidence.ports_count, 30);
  assert.equal(tcp?.evidence.ports_count, 15);
});

test('answered datagrams, long one-way streams, group destinations and traceroute ports are not probes', () => {
  const h = harness(SITE_YAML);
  // Open ports answer: a datagram back.
  portScan(h, 40, 1, { resp_pkts: 1, resp_ip_bytes: 60, resp_bytes: 32, conn_state: 'SF', history: 'Dd' });
  // A one-way stream (syslog, RTP) is more than a probe and its retries.
  portScan(h, 40, 2000, { orig_pkts: 50, orig_ip_bytes: 5000, orig_bytes: 3600 });
  // Discovery broadcasts: the subnet's broadcast address shows by its MAC;
  // multicast by its address too (a capture without link addresses, Linux cooked or raw IP, has no MACs).
  portScan(h, 40, 3000, { 'id.resp_h': '10.77.1.255', resp_l2_addr: 'ff:ff:ff:ff:ff:ff' });
  for (let i = 0; i < 40; i++) {
    const e = datagram({ ts: 1000 + i * 0.05, 'id.resp_h': '239.255.255.250', 'id.resp_p': 4000 + i });
    delete e.record.orig_l2_addr;
    delete e.record.resp_l2_addr;
    h.emit(e);
  }
  // UDP traceroute: a fresh port per probe, 3 probes x 30 hops.
  portScan(h, 90, 33434);
  portScan(h, 90, 44444);
  // The other side spoke first (a reply whose request was not seen): the originator sent nothing.
  portScan(h, 40, 5000, { orig_pkts: 0, orig_ip_bytes: 0, resp_pkts: 1, resp_ip_bytes: 60, history: '^d' });
  assert.equal(only(h.finish(), VERTICAL).length, 0);
});

test('the UDP threshold is its own option, and exclusions apply', () => {
  const h = harness(SITE_YAML + `detectors:\n  scan.port.vertical: { udp_threshold: 50 }\n`);
  portScan(h, 49);
  assert.equal(only(h.finish(), VERTICAL).length, 0);
  const ex = harness(SITE_YAML + `detectors:\n  scan.port.vertical: { exclude: [10.77.2.20] }\n`);
  portScan(ex, 100);
  assert.equal(only(ex.finish(), VERTICAL).length, 0);
});

test('an unanswered UDP sweep of one port over internal hosts (nbtscan, SNMP) is a UDP sweep', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 30; i++) h.emit(datagram({ ts: 1000 + i * 0.1, 'id.resp_h': `10.77.1.${10 + i}`, 'id.resp_p': 137, resp_l2_addr: `02:77:01:00:01:${(10 + i).toString(16).padStart(2, '0')}` }));
  const a = only(h.finish(), HORIZONTAL);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 probed UDP port 137 on 30 hosts in servers in 3 s with datagrams that got no reply');
  assert.equal(a[0]!.evidence.scan_type, 'udp');
  assert.equal(a[0]!.evidence.port, 137);
  assert.equal(a[0]!.count, 30, 'the held alert counts every host past the threshold');
});

test('unanswered UDP to many public hosts on one port (a resolver whose name servers time out) is no sweep', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 60; i++) h.emit(datagram({ ts: 1000 + i, 'id.orig_h': '10.77.1.53', 'id.resp_h': `203.0.113.${i + 1}`, 'id.resp_p': 53 }));
  assert.equal(only(h.finish(), HORIZONTAL).length, 0);
});
