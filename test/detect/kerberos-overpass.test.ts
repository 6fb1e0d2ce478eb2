/**
 * kerberos.overpass_the_hash: a pre-authenticated AS exchange whose request
 * offered only RC4 (Rubeus asktgt /rc4, getTGT.py -hashes), answered with
 * a TGT, alerts; through the whole pipeline from hand-built AS-REQ/AS-REP
 * bytes, and on kdc events for the cases around it: AES offered, no
 * pre-authentication (AS-REP roasting's), a refusal, a TGS exchange, the
 * ignore and exclude options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSession, runConversations } from '../helpers/session.js';
import path from 'node:path';
import { harness, kdc, only, replayRuleAlerts } from './harness.js';
import { ZEEK_CORPUS, capturesUnder } from '../helpers/paths.js';
import { be32, concat } from '../protocols/asn1/helpers.js';
import { asReq, kdcRep } from '../protocols/kerberos/messages.js';
import type { PicketEvent } from '../../src/events/types.js';

const RULE = 'kerberos.overpass_the_hash';
const framed = (m: Uint8Array): Uint8Array => concat(be32(m.length), m);

function alerts(events: readonly PicketEvent[], yaml = '') {
  const h = harness(yaml);
  for (const e of events) if (e.type === 'kerberos.kdc') h.emit(e);
  return only(h.finish(), RULE);
}

function asExchange(etypes: number[], padata: number[], clientPort: number): TcpSession {
  const s = new TcpSession({ client: '10.77.2.20', clientPort, server: '10.77.1.5', serverPort: 88 });
  s.handshake();
  s.send(true, framed(asReq({ user: 'alice', realm: 'CORP.EXAMPLE', till: '20370913024805Z', etypes, padata })));
  s.send(false, framed(kdcRep(11, 'alice', 'CORP.EXAMPLE', ['krbtgt', 'CORP.EXAMPLE'], 18)));
  s.close();
  return s;
}

test('a TGT for a request offering only RC4, with pre-authentication, alerts (high) through the pipeline', () => {
  const events = runConversations(asExchange([23], [2], 50001));
  const kdcs = events.filter((e) => e.type === 'kerberos.kdc');
  assert.equal(kdcs.length, 1);
  const a = alerts(events);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [3, '10.77.2.20', '10.77.1.5', 88]);
  assert.equal(
    x.message,
    '10.77.2.20 got a Kerberos TGT for alice@CORP.EXAMPLE from 10.77.1.5 with a request that offered only rc4-hmac: a ticket asked for with a password hash, not the password (overpass-the-hash)',
  );
  assert.deepEqual([x.evidence.account, x.evidence.requested_etypes], ['alice@CORP.EXAMPLE', ['rc4-hmac']]);
  // The same exchange offering AES first (a client that knows the password), or with no pre-authentication, does not.
  assert.deepEqual(alerts(runConversations(asExchange([18, 17, 23], [2], 50002), asExchange([23], [], 50003))), []);
});

test('refusals, TGS exchanges, pseudo-types and the options', () => {
  const as = { request_type: 'AS' as const, service: 'krbtgt/CORP.EXAMPLE', preauth: true, request_etypes: [23, -135], reply_etype: 23 };
  assert.equal(alerts([kdc(1, as)]).length, 1);
  assert.equal(alerts([kdc(1, { ...as, request_etypes: [3, 1, 23] })]).length, 1);
  assert.deepEqual(alerts([kdc(1, { ...as, success: false, error_code: 24, ticket_etype: -1, reply_etype: -1 })]), []);
  assert.deepEqual(alerts([kdc(1, { ...as, request_type: 'TGS', service: 'cifs/fs1' })]), []);
  assert.deepEqual(alerts([kdc(1, { ...as, request_etypes: [-135] })]), []);
  assert.deepEqual(alerts([kdc(1, { ...as, request_etypes: [23, 18] })]), []);
  assert.deepEqual(alerts([kdc(1, { ...as, request_seen: false, request_etypes: [] })]), []);
  assert.deepEqual(alerts([kdc(1, as)], 'detectors:\n  kerberos.overpass_the_hash: { ignore_accounts: ["ali*"] }\n'), []);
  assert.deepEqual(alerts([kdc(1, as)], 'detectors:\n  kerberos.overpass_the_hash: { exclude: [10.77.2.0/24] }\n'), []);
  // With RC4 no longer counted weak, an RC4-only request is not the mark.
  assert.deepEqual(alerts([kdc(1, as)], 'detectors:\n  kerberos.overpass_the_hash: { weak_etypes: [des-cbc-md5] }\n'), []);
  // One alert per client and account.
  assert.equal(alerts([kdc(1, as), kdc(2, as), kdc(3, { ...as, principal: 'bob' })]).length, 2);
});

test('the Zeek corpus\'s Kerberos captures (kinit and Windows logons, AES offered) stay quiet', async () => {
  const files = capturesUnder(path.join(ZEEK_CORPUS, 'krb-kinit'), path.join(ZEEK_CORPUS, 'krb-auth-tgs'), path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego'));
  assert.ok(files.length >= 3);
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});
