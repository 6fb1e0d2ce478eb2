/** Reading a request's destination from http.log fields, and the URL key listed URLs and requests meet on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordTarget, requestTarget, splitAuthority } from '../../../src/protocols/http/request-target.js';
import { httpUrlKey, indicatorUrlKey } from '../../../src/intel/store/http-url.js';

test('origin form takes the host and port from the Host header', () => {
  assert.deepEqual(requestTarget('GET', '/gate.php?id=1', 'C2.Example:8080'), { host: 'c2.example', port: 8080, path: '/gate.php?id=1', form: 'origin', scheme: 'http' });
  assert.deepEqual(requestTarget('GET', '/', 'c2.example.'), { host: 'c2.example', port: 80, path: '/', form: 'origin', scheme: 'http' });
  assert.deepEqual(requestTarget('GET', '/x#frag', '[2001:DB8::1]:81'), { host: '2001:db8::1', port: 81, path: '/x', form: 'origin', scheme: 'http' });
  assert.equal(requestTarget('GET', '/', undefined), null);
  assert.equal(requestTarget('GET', '/', '  '), null);
  assert.equal(requestTarget('GET', undefined, 'a.example'), null);
});

test('absolute form (to a proxy) and CONNECT name the destination themselves', () => {
  assert.deepEqual(requestTarget('GET', 'http://user:pw@Payload.Example:8080/stage2.bin', 'proxy.local'), {
    host: 'payload.example', port: 8080, path: '/stage2.bin', form: 'absolute', scheme: 'http',
  });
  assert.deepEqual(requestTarget('GET', 'HTTPS://a.example?q=1', undefined), { host: 'a.example', port: 443, path: '/?q=1', form: 'absolute', scheme: 'https' });
  assert.deepEqual(requestTarget('CONNECT', 'c2.example:443', 'c2.example:443'), { host: 'c2.example', port: 443, path: null, form: 'authority', scheme: null });
  assert.deepEqual(requestTarget('connect', '[2001:db8::5]:8443', undefined), { host: '2001:db8::5', port: 8443, path: null, form: 'authority', scheme: null });
  assert.equal(requestTarget('CONNECT', 'c2.example:99999', undefined), null);
  assert.equal(requestTarget('GET', 'http:///nohost', undefined), null);
});

test('authorities: ports, brackets, bare IPv6, junk', () => {
  assert.deepEqual(splitAuthority('a.example', 80), { host: 'a.example', port: 80 });
  assert.deepEqual(splitAuthority('2001:db8::1', 80), { host: '2001:db8::1', port: 80 });
  assert.equal(splitAuthority('a.example:http', 80), null);
  assert.equal(splitAuthority('[2001:db8::1', 80), null);
  assert.equal(splitAuthority('[2001:db8::1]x', 80), null);
  assert.equal(splitAuthority(':80', 80), null);
});

test('a listed URL and the request for it meet on one key; other paths, ports and schemes do not', () => {
  const listed = indicatorUrlKey('HTTP://Payload.Example:80/stage%202.bin#top');
  assert.equal(listed, 'http://payload.example/stage 2.bin');
  const t = requestTarget('GET', '/stage 2.bin', 'payload.example')!;
  assert.equal(httpUrlKey(t.scheme!, t.host, t.port, t.path!), listed);
  assert.equal(indicatorUrlKey('http://payload.example'), 'http://payload.example/');
  assert.equal(indicatorUrlKey('http://payload.example?x=1'), 'http://payload.example/?x=1');
  assert.equal(indicatorUrlKey('https://payload.example:443/a'), 'https://payload.example/a');
  assert.equal(indicatorUrlKey('http://payload.example:8080/a'), 'http://payload.example:8080/a');
  assert.equal(indicatorUrlKey('http://[2001:db8::1]/a'), 'http://[2001:db8:0:0:0:0:0:1]/a');
  assert.equal(httpUrlKey('http', '2001:db8::1', 80, '/a'), 'http://[2001:db8:0:0:0:0:0:1]/a');
  assert.notEqual(indicatorUrlKey('https://payload.example/stage%202.bin'), listed);
  assert.notEqual(indicatorUrlKey('http://payload.example:8080/stage%202.bin'), listed);
  assert.equal(indicatorUrlKey('ftp://payload.example/a'), null);
  assert.equal(indicatorUrlKey('payload.example/a'), null);
});

test('recordTarget reads a record once and gives every caller the same answer', () => {
  const record = { method: 'CONNECT', uri: 'dns.google:443', host: 'dns.google:443' };
  const first = recordTarget(record);
  assert.deepEqual(first, { host: 'dns.google', port: 443, path: null, form: 'authority', scheme: null });
  assert.equal(recordTarget(record), first);
  // Another record with the same text is read on its own.
  const other = { ...record };
  assert.notEqual(recordTarget(other), first);
  assert.deepEqual(recordTarget(other), first);
  assert.equal(recordTarget({ method: 'GET', uri: '/x' }), null);
});
