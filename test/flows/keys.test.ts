/**
 * Flow identity: both directions of a tuple share one slot (IPv4 and IPv6),
 * ICMP request/reply pairs share one flow while one-way messages are
 * directional, Zeek's role guesses by port, untracked packets are counted
 * by reason, and the ConnId / service / local-network API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkt, recordingTracker, runOne } from './packets.js';

test('IPv4: both directions map to one slot; lastFromOrig follows the direction', () => {
  const { tracker } = recordingTracker();
  const a = tracker.track(pkt({ src: '192.0.2.9', dst: '192.0.2.1', sp: 1234, dp: 80, flags: 'S', ts: 1 }));
  assert.equal(tracker.lastFromOrig, true);
  const b = tracker.track(pkt({ src: '192.0.2.1', dst: '192.0.2.9', sp: 80, dp: 1234, flags: 'SA', ts: 1.1, ack: 1 }));
  assert.equal(b, a);
  assert.equal(tracker.lastFromOrig, false);
  // Same addresses, other port: another flow.
  const c = tracker.track(pkt({ src: '192.0.2.9', dst: '192.0.2.1', sp: 1235, dp: 80, flags: 'S', ts: 1.2 }));
  assert.notEqual(c, a);
});

test('IPv6: both directions map to one slot and addresses print in RFC 5952 form', () => {
  const { tracker, ended } = recordingTracker();
  const fwd = { src: '2001:db8::1', dst: 'fe80::200:86ff:fe05:80da', sp: 5000, dp: 443, flags: 'S', ts: 1 };
  const a = tracker.track(pkt(fwd));
  const b = tracker.track(pkt({ src: fwd.dst, dst: fwd.src, sp: 443, dp: 5000, flags: 'SA', ack: 1, ts: 2 }));
  assert.equal(a, b);
  tracker.flushAll();
  const r = ended[0]!.record;
  assert.equal(r['id.orig_h'], '2001:db8::1');
  assert.equal(r['id.resp_h'], 'fe80::200:86ff:fe05:80da');
  assert.equal(r.orig_ip_bytes, 60);
  assert.equal(r.history, 'Sh');
});

test('same host on both ends: ports decide, and the first sender stays originator', () => {
  const { tracker } = recordingTracker();
  const a = tracker.track(pkt({ src: '127.0.0.1', dst: '127.0.0.1', sp: 9000, dp: 8000, proto: 17, ts: 1 }));
  const b = tracker.track(pkt({ src: '127.0.0.1', dst: '127.0.0.1', sp: 8000, dp: 9000, proto: 17, ts: 2 }));
  assert.equal(a, b);
  assert.equal(tracker.lastFromOrig, false);
});

test('ICMP echo request and reply are one flow: orig_p = 8, resp_p = 0', () => {
  const r = runOne([
    pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, sp: 8, dp: 0, len: 8, ts: 1 }),
    pkt({ src: '10.0.0.2', dst: '10.0.0.1', proto: 1, sp: 0, dp: 0, len: 8, ts: 2 }),
  ]).record;
  assert.equal(r['id.orig_p'], 8);
  assert.equal(r['id.resp_p'], 0);
  assert.equal(r.orig_pkts, 1);
  assert.equal(r.resp_pkts, 1);
});

test('ICMP one-way messages are directional: port = type and code', () => {
  const { tracker, ended } = recordingTracker();
  const a = tracker.track(pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, sp: 3, dp: 1, ts: 1 }));
  const b = tracker.track(pkt({ src: '10.0.0.2', dst: '10.0.0.1', proto: 1, sp: 3, dp: 1, ts: 2 }));
  assert.notEqual(a, b);
  tracker.flushAll();
  assert.deepEqual(
    ended.map((e) => [e.record['id.orig_h'], e.record['id.orig_p'], e.record['id.resp_p']]),
    [
      ['10.0.0.1', 3, 1],
      ['10.0.0.2', 3, 1],
    ],
  );
});

test('ICMPv6 echo and neighbour discovery pair up; proto "icmp", ip_proto 58', () => {
  const { tracker, ended } = recordingTracker();
  const x = 'fe80::1';
  const y = 'fe80::2';
  const e1 = tracker.track(pkt({ src: x, dst: y, proto: 58, sp: 128, dp: 0, ts: 1 }));
  assert.equal(tracker.track(pkt({ src: y, dst: x, proto: 58, sp: 129, dp: 0, ts: 1.1 })), e1);
  const n1 = tracker.track(pkt({ src: x, dst: y, proto: 58, sp: 135, dp: 0, ts: 2 }));
  assert.equal(tracker.track(pkt({ src: y, dst: x, proto: 58, sp: 136, dp: 0, ts: 2.1 })), n1);
  tracker.flushAll();
  assert.deepEqual(
    ended.map((e) => [e.record.proto, e.record.ip_proto, e.record['id.orig_p'], e.record['id.resp_p']]),
    [
      ['icmp', 58, 128, 129],
      ['icmp', 58, 135, 136],
    ],
  );
});

test('UDP from a likely server port flips roles (^), except towards the IPv4 broadcast', () => {
  const dns = runOne([pkt({ src: '10.0.0.53', dst: '10.0.0.1', sp: 53, dp: 33333, proto: 17, len: 40, ts: 1 })]).record;
  assert.equal(dns['id.orig_h'], '10.0.0.1');
  assert.equal(dns['id.orig_p'], 33333);
  assert.equal(dns['id.resp_p'], 53);
  assert.equal(dns.history, '^d');
  assert.equal(dns.conn_state, 'SHR');
  const bcast = runOne([pkt({ src: '10.0.0.67', dst: '255.255.255.255', sp: 67, dp: 68, proto: 17, ts: 1 })]).record;
  assert.equal(bcast['id.orig_h'], '10.0.0.67');
  assert.equal(bcast.history, 'D');
  // Both ports plausible (mDNS 5353 <-> 5353): no flip.
  const mdns = runOne([pkt({ src: '10.0.0.5', dst: '224.0.0.251', sp: 5353, dp: 5353, proto: 17, ts: 1 })]).record;
  assert.equal(mdns.history, 'D');
});

test('TCP midstream from two likely server ports flips only towards the higher port', () => {
  const a = runOne([pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 80, dp: 443, flags: 'PA', seq: 1, ack: 1, len: 5, ts: 1 })]).record;
  assert.equal(a['id.orig_p'], 443);
  assert.equal(a.history, '^d');
  const b = runOne([pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 443, dp: 80, flags: 'PA', seq: 1, ack: 1, len: 5, ts: 1 })]).record;
  assert.equal(b['id.orig_p'], 443);
  assert.equal(b.history, 'D');
  // A plain SYN is never flipped, whatever the ports.
  const c = runOne([pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 80, dp: 5555, flags: 'S', ts: 1 })]).record;
  assert.equal(c['id.orig_p'], 80);
});

test('untracked packets are counted by reason', () => {
  const { tracker } = recordingTracker();
  const arp = pkt({ src: '10.0.0.1', dst: '10.0.0.2', ts: 1 });
  arp.l3 = 1; // L3.ARP
  assert.equal(tracker.track(arp), -1);
  assert.equal(tracker.track(pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 47, ts: 1 })), -1);
  const frag = pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, ts: 1 });
  frag.fragment = true;
  assert.equal(tracker.track(frag), -1);
  assert.deepEqual(tracker.untrackedBy, { no_ip: 1, other_protocol: 1, fragment: 1 });
  assert.equal(tracker.stats.untracked, 3);
  assert.equal(tracker.stats.created, 0);
});

test('connId is built once, names the roles, and matches the record', () => {
  const { tracker, ended } = recordingTracker();
  const slot = tracker.track(
    pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 4444, dp: 22, flags: 'S', ts: 1, srcMac: 0x020000000001, dstMac: 0x020000000002, vlan: 12 }),
  );
  const id = tracker.connId(slot);
  assert.equal(tracker.connId(slot), id);
  assert.deepEqual(
    { ...id, uid: '' },
    {
      uid: '',
      orig_h: '10.0.0.1',
      orig_p: 4444,
      resp_h: '10.0.0.2',
      resp_p: 22,
      proto: 'tcp',
      orig_mac: '02:00:00:00:00:01',
      resp_mac: '02:00:00:00:00:02',
      vlan: 12,
    },
  );
  assert.match(id.uid, /^C[0-9A-Za-z]+$/);
  tracker.flushAll();
  assert.equal(ended[0]!.record.uid, id.uid);
  assert.throws(() => tracker.connId(slot), { code: 'PKT_ERR_FLOWS_NO_SUCH_SLOT' });
});

test('uids are reproducible for a seed and differ between seeds', () => {
  const uids = (seed: number): string[] => {
    const { tracker, ended } = recordingTracker({ uidSeed: seed });
    for (let i = 0; i < 50; i++) tracker.track(pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 1000 + i, dp: 9, proto: 17, ts: 1 }));
    tracker.flushAll();
    return ended.map((e) => e.record.uid);
  };
  assert.deepEqual(uids(7), uids(7));
  assert.notDeepEqual(uids(7), uids(8));
  assert.equal(new Set(uids(7)).size, 50);
});

test('service: comma-joined, first confirmed first, no repeats', () => {
  const { tracker, ended } = recordingTracker();
  const slot = tracker.track(pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 5000, dp: 389, flags: 'S', ts: 1 }));
  tracker.addService(slot, 'ntlm');
  tracker.addService(slot, 'ldap_tcp');
  tracker.addService(slot, 'ntlm');
  tracker.flushAll();
  assert.equal(ended[0]!.record.service, 'ntlm,ldap_tcp');
});

test('local_orig / local_resp when a local-network test is set, absent otherwise', () => {
  const { tracker, ended } = recordingTracker();
  tracker.setLocalNets((p, which) => (which === 'src' ? p.src[0]! : p.dst[0]!) >>> 24 === 10);
  // First packet comes from the server port: roles flip, and so do the local flags.
  tracker.track(pkt({ src: '8.8.8.8', dst: '10.0.0.1', sp: 53, dp: 40000, proto: 17, ts: 1 }));
  tracker.setLocalNets(null);
  tracker.track(pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 1, dp: 2, proto: 17, ts: 1 }));
  tracker.flushAll();
  assert.equal(ended[0]!.record['id.orig_h'], '10.0.0.1');
  assert.equal(ended[0]!.record.local_orig, true);
  assert.equal(ended[0]!.record.local_resp, false);
  assert.equal(ended[1]!.record.local_orig, undefined);
});
