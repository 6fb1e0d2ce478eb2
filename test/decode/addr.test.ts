/**
 * Address text: RFC 5952 canonical IPv6 (its section 4 examples), dotted
 * quads, MACs, parseIp round trips and refusals, addrToString per layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addrToString, ipv4ToString, ipv6ToString, macToString, parseIp } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';

function canon(text: string): string {
  const p = parseIp(text);
  assert.ok(p !== null, `parse ${text}`);
  assert.equal(p.v, 6);
  return ipv6ToString(p.words);
}

test('RFC 5952 canonical IPv6 text', () => {
  const cases: Array<[string, string]> = [
    // 4.1: no leading zeros
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
    // 4.2.1: "::" as long as possible
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    // 4.2.2: a single 16-bit zero is not shortened
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8:1:1:1:1:1:0', '2001:db8:1:1:1:1:1:0'],
    // 4.2.3: longest run wins; the first one on a tie
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // 4.3: lower case
    ['2001:DB8::AB:CD', '2001:db8::ab:cd'],
    // edges
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0:0:0:8c36:6ff:fe44:acaf', 'fe80::8c36:6ff:fe44:acaf'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    // 5: IPv4-mapped in mixed notation
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['0:0:0:0:0:ffff:10.1.2.3', '::ffff:10.1.2.3'],
    // IPv4-compatible (deprecated) and other embeddings stay hex
    ['::192.0.2.1', '::c000:201'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ];
  for (const [input, want] of cases) assert.equal(canon(input), want, input);
});

test('ipv6ToString reads four big-endian words', () => {
  const w = new Uint32Array([0x20010db8, 0, 0, 0x00000001]);
  assert.equal(ipv6ToString(w), '2001:db8::1');
});

test('ipv4ToString and MAC text', () => {
  assert.equal(ipv4ToString(0), '0.0.0.0');
  assert.equal(ipv4ToString(0xffffffff), '255.255.255.255');
  assert.equal(ipv4ToString(0xc0a80101), '192.168.1.1');
  assert.equal(ipv4ToString(-1062731519), '192.168.1.1'); // signed view of the same bits
  assert.equal(macToString(0x7831c1c63fc2), '78:31:c1:c6:3f:c2');
  assert.equal(macToString(0xffffffffffff), 'ff:ff:ff:ff:ff:ff');
  assert.equal(macToString(0x000000000001), '00:00:00:00:00:01');
  assert.equal(macToString(-1), '');
});

test('parseIp: IPv4 layout and refusals', () => {
  const p = parseIp('10.1.2.3');
  assert.ok(p);
  assert.equal(p.v, 4);
  assert.equal(p.words[0], 0x0a010203);
  assert.equal(parseIp(' 8.8.8.8 ')?.words[0], 0x08080808);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', '1..2.3', '-1.2.3.4', 'localhost']) {
    assert.equal(parseIp(bad), null, bad);
  }
});

test('parseIp: IPv6 refusals', () => {
  for (const bad of [
    ':',
    ':::',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7::8',
    '::ffff:1.2.3.256',
    '1.2.3.4::',
    'fe80::1%eth0',
  ]) {
    assert.equal(parseIp(bad), null, bad);
  }
  assert.equal(canon('1:2:3:4:5:6:1.2.3.4'), '1:2:3:4:5:6:102:304');
});

test('addrToString follows the packet layer', () => {
  const p = new DecodedPacket();
  assert.equal(addrToString(p, 'src'), '');
  p.l3 = L3.IPV4;
  p.src[0] = 0x0a000001;
  p.dst[0] = 0x0a000002;
  assert.equal(addrToString(p, 'src'), '10.0.0.1');
  assert.equal(addrToString(p, 'dst'), '10.0.0.2');
  p.l3 = L3.IPV6;
  p.src.set([0x20010db8, 0, 0, 1]);
  p.dst.set([0xfe800000, 0, 0, 2]);
  assert.equal(addrToString(p, 'src'), '2001:db8::1');
  assert.equal(addrToString(p, 'dst'), 'fe80::2');
  p.l3 = L3.ARP;
  p.arpSpa = 0xc0000201;
  p.arpTpa = 0xc0000202;
  assert.equal(addrToString(p, 'src'), '192.0.2.1');
  assert.equal(addrToString(p, 'dst'), '192.0.2.2');
});
