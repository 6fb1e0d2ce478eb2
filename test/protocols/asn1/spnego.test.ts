import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGssToken, unwrapMechToken, OID_SPNEGO, OID_NTLMSSP, OID_MS_KRB5, OID_KRB5, KrbTokId } from '../../../src/protocols/asn1/spnego.js';
import { app, ctx, seq, oid, octets, enumerated, tlv, concat, hex } from './helpers.js';

const ntlmNegotiate = hex('4e544c4d53535000 01000000 07820860 0000000000000000 0000000000000000');

test('NegTokenInit with mech list and an NTLMSSP mechToken', () => {
  const tok = app(0, oid(OID_SPNEGO), ctx(0, seq(ctx(0, seq(oid(OID_NTLMSSP))), ctx(2, octets(ntlmNegotiate)))));
  const g = parseGssToken(tok, 0, tok.length);
  assert.equal(g.kind, 'spnego_init');
  assert.deepEqual(g.mechs, [OID_NTLMSSP]);
  const inner = unwrapMechToken(tok, 0, tok.length);
  assert.equal(inner.kind, 'ntlmssp');
  assert.equal(inner.innerEnd - inner.innerStart, ntlmNegotiate.length);
});

test('NegTokenResp: negState, supportedMech, responseToken', () => {
  const tok = ctx(1, seq(ctx(0, enumerated(1)), ctx(1, oid(OID_NTLMSSP)), ctx(2, octets(ntlmNegotiate))));
  const g = parseGssToken(tok, 0, tok.length);
  assert.equal(g.kind, 'spnego_resp');
  assert.equal(g.negState, 1);
  assert.equal(g.supportedMech, OID_NTLMSSP);
  assert.equal(unwrapMechToken(tok, 0, tok.length).negState, 1);
});

test('Kerberos GSS token inside SPNEGO: TOK_ID and the AP-REQ behind it', () => {
  const apReq = app(14, seq());
  const krb = app(0, oid(OID_KRB5), concat(hex('01 00'), apReq));
  const tok = app(0, oid(OID_SPNEGO), ctx(0, seq(ctx(0, seq(oid(OID_MS_KRB5), oid(OID_KRB5))), ctx(2, octets(krb)))));
  const g = unwrapMechToken(tok, 0, tok.length);
  assert.equal(g.kind, 'krb5');
  assert.equal(g.krbTokId, KrbTokId.AP_REQ);
  assert.equal(tok[g.innerStart], 0x6e);
  assert.deepEqual(g.mechs, [OID_MS_KRB5, OID_KRB5]);
});

test('garbage is "unknown", never a throw', () => {
  assert.equal(parseGssToken(hex('60 05 06 01'), 0, 4).kind, 'unknown');
  assert.equal(parseGssToken(hex('a1 03 30 01'), 0, 4).kind, 'unknown');
  assert.equal(parseGssToken(new Uint8Array(0), 0, 0).kind, 'unknown');
  assert.equal(parseGssToken(tlv(0x04, hex('00')), 0, 3).kind, 'unknown');
});
