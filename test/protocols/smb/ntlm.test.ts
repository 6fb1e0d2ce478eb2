import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNtlm } from '../../../src/protocols/smb/ntlm.js';
import { ntlmAuthenticate, ntlmChallenge, ntlmNegotiate } from './messages.js';
import { hex } from '../asn1/helpers.js';

test('NEGOTIATE', () => {
  const m = ntlmNegotiate();
  const r = parseNtlm(m, 0, m.length);
  assert.equal(r?.type, 1);
});

test('CHALLENGE: server names from AV pairs', () => {
  const m = ntlmChallenge('WS2016', 'WS2016.suse.de', 'suse.de');
  const r = parseNtlm(m, 0, m.length);
  assert.equal(r?.type, 2);
  if (r?.type !== 2) return;
  assert.equal(r.nbComputerName, 'WS2016');
  assert.equal(r.dnsComputerName, 'WS2016.suse.de');
  assert.equal(r.dnsTreeName, 'suse.de');
});

test('AUTHENTICATE: domain, user, workstation in Unicode and OEM', () => {
  const m = ntlmAuthenticate('SUSE', 'administrator', 'LAPTOP');
  const r = parseNtlm(m, 0, m.length);
  assert.equal(r?.type, 3);
  if (r?.type !== 3) return;
  assert.equal(r.domain, 'SUSE');
  assert.equal(r.user, 'administrator');
  assert.equal(r.workstation, 'LAPTOP');
  assert.equal(r.ntResponseLength, 24);
  const o = ntlmAuthenticate('D', 'u', 'w', false);
  const ro = parseNtlm(o, 0, o.length);
  assert.equal(ro?.type === 3 ? ro.user : '', 'u');
});

test('offsets pointing outside the message are ignored, not followed', () => {
  const m = ntlmAuthenticate('SUSE', 'administrator', 'LAPTOP');
  // Point the user name buffer (offset field at 36+4) past the end.
  m[40] = 0xff;
  m[41] = 0xff;
  const r = parseNtlm(m, 0, m.length);
  assert.equal(r?.type === 3 ? r.user : 'x', undefined);
  assert.equal(parseNtlm(hex('4e544c4d53535000 09000000'), 0, 12), null);
  assert.equal(parseNtlm(hex('4e544c4d'), 0, 4), null);
});
