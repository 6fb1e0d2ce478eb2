import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort, urlHost } from '../../src/util/host-port.js';
import { fileUrl } from '../../src/protocols/ftp/path.js';
import { urlFor } from '../../src/server/listen.js';

test('IPv6 hosts are bracketed before a port and in URLs; names and IPv4 are not', () => {
  assert.equal(hostPort('2001:db8::1', 443), '[2001:db8::1]:443');
  assert.equal(hostPort('192.0.2.7', 1080), '192.0.2.7:1080');
  assert.equal(hostPort('example.com', 80), 'example.com:80');
  assert.equal(urlHost('::1'), '[::1]');
  assert.equal(urlHost('10.0.0.1'), '10.0.0.1');
});

test('the users of the helper write the same text as before', () => {
  assert.equal(fileUrl('2001:db8::21', '/pub', 'a.txt'), 'ftp://[2001:db8::21]/pub/a.txt');
  assert.equal(urlFor({ host: '::', port: 8780 }, false), 'http://[::1]:8780');
  assert.equal(urlFor({ host: '0.0.0.0', port: 8780 }, true), 'https://127.0.0.1:8780');
});
