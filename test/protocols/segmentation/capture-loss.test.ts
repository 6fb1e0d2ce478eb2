/**
 * Capture loss: a segment the endpoints exchanged but the sniffer never saw.
 * The receiver acknowledged it, so it will never be sent again; reassembly
 * must declare the gap when that acknowledgement passes, and the analyzer
 * must go on parsing what follows as it comes, not when the connection ends
 * (or when 256 KiB have piled up behind the hole). conn.jsonl counts the
 * lost bytes (`missed_bytes`) and marks the side's history with 'G'/'g', as
 * Zeek does for content gaps. An acknowledgement seen before the data it
 * covers (captures often show that order) is no loss. A loss that cuts an
 * HTTP message's framing (a request or reply head, a chunk-size line) makes
 * that side resync at its next start line, and requests and replies after
 * it pair up again without pairing across the hole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkType, RawPacket } from '../../../src/capture/packet.js';
import { EventBus } from '../../../src/events/bus.js';
import type { PicketEvent } from '../../../src/events/types.js';
import type { ConnRecord } from '../../../src/flows/conn-record.js';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { createProtocols } from '../../../src/protocols/index.js';
import { TcpSession, asRawPacket } from '../../helpers/session.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function request(uri: string): Uint8Array {
  return text(`GET ${uri} HTTP/1.1\r\nHost: intranet.example\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n`);
}

function response(bodyLength: number): Uint8Array {
  const head = `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: ${bodyLength}\r\n\r\n`;
  return text(head + 'x'.repeat(bodyLength));
}

interface Run {
  /** http records, each with the index of the packet being fed when it was logged. */
  http: { at: number; record: Record<string, unknown> }[];
  conn: ConnRecord;
  /** The HTTP analyzer's anomaly counts, by code. */
  anomalies: Record<string, number>;
}

function run(packets: { ts: number; data: Uint8Array }[]): Run {
  const bus = new EventBus();
  const http: Run['http'] = [];
  const conns: ConnRecord[] = [];
  let at = -1;
  bus.onAny((e: PicketEvent) => {
    if (e.type === 'http') http.push({ at, record: e.record as unknown as Record<string, unknown> });
    if (e.type === 'flow.end') conns.push(e.record);
  });
  const pipeline = new Pipeline({ bus, protocols: createProtocols(), flows: { uidSeed: 1 } });
  const raw = new RawPacket();
  packets.forEach((p, i) => {
    at = i;
    pipeline.packet(asRawPacket(raw, p.data, p.ts, LinkType.RAW));
  });
  at = packets.length;
  pipeline.finish();
  assert.equal(conns.length, 1);
  const anomalies: Record<string, number> = {};
  for (const [key, n] of Object.entries(pipeline.stats().app.anomalies)) {
    if (key.startsWith('http.')) anomalies[key.slice('http.'.length)] = n;
  }
  // No transaction is logged twice.
  const depths = http.map((h) => h.record['trans_depth']);
  assert.equal(new Set(depths).size, depths.length, `trans_depth values ${depths.join(',')}`);
  return { http, conn: conns[0]!, anomalies };
}

/** Method, uri, status and response body length of each http record, in log order. */
function pairs(r: Run): unknown[][] {
  return r.http.map((h) => [h.record['method'], h.record['uri'], h.record['status_code'], h.record['response_body_len']]);
}

test('a response segment lost in capture is a gap once the client acknowledges past it; the next transaction is parsed as it comes', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/report.html'));
  const first = s.packets.length;
  s.sendMss(false, response(3000), 1000);
  const lost = s.packets[first + 1]!; // the second of four response segments
  s.send(true, request('/next.html'));
  s.sendMss(false, response(500), 1000);
  const closeAt = s.packets.length;
  s.close();
  const packets = s.packets.filter((p) => p !== lost);
  const lostBytes = lost.data.length - 40;

  const { http, conn } = run(packets);
  assert.equal(conn.missed_bytes, lostBytes);
  assert.equal(conn.history, 'ShADdgFf');
  assert.deepEqual(
    http.map((h) => [h.record['uri'], h.record['status_code'], h.record['response_body_len']]),
    [
      // The body length counts the bytes seen, as Zeek's does: 3000 less the 1000 lost.
      ['/report.html', 200, 2000],
      ['/next.html', 200, 500],
    ],
  );
  // Both are logged before the connection closes (its FIN is packet closeAt - 1 once one is removed).
  for (const h of http) assert.ok(h.at < closeAt - 1, `logged at packet ${h.at}, before the FIN at ${closeAt - 1}`);
});

test('a lost first request segment: the request side resyncs at the next request; the reply to the cut request is logged alone', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  const req = request('/a-fairly-long-path/that/spans/two/segments.html');
  const first = s.packets.length;
  s.send(true, req.subarray(0, 30), req.subarray(30));
  const lost = s.packets[first]!;
  s.sendMss(false, response(2000), 1000);
  s.send(true, request('/second.html'));
  s.sendMss(false, response(10), 1000);
  s.close();
  const { http, conn } = run(s.packets.filter((p) => p !== lost));
  assert.equal(conn.missed_bytes, 30);
  // The gap is declared when the server's response acknowledges past it, after its first data ('d').
  assert.equal(conn.history, 'ShADdGFf');
  // The request whose start line was lost cannot be logged; its reply finds no request waiting and is
  // logged alone. The next request line ends the resync and pairs with its own reply.
  assert.deepEqual(
    http.map((h) => [h.record['uri'], h.record['status_code'], h.record['response_body_len']]),
    [
      [undefined, 200, 2000],
      ['/second.html', 200, 10],
    ],
  );
});

test('the last response segment lost: the acknowledged bytes never seen count as missed at the end', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/tail.html'));
  const first = s.packets.length;
  s.sendMss(false, response(2500), 1000);
  const lost = s.packets[s.packets.length - 1]!;
  assert.ok(s.packets.length - first === 3);
  s.close(); // the client's FIN acknowledges the whole response
  const { conn } = run(s.packets.filter((p) => p !== lost));
  assert.equal(conn.missed_bytes, lost.data.length - 40);
  assert.ok(conn.history.includes('g'), conn.history);
});

test('an acknowledgement seen before the data it covers is no loss', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  const req = request('/reordered.html');
  const start = s.clientSeq;
  // The server's ACK of the whole request comes first, then the request's pieces out of order.
  s.clientSeq = (start + req.length) >>> 0;
  s.raw(false, s.serverSeq, new Uint8Array(0), 0x10);
  s.raw(true, start, req.subarray(0, 10));
  s.raw(true, start + 20, req.subarray(20));
  s.raw(true, start + 10, req.subarray(10, 20));
  s.sendMss(false, response(100), 1000);
  s.close();
  const { http, conn } = run(s.packets);
  assert.equal(conn.missed_bytes, 0);
  assert.ok(!/[Gg]/.test(conn.history), conn.history);
  assert.deepEqual(http.map((h) => h.record['uri']), ['/reordered.html']);
});

test('keep-alive: the head of request 2 lost; requests 1 and 3 keep their replies and reply 2 is logged alone', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/one.html'));
  s.sendMss(false, response(1500), 1000);
  const head = text('POST /two.php HTTP/1.1\r\nHost: intranet.example\r\nUser-Agent: curl/8.5.0\r\nContent-Length: 7\r\n\r\n');
  const at = s.packets.length;
  s.send(true, head, text('a=1&b=2'));
  const lost = s.packets[at]!;
  s.sendMss(false, response(700), 1000);
  s.send(true, request('/three.html'));
  s.sendMss(false, response(300), 1000);
  s.close();
  const r = run(s.packets.filter((p) => p !== lost));
  assert.equal(r.conn.missed_bytes, head.length);
  assert.deepEqual(pairs(r), [
    ['GET', '/one.html', 200, 1500],
    [undefined, undefined, 200, 700],
    ['GET', '/three.html', 200, 300],
  ]);
  assert.equal(r.http[2]!.record['user_agent'], 'curl/8.5.0');
  assert.equal(r.anomalies['http_content_gap'], 1);
  assert.equal(r.anomalies['http_resync'], 1);
  assert.equal(r.anomalies['http_reply_without_request'], 1);
});

test('keep-alive: the head of reply 2 lost; request 2 is logged without a reply, request 3 with its own, whose status line comes in two segments', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/one.html'));
  s.sendMss(false, response(500), 1000);
  s.send(true, request('/two.html'));
  const reply2 = response(2000);
  const at = s.packets.length;
  s.sendMss(false, reply2, 1000);
  const lost = s.packets[at]!;
  s.send(true, request('/three.html'));
  const reply3 = response(300);
  s.send(false, reply3.subarray(0, 6), reply3.subarray(6)); // "HTTP/1" | ".1 200 OK..."
  s.close();
  const r = run(s.packets.filter((p) => p !== lost));
  assert.equal(r.conn.missed_bytes, 1000);
  assert.deepEqual(pairs(r), [
    ['GET', '/one.html', 200, 500],
    ['GET', '/two.html', undefined, 0],
    ['GET', '/three.html', 200, 300],
  ]);
  assert.equal(r.anomalies['http_content_gap'], 1);
  assert.equal(r.anomalies['http_resync'], 1);
  assert.equal(r.anomalies['http_reply_without_request'], undefined);
});

test('keep-alive: a whole reply lost in one segment, declared only when the next reply is acknowledged, after the next request', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/one.html'));
  s.sendMss(false, response(500), 1000);
  s.send(true, request('/two.html'));
  const at = s.packets.length;
  s.send(false, response(200));
  const lost = s.packets[at]!;
  // The client's next request acknowledges the lost reply, but nothing of this side is held yet: no gap so far.
  s.send(true, request('/three.html'));
  s.send(false, response(300));
  s.close(); // the client's FIN acknowledges reply 3: the gap, then reply 3
  const r = run(s.packets.filter((p) => p !== lost));
  assert.equal(r.conn.missed_bytes, lost.data.length - 40);
  // Request 3 was waiting before the gap was known, yet was sent after the lost reply: it takes reply 3.
  assert.deepEqual(pairs(r), [
    ['GET', '/one.html', 200, 500],
    ['GET', '/two.html', undefined, 0],
    ['GET', '/three.html', 200, 300],
  ]);
  assert.equal(r.anomalies['http_resync'], 1);
});

test('a chunk-size line cut by lost bytes: the chunked reply is logged as seen, the next transaction is parsed', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/chunked.html'));
  const head = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nTransfer-Encoding: chunked\r\n\r\n';
  const x = 'x'.repeat(256);
  const at = s.packets.length;
  // The second chunk's size line "100" is cut after its first digit.
  s.send(false, text(`${head}100\r\n${x}\r\n1`), text(`00\r\n${x}`), text('\r\n0\r\n\r\n'));
  const lost = s.packets[at + 1]!;
  s.send(true, request('/next.html'));
  s.sendMss(false, response(300), 1000);
  s.close();
  const r = run(s.packets.filter((p) => p !== lost));
  assert.deepEqual(pairs(r), [
    ['GET', '/chunked.html', 200, 256],
    ['GET', '/next.html', 200, 300],
  ]);
  assert.equal(r.anomalies['http_content_gap'], 1);
  assert.equal(r.anomalies['http_resync'], 1);
});

test('lost bytes ending mid-line in request headers; the next request line, cut across two segments, ends the resync', () => {
  const s = new TcpSession({ serverPort: 80 }).handshake();
  s.send(true, request('/one.html'));
  s.sendMss(false, response(100), 1000);
  const req2 = request('/two.html');
  const at = s.packets.length;
  // "...Host: intranet" | ".example\r\nUser-Agent: " | "curl/8.5.0\r\n...": the gap ends inside the User-Agent line.
  s.send(true, req2.subarray(0, 38), req2.subarray(38, 60), req2.subarray(60));
  const lost = s.packets[at + 1]!;
  s.sendMss(false, response(200), 1000);
  const req3 = request('/three.html');
  s.send(true, req3.subarray(0, 2), req3.subarray(2)); // "GE" | "T /three.html HTTP/1.1..."
  s.sendMss(false, response(300), 1000);
  s.close();
  const r = run(s.packets.filter((p) => p !== lost));
  assert.equal(r.conn.missed_bytes, 22);
  // Request 2 keeps what was seen before the gap (its partial Host line is dropped) and its own reply.
  assert.deepEqual(
    r.http.map((h) => [h.record['uri'], h.record['host'], h.record['user_agent'], h.record['status_code'], h.record['response_body_len']]),
    [
      ['/one.html', 'intranet.example', 'curl/8.5.0', 200, 100],
      ['/two.html', undefined, undefined, 200, 200],
      ['/three.html', 'intranet.example', 'curl/8.5.0', 200, 300],
    ],
  );
  assert.equal(r.anomalies['http_content_gap'], 1);
  assert.equal(r.anomalies['http_resync'], 1);
  assert.equal(r.anomalies['http_reply_without_request'], undefined);
});
