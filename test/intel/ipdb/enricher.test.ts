/**
 * createIpEnricher against the bundled ip-location-db data: known addresses
 * (AS number, organisation, country), IPv6, private/reserved and malformed
 * input, the cache (built once, reloaded equal, damaged caches rebuilt), and
 * the user mmdb override paths (a tiny ASN mmdb written by the test, the
 * bundled IPv4 country mmdb standing in for a user's country file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { tempDir } from '../../helpers/paths.js';
import { createIpEnricher, type PicketIpEnricher } from '../../../src/intel/ipdb/enricher.js';
import { PicketError } from '../../../src/util/errors.js';
import { writeMmdb } from './mmdb-writer.js';

const require = createRequire(import.meta.url);
const COUNTRY_PKG = path.dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json'));

const cacheDir = tempDir('picket-ipdb-');
let shared: Promise<PicketIpEnricher> | undefined;
/** One enricher (and one cache build) for the tests that only look things up. */
function bundled(): Promise<PicketIpEnricher> {
  shared ??= createIpEnricher({}, process.cwd(), { cacheDir });
  return shared;
}

test.after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

const KNOWN: readonly [string, number, RegExp][] = [
  ['91.189.91.38', 41231, /^Canonical/],
  ['1.1.1.1', 13335, /^Cloudflare/],
  ['8.8.8.8', 15169, /^Google/],
  ['88.198.0.1', 24940, /^Hetzner/],
  ['51.68.0.1', 16276, /^OVH/],
  ['208.80.152.2', 14907, /^Wikimedia/],
];

test('IPv4 addresses resolve to their AS number and organisation', async () => {
  const e = await bundled();
  for (const [ip, asn, org] of KNOWN) {
    const o = e.lookup(ip);
    assert.equal(o?.asn, asn, ip);
    assert.match(o?.as_org ?? '', org, ip);
  }
});

test('countries come from the country database', async () => {
  const e = await bundled();
  assert.equal(e.lookup('8.8.8.8')?.cc, 'US');
  assert.equal(e.lookup('88.198.0.1')?.cc, 'DE');
  assert.equal(e.lookup('51.68.0.1')?.cc, 'FR');
  assert.equal(e.lookup('91.189.91.38')?.cc, 'GB');
});

test('IPv6 addresses resolve, including IPv4-mapped ones', async () => {
  const e = await bundled();
  assert.equal(e.lookup('2001:4860:4860::8888')?.asn, 15169);
  assert.equal(e.lookup('2606:4700:4700::1111')?.asn, 13335);
  assert.equal(e.lookup('2a01:4f8::1')?.asn, 24940);
  assert.equal(e.lookup('::ffff:8.8.8.8')?.asn, 15169);
});

test('integer lookups agree with text lookups', async () => {
  const e = await bundled();
  const n = ((8 << 24) >>> 0) + (8 << 16) + (8 << 8) + 8;
  assert.equal(e.lookupV4Int(n), e.lookup('8.8.8.8'));
  assert.equal(e.lookupV4Int(0x5bbd5b26)?.asn, 41231); // 91.189.91.38
});

test('private, reserved and malformed addresses are unknown and counted by reason', async () => {
  const e = await createIpEnricher({}, process.cwd(), { cacheDir });
  for (const ip of ['10.1.2.3', '192.168.1.1', '172.20.0.1', '127.0.0.1', '100.64.0.1', '169.254.1.1', '224.0.0.251', '255.255.255.255', '192.0.2.1', '198.51.100.10', '203.0.113.66', '198.18.0.77']) {
    assert.equal(e.lookup(ip), undefined, ip);
  }
  for (const ip of ['fe80::1', '::1', 'fd00::1', 'ff02::1', '2001:db8::1']) assert.equal(e.lookup(ip), undefined, ip);
  for (const bad of ['', 'example.com', '1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '8.8.8.8 ']) assert.equal(e.lookup(bad), undefined, bad);
  const s = e.stats();
  assert.equal(s.reserved, 17);
  assert.equal(s.invalid, 7);
  assert.equal(s.found, 0);
  assert.equal(s.lookups, 24);
});

test('owners are shared objects: repeated lookups allocate nothing new', async () => {
  const e = await bundled();
  const a = e.lookup('8.8.8.8');
  assert.equal(e.lookup('8.8.4.4'), a);
  assert.ok(Object.isFrozen(a));
});

test('the cache is written on the first start and reloads to the same table', async () => {
  const dir = tempDir('picket-ipdb-cache-');
  try {
    const built = await createIpEnricher({}, process.cwd(), { cacheDir: dir });
    assert.equal(built.stats().loaded, 'built');
    assert.equal(built.stats().cache_miss, 'absent');
    const file = built.stats().cache_file!;
    assert.ok(fs.existsSync(file));
    const loaded = await createIpEnricher({}, process.cwd(), { cacheDir: dir });
    assert.equal(loaded.stats().loaded, 'cache');
    assert.equal(loaded.stats().v4_ranges, built.stats().v4_ranges);
    assert.equal(loaded.stats().v6_ranges, built.stats().v6_ranges);
    assert.equal(loaded.stats().owners, built.stats().owners);
    assert.deepEqual(loaded.stats().build_problems, built.stats().build_problems);
    // Same answers over a spread of the IPv4 space and a few IPv6 blocks.
    for (let i = 0; i < 200000; i++) {
      const n = (Math.imul(i, 2654435761) >>> 0);
      assert.deepEqual(loaded.lookupV4Int(n), built.lookupV4Int(n));
    }
    for (const ip of ['2001:4860::1', '2a00:1450:4001::1', '2400:cb00::1', '2a02:c207::1']) assert.deepEqual(loaded.lookup(ip), built.lookup(ip));

    // A damaged cache (truncated) is not trusted: rebuilt and rewritten.
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    const rebuilt = await createIpEnricher({}, process.cwd(), { cacheDir: dir });
    assert.equal(rebuilt.stats().loaded, 'built');
    assert.equal(rebuilt.stats().cache_miss, 'bad_size');
    assert.equal(rebuilt.lookup('1.1.1.1')?.asn, 13335);
    assert.equal(fs.statSync(file).size, bytes.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cache: false builds in memory and writes nothing', async () => {
  const dir = tempDir('picket-ipdb-nocache-');
  try {
    const e = await createIpEnricher({ cache_dir: dir }, process.cwd(), { cache: false });
    assert.equal(e.lookup('1.1.1.1')?.asn, 13335);
    assert.equal(e.stats().cache_file, undefined);
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a user ASN mmdb replaces the bundled ASN data (country still bundled); relative paths resolve against baseDir', async () => {
  const dir = tempDir('picket-ipdb-user-');
  try {
    fs.writeFileSync(
      path.join(dir, 'my-asn.mmdb'),
      writeMmdb(
        [
          { cidr: '91.189.88.0/21', record: { autonomous_system_number: 64500, autonomous_system_organization: 'Example Mirror Ltd' } },
          { cidr: '198.18.0.0/15', record: { autonomous_system_number: 64501, autonomous_system_organization: 'Lab Uplink' } },
          { cidr: '5.0.0.0/8', record: { unrelated: 'no ASN here' } },
        ],
        'Test-ASN',
      ),
    );
    const e = await createIpEnricher({ asn_mmdb: 'my-asn.mmdb' }, dir, { cacheDir: dir });
    assert.deepEqual(e.lookup('91.189.91.38'), { asn: 64500, as_org: 'Example Mirror Ltd', cc: 'GB' });
    // Not in the user's file: no AS, but the bundled country still answers.
    assert.deepEqual(e.lookup('8.8.8.8'), { cc: 'US' });
    assert.equal(e.stats().build_problems['asn_mmdb.no_field'], 1);
    assert.match(e.stats().sources.asn!, /^mmdb:.*my-asn\.mmdb\|/);
    // An IPv4-only file answers nothing for IPv6 ASNs.
    assert.equal(e.lookup('2001:4860:4860::8888')?.asn, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a user country mmdb replaces the bundled one (the bundled IPv4 file stands in for it)', async () => {
  const dir = tempDir('picket-ipdb-cc-');
  try {
    const e = await createIpEnricher({ country_mmdb: path.join(COUNTRY_PKG, 'geo-whois-asn-country-ipv4.mmdb') }, dir, { cacheDir: dir });
    assert.deepEqual(e.lookup('8.8.8.8'), { asn: 15169, as_org: 'Google LLC', cc: 'US' });
    // The IPv4-only country file knows no IPv6 countries; the ASN still comes from the CSV.
    const v6 = e.lookup('2001:4860:4860::8888');
    assert.equal(v6?.asn, 15169);
    assert.equal(v6?.cc, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('missing or malformed user files are reported as coded errors', async () => {
  const dir = tempDir('picket-ipdb-bad-');
  try {
    await assert.rejects(createIpEnricher({ asn_mmdb: 'nope.mmdb' }, dir, { cacheDir: dir }), (err: unknown) => err instanceof PicketError && err.code === 'PKT_ERR_INTEL_IPDB_READ');
    fs.writeFileSync(path.join(dir, 'junk.mmdb'), Buffer.from('this is not a maxmind database at all'));
    await assert.rejects(createIpEnricher({ country_mmdb: 'junk.mmdb' }, dir, { cacheDir: dir }), (err: unknown) => err instanceof PicketError && err.code === 'PKT_ERR_INTEL_IPDB_FORMAT');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
