/** device.new: never-seen MACs per network, persistent through --state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SITE_YAML, arp, flow, harness, hostname, only, session } from './harness.js';
import { tempDir } from '../helpers/paths.js';

const RULE = 'device.new';

test('a new MAC in a watched network alerts once; unwatched networks stay quiet', () => {
  const h = harness(SITE_YAML);
  h.emit(arp(1000, '10.77.1.44', '10.77.1.1', '02:00:00:00:01:44'));
  h.emit(arp(1001, '10.77.1.44', '10.77.1.2', '02:00:00:00:01:44'));
  h.emit(arp(1002, '10.77.2.44', '10.77.2.1', '02:00:00:00:02:44'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.mac, '02:00:00:00:01:44');
  assert.equal(a[0]!.network?.name, 'servers');
  assert.equal(a[0]!.message, 'New device 02:00:00:00:01:44 appeared in servers as 10.77.1.44');
  assert.equal(h.engine.state.devices('workstations').length, 1, 'unwatched networks are still inventoried');
});

test('hostname events carry the name; flows through a router do not create devices', () => {
  const h = harness(SITE_YAML);
  h.emit(hostname(1000, { ip: '10.77.1.60', mac: '02:00:00:00:01:60', name: 'db2' }));
  // A router MAC seen for a public address, then for a server address: not a device.
  h.emit(session({ ts: 1001, 'id.orig_h': '203.0.113.5', orig_l2_addr: '02:00:00:00:00:fe', 'id.resp_h': '10.77.1.61', resp_l2_addr: '02:00:00:00:01:61', 'id.resp_p': 443 }));
  h.emit(session({ ts: 1002, 'id.orig_h': '10.77.1.62', orig_l2_addr: '02:00:00:00:00:fe', 'id.resp_h': '10.77.1.61', resp_l2_addr: '02:00:00:00:01:61', 'id.resp_p': 443 }));
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.source.mac).sort(), ['02:00:00:00:01:60', '02:00:00:00:01:61']);
  assert.equal(a.find((x) => x.source.mac === '02:00:00:00:01:60')!.evidence.hostname, 'db2');
});

test('known devices persist across runs; baseline learns without alerting', () => {
  const dir = tempDir();
  try {
    const base = harness(SITE_YAML, { stateDir: dir, baseline: true });
    base.emit(arp(1000, '10.77.1.44', '10.77.1.1', '02:00:00:00:01:44'));
    assert.equal(base.finish().length, 0);
    assert.equal(base.engine.stats().withheld.baseline, 1);
    base.engine.saveState();
    assert.ok(fs.existsSync(`${dir}/devices.json`));

    const run = harness(SITE_YAML, { stateDir: dir });
    run.emit(arp(5000, '10.77.1.44', '10.77.1.1', '02:00:00:00:01:44'));
    run.emit(arp(5001, '10.77.1.45', '10.77.1.1', '02:00:00:00:01:45'));
    const a = only(run.finish(), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.source.mac, '02:00:00:00:01:45');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a live sensor stays silent during the learning period after its first start', () => {
  const dir = tempDir();
  try {
    const h = harness(SITE_YAML + 'learning_period: 1h\n', { stateDir: dir, live: true });
    h.emit(arp(1000, '10.77.1.44', '10.77.1.1', '02:00:00:00:01:44'));
    h.emit(arp(1000 + 3599, '10.77.1.45', '10.77.1.1', '02:00:00:00:01:45'));
    h.emit(arp(1000 + 3600, '10.77.1.46', '10.77.1.1', '02:00:00:00:01:46'));
    const a = only(h.finish(), RULE);
    assert.deepEqual(a.map((x) => x.source.mac), ['02:00:00:00:01:46']);
    assert.equal(h.engine.stats().withheld.learning, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a scanned address that never answered is not a device: only sides that sent are sighted', () => {
  const h = harness(SITE_YAML);
  // A SYN to 10.77.1.63 left unanswered: its MAC is only the scanner's idea of it.
  h.emit(flow({ ts: 1000, 'id.orig_h': '10.77.1.5', orig_l2_addr: '02:00:00:00:01:05', 'id.resp_h': '10.77.1.63', resp_l2_addr: '02:00:00:00:01:63', conn_state: 'S0', history: 'S', resp_pkts: 0 }));
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.source.mac), ['02:00:00:00:01:05']);
});

test('an IPv6-only device is a device: its link-local neighbour discovery does not make it a router', () => {
  const yaml = SITE_YAML.replace('cidrs: [10.77.1.0/24]', 'cidrs: [10.77.1.0/24, "fd77:1::/64"]');
  const h = harness(yaml);
  const mac = '02:77:01:0d:ec:02';
  // What a real IPv6-only device sends first (lab capture, Linux): an MLD report from its
  // link-local address, duplicate address detection from ::, then its ULA address talking.
  h.emit(flow({ ts: 1000, 'id.orig_h': 'fe80::77:1ff:fe0d:ec02', 'id.orig_p': 143, 'id.resp_h': 'ff02::16', 'id.resp_p': 0, proto: 'icmp', conn_state: 'OTH', history: '', orig_l2_addr: mac, resp_pkts: 0 }));
  h.emit(flow({ ts: 1000.5, 'id.orig_h': '::', 'id.orig_p': 135, 'id.resp_h': 'ff02::1:ff00:dec2', 'id.resp_p': 136, proto: 'icmp', conn_state: 'OTH', history: '', orig_l2_addr: mac, resp_pkts: 0 }));
  h.emit(session({ ts: 1002, 'id.orig_h': 'fd77:1::dec2', orig_l2_addr: mac, 'id.resp_h': 'fd77:1::10', resp_l2_addr: '02:77:01:00:00:0a', 'id.resp_p': 22 }));
  const a = only(h.finish(), RULE).filter((x) => x.source.mac === mac);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, `New device ${mac} appeared in servers as fd77:1::dec2`);
  assert.equal(a[0]!.evidence.seen_via, 'flow');
});

test('a DHCP client\'s 0.0.0.0 flow does not make it a router either', () => {
  const h = harness(SITE_YAML);
  const mac = '02:00:00:00:01:77';
  h.emit(flow({ ts: 1000, 'id.orig_h': '0.0.0.0', 'id.orig_p': 68, 'id.resp_h': '255.255.255.255', 'id.resp_p': 67, proto: 'udp', conn_state: 'S0', history: 'D', orig_l2_addr: mac, resp_pkts: 0 }));
  h.emit(session({ ts: 1002, 'id.orig_h': '10.77.1.77', orig_l2_addr: mac, 'id.resp_h': '10.77.1.10', resp_l2_addr: '02:00:00:00:01:0a', 'id.resp_p': 22 }));
  assert.deepEqual(only(h.finish(), RULE).map((x) => x.source.mac).filter((m) => m === mac), [mac]);
});
