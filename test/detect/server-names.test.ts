/**
 * The name helpers several rules share: which names fall under a list of
 * domains, and how a Host header or SNI becomes a server name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedDomains, serverName, underDomain } from '../../src/detect/server-names.js';

test('underDomain: the domain itself and its subdomains, never a name that only ends with the same letters', () => {
  const pools = allowedDomains(['supportxmr.com', '*.Nanopool.org', 'xmr.pt.']);
  assert.deepEqual(pools, ['supportxmr.com', 'nanopool.org', 'xmr.pt']);
  for (const name of ['supportxmr.com', 'pool.supportxmr.com', 'a.b.nanopool.org', 'nanopool.org', 'xmr.pt', 'eu.xmr.pt']) {
    assert.equal(underDomain(name, pools), true, name);
  }
  for (const name of ['notsupportxmr.com', 'supportxmr.com.evil.example', 'xsupportxmr.com', 'pt', 'mr.pt', '.xmr.ptx', 'org', '']) {
    assert.equal(underDomain(name, pools), false, name);
  }
  assert.equal(underDomain('.xmr.pt', pools), true, 'a leading dot still names a subdomain position');
  assert.equal(underDomain('anything.example', []), false);
});

test('serverName: lower case, no port or trailing dot; addresses and IPv6 literals are not names', () => {
  assert.equal(serverName('Pool.SupportXMR.com:3333'), 'pool.supportxmr.com');
  assert.equal(serverName('example.org.'), 'example.org');
  assert.equal(serverName('192.0.2.7:8080'), undefined);
  assert.equal(serverName('[2001:db8::1]:443'), undefined);
  assert.equal(serverName(''), undefined);
  assert.equal(serverName(undefined), undefined);
});
