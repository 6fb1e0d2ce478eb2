/** Suppression rules: rule patterns, source/destination CIDRs, expiry, counting by reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Suppressions } from '../../src/alerts/suppress.js';

test('exact rule with a source host', () => {
  const s = new Suppressions([{ rule: 'scan.port.horizontal', source: ['10.77.1.50'], reason: 'scanner' }]);
  assert.notEqual(s.match('scan.port.horizontal', '10.77.1.50', '10.77.2.1', 0), null);
  assert.equal(s.match('scan.port.vertical', '10.77.1.50', '10.77.2.1', 0), null, 'other rule');
  assert.equal(s.match('scan.port.horizontal', '10.77.1.51', '10.77.2.1', 0), null, 'other source');
  assert.equal(s.match('scan.port.horizontal', undefined, '10.77.2.1', 0), null, 'no source');
  assert.deepEqual(s.counts(), { scanner: 1 });
});

test('prefix and star patterns, destination CIDR, both sides required when both given', () => {
  const s = new Suppressions([
    { rule: 'dns.*', destination: ['10.77.1.0/24'], reason: 'resolver' },
    { rule: '*', source: ['192.168.0.0/16'], destination: ['192.168.9.9'] },
  ]);
  assert.notEqual(s.match('dns.excessive_queries', '10.0.0.1', '10.77.1.53', 0), null);
  assert.equal(s.match('dhcp.rogue_server', '10.0.0.1', '10.77.1.53', 0), null);
  assert.notEqual(s.match('anything', '192.168.1.1', '192.168.9.9', 0), null);
  assert.equal(s.match('anything', '192.168.1.1', '192.168.9.8', 0), null);
  assert.deepEqual(s.counts(), { resolver: 1, suppressed: 1 });
});

test('until expires the rule in packet time; runtime additions apply', () => {
  const s = new Suppressions();
  assert.equal(s.match('smb.internet', '10.0.0.1', undefined, 100), null);
  s.add({ rule: 'smb.internet', until: 200, reason: 'change window' });
  assert.notEqual(s.match('smb.internet', '10.0.0.1', undefined, 199.9), null);
  assert.equal(s.match('smb.internet', '10.0.0.1', undefined, 200), null);
});

test('an invalid CIDR in a runtime rule is refused', () => {
  assert.throws(() => new Suppressions().add({ rule: '*', source: ['10.0.0.0/99'] }), TypeError);
});
