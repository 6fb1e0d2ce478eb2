/**
 * LDAP and Kerberos over TCP through the whole pipeline: several messages
 * in one segment, one message over several segments, a Kerberos record
 * marker cut across segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSession, logRecords, runConversations } from '../../helpers/session.js';
import { be32, concat, pieces } from '../../helpers/bytes.js';
import { bindResponse, eq, searchDone, searchEntry, searchRequest, simpleBind } from '../ldap/messages.js';
import { asReq, kdcRep } from '../kerberos/messages.js';

test('LDAP: bind and two searches in one segment, entries and done codes cut across segments', () => {
  const s = new TcpSession({ serverPort: 389 }).handshake();
  s.send(true, concat(
    simpleBind(1, 'cn=admin,dc=example,dc=com', 'secret'),
    searchRequest(2, 'dc=example,dc=com', 2, eq('uid', 'alice'), ['cn']),
    searchRequest(3, 'dc=example,dc=com', 2, eq('uid', 'nobody'), []),
  ));
  const replies = concat(
    bindResponse(1, 0),
    searchEntry(2, 'uid=alice,dc=example,dc=com'),
    searchEntry(2, 'uid=alice2,dc=example,dc=com'),
    searchDone(2, 0),
    searchDone(3, 32),
  );
  s.send(false, ...pieces(replies, 7)).close();
  const events = runConversations(s);
  const ldap = logRecords(events, 'ldap');
  assert.equal(ldap.length, 1);
  assert.equal(ldap[0]!.result, 'success');
  const searches = logRecords(events, 'ldap_search').map((r) => ({ id: r.message_id, n: r.result_count, result: r.result }));
  assert.deepEqual(searches, [
    { id: 2, n: 2, result: 'success' },
    { id: 3, n: 0, result: 'no such object' },
  ]);
});

test('Kerberos over TCP: the 4-byte record marker cut across segments', () => {
  const req = asReq({ user: 'alice', realm: 'EXAMPLE.COM', till: '20370913024805Z', etypes: [18, 23] });
  const rep = kdcRep(11, 'alice', 'EXAMPLE.COM', ['krbtgt', 'EXAMPLE.COM'], 18);
  const s = new TcpSession({ serverPort: 88 }).handshake();
  const framedReq = concat(be32(req.length), req);
  const framedRep = concat(be32(rep.length), rep);
  s.send(true, framedReq.subarray(0, 3), framedReq.subarray(3, 40), framedReq.subarray(40));
  s.send(false, framedRep.subarray(0, 2), framedRep.subarray(2)).close();
  const recs = logRecords(runConversations(s), 'kerberos');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.client, 'alice/EXAMPLE.COM');
  assert.equal(recs[0]!.success, true);
});
