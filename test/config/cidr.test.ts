/** IP parsing, CIDR parsing and matching, internal/public classification. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, parseIpInto, isGroupAddress } from '../../src/config/ip.js';
import { CidrSet, CidrTable, parseCidr, type Cidr } from '../../src/config/cidr.js';
import { Site } from '../../src/config/site.js';

test('IPv4 parsing refuses out-of-range octets, leading zeros and short forms', () => {
  assert.deepEqual(parseIp('10.77.2.20'), { v: 4, words: Uint32Array.of(0x0a4d0214) });
  for (const bad of ['10.77.2', '10.77.2.256', '010.1.1.1', '1.2.3.4.5', '1..2.3', '', 'a.b.c.d', '1.2.3.4 ']) assert.equal(parseIp(bad), null, bad);
});

test('IPv6 parsing: compression, embedded IPv4, zones; mapped v4 folds to v4', () => {
  assert.deepEqual([...parseIp('2001:db8::1')!.words], [0x20010db8, 0, 0, 1]);
  assert.deepEqual([...parseIp('::')!.words], [0, 0, 0, 0]);
  assert.deepEqual([...parseIp('fe80::1%eth0')!.words], [0xfe800000, 0, 0, 1]);
  assert.deepEqual([...parseIp('64:ff9b::192.0.2.33')!.words], [0x0064ff9b, 0, 0, 0xc0000221]);
  assert.deepEqual(parseIp('::ffff:10.0.0.1'), { v: 4, words: Uint32Array.of(0x0a000001) });
  for (const bad of ['1::2::3', '12345::', ':1', '1:2:3:4:5:6:7:8:9', 'g::1', '1:', '::1.2.3']) assert.equal(parseIp(bad), null, bad);
  const scratch = new Uint32Array(4);
  assert.equal(parseIpInto('1:2:3:4:5:6:7:8', scratch), 6);
  assert.deepEqual([...scratch], [0x00010002, 0x00030004, 0x00050006, 0x00070008]);
});

test('CIDR parsing: prefix bounds, host bits, bare hosts', () => {
  assert.equal(parseCidr('10.77.2.0/33'), 'is not a CIDR');
  assert.equal(parseCidr('10.77.2.0/'), 'is not a CIDR');
  assert.equal(parseCidr('10.77.2.0/024'), 'is not a CIDR');
  assert.equal(parseCidr('10.77.2.9/24'), 'has host bits set (did you mean 10.77.2.0/24?)');
  assert.equal((parseCidr('10.77.1.50') as Cidr).prefix, 32);
  assert.equal((parseCidr('fd00::/8') as Cidr).prefix, 8);
  assert.equal(parseCidr('2001:db8::1/129'), 'is not a CIDR');
});

test('CidrTable picks the longest prefix; CidrSet matches v4 and v6', () => {
  const t = new CidrTable<string>();
  t.add(parseCidr('10.0.0.0/8') as Cidr, 'big');
  t.add(parseCidr('10.77.1.0/24') as Cidr, 'mid');
  t.add(parseCidr('10.77.1.0/28') as Cidr, 'small');
  assert.equal(t.lookup('10.77.1.5'), 'small');
  assert.equal(t.lookup('10.77.1.200'), 'mid');
  assert.equal(t.lookup('10.1.1.1'), 'big');
  assert.equal(t.lookup('11.0.0.1'), undefined);
  assert.equal(t.lookup('not an ip'), undefined);
  const s = CidrSet.of(['0.0.0.0/0', '2001:db8::/32']);
  assert.ok(s.has('255.255.255.255'));
  assert.ok(s.has('2001:db8:ffff::1'));
  assert.ok(!s.has('2001:db9::1'));
  assert.ok(CidrSet.of(['128.0.0.0/1']).has('200.1.1.1'), 'high bit addresses compare unsigned');
});

test('internal vs public: private and special ranges inside, documentation ranges public', () => {
  const site = new Site([{ name: 'lab', cidrs: ['198.51.100.0/25'], role: 'server', new_device_alerts: false }]);
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '100.127.255.255', '224.0.0.251', '255.255.255.255', '::1', 'fd12::1', 'fe80::1', 'ff02::1', '198.51.100.5']) {
    assert.ok(site.isInternal(ip), ip);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.0.2.1', '198.51.100.200', '203.0.113.9', '198.18.0.1', '198.19.255.255', '2001:db8::1', '2606:4700::1']) {
    assert.ok(!site.isInternal(ip), ip);
  }
  assert.equal(site.networkOf('198.51.100.5')?.name, 'lab');
});

test('isGroupAddress: IPv4 multicast and the limited broadcast, IPv6 multicast; hosts and non-addresses are not groups', () => {
  for (const g of ['224.0.0.251', '239.255.255.250', '255.255.255.255', 'ff02::1', 'FF02::FB']) assert.equal(isGroupAddress(g), true, g);
  for (const h of ['10.77.2.20', '223.255.255.255', '240.0.0.1', 'fe80::1', 'fd77:2::20', '::', 'wpad']) assert.equal(isGroupAddress(h), false, h);
});
