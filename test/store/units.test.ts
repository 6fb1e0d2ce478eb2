/**
 * Small pieces of the store: time parsing, sortable address keys and CIDR
 * ranges, ClickHouse literal escaping, list orders, and the config's store section.
 */
import { test } from 'node:test';
import { formatSort, parseSort } from '../../src/store/sort-text.js';
import assert from 'node:assert/strict';
import { parseTime, isoOrNull, utcDay } from '../../src/store/time.js';
import { cidrKeyRange, ipKey } from '../../src/store/ip-key.js';
import { sameAddress, storedAddressSpellings, storedAddressText } from '../../src/store/address-text.js';
import { lit, num, ident } from '../../src/store/clickhouse/sql.js';
import { checkConfigText } from '../../src/config/load.js';
import { timelineStep } from '../../src/store/duckdb/store.js';
import { orderBy } from '../../src/store/order.js';
import type { Sort, SortDir } from '../../src/store/types.js';

test('times: ISO 8601 (zone-less is UTC) and epoch seconds', () => {
  assert.equal(parseTime('2024-05-01'), 1714521600);
  assert.equal(parseTime('2024-05-01T10:00:00Z'), 1714557600);
  assert.equal(parseTime('2024-05-01T10:00:00'), 1714557600);
  assert.equal(parseTime('2024-05-01 12:00+02:00'), 1714557600);
  assert.equal(parseTime('1714557600'), 1714557600);
  assert.equal(parseTime('1714557600.5'), 1714557600.5);
  for (const bad of ['', 'yesterday', '05/01/2024', '2024-13-45', '1e9']) assert.equal(parseTime(bad), null, bad);
  assert.equal(isoOrNull(1714521600), '2024-05-01T00:00:00.000Z');
  assert.equal(isoOrNull(undefined), null);
  assert.equal(utcDay(1714521600 + 86399), '2024-05-01');
});

test('address keys sort numerically and fold IPv4-mapped IPv6', () => {
  assert.equal(ipKey('10.0.0.1'), '00000000000000000000ffff0a000001');
  assert.equal(ipKey('::ffff:10.0.0.1'), ipKey('10.0.0.1'));
  assert.equal(ipKey('2001:db8::1'), '20010db8000000000000000000000001');
  assert.equal(ipKey('10.0.0.256'), null);
  assert.equal(ipKey('host'), null);
  // 9 < 10 numerically, and so in key order (plain text order would say otherwise).
  assert.ok(ipKey('10.0.0.9')! < ipKey('10.0.0.10')!);
  assert.deepEqual(cidrKeyRange('10.0.0.0/8'), { lo: '00000000000000000000ffff0a000000', hi: '00000000000000000000ffff0affffff' });
  assert.deepEqual(cidrKeyRange('0.0.0.0/0'), { lo: '00000000000000000000ffff00000000', hi: '00000000000000000000ffffffffffff' });
  assert.deepEqual(cidrKeyRange('192.0.2.7'), { lo: ipKey('192.0.2.7'), hi: ipKey('192.0.2.7') });
  assert.deepEqual(cidrKeyRange('2001:db8::/33'), { lo: '20010db8000000000000000000000000', hi: '20010db87fffffffffffffffffffffff' });
  const r = cidrKeyRange('10.0.0.1/24');
  assert.ok('error' in r && /host bits/.test(r.error));
});

test('ClickHouse literals escape quotes, backslashes and control characters', () => {
  assert.equal(lit("it's"), "'it\\'s'");
  assert.equal(lit('a\\b'), "'a\\\\b'");
  assert.equal(lit('x\ny\0'), "'x\\x0ay\\x00'");
  assert.equal(lit("'; DROP TABLE conn; --"), "'\\'; DROP TABLE conn; --'");
  assert.equal(num(42.5), '42.5');
  assert.throws(() => num(Number.NaN), /finite/);
  assert.equal(ident('picket_1'), 'picket_1');
  assert.throws(() => ident('x; DROP'), /database name/);
});

test('timeline buckets stay under the point budget', () => {
  assert.equal(timelineStep(3600), 60);
  assert.equal(timelineStep(86400), 900);
  assert.equal(timelineStep(30 * 86400), 6 * 3600);
});

test('config store section: defaults, sizes, clickhouse required for its engine', () => {
  const d = checkConfigText('', 'p.yaml').config!;
  assert.deepEqual(d.store, { engine: 'duckdb', retention: { min_free_bytes: 256 * 1024 * 1024 } });
  const c = checkConfigText(
    'store:\n  engine: clickhouse\n  clickhouse: { url: "http://ch:8123", password_env: CH_PW }\n  retention: { max_age_days: 30, max_bytes: 20GB, min_free_bytes: 512MiB }\n',
    'p.yaml',
  );
  assert.deepEqual(c.problems, []);
  assert.deepEqual(c.config!.store, {
    engine: 'clickhouse',
    clickhouse: { url: 'http://ch:8123', database: 'picket', user: 'default', password_env: 'CH_PW' },
    retention: { max_age_days: 30, max_bytes: 20e9, min_free_bytes: 512 * 1024 * 1024 },
  });
  assert.match(checkConfigText('store:\n  engine: clickhouse\n', 'p.yaml').problems[0]!.message, /required/);
  assert.match(checkConfigText('store:\n  retention: { max_bytes: lots }\n', 'p.yaml').problems[0]!.message, /not a size/);
  assert.match(checkConfigText('store:\n  engine: sqlite\n', 'p.yaml').problems[0]!.path, /store.engine/);
});

test('query addresses take the spelling the store writes: RFC 5952 IPv6, IPv4-mapped as dotted IPv4', () => {
  assert.equal(storedAddressText('FE80::3074:17D5:2052:C324'), 'fe80::3074:17d5:2052:c324');
  assert.equal(storedAddressText('fe80:0:0:0:3074:17d5:2052:c324'), 'fe80::3074:17d5:2052:c324');
  assert.equal(storedAddressText('fe80:0000:0000:0000:3074:17d5:2052:c324%eth0'), 'fe80::3074:17d5:2052:c324');
  assert.equal(storedAddressText('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first of two equal zero runs');
  assert.equal(storedAddressText('2001:DB8::0:1'), '2001:db8::1');
  assert.equal(storedAddressText('::'), '::');
  assert.equal(storedAddressText('::ffff:141.142.220.118'), '141.142.220.118');
  assert.equal(storedAddressText('::FFFF:8d8e:dc76'), '141.142.220.118');
  assert.equal(storedAddressText('141.142.220.118'), '141.142.220.118');
  assert.equal(storedAddressText('not-an-ip'), null);
  assert.equal(storedAddressText('1.2.3.256'), null);
});

test('an IPv4 host has two stored spellings (dotted, and IPv4-mapped from IPv6 packets); IPv6 hosts one', () => {
  assert.deepEqual(storedAddressSpellings('10.0.0.5'), ['10.0.0.5', '::ffff:10.0.0.5']);
  assert.deepEqual(storedAddressSpellings('::FFFF:10.0.0.5'), ['10.0.0.5', '::ffff:10.0.0.5']);
  assert.deepEqual(storedAddressSpellings('2001:DB8::0:1'), ['2001:db8::1']);
  assert.deepEqual(storedAddressSpellings('nope'), []);
  assert.equal(sameAddress('::ffff:10.0.0.5', '10.0.0.5'), true);
  assert.equal(sameAddress('2001:db8::1', '2001:DB8:0::1'), true);
  assert.equal(sameAddress('10.0.0.5', '10.0.0.6'), false);
  assert.equal(sameAddress(undefined, '10.0.0.5'), false);
  assert.equal(sameAddress('x', 'x'), true, 'equal text is equal without parsing');
});

test('sort orders: the default alone without a sort, the field first, its own key not repeated, unknown fields refused', () => {
  const keys = { time: { sql: 'ts' }, size: { sql: 'coalesce(a, 0) + coalesce(b, 0)' }, took: { sql: 'duration', nullable: true } };
  const fallback = [{ sql: 'ts', desc: true }, { sql: 'uid' }];
  assert.equal(orderBy<keyof typeof keys>(undefined, keys, fallback), 'ts DESC, uid');
  assert.equal(orderBy(sortBy('time', 'desc'), keys, fallback), 'ts DESC, uid', 'the default spelled as a sort is the default');
  assert.equal(orderBy(sortBy('time', 'asc'), keys, fallback), 'ts, uid');
  assert.equal(orderBy(sortBy('size', 'desc'), keys, fallback), 'coalesce(a, 0) + coalesce(b, 0) DESC, ts DESC, uid');
  assert.equal(orderBy(sortBy('took', 'asc'), keys, fallback), 'duration NULLS LAST, ts DESC, uid');
  for (const field of ['toString', '__proto__', 'ts', 'time; DROP TABLE conn']) {
    assert.throws(() => orderBy({ field: field as 'time', dir: 'asc' }, keys, fallback), /cannot sort by/, field);
  }
  assert.throws(() => orderBy({ field: 'time', dir: 'sideways' as 'asc' }, keys, fallback), /asc or desc/);
});

function sortBy<F extends string>(field: F, dir: SortDir): Sort<F> {
  return { field, dir };
}

test('sort text: "field" ascending, "-field" descending, only allowed fields; formatSort writes it back', () => {
  const fields = ['time', 'severity'] as const;
  assert.deepEqual(parseSort('-severity', fields), { field: 'severity', dir: 'desc' });
  assert.deepEqual(parseSort('time', fields), { field: 'time', dir: 'asc' });
  for (const bad of ['', '-', '--time', 'bytes', 'constructor', 'Time']) assert.equal(parseSort(bad, fields), null, bad);
  assert.equal(formatSort({ field: 'severity', dir: 'desc' }), '-severity');
  assert.equal(formatSort({ field: 'time', dir: 'asc' }), 'time');
});
