/**
 * DNS analyzer driven directly: query/response pairing and the dns.log
 * record, TCP framing across any chunk boundaries, unanswered queries and
 * lone replies flushed on end, the pending bound, `dns.answer`, and mDNS /
 * LLMNR hostname events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsAnalyzer, MAX_PENDING } from '../../../src/protocols/dns/analyzer.js';
import type { DnsLogEvent, DnsAnswerEvent } from '../../../src/protocols/dns/events.js';
import type { HostnameEvent } from '../../../src/events/hostname.js';
import { dnsTestContext, hex } from './helpers.js';
import { retainedBytes } from '../../helpers/heap.js';

// zeek corpus wikipedia: A query for upload.wikimedia.org (id 26096) and its answer.
const QUERY = hex('65f0 0100 0001 0000 0000 0000 0675706c6f61640977696b696d65646961036f72670000010001');
const REPLY = hex(`65f0 8180 0001 0002 0003 0003 0675706c6f61640977696b696d65646961036f72670000010001
c00c000500010000007c000f0675706c6f616405706d747061c013
c032000100010000086c0004d0509803
c013000200010000c0480006036e7331c013c013000200010000c0480006036e7332c013c013000200010000c0480006036e7330c013
c081000100010000085d0004d0509882c05d000100010000085d0004d050988ec06f000100010000085d00045bc6ae04`);

function dnsLogs(events: { type: string }[]): DnsLogEvent[] {
  return events.filter((e): e is DnsLogEvent => e.type === 'dns');
}

test('a query and its response make one dns record like Zeek', () => {
  const ctx = dnsTestContext();
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, QUERY, 100);
  a.data(false, REPLY, 100.000392);
  a.end(101);
  const logs = dnsLogs(ctx.events);
  assert.equal(logs.length, 1);
  const r = logs[0]!.record;
  assert.deepEqual(Object.keys(r), [
    'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query',
    'qclass', 'qclass_name', 'qtype', 'qtype_name', 'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z',
    'answers', 'TTLs', 'rejected', 'opcode', 'opcode_name',
  ]);
  assert.equal(r.ts, 100);
  assert.equal(r.trans_id, 26096);
  assert.ok(Math.abs(r.rtt! - 0.000392) < 1e-9);
  assert.equal(r.query, 'upload.wikimedia.org');
  assert.equal(r.qtype_name, 'A');
  assert.equal(r.rcode_name, 'NOERROR');
  assert.equal(r.RD, true);
  assert.equal(r.RA, true);
  assert.deepEqual(r.answers, ['upload.pmtpa.wikimedia.org', '208.80.152.3']);
  assert.deepEqual(r.TTLs, [124, 2156]);
  assert.deepEqual(ctx.services, ['dns']);
  const ans = ctx.events.find((e): e is DnsAnswerEvent => e.type === 'dns.answer')!;
  assert.deepEqual(
    { client: ans.client, server: ans.server, query: ans.query, addrs: ans.addrs, cnames: ans.cnames },
    { client: '10.0.0.1', server: '10.0.0.53', query: 'upload.wikimedia.org', addrs: ['208.80.152.3'], cnames: ['upload.pmtpa.wikimedia.org'] },
  );
});

function framed(...msgs: Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const m of msgs) parts.push(m.length >> 8, m.length & 0xff, ...m);
  return Uint8Array.from(parts);
}

test('TCP: messages split at every byte boundary and several per chunk', () => {
  const orig = framed(QUERY, QUERY);
  const resp = framed(REPLY, REPLY);
  for (let cut = 0; cut <= resp.length; cut++) {
    const ctx = dnsTestContext({ proto: 'tcp' });
    const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
    a.data(true, orig, 1);
    a.data(false, resp.subarray(0, cut), 2);
    a.data(false, resp.subarray(cut), 2);
    a.end(3);
    const logs = dnsLogs(ctx.events);
    assert.equal(logs.length, 2, `cut at ${cut}`);
    assert.deepEqual(logs[1]!.record.answers, ['upload.pmtpa.wikimedia.org', '208.80.152.3']);
    assert.equal(logs[0]!.record.proto, 'tcp');
    assert.deepEqual(ctx.anomalies, []);
  }
  // One byte at a time.
  const ctx = dnsTestContext({ proto: 'tcp' });
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  for (let i = 0; i < orig.length; i++) a.data(true, orig.subarray(i, i + 1), 1);
  for (let i = 0; i < resp.length; i++) a.data(false, resp.subarray(i, i + 1), 2);
  assert.equal(dnsLogs(ctx.events).length, 2);
});

test('TCP: after a gap the direction is given up', () => {
  const ctx = dnsTestContext({ proto: 'tcp' });
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, framed(QUERY).subarray(0, 5), 1);
  a.gap(true, 100);
  assert.equal(a.wants(true), false);
  assert.equal(a.wants(false), true);
  assert.ok(ctx.anomalies.includes('content_gap'));
});

test('unanswered queries and lone replies are logged on end', () => {
  const ctx = dnsTestContext();
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, QUERY, 5);
  const otherReply = Uint8Array.from(REPLY);
  otherReply[0] = 0x11; // different id: unmatched
  a.data(false, otherReply, 6);
  assert.equal(dnsLogs(ctx.events).length, 0);
  a.end(7);
  const logs = dnsLogs(ctx.events);
  assert.equal(logs.length, 2);
  const q = logs[0]!.record;
  assert.equal(q.query, 'upload.wikimedia.org');
  assert.equal(q.rcode, undefined);
  assert.equal(q.answers, undefined);
  const r = logs[1]!.record;
  // A reply alone: no qclass/qtype (those come from the query), no rtt, query from the first answer.
  assert.equal(r.qclass, undefined);
  assert.equal(r.rtt, undefined);
  assert.equal(r.query, 'upload.wikimedia.org');
  assert.equal(r.rcode_name, 'NOERROR');
  assert.ok(ctx.anomalies.includes('unmatched_reply'));
});

test('retransmitted query: the reply pairs with the first, the second is logged at end', () => {
  const ctx = dnsTestContext();
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, QUERY, 1);
  a.data(true, QUERY, 2);
  a.data(false, REPLY, 2.5);
  assert.equal(dnsLogs(ctx.events)[0]!.record.rtt, 1.5);
  a.end(3);
  assert.equal(dnsLogs(ctx.events).length, 2);
  assert.equal(dnsLogs(ctx.events)[1]!.record.ts, 2);
});

test('pending queries are bounded: the oldest is logged to make room', () => {
  const ctx = dnsTestContext();
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  for (let i = 0; i < MAX_PENDING + 5; i++) {
    const q = Uint8Array.from(QUERY);
    q[0] = i >> 8;
    q[1] = i & 0xff;
    a.data(true, q, 1);
  }
  assert.equal(dnsLogs(ctx.events).length, 5);
  assert.equal(ctx.anomalies.filter((c) => c === 'too_many_pending').length, 5);
  a.end(2);
  assert.equal(dnsLogs(ctx.events).length, MAX_PENDING + 5);
});

test('a response without any record sets rejected (Zeek dns_rejected)', () => {
  const ctx = dnsTestContext();
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, QUERY, 1);
  a.data(false, hex('65f0 8185 0001 0000 0000 0000 0675706c6f61640977696b696d65646961036f72670000010001'), 1.1);
  const r = dnsLogs(ctx.events)[0]!.record;
  assert.equal(r.rejected, true);
  assert.equal(r.rcode_name, 'REFUSED');
});

test('non-DNS bytes on port 53 are counted, not logged, never thrown', () => {
  const ctx = dnsTestContext();
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, hex('474554202f20485454502f312e310d0a'), 1); // "GET / HTTP/1.1\r\n" -> qdcount 0x2f20
  a.data(true, hex('0102'), 1);
  a.end(2);
  assert.equal(dnsLogs(ctx.events).length, 0);
  assert.deepEqual(ctx.anomalies, ['too_many_questions', 'short_message']);
});

// zeek corpus dns-mdns (mdns.pcap frame 4): response announcing johanna-QEMU-Virtual-Machine.local
// AAAA and A (abridged here to one AAAA and one A record).
const MDNS_RESPONSE = hex(`0000 8400 0000 0002 0000 0000
1c6a6f68616e6e612d51454d552d5669727475616c2d4d616368696e65056c6f63616c00 001c 8001 00000078 0010 fd52429ec03c8235883cd6fffee14dc4
c00c 0001 8001 00000078 0004 0a000207`);

test('mDNS: A/AAAA answers for *.local become hostname events, once per flow', () => {
  const ctx = dnsTestContext({ orig_h: '10.0.2.7', orig_p: 5353, resp_h: '224.0.0.251', resp_p: 5353, orig_mac: '08:00:27:aa:bb:cc' });
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, MDNS_RESPONSE, 10);
  a.data(true, MDNS_RESPONSE, 11);
  const hn = ctx.events.filter((e): e is HostnameEvent => e.type === 'hostname');
  assert.deepEqual(hn, [
    { type: 'hostname', ts: 10, ip: 'fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4', name: 'johanna-QEMU-Virtual-Machine', source: 'mdns' },
    { type: 'hostname', ts: 10, ip: '10.0.2.7', name: 'johanna-QEMU-Virtual-Machine', source: 'mdns', mac: '08:00:27:aa:bb:cc' },
  ]);
});

test('LLMNR: answers in responses are hostname events; plain DNS yields none', () => {
  const llmnrReply = hex(`4640 8000 0001 0001 0000 0000 0f62727763306362333833643166343200 0001 0001
c00c 0001 0001 0000001e 0004 8d8edce2`);
  const ctx = dnsTestContext({ orig_h: '141.142.220.226', orig_p: 55131, resp_h: '141.142.220.50', resp_p: 5355 });
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(false, llmnrReply, 1);
  const hn = ctx.events.filter((e): e is HostnameEvent => e.type === 'hostname');
  assert.deepEqual(hn.map((h) => [h.source, h.name, h.ip]), [['llmnr', 'brwc0cb383d1f42', '141.142.220.226']]);

  assert.deepEqual(
    ctx.events.filter((e) => e.type === 'name.answer'),
    [{ type: 'name.answer', ts: 1, uid: ctx.conn.uid, protocol: 'llmnr', responder: '141.142.220.50', to: '141.142.220.226', name: 'brwc0cb383d1f42', addrs: ['141.142.220.226'] }],
  );

  const dctx = dnsTestContext();
  const d = new DnsAnalyzer(dctx, { netbios: false, service: 'dns' });
  d.data(false, llmnrReply, 1);
  assert.equal(dctx.events.filter((e) => e.type === 'hostname' || e.type === 'name.answer').length, 0);
});

test('mDNS: a name in both the answer and the additional section of one response is one name.answer with both addresses', () => {
  const split = hex(`0000 8400 0000 0001 0000 0001
1c6a6f68616e6e612d51454d552d5669727475616c2d4d616368696e65056c6f63616c00 001c 8001 00000078 0010 fd52429ec03c8235883cd6fffee14dc4
c00c 0001 8001 00000078 0004 0a000207`);
  const ctx = dnsTestContext({ orig_h: '10.0.2.7', orig_p: 5353, resp_h: '224.0.0.251', resp_p: 5353 });
  new DnsAnalyzer(ctx, { netbios: false, service: 'dns' }).data(true, split, 10);
  assert.deepEqual(
    ctx.events.filter((e) => e.type === 'name.answer').map((e) => [e.name, e.addrs]),
    [['johanna-QEMU-Virtual-Machine', ['fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4', '10.0.2.7']]],
  );
});

test('mDNS: each response is one name.answer per *.local name, with every address it gives, each time it is sent', () => {
  const ctx = dnsTestContext({ orig_h: '10.0.2.7', orig_p: 5353, resp_h: '224.0.0.251', resp_p: 5353 });
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  a.data(true, MDNS_RESPONSE, 10);
  a.data(true, MDNS_RESPONSE, 11);
  assert.deepEqual(
    ctx.events.filter((e) => e.type === 'name.answer').map((e) => [e.ts, e.protocol, e.responder, e.to, e.name, e.addrs]),
    [
      [10, 'mdns', '10.0.2.7', '224.0.0.251', 'johanna-QEMU-Virtual-Machine', ['fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4', '10.0.2.7']],
      [11, 'mdns', '10.0.2.7', '224.0.0.251', 'johanna-QEMU-Virtual-Machine', ['fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4', '10.0.2.7']],
    ],
  );
});

test('specs: ports, transports and the DNS content probe', async () => {
  const { dnsSpec, looksLikeDnsQuery } = await import('../../../src/protocols/dns/index.js');
  const { nbnsSpec } = await import('../../../src/protocols/nbns/index.js');
  const { dhcpSpec } = await import('../../../src/protocols/dhcp/index.js');
  assert.deepEqual([...dnsSpec.ports], [53, 5353, 5355]);
  assert.deepEqual([...dnsSpec.transports], ['udp', 'tcp']);
  assert.deepEqual([...nbnsSpec.ports], [137]);
  assert.deepEqual([...dhcpSpec.ports], [67, 68]);
  assert.equal(looksLikeDnsQuery(QUERY, 'udp'), true);
  assert.equal(looksLikeDnsQuery(framed(QUERY), 'tcp'), true);
  assert.equal(looksLikeDnsQuery(REPLY, 'udp'), false);
  assert.equal(looksLikeDnsQuery(hex('474554202f20485454502f312e310d0a0d0a'), 'udp'), false);
  assert.equal(dnsSpec.probe!(QUERY, false, 'udp'), false);
});

test('TCP: a length prefix alone does not allocate the length it announces', () => {
  const kept = retainedBytes(() => {
    const flows: DnsAnalyzer[] = [];
    for (let i = 0; i < 1000; i++) {
      const a = new DnsAnalyzer(dnsTestContext({ proto: 'tcp' }), { netbios: false, service: 'dns' });
      a.data(true, hex('ffff 00'), 1);
      a.data(false, hex('ffff 00'), 1);
      flows.push(a);
    }
    return flows;
  });
  // Allocating the announced 64 KiB per direction kept 128 MB for these 1,000 flows.
  assert.ok(kept < 16 * 1024 * 1024, `${kept} bytes kept`);
});

test('TCP: a message grown across many chunks is whole', () => {
  const ctx = dnsTestContext({ proto: 'tcp' });
  const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
  const framed = (m: Uint8Array): Uint8Array => {
    const out = new Uint8Array(m.length + 2);
    out[0] = m.length >> 8;
    out[1] = m.length & 255;
    out.set(m, 2);
    return out;
  };
  const q = framed(QUERY);
  const r = framed(REPLY);
  for (let i = 0; i < q.length; i++) a.data(true, q.subarray(i, i + 1), 100);
  for (let i = 0; i < r.length; i += 3) a.data(false, r.subarray(i, i + 3), 100.1);
  a.end(101);
  const logs = dnsLogs(ctx.events);
  assert.equal(logs.length, 1);
  assert.equal(logs[0]!.record.query, 'upload.wikimedia.org');
  assert.deepEqual(logs[0]!.record.answers, ['upload.pmtpa.wikimedia.org', '208.80.152.3']);
});
