/** http.sqli: the URI patterns on attack and ordinary query strings, and the rule's counting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, harness, only } from './harness.js';
import { decodeUri, sqliInUri } from '../../src/detect/sqli-patterns.js';
import type { HttpLogEvent, HttpRecord } from '../../src/protocols/http/events.js';

const RULE = 'http.sqli';

test('attack URIs match, with the pattern that shows it', () => {
  const cases: [string, string][] = [
    ["/dvwa/vulnerabilities/sqli/?id=1'+OR+'1'='1&Submit=Submit", 'tautology'],
    ['/item.php?id=1%27%20or%201%3D1--%20-', 'tautology'],
    ['/item.php?id=1 AND 1=1', 'numeric_boolean'],
    ['/item.php?id=-1+UNION+ALL+SELECT+NULL,NULL,version()--+-', 'union_select'],
    ['/item.php?id=1/**/UNION/**/SELECT/**/1,2', 'union_select'],
    ["/login.php?user=admin'--&pass=x", 'comment_terminator'],
    ['/item.php?id=5;DROP TABLE users', 'stacked_query'],
    ["/item.php?id=1' AND SLEEP(5)-- -", 'time_delay'],
    ["/item.php?id=1';WAITFOR DELAY '0:0:5'--", 'time_delay'],
    ['/item.php?id=1 AND extractvalue(1,concat(0x7e,version()))', 'error_function'],
    ['/item.php?id=1 union select table_name from information_schema.tables', 'schema_catalogue'],
    // Double encoding: %2527 is %27, a quote.
    ['/item.php?id=1%2527%2520OR%25201%253D1', 'tautology'],
  ];
  for (const [uri, pattern] of cases) {
    const m = sqliInUri(uri);
    assert.ok(m !== null && m.patterns.includes(pattern), `${uri}: ${JSON.stringify(m)}`);
  }
});

test('ordinary query strings do not match', () => {
  for (const uri of [
    '/search?q=select+a+size&page=2',
    '/travel?q=union+station+to+airport',
    "/people?name=O'Brien",
    "/people?name=O'Reilly+and+Sons",
    '/music?q=rock+and+roll',
    '/search?q=%22hello%22+and+goodbye',
    '/events?from=2024-01-01&to=2024-12-31',
    '/list?sort=name+desc&limit=50',
    '/math?q=1%2B2%3D3',
    '/docs/sql/select-from-where.html',
    '/api/v1/items?filter=price>10&order=asc',
    '/wiki/Semicolon;_drop',
    '/p?utm_source=news--letter&x=a#b',
    '/q?text=it%27s+or+what',
  ]) {
    assert.equal(sqliInUri(uri), null, uri);
  }
});

test('percent-decoding never throws and leaves invalid escapes as written', () => {
  assert.equal(decodeUri('a%2Bb+c%zz%4'), 'a+b c%zz%4');
  assert.equal(decodeUri('plain'), 'plain');
});

let n = 0;
function http(ts: number, uri: string, client = '198.51.100.7', host = 'shop.example.net'): HttpLogEvent {
  const record = { ts, uid: `Chttp${++n}`, 'id.orig_h': client, 'id.orig_p': 50000 + n, 'id.resp_h': '10.77.1.10', 'id.resp_p': 80, method: 'GET', host, uri, user_agent: 'sqlmap/1.7.2#stable' } as unknown as HttpRecord;
  return { type: 'http', log: 'http', ts, uid: record.uid, record };
}

test('three distinct injected URIs from one client within 5 minutes alert once, naming them; two, or one repeated, do not', () => {
  const h = harness(SITE_YAML);
  h.emit(http(1000, "/item.php?id=1'+OR+'1'='1"));
  h.emit(http(1010, '/item.php?id=1+UNION+SELECT+1,2'));
  for (let i = 0; i < 5; i++) h.emit(http(1020 + i, "/item.php?id=2'+OR+'2'='2", '198.51.100.8'));
  h.emit(http(1030, '/item.php?id=1+AND+SLEEP(5)'));
  h.emit(http(1040, '/item.php?id=1+AND+1=1'));
  h.emit(http(1050, '/item.php?id=3', '198.51.100.9'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '198.51.100.7');
  assert.equal(a[0]!.count, 4);
  assert.equal(a[0]!.message, '198.51.100.7 sent 4 HTTP requests with SQL injection to shop.example.net (10.77.1.10) in 40 s (tautology, union_select, time_delay, numeric_boolean)');
  assert.deepEqual(a[0]!.evidence.uris, ["/item.php?id=1'+OR+'1'='1", '/item.php?id=1+UNION+SELECT+1,2', '/item.php?id=1+AND+SLEEP(5)', '/item.php?id=1+AND+1=1']);
});

test('internal_sources_only leaves requests from the Internet out; the window bounds the count', () => {
  const h = harness(`${SITE_YAML}\ndetectors:\n  http.sqli: { internal_sources_only: true }\n`);
  for (let i = 0; i < 5; i++) h.emit(http(1000 + i, `/item.php?id=${i}'+OR+'a'='a`));
  // An internal host, but spread over more than the window: at most two in any 5 minutes.
  for (let i = 0; i < 6; i++) h.emit(http(2000 + i * 200, `/item.php?id=${i}+UNION+SELECT+1`, '10.77.2.20'));
  assert.deepEqual(only(h.finish(), RULE), []);
});
