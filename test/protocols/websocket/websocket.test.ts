/**
 * WebSocket upgrades through the whole pipeline (hand-built TCP sessions,
 * every shipped analyzer): websocket.jsonl with Zeek's fields, conn.jsonl
 * service "http,websocket", and the protocol the frames carry read by its
 * own analyzer under the same uid (SSH inside, as chisel tunnels it), with
 * one websocket.inner event naming it; http.websocket_tunnel on those
 * events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import { TcpSession, logRecords, runConversations } from '../../helpers/session.js';
import { Opcode } from '../../../src/protocols/websocket/frames.js';
import { deflateMessages, frame } from './build.js';
import { harness, only } from '../../detect/harness.js';
import type { PicketEvent } from '../../../src/events/types.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const MASK = Uint8Array.of(0x11, 0x22, 0x33, 0x44);

const UPGRADE =
  'GET /ws HTTP/1.1\r\nHost: relay.example:8080\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chisel-v3, other\r\n' +
  'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n';
const ACCEPT =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  'Sec-WebSocket-Protocol: chisel-v3\r\n\r\n';

/** A 20-byte SSH KEXINIT-less start: both banners, as a tunnel's first bytes. */
function chiselLike(opts: { client?: string; server?: string; accept?: string; serverPort?: number } = {}): TcpSession {
  const s = new TcpSession({ client: opts.client ?? '10.77.2.20', server: opts.server ?? '203.0.113.9', serverPort: opts.serverPort ?? 8080 });
  s.handshake();
  s.send(true, ascii(UPGRADE));
  // The 101 and the server's first frame in one segment.
  s.send(false, Buffer.concat([ascii(opts.accept ?? ACCEPT), frame(Opcode.BINARY, 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')]));
  // The client's banner cut across two segments and two frames.
  const c = Buffer.concat([frame(Opcode.BINARY, 'SSH-2.0-', { mask: MASK }), frame(Opcode.PING, '', { mask: MASK }), frame(Opcode.BINARY, 'Go\r\n', { mask: MASK })]);
  s.send(true, c.subarray(0, 5), c.subarray(5));
  s.close();
  return s;
}

test('an accepted upgrade: websocket.jsonl with Zeek fields, service http,websocket,ssh, and SSH read from the frames', () => {
  const events = runConversations(chiselLike());
  const ws = logRecords(events, 'websocket');
  assert.equal(ws.length, 1);
  const w = ws[0]!;
  assert.deepEqual(Object.keys(w), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'host', 'uri', 'user_agent', 'subprotocol', 'client_protocols', 'client_extensions']);
  assert.deepEqual([w.host, w.uri, w.user_agent, w.subprotocol, w.client_protocols, w.client_extensions], [
    'relay.example:8080',
    '/ws',
    'Go-http-client/1.1',
    'chisel-v3',
    ['chisel-v3', 'other'],
    ['permessage-deflate; client_max_window_bits'],
  ]);
  const ssh = logRecords(events, 'ssh');
  assert.equal(ssh.length, 1);
  assert.deepEqual([ssh[0]!.uid, ssh[0]!.client, ssh[0]!.server], [w.uid, 'SSH-2.0-Go', 'SSH-2.0-OpenSSH_9.2p1 Debian-2']);
  const conn = logRecords(events, 'conn');
  assert.equal(conn.length, 1);
  assert.equal(conn[0]!.service, 'http,websocket,ssh');
  const inner = events.filter((e) => e.type === 'websocket.inner');
  assert.equal(inner.length, 1);
  assert.equal(inner[0]!.type === 'websocket.inner' && inner[0]!.protocol, 'ssh');
});

test('permessage-deflate agreed in the handshake: the compressed frames are inflated and the SSH inside is read', async () => {
  const [server] = await deflateMessages(['SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'], false);
  const [client] = await deflateMessages(['SSH-2.0-Go\r\n'], true);
  const s = new TcpSession({ client: '10.77.2.20', server: '203.0.113.9', serverPort: 8080 });
  s.handshake();
  s.send(true, ascii(UPGRADE));
  s.send(false, ascii(ACCEPT.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n\r\n')));
  s.send(false, frame(Opcode.BINARY, server!, { rsv1: true }));
  s.send(true, frame(Opcode.BINARY, client!, { rsv1: true, mask: MASK }));
  s.close();
  const events = runConversations(s);
  const w = logRecords(events, 'websocket')[0]!;
  assert.deepEqual(w.server_extensions, ['permessage-deflate; client_no_context_takeover']);
  const ssh = logRecords(events, 'ssh');
  assert.equal(ssh.length, 1);
  assert.deepEqual([ssh[0]!.client, ssh[0]!.server], ['SSH-2.0-Go', 'SSH-2.0-OpenSSH_9.2p1 Debian-2']);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'http,websocket,ssh');
});

test('no websocket.jsonl for a refused upgrade or a 101 to another protocol (h2c); frames are then not read', () => {
  const refused = runConversations(chiselLike({ accept: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' }));
  assert.deepEqual(logRecords(refused, 'websocket'), []);
  assert.deepEqual(logRecords(refused, 'ssh'), []);
  const h2c = runConversations(chiselLike({ accept: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n' }));
  assert.deepEqual(logRecords(h2c, 'websocket'), []);
  assert.equal(logRecords(h2c, 'conn')[0]!.service, 'http');
});

test('http.websocket_tunnel: SSH in a WebSocket to a public address alerts; inside the site only with internal: true', () => {
  const feed = (yaml: string, events: readonly PicketEvent[]) => {
    const h = harness(yaml);
    for (const e of events) if (e.type === 'websocket.inner') h.emit(e);
    return only(h.finish(), 'http.websocket_tunnel');
  };
  const out = runConversations(chiselLike());
  const a = feed('', out);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [3, '10.77.2.20', '203.0.113.9', 8080]);
  assert.equal(x.message, '10.77.2.20 tunnelled SSH through a WebSocket to 203.0.113.9 port 8080 (Host relay.example:8080, URI /ws, subprotocol chisel-v3): a protocol tunnel such as chisel or wstunnel');
  assert.deepEqual([x.evidence.protocol, x.evidence.subprotocol, x.evidence.client_protocols], ['ssh', 'chisel-v3', ['chisel-v3', 'other']]);
  assert.deepEqual(feed('detectors:\n  http.websocket_tunnel: { ignore_protocols: [ssh] }\n', out), []);
  const inside = runConversations(chiselLike({ server: '10.77.1.10' }));
  assert.deepEqual(feed('', inside), []);
  assert.equal(feed('detectors:\n  http.websocket_tunnel: { internal: true }\n', inside).length, 1);
});

test('the lab\'s chisel-style capture (OpenSSH through a WebSocket): SSH logged under the WebSocket\'s uid with both banners', async () => {
  const events = await replayEvents([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'ws-tunnel.pcap')]);
  const ws = logRecords(events, 'websocket');
  assert.equal(ws.length, 1);
  assert.deepEqual([ws[0]!.uri, ws[0]!.subprotocol, ws[0]!['id.resp_p']], ['/ws', 'chisel-v3', 8088]);
  const ssh = logRecords(events, 'ssh');
  assert.equal(ssh.length, 1);
  assert.equal(ssh[0]!.uid, ws[0]!.uid);
  assert.match(String(ssh[0]!.client), /^SSH-2\.0-OpenSSH_9/);
  assert.match(String(ssh[0]!.server), /^SSH-2\.0-OpenSSH_9/);
  // The key exchange was read from the frames: the negotiated cipher is known.
  assert.equal(typeof ssh[0]!.cipher_alg, 'string');
  const conn = logRecords(events, 'conn').filter((c) => c.uid === ws[0]!.uid);
  assert.equal(conn[0]!.service, 'http,websocket,ssh');
});
