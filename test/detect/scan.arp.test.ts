/** scan.arp on synthetic ARP and IPv6 Neighbor Solicitation sequences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, arp, flow, harness, only } from './harness.js';
import type { NeighborSolicitEvent } from '../../src/events/neighbor-solicit.js';

const RULE = 'scan.arp';

test('threshold-1 distinct targets: no alert', () => {
  const h = harness(SITE_YAML);
  for (let i = 1; i <= 49; i++) h.emit(arp(1000 + i * 0.01, '10.77.2.66', `10.77.2.${i + 100}`, '02:aa:00:00:00:66'));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('threshold distinct targets in a segment: one alert with sender MAC', () => {
  const h = harness(SITE_YAML);
  for (let i = 1; i <= 254; i++) h.emit(arp(1000 + i * 0.01, '10.77.2.66', `10.77.2.${i}`, '02:aa:00:00:00:66'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.mac, '02:aa:00:00:00:66');
  assert.equal(a[0]!.evidence.targets_count, 253, 'its own address is a gratuitous ARP, not a lookup');
  assert.equal(a[0]!.evidence.segment, 'workstations');
  assert.match(a[0]!.message, /^10\.77\.2\.66 \(02:aa:00:00:00:66\) asked ARP for 253 addresses of workstations in 3 s$/);
});

test('unconfigured segments are grouped by /24', () => {
  const h = harness(SITE_YAML);
  for (let i = 1; i <= 60; i++) h.emit(arp(1000 + i * 0.01, '192.168.9.5', `192.168.9.${i + 10}`));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.segment, '192.168.9.0/24');
});

test('replies and gratuitous ARP never count', () => {
  const h = harness(SITE_YAML);
  for (let i = 1; i <= 100; i++) {
    h.emit(arp(1000 + i, '10.77.2.66', `10.77.2.${i}`, '02:aa:00:00:00:66', 2));
    h.emit(arp(1000 + i, `10.77.2.${i}`, `10.77.2.${i}`, `02:bb:00:00:00:${(i % 256).toString(16).padStart(2, '0')}`));
  }
  assert.equal(only(h.finish(), RULE).length, 0);
});

/** One IPv6 Neighbor Solicitation. */
function ns(ts: number, src: string, target: string, mac = '02:aa:00:00:00:66'): NeighborSolicitEvent {
  return { type: 'nd.solicit', ts, src_mac: mac, src, target };
}

test('IPv6: Neighbor Solicitations for threshold addresses of a segment are a sweep like ARP requests, and fewer are not', () => {
  const h = harness(SITE_YAML);
  for (let i = 1; i <= 49; i++) h.emit(ns(1000 + i * 0.01, 'fd77:2::66', `fd77:2::${(i + 0x100).toString(16)}`));
  assert.equal(only(h.finish(), 'scan.arp').length, 0);

  const g = harness(SITE_YAML);
  for (let i = 1; i <= 128; i++) g.emit(ns(1000 + i * 0.01, 'fd77:2::66', `fd77:2::${i.toString(16)}`));
  const a = only(g.finish(), 'scan.arp');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, 'fd77:2::66 (02:aa:00:00:00:66) sent Neighbor Solicitations for 127 addresses of fd77:2::/64 in 1 s', 'its own address is not a lookup');
  assert.equal(a[0]!.source.mac, '02:aa:00:00:00:66');
  assert.equal(a[0]!.evidence.segment, 'fd77:2::/64', 'unconfigured IPv6 segments are grouped by /64');
});

test('IPv6: duplicate address detection (from ::) and frames without a MAC never count', () => {
  const h = harness(SITE_YAML);
  for (let i = 1; i <= 100; i++) h.emit(ns(1000 + i * 0.01, '::', `fd77:2::${i.toString(16)}`));
  for (let i = 1; i <= 100; i++) h.emit(ns(1000 + i * 0.01, 'fd77:2::66', `fd77:2::${i.toString(16)}`, ''));
  assert.equal(only(h.finish(), 'scan.arp').length, 0);
});

test('an echo request to ff02::1 (all nodes) is host discovery in one packet; echoes to one host or to other groups are not', () => {
  const h = harness(SITE_YAML);
  const icmp = (dst: string, type: number, ts: number) =>
    flow({ ts, proto: 'icmp', 'id.orig_h': 'fe80::77:2ff:fe00:14', 'id.orig_p': type, 'id.resp_h': dst, 'id.resp_p': type === 128 ? 129 : 0, orig_l2_addr: '02:77:02:00:00:14', conn_state: 'OTH', history: '', orig_pkts: 2 });
  h.emit(icmp('fe80::77:2ff:fe00:15', 128, 1000));
  h.emit(icmp('ff02::16', 143, 1001));
  h.emit(icmp('ff02::2', 133, 1002));
  assert.equal(only(h.finish(), 'scan.arp').length, 0);
  h.emit(icmp('ff02::1', 128, 1003));
  const a = only(h.finish(), 'scan.arp');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, 'fe80::77:2ff:fe00:14 (02:77:02:00:00:14) pinged every IPv6 host on its link at once (echo request to ff02::1, 2 sent)');
  assert.equal(a[0]!.evidence.method, 'multicast_echo');
});
