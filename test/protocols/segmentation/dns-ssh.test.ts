/**
 * DNS over TCP and SSH identification through the whole pipeline: length
 * prefixes and messages cut across segments, two messages in one segment,
 * the truncated UDP answer and its TCP retry; an SSH banner split across
 * segments and server lines before it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSession, UdpSession, logRecords, runConversations } from '../../helpers/session.js';
import { ascii, concat, hex } from '../../helpers/bytes.js';

const QUERY = hex('65f0 0100 0001 0000 0000 0000 0675706c6f61640977696b696d65646961036f72670000010001');
const REPLY = hex(`65f0 8180 0001 0001 0000 0000 0675706c6f61640977696b696d65646961036f72670000010001
c00c000100010000086c0004d0509803`);
/** The same reply, truncated: TC set, no answers. */
const TRUNCATED = hex('65f0 8380 0001 0000 0000 0000 0675706c6f61640977696b696d65646961036f72670000010001');

function framed(m: Uint8Array): Uint8Array {
  return concat([m.length >> 8, m.length & 0xff], m);
}

function withId(m: Uint8Array, id: number): Uint8Array {
  const c = m.slice();
  c[0] = id >> 8;
  c[1] = id & 0xff;
  return c;
}

test('DNS over TCP: two queries in one segment, replies with prefixes and bodies cut', () => {
  const q2 = withId(QUERY, 0x1234);
  const r2 = withId(REPLY, 0x1234);
  const s = new TcpSession({ serverPort: 53 }).handshake();
  s.send(true, concat(framed(QUERY), framed(q2)));
  const replies = concat(framed(REPLY), framed(r2));
  s.send(false, replies.subarray(0, 1), replies.subarray(1, 20), replies.subarray(20, REPLY.length + 3), replies.subarray(REPLY.length + 3)).close();
  const recs = logRecords(runConversations(s), 'dns');
  assert.deepEqual(recs.map((r) => [r.proto, r.trans_id, r.query, r.answers]), [
    ['tcp', 0x65f0, 'upload.wikimedia.org', ['208.80.152.3']],
    ['tcp', 0x1234, 'upload.wikimedia.org', ['208.80.152.3']],
  ]);
});

test('DNS: a truncated UDP answer, then the TCP retry', () => {
  const u = new UdpSession({ serverPort: 53, clientPort: 40001 });
  u.send(true, QUERY).send(false, TRUNCATED);
  const t = new TcpSession({ serverPort: 53, clientPort: 40002, ts: u.ts + 0.01 }).handshake();
  const q = framed(QUERY);
  t.send(true, q.subarray(0, 2), q.subarray(2)).send(false, framed(REPLY)).close();
  const recs = logRecords(runConversations(u, t), 'dns');
  assert.deepEqual(recs.map((r) => [r.proto, r.trans_id, r.rcode, r.TC, r.answers]), [
    ['udp', 0x65f0, 0, false, undefined],
    ['tcp', 0x65f0, 0, false, ['208.80.152.3']],
  ]);
});

test('SSH: server lines before its banner, both banners split across segments, on 22 and another port', () => {
  for (const port of [22, 2200]) {
    const s = new TcpSession({ serverPort: port }).handshake();
    s.send(false, ascii('Welcome to host\r\nAuthorized use only\r\nSSH-2.0-Open'), ascii('SSH_9.6p1 Ubuntu-3\r\n'));
    s.send(true, ascii('SSH-2.0-'), ascii('OpenSSH_9.7\r\n'));
    s.close();
    const recs = logRecords(runConversations(s), 'ssh');
    assert.equal(recs.length, 1, `port ${port}`);
    assert.equal(recs[0]!.client, 'SSH-2.0-OpenSSH_9.7');
    assert.equal(recs[0]!.server, 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3');
  }
});

test('SSH on another port: the client banner begun in a Fast Open SYN and cut after "SSH-", chosen by the server banner', () => {
  const s = new TcpSession({ serverPort: 2200 });
  // SYN carrying data (TCP Fast Open), then the rest of the client's banner.
  const syn = ascii('SSH-');
  s.raw(true, s.clientSeq, syn, 0x02);
  s.clientSeq = (s.clientSeq + 1 + syn.length) >>> 0;
  s.raw(false, s.serverSeq, new Uint8Array(0), 0x12);
  s.serverSeq = (s.serverSeq + 1) >>> 0;
  s.send(true, ascii('2.0-OpenSSH_9.7\r\n'));
  s.send(false, ascii('SSH-2.0-OpenSSH_9.6\r\n'));
  s.close();
  const recs = logRecords(runConversations(s), 'ssh');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.client, 'SSH-2.0-OpenSSH_9.7');
  assert.equal(recs[0]!.server, 'SSH-2.0-OpenSSH_9.6');
});

test('bytes of the recognised side before the packet a probe recognised are not replayed to the analyzer', () => {
  const s = new TcpSession({ serverPort: 2200 }).handshake();
  s.send(true, ascii('hello there\r\n'), ascii('SSH-2.0-OpenSSH_9.7\r\n'));
  s.send(false, ascii('SSH-2.0-OpenSSH_9.6\r\n'));
  s.close();
  const recs = logRecords(runConversations(s), 'ssh');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.client, 'SSH-2.0-OpenSSH_9.7');
  assert.equal(recs[0]!.server, 'SSH-2.0-OpenSSH_9.6');
});
