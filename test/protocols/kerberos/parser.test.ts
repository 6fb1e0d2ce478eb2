import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKrbMessage, looksLikeKrb } from '../../../src/protocols/kerberos/parser.js';
import { cipherName, errorName, isWeakCipher } from '../../../src/protocols/kerberos/consts.js';
import { asReq, tgsReq, kdcRep, krbError, apReq } from './messages.js';
import { hex } from '../asn1/helpers.js';

test('AS-REQ: client, realm, service, times, options, etypes, padata', () => {
  const m = asReq({ user: 'alice', realm: 'EXAMPLE.COM', till: '20370913024805Z', from: '20150119224819Z', etypes: [18, 17, 23], padata: [2, 128] });
  const r = parseKrbMessage(m, 0, m.length);
  assert.equal(r.msgType, 10);
  if (r.msgType !== 10) return;
  assert.equal(r.cname, 'alice');
  assert.equal(r.realm, 'EXAMPLE.COM');
  assert.equal(r.sname, 'krbtgt/EXAMPLE.COM');
  assert.equal(r.till, Date.UTC(2037, 8, 13, 2, 48, 5) / 1000);
  assert.equal(r.from, Date.UTC(2015, 0, 19, 22, 48, 19) / 1000);
  assert.equal(r.forwardable, true);
  assert.equal(r.renewable, true);
  assert.deepEqual(r.etypes, [18, 17, 23]);
  assert.deepEqual(r.padataTypes, [2, 128]);
  assert.ok(looksLikeKrb(m, 0, m.length));
});

test('TGS-REQ has no cname; TGS-REP carries client and ticket cipher', () => {
  const q = parseKrbMessage(...([tgsReq(['HTTP', 'web.example.com'], 'EXAMPLE.COM', '20370913024805Z')].map((m) => [m, 0, m.length] as const)[0]!));
  assert.equal(q.msgType, 12);
  if (q.msgType === 12) {
    assert.equal(q.cname, undefined);
    assert.equal(q.sname, 'HTTP/web.example.com');
  }
  const m = kdcRep(13, 'alice', 'EXAMPLE.COM', ['HTTP', 'web.example.com'], 23);
  const r = parseKrbMessage(m, 0, m.length);
  assert.equal(r.msgType, 13);
  if (r.msgType === 13) {
    assert.equal(r.cname, 'alice');
    assert.equal(r.ticket.sname, 'HTTP/web.example.com');
    assert.equal(r.ticket.etype, 23);
    assert.equal(cipherName(r.ticket.etype), 'rc4-hmac');
    assert.ok(isWeakCipher(r.ticket.etype));
  }
});

test('KRB-ERROR: code, names, e-text', () => {
  const m = krbError(24, 'EXAMPLE.COM', 'alice', 'PREAUTH_FAILED');
  const r = parseKrbMessage(m, 0, m.length);
  assert.equal(r.msgType, 30);
  if (r.msgType === 30) {
    assert.equal(r.errorCode, 24);
    assert.equal(r.cname, 'alice');
    assert.equal(r.crealm, 'EXAMPLE.COM');
    assert.equal(r.eText, 'PREAUTH_FAILED');
    assert.equal(r.sname, 'krbtgt/EXAMPLE.COM');
  }
  assert.equal(errorName(24), 'KDC_ERR_PREAUTH_FAILED');
  assert.equal(errorName(6), 'KDC_ERR_C_PRINCIPAL_UNKNOWN');
  assert.equal(errorName(25), 'KDC_ERR_PREAUTH_REQUIRED');
  assert.equal(errorName(999), 'unknown-999');
  assert.equal(cipherName(99), 'unknown-99');
});

test('AP-REQ ticket', () => {
  const m = apReq('SRT-AD.LOCAL', ['cifs', 'BLACKCLOVER-DC'], 18);
  const r = parseKrbMessage(m, 0, m.length);
  assert.equal(r.msgType, 14);
  if (r.msgType === 14) {
    assert.equal(r.ticket.realm, 'SRT-AD.LOCAL');
    assert.equal(r.ticket.sname, 'cifs/BLACKCLOVER-DC');
  }
});

test('malformed input is reported, not thrown', () => {
  assert.equal(parseKrbMessage(hex('6a 03 02 01 05'), 0, 5).msgType, -1);
  assert.equal(parseKrbMessage(hex('6a 80'), 0, 2).msgType, -1);
  assert.equal(parseKrbMessage(new Uint8Array(0), 0, 0).msgType, -1);
  const m = asReq({ user: 'a', realm: 'R', till: '20370913024805Z', etypes: [18] });
  const r = parseKrbMessage(m, 0, m.length - 3);
  assert.equal(r.msgType, -1);
});
