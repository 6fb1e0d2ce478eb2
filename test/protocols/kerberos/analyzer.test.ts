import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KerberosAnalyzer } from '../../../src/protocols/kerberos/analyzer.js';
import { kerberosSpec } from '../../../src/protocols/kerberos/index.js';
import { be32, concat, ofType, testContext } from '../asn1/helpers.js';
import { asReq, kdcRep, krbError } from './messages.js';

const framed = (m: Uint8Array): Uint8Array => concat(be32(m.length), m);

test('TCP: AS exchange split across chunks yields one record and a success auth event', () => {
  const ctx = testContext('tcp', 88);
  const a = new KerberosAnalyzer(ctx);
  const req = framed(asReq({ user: 'alice', realm: 'EXAMPLE.COM', till: '20370913024805Z', etypes: [18, 23] }));
  // Split inside the length prefix and inside the body.
  a.data(true, req.subarray(0, 2), 1.0);
  a.data(true, req.subarray(2, 30), 1.0);
  a.data(true, req.subarray(30), 1.1);
  const rep = framed(kdcRep(11, 'alice', 'EXAMPLE.COM', ['krbtgt', 'EXAMPLE.COM'], 18));
  a.data(false, rep, 1.2);
  a.end(2);
  const recs = ofType(ctx.events, 'kerberos');
  assert.equal(recs.length, 1);
  // ts is that of the chunk completing the request.
  assert.deepEqual(recs[0]!.record, {
    ts: 1.1,
    uid: 'Ctest',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 50000,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 88,
    request_type: 'AS',
    client: 'alice/EXAMPLE.COM',
    service: 'krbtgt/EXAMPLE.COM',
    success: true,
    till: Date.UTC(2037, 8, 13, 2, 48, 5) / 1000,
    cipher: 'aes256-cts-hmac-sha1-96',
    forwardable: true,
    renewable: true,
    request_ciphers: ['aes256-cts-hmac-sha1-96', 'rc4-hmac'],
  });
  // Zeek's column order.
  assert.deepEqual(Object.keys(recs[0]!.record).slice(6, 10), ['request_type', 'client', 'service', 'success']);
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.outcome, 'success');
  assert.equal(auth[0]!.service, 'kerberos');
  assert.equal(auth[0]!.user, 'alice/EXAMPLE.COM');
  assert.deepEqual(ctx.services, ['krb_tcp']);
});

test('two messages in one chunk are both parsed', () => {
  const ctx = testContext('tcp', 88);
  const a = new KerberosAnalyzer(ctx);
  const r1 = framed(kdcRep(11, 'alice', 'R', ['krbtgt', 'R'], 18));
  const r2 = framed(krbError(6, 'R', 'bob'));
  a.data(true, framed(asReq({ user: 'alice', realm: 'R', till: '20370913024805Z', etypes: [18] })), 1);
  a.data(false, concat(r1, r2), 2);
  a.end(3);
  assert.equal(ofType(ctx.events, 'kerberos').length, 2);
});

test('UDP: PREAUTH_REQUIRED with the routine e-text is dropped, PREAUTH_FAILED is a failure', () => {
  const ctx = testContext('udp', 88);
  const a = new KerberosAnalyzer(ctx);
  a.data(true, asReq({ user: 'bob', realm: 'R', till: '20370913024805Z', etypes: [18] }), 1);
  a.data(false, krbError(25, 'R', 'bob', 'NEEDED_PREAUTH'), 1.1);
  a.data(true, asReq({ user: 'bob', realm: 'R', till: '20370913024805Z', etypes: [18], padata: [2] }), 1.2);
  a.data(false, krbError(24, 'R', 'bob'), 1.3);
  a.end(2);
  const recs = ofType(ctx.events, 'kerberos');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.record.success, false);
  assert.equal(recs[0]!.record.error_msg, 'KDC_ERR_PREAUTH_FAILED');
  assert.equal(recs[0]!.record.error_code, 24);
  assert.equal(recs[0]!.record.ts, 1.2);
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.outcome, 'failure');
  assert.equal(auth[0]!.detail, 'KDC_ERR_PREAUTH_FAILED');
  assert.equal(auth[0]!.user, 'bob/R');
  assert.deepEqual(ctx.services, ['krb']);
});

test('PREAUTH_REQUIRED without the routine text is logged but is not an auth failure', () => {
  const ctx = testContext('udp', 88);
  const a = new KerberosAnalyzer(ctx);
  a.data(true, asReq({ user: 'bob', realm: 'R', till: '20370913024805Z', etypes: [18] }), 1);
  a.data(false, krbError(25, 'R', 'bob'), 1.1);
  a.end(2);
  assert.equal(ofType(ctx.events, 'kerberos')[0]!.record.error_msg, 'KDC_ERR_PREAUTH_REQUIRED');
  assert.equal(ofType(ctx.events, 'auth').length, 0);
});

test('an unanswered request is logged at end', () => {
  const ctx = testContext('udp', 88);
  const a = new KerberosAnalyzer(ctx);
  a.data(true, asReq({ user: 'carol', realm: 'R', till: '20370913024805Z', etypes: [18] }), 5);
  assert.equal(ofType(ctx.events, 'kerberos').length, 0);
  a.end(6);
  const recs = ofType(ctx.events, 'kerberos');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.record.success, undefined);
});

test('oversized or reserved-bit TCP lengths stop the direction with an anomaly', () => {
  const ctx = testContext('tcp', 88);
  const a = new KerberosAnalyzer(ctx);
  a.data(true, be32(0x80000010), 1);
  assert.deepEqual(ctx.anomalies, ['krb_bad_tcp_length']);
  assert.equal(a.wants(true), false);
  assert.equal(a.wants(false), true);
});

test('probe recognises AS-REQ on UDP and TCP', () => {
  const m = asReq({ user: 'a', realm: 'R', till: '20370913024805Z', etypes: [18] });
  assert.ok(kerberosSpec.probe!(m, true, 'udp'));
  assert.ok(kerberosSpec.probe!(framed(m), true, 'tcp'));
  assert.equal(kerberosSpec.probe!(new TextEncoder().encode('GET / HTTP/1.1\r\n'), true, 'tcp'), false);
});

test('which AS errors are failed logins: a bad password (24, or 31 from MIT KDCs) and an unknown account are, an expired password is not', () => {
  const outcomes: Record<number, { n: number; unknown: boolean; transport: string } | null> = {};
  for (const code of [24, 31, 6, 23]) {
    const ctx = testContext('udp', 88);
    const a = new KerberosAnalyzer(ctx);
    a.data(true, asReq({ user: 'bob', realm: 'R', till: '20370913024805Z', etypes: [18], padata: [2] }), 1);
    a.data(false, krbError(code, 'R', 'bob'), 1.1);
    a.end(2);
    const auth = ofType(ctx.events, 'auth');
    outcomes[code] = auth.length === 0 ? null : { n: auth.length, unknown: auth[0]!.unknown_user === true, transport: auth[0]!.transport };
  }
  assert.deepEqual(outcomes, {
    24: { n: 1, unknown: false, transport: 'udp' },
    31: { n: 1, unknown: false, transport: 'udp' },
    6: { n: 1, unknown: true, transport: 'udp' },
    23: null,
  });
});

test('kerberos.kdc: an AS exchange without pre-authentication, with the offered and the reply etypes', () => {
  const ctx = testContext('udp', 88);
  const a = new KerberosAnalyzer(ctx);
  a.data(true, asReq({ user: 'svc-legacy', realm: 'CORP.EXAMPLE', till: '20370913024805Z', etypes: [23], padata: [128] }), 1);
  a.data(false, kdcRep(11, 'svc-legacy', 'CORP.EXAMPLE', ['krbtgt', 'CORP.EXAMPLE'], 18), 1.5);
  a.end(2);
  assert.deepEqual(ofType(ctx.events, 'kerberos.kdc'), [
    {
      type: 'kerberos.kdc',
      ts: 1.5,
      uid: 'Ctest',
      client: '10.0.0.1',
      client_port: 50000,
      kdc: '10.0.0.2',
      kdc_port: 88,
      transport: 'udp',
      request_type: 'AS',
      principal: 'svc-legacy',
      realm: 'CORP.EXAMPLE',
      service: 'krbtgt/CORP.EXAMPLE',
      request_seen: true,
      request_etypes: [23],
      preauth: false,
      success: true,
      ticket_etype: 18,
      // kdcRep's own enc-part is always aes256 (18).
      reply_etype: 18,
      error_code: -1,
    },
  ]);
});

test('kerberos.kdc: PA-ENC-TIMESTAMP, PKINIT and FAST count as pre-authentication; PA-PAC-REQUEST alone does not', () => {
  for (const [padata, preauth] of [[[2], true], [[16], true], [[14], true], [[136], true], [[138], true], [[128, 149], false], [[], false]] as const) {
    const ctx = testContext('udp', 88);
    const a = new KerberosAnalyzer(ctx);
    a.data(true, asReq({ user: 'alice', realm: 'R', till: '20370913024805Z', etypes: [18], padata: [...padata] }), 1);
    a.data(false, kdcRep(11, 'alice', 'R', ['krbtgt', 'R'], 18), 2);
    const kdc = ofType(ctx.events, 'kerberos.kdc');
    assert.equal(kdc.length, 1);
    assert.equal(kdc[0]!.preauth, preauth, `padata ${padata.join(',')}`);
  }
});

test('kerberos.kdc: the routine NEEDED_PREAUTH prompt kerberos.log drops is still published; a reply without its request says so', () => {
  const ctx = testContext('udp', 88);
  const a = new KerberosAnalyzer(ctx);
  a.data(true, asReq({ user: 'bob', realm: 'R', till: '20370913024805Z', etypes: [18, 17] }), 1);
  a.data(false, krbError(25, 'R', undefined, 'NEEDED_PREAUTH'), 1.1);
  a.data(false, kdcRep(13, 'bob', 'R', ['cifs', 'fs1.r'], 23), 1.2);
  a.end(2);
  assert.equal(ofType(ctx.events, 'kerberos').length, 1, 'only the TGS reply is a log line');
  const kdc = ofType(ctx.events, 'kerberos.kdc');
  assert.equal(kdc.length, 2);
  assert.equal(kdc[0]!.request_type, 'AS');
  assert.equal(kdc[0]!.success, false);
  assert.equal(kdc[0]!.error_code, 25);
  assert.equal(kdc[0]!.principal, 'bob');
  assert.deepEqual(kdc[0]!.request_etypes, [18, 17]);
  assert.equal(kdc[0]!.ticket_etype, -1);
  assert.equal(kdc[1]!.request_type, 'TGS');
  assert.equal(kdc[1]!.request_seen, false);
  assert.deepEqual(kdc[1]!.request_etypes, []);
  assert.equal(kdc[1]!.principal, 'bob');
  assert.equal(kdc[1]!.service, 'cifs/fs1.r');
  assert.equal(kdc[1]!.ticket_etype, 23);
});
