/**
 * Robustness: thousands of seeded mutations (bit flips, truncation, byte
 * pokes, length and pointer lies) of real DNS, NBNS and mDNS messages fed to
 * the parser and to the analyzer over UDP and TCP. Nothing may throw, and
 * every parse must terminate with bounded output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RECORDS, parseDnsMessage } from '../../../src/protocols/dns/parser.js';
import { DnsAnalyzer } from '../../../src/protocols/dns/analyzer.js';
import { NbnsAnalyzer } from '../../../src/protocols/nbns/analyzer.js';
import { dnsTestContext, hex, mutate, rng } from './helpers.js';

const SEEDS = [
  // wikipedia: A answer with CNAME, NS authority and glue
  hex('65f0818000010002000300030675706c6f61640977696b696d65646961036f72670000010001c00c000500010000007c000f0675706c6f616405706d747061c013c032000100010000086c0004d0509803c013000200010000c0480006036e7331c013c013000200010000c0480006036e7332c013c013000200010000c0480006036e7330c013c081000100010000085d0004d0509882c05d000100010000085d0004d050988ec06f000100010000085d00045bc6ae04'),
  // dns-https: HTTPS with SvcParams and OPT
  hex('f29f818000010001000000010a636c6f7564666c61726503636f6d0000410001c00c0041000100000081004f000100000100180268330568332d32390568332d32380568332d323702683200040008681084e5681085e500060020260647000000000000000000681084e5260647000000000000000000681085e50000291000000000000000'),
  // dns-edns-tcp-keepalive: OPT with cookie and keepalive
  hex('607f850000010001000000010977696b697065646961036f72670000010001c00c00010001000002580004d0509ae0000029040000000000001a000a0010313b506c0bdd0473b0b12e45ba68596c000b00020172'),
  // wikipedia: NBNS name query
  hex('ff6e011000010000000000002045434643464845444441454445434444444944444545444245474445444341410000200001'),
  // hand-built: NBNS positive name query response with an NB record
  hex('ff6e 8500 0000 0001 0000 0000 20454346434648454444414544454344444449444445454442454744454443414100 0020 0001 000493e0 0006 0000 8d8edce2'),
  // hand-built: SOA, MX, SRV, NAPTR, DS, RRSIG, NSEC, CAA records
  hex(`0001 8180 0000 0008 0000 0000
  0161 00 0006 0001 00000010 001f 026e7300 05686f73746d00 00000001 00000002 00000003 00000004 00000005
  c00c 000f 0001 00000010 0005 000a 016d00
  c00c 0021 0001 00000010 0009 0001 0002 0050 017400
  c00c 0023 0001 00000010 000b 0001 0002 0155 0153 0152 00
  c00c 002b 0001 00000010 0006 1234 08 02 abcd
  c00c 002e 0001 00000010 0014 0001 08 02 00000e10 00000000 00000000 1234 00 aa
  c00c 002f 0001 00000010 0006 016e00 0001 40
  c00c 0101 0001 00000010 000d 00 05 6973737565 6361 2e6f7267`),
];

test('parser: 6000 mutations never throw and stay bounded', () => {
  const rnd = rng(0x5eed);
  for (let i = 0; i < 6000; i++) {
    const seed = SEEDS[i % SEEDS.length]!;
    let input = mutate(seed, rnd);
    if (rnd() < 0.3) input = mutate(input, rnd);
    for (const netbios of [false, true]) {
      const m = parseDnsMessage(input, 0, input.length, { netbios });
      assert.ok(m.answers.length + m.authority.length + m.additional.length <= MAX_RECORDS);
      for (const q of m.questions) assert.ok(q.name.length <= 255 * 4);
    }
  }
});

test('analyzers: mutated datagrams and TCP streams never throw', () => {
  const rnd = rng(0xd115);
  for (let i = 0; i < 2000; i++) {
    const seed = SEEDS[i % SEEDS.length]!;
    const udp = dnsTestContext({ resp_p: 5353, orig_p: 5353 });
    const a = new DnsAnalyzer(udp, { netbios: false, service: 'dns' });
    const n = new NbnsAnalyzer(dnsTestContext({ resp_p: 137, orig_p: 137 }));
    const tcp = new DnsAnalyzer(dnsTestContext({ proto: 'tcp' }), { netbios: false, service: 'dns' });
    for (let k = 0; k < 4; k++) {
      const m = mutate(seed, rnd);
      a.data(rnd() < 0.5, m, i + k);
      n.data(rnd() < 0.5, m, i + k);
      const framedMsg = new Uint8Array(m.length + 2);
      framedMsg[0] = m.length >> 8;
      framedMsg[1] = m.length & 0xff;
      framedMsg.set(m, 2);
      const lie = mutate(framedMsg, rnd);
      const cut = Math.floor(rnd() * lie.length);
      tcp.data(true, lie.subarray(0, cut), i);
      tcp.data(true, lie.subarray(cut), i);
    }
    a.end(i + 5);
    n.end(i + 5);
    tcp.end(i + 5);
  }
});
