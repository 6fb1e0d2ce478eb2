/** The IndicatorIndex: exact addresses, CIDRs of several lengths, v6, names and parents, user-agents, URLs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryIndicatorIndex } from '../../../src/intel/store/indicator-index.js';

const idx = MemoryIndicatorIndex.build([
  {
    source: 'a.txt',
    indicators: [
      { kind: 'ip', value: '203.0.113.66', to_ids: true },
      { kind: 'cidr', value: '203.0.113.0/24', to_ids: true },
      { kind: 'cidr', value: '203.0.0.0/16', to_ids: true },
      { kind: 'cidr', value: '0.0.0.0/0', to_ids: false },
      { kind: 'ip', value: '2001:db8:0:0:0:0:0:66', to_ids: true },
      { kind: 'cidr', value: '2001:db8:0:0:0:0:0:0/32', to_ids: true },
      { kind: 'domain', value: 'evil.example', to_ids: true },
      { kind: 'domain', value: 'deep.sub.other.example', to_ids: true },
    ],
  },
  {
    source: 'misp:x',
    indicators: [
      { kind: 'domain', value: 'evil.example', to_ids: false, event_id: '7' },
      { kind: 'user-agent', value: 'EvilBot/1.0', to_ids: true },
      { kind: 'url', value: 'http://files.example/payload.bin', to_ids: true },
    ],
  },
]);

test('an address matches its exact entry and every containing CIDR, most specific first', () => {
  assert.deepEqual(idx.matchIp('203.0.113.66').map((m) => m.indicator), ['203.0.113.66', '203.0.113.0/24', '203.0.0.0/16', '0.0.0.0/0']);
  assert.deepEqual(idx.matchIp('203.0.200.1').map((m) => m.indicator), ['203.0.0.0/16', '0.0.0.0/0']);
  assert.deepEqual(idx.matchIp('::ffff:203.0.113.66').map((m) => m.indicator).slice(0, 1), ['203.0.113.66']);
  // Shown as the logs write IPv6 (RFC 5952), not as the uncompressed key.
  assert.deepEqual(idx.matchIp('2001:DB8::66').map((m) => m.indicator), ['2001:db8::66', '2001:db8::/32']);
  assert.deepEqual(idx.matchIp('2001:db9::1'), []);
  assert.deepEqual(idx.matchIp('not an ip'), []);
});

test('a name matches itself and its parents, never a look-alike; case and trailing dot do not matter', () => {
  assert.deepEqual(idx.matchDomain('evil.example').map((m) => m.source), ['a.txt', 'misp:x']);
  assert.equal(idx.matchDomain('A.B.Evil.Example.').length, 2);
  assert.equal(idx.matchDomain('notevil.example').length, 0);
  assert.equal(idx.matchDomain('evil.example.com').length, 0);
  assert.equal(idx.matchDomain('other.example').length, 0, 'a parent of a listed name is not listed');
  assert.equal(idx.matchDomain('x.deep.sub.other.example').length, 1);
  assert.equal(idx.matchDomain('').length, 0);
});

test('user-agents and URLs match exactly; URLs are found by host for lookups only', () => {
  assert.equal(idx.matchUserAgent('EvilBot/1.0').length, 1);
  assert.equal(idx.matchUserAgent('EvilBot/1.1').length, 0);
  assert.equal(idx.matchUrl('http://files.example/payload.bin').length, 1);
  assert.equal(idx.urlsOnHost('files.example').length, 1);
  assert.equal(idx.matchDomain('files.example').length, 0);
  assert.equal(idx.size, 11);
});

test('no match returns one shared empty array (nothing allocated per miss)', () => {
  assert.equal(idx.matchDomain('a.example'), idx.matchDomain('b.example'));
  assert.equal(idx.matchIp('2001:db9::1'), idx.matchUserAgent('curl/8'));
  const empty = MemoryIndicatorIndex.build([]);
  assert.equal(empty.matchIp('192.0.2.1'), empty.matchDomain('a.example'));
  assert.ok(Object.isFrozen(empty.matchIp('192.0.2.1')));
});
