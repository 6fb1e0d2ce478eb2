/**
 * NBNS analyzer: hostname events from registrations, positive name query
 * responses and node status responses (group names and non-host suffixes
 * ignored), and its dns.log records with NetBIOS names and opcode names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NbnsAnalyzer } from '../../../src/protocols/nbns/analyzer.js';
import { nbnsSpec } from '../../../src/protocols/nbns/index.js';
import type { HostnameEvent } from '../../../src/events/hostname.js';
import type { DnsLogEvent } from '../../../src/protocols/dns/events.js';
import { dnsTestContext, hex } from '../dns/helpers.js';

/** A NetBIOS name, first-level encoded (RFC 1001 §14.1), as a hex wire name. */
function encoded(name: string, suffix: number): string {
  const bytes = [...Buffer.from(name.padEnd(15, ' ')), suffix];
  let label = '';
  for (const b of bytes) label += String.fromCharCode(0x41 + (b >> 4), 0x41 + (b & 15));
  return '20' + Buffer.from(label).toString('hex') + '00';
}

// Same bytes as the wikipedia capture's NBNS queries.
const BRW = encoded('BRWC0CB383D1F42', 0);
const WORKGROUP = encoded('WORKGROUP', 0x1d);

test('the test encoder reproduces the capture\u2019s wire name', () => {
  assert.equal(BRW, '204543464346484544444145444543444444494444454544424547444544434141' + '00');
});

function conn(): ReturnType<typeof dnsTestContext> {
  return dnsTestContext({ orig_h: '141.142.220.226', orig_p: 137, resp_h: '141.142.220.255', resp_p: 137, orig_mac: '00:80:77:aa:bb:cc' });
}

function hostnames(events: { type: string }[]): HostnameEvent[] {
  return events.filter((e): e is HostnameEvent => e.type === 'hostname');
}

test('a registration announces the name with its address and the sender MAC', () => {
  const ctx = conn();
  const a = nbnsSpec.create(ctx);
  // id 0x1234, opcode 5 (registration), RD, broadcast; 1 question, 1 additional NB record.
  a.data(true, hex(`1234 2910 0001 0000 0000 0001 ${BRW} 0020 0001
    c00c 0020 0001 000493e0 0006 0000 8d8edce2`), 5);
  a.end(6);
  assert.deepEqual(hostnames(ctx.events), [
    { type: 'hostname', ts: 5, ip: '141.142.220.226', name: 'BRWC0CB383D1F42', source: 'nbns', mac: '00:80:77:aa:bb:cc' },
  ]);
  const log = ctx.events.find((e): e is DnsLogEvent => e.type === 'dns')!.record;
  assert.equal(log.query, 'BRWC0CB383D1F42');
  assert.equal(log.opcode_name, 'netbios-registration');
  assert.equal(log.qtype_name, 'NIMLOC');
  assert.equal(log.Z, 1);
  assert.deepEqual(ctx.services, ['dns']);
});

test('a positive name query response announces unique names only', () => {
  const ctx = conn();
  const a = new NbnsAnalyzer(ctx);
  a.data(true, hex(`ff6e 0110 0001 0000 0000 0000 ${BRW} 0020 0001`), 1);
  a.data(false, hex(`ff6e 8500 0000 0001 0000 0000 ${BRW} 0020 0001 000493e0 000c 0000 8d8edce2 8000 0a000001`), 1.01);
  assert.deepEqual(hostnames(ctx.events).map((h) => [h.name, h.ip, h.mac]), [['BRWC0CB383D1F42', '141.142.220.226', undefined]]);
  const log = ctx.events.find((e): e is DnsLogEvent => e.type === 'dns')!.record;
  // Zeek does not render NB records: the pair is logged without answers or rtt.
  assert.equal(log.answers, undefined);
  assert.equal(log.rcode_name, 'NOERROR');
  assert.equal(log.opcode_name, 'netbios-query');
});

test('a positive name query response is a name.answer from the responder to the asker; registrations and refreshes are not', () => {
  const ctx = conn();
  const a = new NbnsAnalyzer(ctx);
  a.data(false, hex(`ff6e 8500 0000 0001 0000 0000 ${BRW} 0020 0001 000493e0 000c 0000 8d8edce2 8000 0a000001`), 1.01);
  a.data(true, hex(`1234 2910 0001 0000 0000 0001 ${BRW} 0020 0001
    c00c 0020 0001 000493e0 0006 0000 8d8edce2`), 2);
  assert.deepEqual(
    ctx.events.filter((e) => e.type === 'name.answer'),
    [{ type: 'name.answer', ts: 1.01, uid: ctx.conn.uid, protocol: 'nbns', responder: '141.142.220.255', to: '141.142.220.226', name: 'BRWC0CB383D1F42', addrs: ['141.142.220.226'] }],
  );
});

test('group names and negative responses announce nothing', () => {
  const ctx = conn();
  const a = new NbnsAnalyzer(ctx);
  a.data(false, hex(`0001 8500 0000 0001 0000 0000 ${WORKGROUP} 0020 0001 000493e0 0006 8000 8d8edce2`), 1);
  a.data(false, hex(`0002 8503 0000 0001 0000 0000 ${BRW} 0020 0001 000493e0 0006 0000 8d8edce2`), 1);
  assert.deepEqual(hostnames(ctx.events), []);
  assert.deepEqual(ctx.events.filter((e) => e.type === 'name.answer'), []);
});

test('a node status response lists the responder\u2019s own names', () => {
  const ctx = conn();
  const a = new NbnsAnalyzer(ctx);
  const name = (s: string): string => Buffer.from(s.padEnd(15, ' ')).toString('hex');
  // NBSTAT answer (type 0x21) for "*": 2 names (workstation unique, workgroup group) + unit id.
  a.data(true, hex(`0003 8400 0000 0001 0000 0000
    ${encoded('*', 0)} 0021 0001 00000000 002b
    02 ${name('HOST1')} 00 0400 ${name('WORKGROUP')} 00 8400 001122334455`), 2);
  assert.deepEqual(hostnames(ctx.events).map((h) => [h.name, h.ip]), [['HOST1', '141.142.220.226']]);
});
