/**
 * Capture loss: a segment the endpoints exchanged but the sniffer never saw.
 * The receiver acknowledged it, so it will never be sent again; reassembly
 * must declare the gap when that acknowledgement passes, and the analyzer
 * must go on parsing what follows as it comes, not when the connection ends
 * (or when 256 KiB have piled up behind the hole). conn.jsonl counts the
 * lost bytes (`missed_bytes`) and marks the side's history with 'G'/'g', as
 * Zeek does for content gaps. An acknowledgement seen before the data it
 * covers (captures often show that order) is no loss.
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
  return { http, conn: conns[0]! };
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

test('a lost first request segment: the request side resumes at the acknowledgement, the responses are parsed', () => {
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
  // A request whose head was lost cannot be framed, so that side stops (Zeek's http_content_gap);
  // the responses are still logged, with their sizes.
  assert.deepEqual(
    http.map((h) => [h.record['uri'], h.record['status_code'], h.record['response_body_len']]),
    [
      [undefined, 200, 2000],
      [undefined, 200, 10],
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
