/** ip-location-db ASN CSV parsing: quoting, malformed lines counted by reason, unsorted input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAsnCsvV4, parseAsnCsvV6 } from '../../../src/intel/ipdb/csv-asn.js';
import { AsnDictionary, packCountry, unpackCountry } from '../../../src/intel/ipdb/dict.js';
import { NO_VALUE } from '../../../src/intel/ipdb/steps.js';

test('IPv4 rows: quoted organisations with commas and doubled quotes, CRLF line ends', () => {
  const dict = new AsnDictionary();
  const text = [
    '16777216,16777471,13335,"Cloudflare, Inc."',
    '16778240,16779263,38803,Gtelecom Pty Ltd\r',
    '16779264,16779519,64500,"The ""Quoted"" Org"',
    '',
  ].join('\n');
  const r = parseAsnCsvV4(text, dict);
  assert.equal(r.rows, 3);
  assert.deepEqual(r.steps.starts, [0, 16777216, 16777472, 16778240, 16779264, 16779520]);
  const orgOf = (v: number): string => dict.orgs[dict.orgIdx[v]!]!;
  assert.equal(orgOf(r.steps.values[1]!), 'Cloudflare, Inc.');
  assert.equal(orgOf(r.steps.values[3]!), 'Gtelecom Pty Ltd');
  assert.equal(orgOf(r.steps.values[4]!), 'The "Quoted" Org');
  assert.equal(r.steps.values[2], NO_VALUE);
  assert.equal(dict.asns[r.steps.values[4]!], 64500);
});

test('malformed lines are counted by reason and skipped', () => {
  const dict = new AsnDictionary();
  const text = [
    '1,2',
    'a,5,100,X',
    '10,20,AS100,X',
    '10,20,99999999999,X',
    '4294967296,4294967297,1,X',
    '30,20,1,Reversed',
    '100,200,1,Good',
    '150,250,2,Overlaps',
    'x'.repeat(5000),
  ].join('\n');
  const r = parseAsnCsvV4(text, dict);
  assert.deepEqual(r.problems, { fields: 2, number: 4, overlap: 1, reversed: 1 });
  assert.deepEqual(r.steps.starts, [0, 100, 201, 251]);
});

test('unsorted rows are sorted before building', () => {
  const r = parseAsnCsvV4('200,299,2,B\n100,199,1,A\n', new AsnDictionary());
  assert.deepEqual(r.steps.starts, [0, 100, 200, 300]);
  assert.deepEqual(r.problems.overlap, 0);
});

test('IPv6 rows are 128-bit decimals', () => {
  const dict = new AsnDictionary();
  const r = parseAsnCsvV6('42540488161975842760550356425300246528,42540488241204005274814694018844196863,6939,Hurricane Electric LLC\n340282366920938463463374607431768211456,1,1,Too big\n', dict);
  assert.equal(r.rows, 1);
  assert.equal(r.problems.number, 1);
  assert.equal(r.steps.starts[1], 42540488161975842760550356425300246528n);
  assert.equal(dict.asns[r.steps.values[1]!], 6939);
});

test('country codes pack into 16 bits and back; anything else is 0', () => {
  assert.equal(unpackCountry(packCountry('us')), 'US');
  assert.equal(packCountry('USA'), 0);
  assert.equal(packCountry('1A'), 0);
  assert.equal(packCountry(undefined), 0);
  assert.equal(unpackCountry(0), undefined);
});
