/** net.inter_segment: the segmentation policy of the config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only, session } from './harness.js';

const RULE = 'net.inter_segment';

test('workstation to server on a forbidden port alerts, ports merge per pair', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_p': 3389 }));
  h.emit(flow({ ts: 1001, 'id.resp_p': 22 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  assert.deepEqual(a[0]!.evidence.ports, [3389, 22]);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) connected to 10.77.1.10 (servers) on TCP 22 and 3389 2 times, which the segmentation policy forbids');
});

test('allowed ports, the reverse direction and intra-network traffic do not alert', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_p': 443 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.1.10', 'id.resp_h': '10.77.2.20', 'id.resp_p': 22 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.21', 'id.resp_h': '10.77.2.20', 'id.resp_p': 22 }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('an allow rule listed first exempts a jump host; sessions_only drops attempts', () => {
  const yaml = SITE_YAML.replace(
    'segmentation:\n',
    'segmentation:\n  - { from: workstations, to: servers, ports: [22], action: allow }\n',
  ) + 'detectors:\n  net.inter_segment: { sessions_only: true }\n';
  const h = harness(yaml);
  h.emit(session({ ts: 1000, 'id.resp_p': 22 }));
  h.emit(flow({ ts: 1000, 'id.resp_p': 3389 }));
  assert.equal(only(h.finish(), RULE).length, 0);
  h.emit(session({ ts: 1000, 'id.resp_p': 3389 }));
  assert.equal(only(h.finish(), RULE).length, 1);
});

test('multicast and broadcast are not "external", a lone reply is no attempt, and ICMP names the type sent', () => {
  const yaml = SITE_YAML.replace('segmentation:\n', 'segmentation:\n  - { from: workstations, to: external, action: alert }\n');
  const h = harness(yaml);
  // mDNS, LLMNR, SSDP, IPv6 router solicitation, limited broadcast: groups, not hosts elsewhere.
  h.emit(flow({ ts: 1000, proto: 'udp', 'id.resp_h': '224.0.0.251', 'id.resp_p': 5353, conn_state: 'S0', history: 'D', resp_pkts: 0 }));
  h.emit(flow({ ts: 1000, proto: 'udp', 'id.resp_h': '239.255.255.250', 'id.resp_p': 1900, conn_state: 'S0', history: 'D', resp_pkts: 0 }));
  h.emit(flow({ ts: 1000, proto: 'udp', 'id.resp_h': '255.255.255.255', 'id.resp_p': 67, conn_state: 'S0', history: 'D', resp_pkts: 0 }));
  h.emit(flow({ ts: 1000, proto: 'icmp', 'id.orig_h': 'fe80::1', 'id.resp_h': 'ff02::2', 'id.orig_p': 133, 'id.resp_p': 134, conn_state: 'OTH', history: '', resp_pkts: 0 }));
  // A SYN-ACK from outside with nothing from the workstation (Zeek's ^h): the workstation did not connect.
  h.emit(flow({ ts: 1000, 'id.resp_h': '198.51.100.7', 'id.resp_p': 443, conn_state: 'SH', history: '^h', orig_pkts: 0, resp_pkts: 1 }));
  assert.equal(only(h.finish(), RULE).length, 0);
  // A ping to a public host is a real crossing: named by the type sent (echo request, 8).
  h.emit(flow({ ts: 1001, proto: 'icmp', 'id.resp_h': '198.51.100.7', 'id.orig_p': 8, 'id.resp_p': 0, conn_state: 'OTH', history: '', resp_pkts: 0 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) sent traffic to 198.51.100.7 (external) on ICMP type 8, which the segmentation policy forbids');
});

test('ICMP errors and IPv6 neighbour discovery are answers, not crossings; the message names each port with its transport', () => {
  const yaml = SITE_YAML.replace('cidrs: [10.77.1.0/24]', 'cidrs: [10.77.1.0/24, "fd77:1::/64"]').replace('cidrs: [10.77.2.0/24]', 'cidrs: [10.77.2.0/24, "fd77:2::/64"]')
    .replace('segmentation:\n', 'segmentation:\n  - { from: workstations, to: servers, proto: icmp, action: alert }\n');
  const h = harness(yaml);
  // Port unreachable answering a server's late UDP reply (v4 type 3, v6 type 1), and a neighbour solicitation.
  h.emit(flow({ ts: 1000, proto: 'icmp', 'id.orig_h': '10.77.2.21', 'id.orig_p': 3, 'id.resp_h': '10.77.1.10', 'id.resp_p': 3, conn_state: 'OTH', history: '', resp_pkts: 0 }));
  h.emit(flow({ ts: 1000, proto: 'icmp', 'id.orig_h': 'fd77:2::21', 'id.orig_p': 1, 'id.resp_h': 'fd77:1::10', 'id.resp_p': 4, conn_state: 'OTH', history: '', resp_pkts: 0 }));
  h.emit(flow({ ts: 1000, proto: 'icmp', 'id.orig_h': 'fd77:2::21', 'id.orig_p': 135, 'id.resp_h': 'fd77:1::10', 'id.resp_p': 136, conn_state: 'OTH', history: '', resp_pkts: 1 }));
  assert.equal(only(h.finish(), RULE).length, 0);
  // A ping over IPv6 is a crossing.
  h.emit(flow({ ts: 1001, proto: 'icmp', 'id.orig_h': 'fd77:2::21', 'id.orig_p': 128, 'id.resp_h': 'fd77:1::10', 'id.resp_p': 129, conn_state: 'OTH', history: '', orig_bytes: 56, resp_bytes: 56 }));
  assert.equal(only(h.finish(), RULE).length, 1);

  // TCP 22 then UDP 3389 to one server: each port named with its own transport.
  const h2 = harness(SITE_YAML);
  h2.emit(session({ ts: 1000, 'id.resp_p': 22 }));
  h2.emit(session({ ts: 1001, 'id.resp_p': 3389, proto: 'udp', conn_state: 'SF', history: 'Dd' }));
  const a = only(h2.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) exchanged traffic with 10.77.1.10 (servers) on TCP 22, UDP 3389 2 times, which the segmentation policy forbids');
});
