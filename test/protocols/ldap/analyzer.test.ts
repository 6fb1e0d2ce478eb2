import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LdapAnalyzer } from '../../../src/protocols/ldap/analyzer.js';
import { ldapSpec } from '../../../src/protocols/ldap/index.js';
import { parseLdapMessage } from '../../../src/protocols/ldap/parser.js';
import { be32, concat, hex, ofType, testContext } from '../asn1/helpers.js';
import { ntlmAuthenticate, ntlmChallenge, ntlmNegotiate } from '../smb/messages.js';
import {
  and,
  bindResponse,
  eq,
  present,
  saslBind,
  searchDone,
  searchEntry,
  searchRequest,
  sicilyBind,
  simpleBind,
  unbind,
  msg,
} from './messages.js';
import { app, octets, tlv } from '../asn1/helpers.js';

test('simple bind: password never kept, REDACTED argument, auth success', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  const bind = simpleBind(1, 'cn=admin,dc=example,dc=com', 'hunter2');
  const parsed = parseLdapMessage(bind, 0, bind.length);
  assert.ok(!('malformed' in parsed));
  assert.equal(JSON.stringify(parsed).includes('hunter2'), false);
  a.data(true, bind, 1);
  a.data(false, bindResponse(1, 0), 2);
  a.end(3);
  const logs = ofType(ctx.events, 'ldap');
  assert.equal(logs.length, 1);
  assert.deepEqual(logs[0]!.record, {
    ts: 1,
    uid: 'Ctest',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 50000,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 389,
    message_id: 1,
    version: 3,
    opcode: 'bind simple',
    result: 'success',
    object: 'cn=admin,dc=example,dc=com',
    argument: 'REDACTED',
  });
  assert.equal(JSON.stringify(ctx.events).includes('hunter2'), false);
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.outcome, 'success');
  assert.equal(auth[0]!.user, 'cn=admin,dc=example,dc=com');
  assert.deepEqual(ctx.services, ['ldap_tcp']);
});

test('failed simple bind: invalid credentials with diagnostic', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, simpleBind(7, 'bob', 'wrong'), 1);
  a.data(false, bindResponse(7, 49, '80090308: LdapErr: DSID-0C09044E, data 52e\0'), 2);
  const rec = ofType(ctx.events, 'ldap')[0]!.record;
  assert.equal(rec.result, 'invalid credentials');
  assert.equal(rec.diagnostic_message, '80090308: LdapErr: DSID-0C09044E, data 52e');
  const auth = ofType(ctx.events, 'auth')[0]!;
  assert.equal(auth.outcome, 'failure');
  assert.equal(auth.detail, 'invalid credentials (simple)');
});

test('search: split across chunks, entries counted, filter rendered, ldap.search event', () => {
  const ctx = testContext('tcp', 3268);
  const a = new LdapAnalyzer(ctx);
  const req = searchRequest(2, 'dc=example,dc=com', 2, and(present('objectClass'), eq('uid', 'jdoe')), ['*', '+']);
  for (let i = 0; i < req.length; i += 5) a.data(true, req.subarray(i, i + 5), 1);
  const ev = ofType(ctx.events, 'ldap.search');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.filter, '(&(objectClass=*)(uid=jdoe))');
  assert.equal(ev[0]!.scope, 'tree');
  assert.equal(ev[0]!.size_limit, 1000);
  // Two entries and the done message in one chunk.
  a.data(false, concat(searchEntry(2, 'uid=jdoe,dc=example,dc=com'), searchEntry(2, 'uid=jdoe2,dc=example,dc=com'), searchDone(2, 0)), 2);
  const s = ofType(ctx.events, 'ldap_search');
  assert.equal(s.length, 1);
  assert.deepEqual(s[0]!.record, {
    ts: 1,
    uid: 'Ctest',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 50000,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 3268,
    message_id: 2,
    scope: 'tree',
    deref_aliases: 'never',
    base_object: 'dc=example,dc=com',
    result_count: 2,
    result: 'success',
    filter: '(&(objectClass=*)(uid=jdoe))',
    attributes: ['*', '+'],
  });
});

test('unanswered requests are flushed at end; unbind is logged at once', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, concat(searchRequest(5, 'dc=x', 0, present('objectClass'), []), unbind(6)), 1);
  assert.equal(ofType(ctx.events, 'ldap')[0]!.record.opcode, 'unbind');
  assert.equal(ofType(ctx.events, 'ldap_search').length, 0);
  a.end(2);
  const s = ofType(ctx.events, 'ldap_search');
  assert.equal(s.length, 1);
  assert.equal(s[0]!.record.result, undefined);
  assert.equal(s[0]!.record.result_count, 0);
});

test('Sicily NTLM bind: challenge in matchedDN, ntlm record and auth with DOMAIN\\user', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, sicilyBind(10, 'User1', 10, ntlmNegotiate()), 1);
  a.data(false, msg(10, app(1, tlv(0x0a, new Uint8Array([0])), octets(ntlmChallenge('DC', 'dc.ad.local', 'ad.local')), octets(''))), 2);
  a.data(true, sicilyBind(11, 'User1', 11, ntlmAuthenticate('AD', 'User1', 'WKS')), 3);
  a.data(false, bindResponse(11, 0), 4);
  const logs = ofType(ctx.events, 'ldap').map((e) => e.record);
  assert.deepEqual(
    logs.map((r) => [r.opcode, r.result, r.object, r.argument]),
    [
      ['sicily_negotiate', 'success', 'User1', 'NTLMSSP'],
      ['sicily_response', 'success', 'User1', 'NTLMSSP'],
    ],
  );
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1, 'the negotiate step is not an outcome');
  assert.equal(auth[0]!.user, 'AD\\User1');
  const ntlm = ofType(ctx.events, 'ntlm');
  assert.equal(ntlm.length, 1);
  assert.equal(ntlm[0]!.record.server_nb_computer_name, 'DC');
  assert.equal(ntlm[0]!.record.username, 'User1');
  assert.equal(ntlm[0]!.record.success, true);
});

test('SASL bind in progress is not an outcome; the final failure is', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, saslBind(1, '', 'GSS-SPNEGO', ntlmNegotiate()), 1);
  a.data(false, bindResponse(1, 14, '', ntlmChallenge('DC', 'dc.x', 'x')), 2);
  a.data(true, saslBind(2, '', 'GSS-SPNEGO', ntlmAuthenticate('', 'Administrator', 'EVIL')), 3);
  a.data(false, bindResponse(2, 49, 'AcceptSecurityContext error, data 52e'), 4);
  const logs = ofType(ctx.events, 'ldap').map((e) => e.record);
  assert.deepEqual(
    logs.map((r) => [r.opcode, r.result, r.argument]),
    [
      ['bind SASL', 'SASL bind in progress', 'GSS-SPNEGO'],
      ['bind SASL', 'invalid credentials', 'GSS-SPNEGO'],
    ],
  );
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.outcome, 'failure');
  assert.equal(auth[0]!.user, 'Administrator');
});

test('after a SASL bind: plaintext continues; sealed wrapping is counted, not read', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, saslBind(1, '', 'GSSAPI'), 1);
  a.data(false, bindResponse(1, 0), 2);
  // Plaintext search still parsed (first byte 0x30).
  a.data(true, searchRequest(2, 'dc=x', 2, present('cn'), []), 3);
  assert.equal(ofType(ctx.events, 'ldap.search').length, 1);
  // Server answers with a sealed Kerberos wrap token: length + 05 04, flags with Sealed (0x02).
  const token = concat(hex('05 04 02 ff 00 0c 00 0c 00 00 00 00 00 00 00 01'), new Uint8Array(40));
  a.data(false, concat(be32(token.length), token, be32(token.length), token), 4);
  // Sealing is how Windows runs LDAP: not an anomaly.
  assert.deepEqual(ctx.anomalies, []);
  // Both directions stay open: the sealed buffers are counted.
  assert.equal(a.wants(false), true);
  assert.equal(a.wants(true), true);
  a.end(5);
  assert.deepEqual(
    ofType(ctx.events, 'ldap.sealed').map((e) => [e.mechanism, e.requests, e.responses, e.request_bytes, e.response_bytes, e.client, e.server, e.server_port]),
    [['GSSAPI', 0, 2, 0, 2 * token.length, ctx.conn.orig_h, ctx.conn.resp_h, 389]],
  );
});

/** `n` sealed SASL buffers of the given sizes (4-byte length, then opaque bytes), as one byte string. */
function sealedBuffers(sizes: readonly number[]): Uint8Array {
  return concat(...sizes.flatMap((n, i) => [be32(n), new Uint8Array(n).fill(0x80 | (i & 0x7f))]));
}

test('a SASL-sealed session (GSS-SPNEGO, NTLM sealing) is framed in any chunking: requests and responses counted, reported in batches and at the end', () => {
  const requests = Array.from({ length: 300 }, (_, i) => 60 + (i % 7));
  // Each request answered by three entries and a completion; one large entry crosses many chunks.
  const responses = requests.flatMap((_, i) => [120, 130, i === 5 ? 300_000 : 140, 30]);
  for (const piece of [undefined, 1, 777]) {
    const ctx = testContext('tcp', 389);
    const a = new LdapAnalyzer(ctx);
    a.data(true, saslBind(1, '', 'GSS-SPNEGO', ntlmNegotiate()), 1);
    a.data(false, bindResponse(1, 0), 2);
    let ts = 3;
    const feed = (fromOrig: boolean, bytes: Uint8Array): void => {
      const size = piece ?? bytes.length;
      for (let i = 0; i < bytes.length; i += size) a.data(fromOrig, bytes.subarray(i, Math.min(bytes.length, i + size)), ts);
      ts++;
    };
    for (let i = 0; i < requests.length; i++) {
      feed(true, sealedBuffers([requests[i]!]));
      feed(false, sealedBuffers(responses.slice(4 * i, 4 * i + 4)));
    }
    a.end(ts);
    const ev = ofType(ctx.events, 'ldap.sealed');
    const sum = (k: 'requests' | 'responses' | 'request_bytes' | 'response_bytes'): number => ev.reduce((x, e) => x + e[k], 0);
    const label = `pieces of ${piece ?? 'whole messages'}`;
    assert.deepEqual([sum('requests'), sum('responses')], [300, 1200], label);
    assert.deepEqual([sum('request_bytes'), sum('response_bytes')], [requests.reduce((x, y) => x + y, 0), responses.reduce((x, y) => x + y, 0)], label);
    // 1,500 buffers: five full batches of 256 and the rest at the end.
    assert.equal(ev.length, 6, label);
    assert.ok(ev.slice(0, 5).every((e) => e.requests + e.responses === 256), label);
    assert.deepEqual(ctx.anomalies, [], label);
  }
});

test('sealed framing that breaks (a zero or impossible length, a gap) stops that direction and keeps what was counted', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, saslBind(1, '', 'GSS-SPNEGO'), 1);
  a.data(false, bindResponse(1, 0), 2);
  a.data(true, sealedBuffers([50, 50]), 3);
  a.data(true, concat(be32(0x7fffffff), new Uint8Array(10)), 4);
  assert.equal(a.wants(true), false);
  a.data(false, sealedBuffers([70]), 5);
  a.gap(false, 100);
  assert.equal(a.wants(false), false);
  a.end(6);
  assert.deepEqual(ofType(ctx.events, 'ldap.sealed').map((e) => [e.requests, e.responses]), [[2, 1]]);
  assert.deepEqual(ctx.anomalies, ['ldap_sasl_bad_length', 'ldap_gap']);
});

test('unsealed Kerberos wrap tokens are unwrapped (RRC = EC, checksum first)', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, saslBind(1, '', 'GSS-SPNEGO'), 1);
  a.data(false, bindResponse(1, 0), 2);
  const inner = searchRequest(3, 'dc=wrapped', 2, present('cn'), []);
  const header = hex('05 04 00 ff 00 0c 00 0c 00 00 00 00 00 00 00 07'); // EC=12, RRC=12, not sealed
  const token = concat(header, new Uint8Array(12), inner);
  a.data(true, concat(be32(token.length), token), 3);
  const ev = ofType(ctx.events, 'ldap.search');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.base_object, 'dc=wrapped');
  assert.deepEqual(ctx.anomalies, []);
});

test('StartTLS success stops both directions', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, msg(1, app(23, octets('1.3.6.1.4.1.1466.20037', 0x80))), 1);
  a.data(false, msg(1, app(24, tlv(0x0a, new Uint8Array([0])), octets(''), octets(''))), 2);
  assert.equal(ofType(ctx.events, 'ldap')[0]!.record.object, '1.3.6.1.4.1.1466.20037 (StartTLS)');
  assert.equal(a.wants(true), false);
  assert.equal(a.wants(false), false);
});

test('CLDAP over UDP: one datagram per message', () => {
  const ctx = testContext('udp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, searchRequest(1, '', 0, and(eq('DnsDomain', 'corp.local'), eq('NtVer', '\x06\0\0\0')), ['Netlogon']), 1);
  a.data(false, concat(searchEntry(1, ''), searchDone(1, 0)), 2);
  const s = ofType(ctx.events, 'ldap_search');
  assert.equal(s.length, 1);
  assert.equal(s[0]!.record.filter, '(&(DnsDomain=corp.local)(NtVer=\\06\\00\\00\\00))');
  assert.equal(s[0]!.record.result_count, 1);
  assert.deepEqual(ctx.services, ['ldap_udp']);
});

test('a search result entry larger than the buffer is counted and skipped', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, searchRequest(4, 'dc=big', 2, present('cn'), []), 1);
  const big = msg(4, app(4, octets('cn=big'), tlv(0x30, new Uint8Array(300 * 1024))));
  for (let i = 0; i < big.length; i += 65536) a.data(false, big.subarray(i, i + 65536), 2);
  a.data(false, searchDone(4, 0), 3);
  const s = ofType(ctx.events, 'ldap_search');
  assert.equal(s.length, 1);
  assert.equal(s[0]!.record.result_count, 1);
  assert.deepEqual(ctx.anomalies, ['ldap_message_too_large']);
});

test('probe recognises bind and search requests', () => {
  assert.ok(ldapSpec.probe!(simpleBind(1, 'x', 'y'), true, 'tcp'));
  assert.ok(ldapSpec.probe!(searchRequest(1, '', 0, present('objectClass'), []), true, 'udp'));
  assert.equal(ldapSpec.probe!(new TextEncoder().encode('GET / HTTP/1.1'), true, 'tcp'), false);
});

test('NTLM signing without sealing: the LDAP after each 16-byte signature is read; look-alike sealed bytes are only counted', () => {
  const ctx = testContext('tcp', 389);
  const a = new LdapAnalyzer(ctx);
  a.data(true, saslBind(1, '', 'GSS-SPNEGO', ntlmNegotiate()), 1);
  a.data(false, bindResponse(1, 0), 2);
  const signature = (seq: number): Uint8Array => concat(hex('01 00 00 00'), new Uint8Array(8).fill(0xa5), be32(seq).reverse());
  const signed = (seq: number, m: Uint8Array): Uint8Array => {
    const token = concat(signature(seq), m);
    return concat(be32(token.length), token);
  };
  // A search and its answer, each signed, fed a byte at a time.
  const request = signed(0, searchRequest(3, 'dc=signed', 2, present('cn'), []));
  for (let i = 0; i < request.length; i++) a.data(true, request.subarray(i, i + 1), 3);
  const answer = signed(0, concat(searchEntry(3, 'cn=a,dc=signed'), searchDone(3, 0)));
  a.data(false, answer, 4);
  const ev = ofType(ctx.events, 'ldap.search');
  assert.deepEqual(ev.map((e) => e.base_object), ['dc=signed']);
  // Sealed bytes that start like a signature and a message, but do not fill the buffer with messages.
  const fake = concat(signature(1), hex('30 03 02 01 05'), new Uint8Array(20).fill(0x77));
  a.data(true, concat(be32(fake.length), fake), 5);
  a.end(6);
  assert.deepEqual(ofType(ctx.events, 'ldap_search').map((r) => [r.record.base_object, r.record.result_count]), [['dc=signed', 1]]);
  assert.deepEqual(ofType(ctx.events, 'ldap.sealed').map((e) => [e.requests, e.responses]), [[1, 0]]);
  assert.deepEqual(ctx.anomalies, []);
});
