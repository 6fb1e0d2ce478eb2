/**
 * The DNS and mDNS expectations of the suricata-verify tests, checked on the
 * messages Picket parses from the same captures (EVE's rrname/rrtype/rdata/
 * ttl map to owner name, type, rendered data and TTL) and on its dns.log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SURICATA_CORPUS } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import type { ProtocolSpec } from '../../../src/protocols/analyzer.js';
import { DnsAnalyzer } from '../../../src/protocols/dns/analyzer.js';
import { dnsSpec } from '../../../src/protocols/dns/index.js';
import { qtypeName } from '../../../src/protocols/dns/consts.js';
import type { DnsMessage, DnsResourceRecord } from '../../../src/protocols/dns/parser.js';
import type { PicketEvent } from '../../../src/events/types.js';

interface Seen {
  msg: DnsMessage;
  fromOrig: boolean;
}

async function parsed(dir: string, file: string): Promise<{ seen: Seen[]; events: PicketEvent[] }> {
  const seen: Seen[] = [];
  class Capturing extends DnsAnalyzer {
    protected override onMessage(msg: DnsMessage, fromOrig: boolean): void {
      seen.push({ msg, fromOrig });
    }
  }
  const spec: ProtocolSpec = { ...dnsSpec, create: (ctx) => new Capturing(ctx, { netbios: false, service: 'dns' }) };
  const events = await replayEvents([path.join(SURICATA_CORPUS, dir, file)], [spec]);
  return { seen, events };
}

/** EVE-like view of one record. */
function eve(rr: DnsResourceRecord): { rrname: string; rrtype: string; ttl: number; rdata: unknown } {
  const d = rr.rdata;
  const rdata =
    d.kind === 'addr' ? d.addr : d.kind === 'name' ? d.name : d.kind === 'txt' ? d.strings.join('') : d.kind === 'srv' ? d : d.kind;
  return { rrname: rr.name, rrtype: qtypeName(rr.type), ttl: rr.ttl, rdata };
}

test('dns-udp-eve-dig: CNAME then two A answers', async () => {
  const { seen } = await parsed('dns__dns-udp-eve-dig', 'input.pcap');
  assert.equal(seen.length, 2);
  const [q, r] = seen as [Seen, Seen];
  assert.equal(q.msg.header.id, 36146);
  assert.deepEqual(q.msg.questions, [{ name: 'www.suricata-ids.org', qtype: 1, qclass: 1 }]);
  assert.equal(r.msg.header.qr && r.msg.header.rd && r.msg.header.ra, true);
  assert.deepEqual(r.msg.answers.map(eve), [
    { rrname: 'www.suricata-ids.org', rrtype: 'CNAME', ttl: 3544, rdata: 'suricata-ids.org' },
    { rrname: 'suricata-ids.org', rrtype: 'A', ttl: 244, rdata: '192.0.78.24' },
    { rrname: 'suricata-ids.org', rrtype: 'A', ttl: 244, rdata: '192.0.78.25' },
  ]);
});

test('dns-udp-eve-txt: TXT and A responses', async () => {
  const { seen, events } = await parsed('dns__dns-udp-eve-txt', 'input.pcap');
  const responses = seen.filter((s) => s.msg.header.qr);
  const byId = new Map(responses.map((s) => [s.msg.header.id, s.msg]));
  assert.deepEqual(byId.get(28243)!.answers.map(eve), [
    { rrname: 'google.com', rrtype: 'TXT', ttl: 3217, rdata: 'v=spf1 include:_spf.google.com ~all' },
  ]);
  assert.deepEqual(byId.get(39372)!.answers.map(eve), [
    { rrname: 'textsecure-service-ca.whispersystems.org', rrtype: 'A', ttl: 5, rdata: '34.197.178.240' },
  ]);
  const logs = events.filter((e) => e.type === 'dns');
  assert.equal(logs.length, 2);
});

test('dns-udp-eve-log-srv: SRV answers', async () => {
  const { seen } = await parsed('dns__dns-udp-eve-log-srv', 'input.pcap');
  const r = seen.find((s) => s.msg.header.qr)!.msg;
  assert.equal(r.questions[0]!.name, '_sip._udp.sip.voice.google.com');
  assert.deepEqual(
    r.answers.slice(0, 2).map((a) => a.rdata),
    [
      { kind: 'srv', priority: 20, weight: 1, port: 5060, target: 'sip-anycast-2.voice.google.com' },
      { kind: 'srv', priority: 10, weight: 1, port: 5060, target: 'sip-anycast-1.voice.google.com' },
    ],
  );
});

test('dns-tcp-www-google-com: request and response over TCP', async () => {
  const { seen, events } = await parsed('dns__dns-tcp-www-google-com', 'dns.pcap');
  assert.equal(seen.filter((s) => !s.msg.header.qr).length, 1);
  assert.equal(seen.filter((s) => s.msg.header.qr).length, 1);
  const log = events.find((e) => e.type === 'dns');
  assert.ok(log !== undefined && log.type === 'dns');
  if (log.type === 'dns') {
    assert.equal(log.record.proto, 'tcp');
    assert.equal(log.record['id.resp_h'], '8.8.4.4');
    assert.equal(log.record.query, 'www.google.com');
  }
});

test('dns-eve-type-filtering: 14 messages, A/AAAA queries, 3 MX responses', async () => {
  const { seen } = await parsed('dns-eve-type-filtering', 'test.pcap');
  assert.equal(seen.length, 14);
  const qtype = (s: Seen): number => s.msg.questions[0]!.qtype;
  assert.equal(seen.filter((s) => qtype(s) === 1).length, 4);
  assert.equal(seen.filter((s) => !s.msg.header.qr && (qtype(s) === 1 || qtype(s) === 28)).length, 4);
  // The filter keys on the query type: three responses to MX queries (one carries 5 MX records).
  assert.equal(seen.filter((s) => s.msg.header.qr && qtype(s) === 15).length, 3);
  let mx = 0;
  for (const s of seen) for (const a of s.msg.answers) if (a.type === 15) mx++;
  assert.equal(mx, 5);
});

test('mdns (frag-9): PTR/TXT response and a three-question PTR query', async () => {
  const { seen } = await parsed('mdns', 'frag-9.pcap');
  const resp = seen.find((s) => s.msg.header.qr && s.msg.answers.length >= 2 && s.msg.answers[0]!.type === 16);
  assert.ok(resp !== undefined, `responses: ${seen.length}`);
  const a0 = resp.msg.answers[0]!;
  assert.equal(a0.name, 'John\u2019s iMac._device-info._tcp.local');
  assert.deepEqual(a0.rdata.kind === 'txt' ? a0.rdata.strings : null, ['model=iMac17,1', 'osxvers=17']);
  const a1 = resp.msg.answers[1]!;
  assert.equal(a1.name, '_companion-link._tcp.local');
  assert.deepEqual(a1.rdata, { kind: 'name', name: 'John\u2019s iMac._companion-link._tcp.local' });
  const query = seen.find((s) => !s.msg.header.qr && s.msg.questions.length === 3);
  assert.ok(query !== undefined);
  assert.deepEqual(
    query.msg.questions.map((q) => [q.name, qtypeName(q.qtype)]),
    [
      ['_apple-mobdev._tcp.local', 'PTR'],
      ['92e80812._sub._apple-mobdev2._tcp.local', 'PTR'],
      ['_apple-pairable._tcp.local', 'PTR'],
    ],
  );
});
