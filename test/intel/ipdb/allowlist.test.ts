/** asn_allowlists compiled: host coverage by network name or CIDR, AS numbers, organisation globs, countries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsnAllowlists } from '../../../src/intel/ipdb/allowlist.js';
import { Site } from '../../../src/config/site.js';

const site = new Site([
  { name: 'servers', cidrs: ['10.0.1.0/24', 'fd00:1::/64'], role: 'server', new_device_alerts: false },
]);

test('network names and CIDRs cover hosts; others are not judged', () => {
  const lists = new AsnAllowlists([{ hosts: ['servers', '192.168.5.7/32'], asns: [41231], countries: [] }], site);
  assert.deepEqual(lists.problems, []);
  assert.equal(lists.covering('10.0.1.9').length, 1);
  assert.equal(lists.covering('fd00:1::5').length, 1);
  assert.equal(lists.covering('192.168.5.7').length, 1);
  assert.equal(lists.covering('10.0.2.1').length, 0);
  const v = lists.judge('10.0.2.1', { asn: 1 });
  assert.equal(v.allowed, true);
  assert.equal(v.lists.length, 0);
});

test('AS numbers (as numbers or "AS" strings), organisation globs (case-insensitive) and countries allow', () => {
  const lists = new AsnAllowlists([{ hosts: ['servers'], asns: [41231, 'AS24940', '16276', 'canonical*', 'Amazon?com*'], countries: ['gb'] }], site);
  const j = (o: Parameters<AsnAllowlists['judge']>[1]) => lists.judge('10.0.1.1', o).allowed;
  assert.equal(j({ asn: 41231 }), true);
  assert.equal(j({ asn: 24940 }), true);
  assert.equal(j({ asn: 16276 }), true);
  assert.equal(j({ asn: 64999, as_org: 'Canonical Group Limited' }), true);
  assert.equal(j({ asn: 16509, as_org: 'Amazon.com, Inc.' }), true);
  assert.equal(j({ asn: 15169, as_org: 'Google LLC', cc: 'GB' }), true);
  assert.equal(j({ asn: 15169, as_org: 'Google LLC', cc: 'US' }), false);
  assert.equal(j({ as_org: 'CANONICAL' }), true);
  assert.equal(j(undefined), false);
  // Memoised verdicts stay right when asked again.
  assert.equal(j({ asn: 15169, as_org: 'Google LLC', cc: 'US' }), false);
});

test('hosts that are neither network names nor CIDRs are problems, skipped', () => {
  const lists = new AsnAllowlists([{ hosts: ['srvers'], asns: [1], countries: [] }, { hosts: ['servers', '10.0.0.1/8'], asns: [1], countries: [] }], site);
  assert.equal(lists.lists.length, 1);
  assert.equal(lists.problems.length, 2);
  assert.match(lists.problems[0]!, /asn_allowlists\[0\]\.hosts\[0\]: "srvers" is neither/);
});
