/**
 * IpTable lookups against a linear scan over the same ranges: boundaries,
 * /16 index edges, the last range, IPv6 word ordering, shared owner objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpTable, type TableArrays } from '../../../src/intel/ipdb/table.js';
import { packCountry } from '../../../src/intel/ipdb/dict.js';

function table(v4: number[], v6: number[][]): IpTable {
  const arrays: TableArrays = {
    v4Starts: Uint32Array.from(v4),
    v4Owner: Uint32Array.from(v4.map((_, i) => (i % 3 === 0 ? 0 : 1 + (i % 2)))),
    v6Starts: Uint32Array.from(v6.flat()),
    v6Owner: Uint32Array.from(v6.map((_, i) => i % 3)),
    ownerAsn: Uint32Array.from([0, 64500, 0]),
    ownerOrg: Int32Array.from([-1, 0, -1]),
    ownerCc: Uint16Array.from([0, packCountry('DE'), packCountry('FR')]),
    orgs: ['Example AS'],
  };
  return new IpTable(arrays);
}

function linear(starts: number[], addr: number): number {
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1]! <= addr) i++;
  return i;
}

test('IPv4: same range as a linear scan, at boundaries and across /16 edges', () => {
  const starts = [0, 0x0100_0000, 0x0100_ff00, 0x0101_0000, 0x0101_0001, 0x5bbd_5800, 0xc000_0000, 0xfffe_ffff, 0xffff_fff0];
  const t = table(starts, [[0, 0, 0, 0]]);
  const owners = t.arrays.v4Owner;
  const probes: number[] = [0, 0xffffffff];
  for (const s of starts) probes.push(s, Math.max(0, s - 1), Math.min(0xffffffff, s + 1));
  for (let i = 0; i < 50000; i++) probes.push(Math.imul(i, 2654435761) >>> 0);
  for (const p of probes) assert.equal(t.ownerV4(p), owners[linear(starts, p)], p.toString(16));
});

test('IPv6: four-word starts compare most significant first', () => {
  const v6 = [
    [0, 0, 0, 0],
    [0x20010000, 0, 0, 0],
    [0x20010000, 0, 0, 5],
    [0x20010000, 1, 0, 0],
    [0x2a000000, 0xffffffff, 0xffffffff, 0xffffffff],
  ];
  const t = table([0], v6);
  assert.equal(t.ownerV6(0x20010000, 0, 0, 4), 1);
  assert.equal(t.ownerV6(0x20010000, 0, 0, 5), 2);
  assert.equal(t.ownerV6(0x20010000, 0, 0xffffffff, 0), 2);
  assert.equal(t.ownerV6(0x20010000, 1, 0, 0), 0);
  assert.equal(t.ownerV6(0x1fffffff, 0xffffffff, 0xffffffff, 0xffffffff), 0);
  assert.equal(t.ownerV6(0xffffffff, 0, 0, 0), 1);
});

test('owner objects carry only known fields and are shared', () => {
  const t = table([0], [[0, 0, 0, 0]]);
  assert.equal(t.owner(0), undefined);
  assert.deepEqual(t.owner(1), { asn: 64500, as_org: 'Example AS', cc: 'DE' });
  assert.deepEqual(t.owner(2), { cc: 'FR' });
  assert.equal(t.owner(1), t.owner(1));
});
