/**
 * DNS parser on real messages (hex copied from the corpus captures named in
 * each test) and on hand-built edge cases: compression loops, forward
 * pointers, label and name limits, truncation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsParseFlag, parseDnsMessage } from '../../../src/protocols/dns/parser.js';
import { decodeNetbiosName } from '../../../src/protocols/dns/analyzer.js';
import { ipv6At } from '../../../src/protocols/dns/format.js';
import { renderAnswer } from '../../../src/protocols/dns/render.js';
import { qclassName, qtypeName, rcodeName } from '../../../src/protocols/dns/consts.js';
import { hex } from './helpers.js';

// zeek corpus dns-txt-multiple: response to "flkr._domainkey.flickr.com" TXT.
const TXT_RESPONSE = hex(`
6daf 8500 0001 0003 0005 0005                     # id, flags AA, 1 q, 3 an, 5 ns, 5 ar
04666c6b720a5f646f6d61696e6b657906666c69636b7203636f6d00 00100001
c00c000500010000038400070466613134c011
c0380005000100000384001804666131340a5f646f6d61696e6b6579057961686f6fc023
c04b0010000100001c2000e37f6b3d7273613b20703d4d4947664d413047435371475349623344514542415155414134474e4144434269514b4267514450645066794a4d32523247714d795a4d31666c547a46654449552b65374b6d694b527735797a335868742b6367454969486d6d356c49474275574363357274697930436378655070716363504b6a6e624853724449323350552b484f75714a366572674531494f734c364c4f4567473659543533764d62385a36556942537359506c724445432b384355496b544c4d4c584a6175524b35624e524b56314154477a4746706633546a5a745777494441514142
c050000200010002a3000006036e7335c05bc050000200010002a3000006036e7334c05bc050000200010002a3000006036e7333c05bc050000200010002a3000006036e7332c05bc050000200010002a3000006036e7331c05b
c1a60001000100127500000444b48310c19400010001001275000004448eff10c18200010001001275000004cb54dd35c17000010001001275000004628a0b9dc15e0001000100127500000477a0f77c`);

// zeek corpus dns-https: HTTPS record for cloudflare.com with alpn, ipv4hint, ipv6hint.
const HTTPS_RESPONSE = hex(`
f29f818000010001000000010a636c6f7564666c61726503636f6d0000410001
c00c0041000100000081004f 0001 00 # priority 1, target root
0001 0018 0268330568332d32390568332d32380568332d3237026832 # alpn
0004 0008 681084e5681085e5 # ipv4hint
0006 0020 260647000000000000000000681084e5260647000000000000000000681085e5 # ipv6hint
0000291000000000000000`);

// zeek corpus dns-svcb: SVCB alias-mode record for example.com.
const SVCB_RESPONSE = hex(`
c96481000001000100000000076578616d706c6503636f6d0000400001
076578616d706c6503636f6d0000400001000002580013 0000 03666f6f076578616d706c6503636f6d00`);

test('TXT record with several character-strings, CNAME chain, authority and additional', () => {
  const m = parseDnsMessage(TXT_RESPONSE, 0, TXT_RESPONSE.length);
  assert.equal(m.flags, 0);
  assert.equal(m.header.id, 28079);
  assert.equal(m.header.aa, true);
  assert.deepEqual(m.questions, [{ name: 'flkr._domainkey.flickr.com', qtype: 16, qclass: 1 }]);
  assert.equal(m.answers.length, 3);
  assert.deepEqual(m.answers[0]!.rdata, { kind: 'name', name: 'fa14._domainkey.flickr.com' });
  assert.deepEqual(m.answers[1]!.rdata, { kind: 'name', name: 'fa14._domainkey.yahoo.com' });
  const txt = m.answers[2]!.rdata;
  assert.equal(txt.kind, 'txt');
  if (txt.kind === 'txt') {
    assert.deepEqual(txt.lengths, [127, 98]);
    assert.ok(txt.strings[0]!.startsWith('k=rsa; p=MIGf'));
  }
  assert.equal(m.authority.length, 5);
  assert.deepEqual(m.authority[4]!.rdata, { kind: 'name', name: 'ns1.yahoo.com' });
  assert.equal(m.additional.length, 5);
  assert.deepEqual(m.additional[0]!.rdata, { kind: 'addr', addr: '68.180.131.16' });
});

test('HTTPS SvcParams match Zeek dns_HTTPS_reply output (dns-https)', () => {
  const m = parseDnsMessage(HTTPS_RESPONSE, 0, HTTPS_RESPONSE.length);
  assert.equal(m.flags, 0);
  const d = m.answers[0]!.rdata;
  assert.deepEqual(d, {
    kind: 'svcb',
    priority: 1,
    target: '.',
    params: [
      { key: 1, alpn: ['h3', 'h3-29', 'h3-28', 'h3-27', 'h2'] },
      { key: 4, hint: ['104.16.132.229', '104.16.133.229'] },
      { key: 6, hint: ['2606:4700::6810:84e5', '2606:4700::6810:85e5'] },
    ],
  });
  const opt = m.additional[0]!.rdata;
  assert.equal(opt.kind, 'opt');
  if (opt.kind === 'opt') assert.equal(opt.udpPayloadSize, 4096);
});

test('SVCB alias mode without params matches Zeek output (dns-svcb)', () => {
  const m = parseDnsMessage(SVCB_RESPONSE, 0, SVCB_RESPONSE.length);
  assert.equal(m.flags, 0);
  assert.deepEqual(m.answers[0]!.rdata, { kind: 'svcb', priority: 0, target: 'foo.example.com', params: [] });
});

test('EDNS TCP keepalive option: omitted in the query, 370 in the response (dns-edns-tcp-keepalive)', () => {
  const q = hex('607f012000010000000000010977696b697065646961036f726700000100010000291000000000000010000a0008313b506c0bdd0473000b0000');
  const r = hex('607f850000010001000000010977696b697065646961036f72670000010001c00c00010001000002580004d0509ae0000029040000000000001a000a0010313b506c0bdd0473b0b12e45ba68596c000b00020172');
  const qo = parseDnsMessage(q, 0, q.length).additional[0]!.rdata;
  const ro = parseDnsMessage(r, 0, r.length).additional[0]!.rdata;
  assert.ok(qo.kind === 'opt' && ro.kind === 'opt');
  if (qo.kind === 'opt' && ro.kind === 'opt') {
    assert.equal(qo.options.find((o) => o.code === 11)!.keepalive, null);
    assert.equal(ro.options.find((o) => o.code === 11)!.keepalive, 370);
  }
});

test('a pointer to itself is a loop: flagged, no hang, no throw', () => {
  // header (1 question) + name that is a pointer to offset 12 (itself) + type/class
  const b = hex('0001 0100 0001 0000 0000 0000  c00c  0001 0001');
  const m = parseDnsMessage(b, 0, b.length);
  assert.ok((m.flags & DnsParseFlag.BAD_POINTER) !== 0);
  assert.equal(m.questions.length, 1);
  assert.equal(m.questions[0]!.name, '');
});

test('a forward pointer is rejected', () => {
  const b = hex('0001 0100 0001 0000 0000 0000  c012  0001 0001  03616263 00');
  const m = parseDnsMessage(b, 0, b.length);
  assert.ok((m.flags & DnsParseFlag.BAD_POINTER) !== 0);
});

test('two pointers into each other cannot loop', () => {
  // q1 name: label "a" then pointer to offset 12 (its own start): labels would run into the pointer.
  const b = hex('0001 0100 0002 0000 0000 0000  0161 c00c 0001 0001  c00c 0001 0001');
  const m = parseDnsMessage(b, 0, b.length);
  assert.ok((m.flags & DnsParseFlag.BAD_POINTER) !== 0);
  assert.equal(m.questions.length, 2);
});

test('label length octets 0x40-0xbf are not labels (63-byte limit)', () => {
  const b = hex('0001 0100 0001 0000 0000 0000  40 ' + '61'.repeat(64) + ' 00 0001 0001');
  const m = parseDnsMessage(b, 0, b.length);
  assert.ok((m.flags & DnsParseFlag.BAD_LABEL) !== 0);
});

test('a name over 255 octets is cut and flagged', () => {
  let name = '';
  for (let i = 0; i < 5; i++) name += '3f' + '61'.repeat(63); // 5 x 64 = 320 octets
  const b = hex('0001 0100 0001 0000 0000 0000 ' + name + ' 00 0001 0001');
  const m = parseDnsMessage(b, 0, b.length);
  assert.ok((m.flags & DnsParseFlag.NAME_TOO_LONG) !== 0);
  assert.ok(m.questions[0]!.name.length <= 255);
});

test('truncated messages keep what was parsed', () => {
  const cut = TXT_RESPONSE.subarray(0, 120);
  const m = parseDnsMessage(cut, 0, cut.length);
  assert.ok((m.flags & DnsParseFlag.TRUNCATED) !== 0);
  assert.equal(m.questions.length, 1);
  assert.equal(m.answers.length, 2);
  const short = parseDnsMessage(cut, 0, 11);
  assert.equal(short.flags, DnsParseFlag.SHORT_HEADER);
});

test('wrong RDATA sizes are flagged, the message still parses', () => {
  // answer A record with 3 bytes of rdata
  const b = hex('0001 8180 0000 0001 0000 0000  0161 00 0001 0001 00000010 0003 010203');
  const m = parseDnsMessage(b, 0, b.length);
  assert.ok((m.flags & DnsParseFlag.BAD_RDATA) !== 0);
  assert.equal(m.answers[0]!.rdata.kind, 'malformed');
});

test('NetBIOS first-level names decode (RFC 1001 §14.1)', () => {
  assert.deepEqual(decodeNetbiosName('ECFCFHEDDAEDECDDDIDDEEDBEGDEDCAA'), { name: 'BRWC0CB383D1F42', suffix: 0 });
  assert.deepEqual(decodeNetbiosName('fhepfcelehfcepfffacacacacacacabn'), { name: 'WORKGROUP', suffix: 0x1d });
  assert.equal(decodeNetbiosName('www').name, '');
});

test('IPv6 text follows RFC 5952', () => {
  const a = (s: string): string => ipv6At(hex(s), 0);
  assert.equal(a('20010db8000000000000000000000001'), '2001:db8::1');
  assert.equal(a('00000000000000000000000000000000'), '::');
  assert.equal(a('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(a('20010db8000000000001000000000001'), '2001:db8::1:0:0:1');
  assert.equal(a('00000000000000000000ffffc0000201'), '::ffff:192.0.2.1');
  assert.equal(a('fe800000000000000217f2fffed7cf65'), 'fe80::217:f2ff:fed7:cf65');
});

test('answers render as in Zeek dns.log for each record type', () => {
  const b = hex(`0001 8180 0000 0009 0000 0000
  0161 00 0006 0001 00000010 001f 026e7300 05686f73746d00 00000001 00000002 00000003 00000004 00000005 # SOA
  c00c 000f 0001 00000010 0005 000a 016d00                                 # MX 10 m
  c00c 0021 0001 00000010 0009 0001 0002 0050 017400                       # SRV 1 2 80 t
  c00c 0023 0001 00000010 000b 0001 0002 0155 0153 0152 00                 # NAPTR 1 2 U S R .
  c00c 002b 0001 00000010 0006 1234 08 02 abcd                             # DS tag alg 8 digest 2
  c00c 002e 0001 00000010 0014 0001 08 02 00000e10 00000000 00000000 1234 00 aa  # RRSIG A by root
  c00c 002f 0001 00000010 0006 016e00 0001 40                              # NSEC next n, type A
  c00c 0101 0001 00000010 000d 00 05 6973737565 6361 2e6f7267              # CAA issue ca.org
  c00c ff00 0001 00000010 0002 abcd                                        # type 65280`);
  const m = parseDnsMessage(b, 0, b.length);
  assert.equal(m.flags, 0);
  assert.deepEqual(
    m.answers.map((a) => renderAnswer(a, 0, false)),
    ['ns', 'm', 't', 'NAPTR 1 2 U S R', 'DS 8 2', 'RRSIG 1 <Root>', 'NSEC a n', null, '<unknown type=65280>'],
  );
  const caa = m.answers[7]!.rdata;
  assert.deepEqual(caa, { kind: 'caa', flags: 0, tag: 'issue', value: 'ca.org' });
  const nsec = m.answers[6]!.rdata;
  assert.deepEqual(nsec, { kind: 'nsec', next: 'n', types: [1] });
  assert.equal(qtypeName(65280), 'query-65280');
  assert.equal(qtypeName(64), 'SVCB');
  assert.equal(rcodeName(3), 'NXDOMAIN');
  assert.equal(rcodeName(12), 'unassigned-12');
  assert.equal(rcodeName(99), 'rcode-99');
  assert.equal(qclassName(32769), 'qclass-32769');
});
