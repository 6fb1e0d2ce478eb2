/**
 * The parser buffer budget: one bound on the message buffers of all
 * parsers of a thread. Growth past it fails like growth past a buffer's own
 * cap; bytes come back when a large buffer empties, when it is released,
 * and when its owner is collected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferBudget, parserBuffers } from '../../src/protocols/buffer-budget.js';
import { StreamBuffer } from '../../src/protocols/asn1/stream-buffer.js';
import { DnsAnalyzer } from '../../src/protocols/dns/analyzer.js';
import { dnsTestContext } from './dns/helpers.js';
import { TlsRecordReader, type TlsRecordHandler } from '../../src/protocols/tls/records.js';
import { LineReader } from '../../src/protocols/mail/lines.js';
import { HttpMessageStream } from '../../src/protocols/http/stream.js';
import { collectGarbage } from '../helpers/heap.js';

/** Runs `fn` with the thread's parser budget set to what is held now (passed to `fn`) plus `room` bytes. */
function withParserRoom(room: number, fn: (heldBefore: number) => void): void {
  const saved = parserBuffers.maxBytes;
  const heldBefore = parserBuffers.held;
  parserBuffers.maxBytes = heldBefore + room;
  try {
    fn(heldBefore);
  } finally {
    parserBuffers.maxBytes = saved;
  }
}

test('a stream buffer cannot grow past the budget, and an emptied large one gives its bytes back', () => {
  const budget = new BufferBudget(8192);
  const a = new StreamBuffer(64 * 1024, budget);
  const b = new StreamBuffer(64 * 1024, budget);
  assert.equal(a.push(new Uint8Array(5000)), true);
  assert.equal(budget.held, 8192);
  assert.equal(b.push(new Uint8Array(300)), false);
  assert.equal(b.length, 0);
  assert.equal(budget.refused, 1);
  a.consume(5000);
  assert.equal(budget.held, 0);
  assert.equal(b.push(new Uint8Array(300)), true);
  assert.equal(budget.held, 512);
  // Small buffers stay for the next message when emptied.
  b.consume(300);
  assert.equal(budget.held, 512);
  b.release();
  assert.equal(budget.held, 0);
});

test('a buffer whose owner is collected gives its bytes back', async () => {
  const budget = new BufferBudget(1 << 20);
  (() => {
    const dropped = new StreamBuffer(64 * 1024, budget);
    dropped.push(new Uint8Array(20000));
  })();
  assert.equal(budget.held, 32768);
  // Finalizers run after a collection, as a task of their own: a bounded wait.
  for (let i = 0; i < 100 && budget.held > 0; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(budget.held, 0);
});

test('DNS over TCP: a message the budget cannot hold loses the direction, counted, and frees what it held', () => {
  withParserRoom(4096, (heldBefore) => {
    const ctx = dnsTestContext({ proto: 'tcp' });
    const a = new DnsAnalyzer(ctx, { netbios: false, service: 'dns' });
    // A prefix announcing 60,000 bytes, then 10,000 of them.
    const chunk = new Uint8Array(10002);
    chunk[0] = 60000 >> 8;
    chunk[1] = 60000 & 255;
    a.data(true, chunk.subarray(0, 1), 1);
    a.data(true, chunk.subarray(1), 1);
    assert.deepEqual(ctx.anomalies, ['tcp_message_over_budget']);
    assert.equal(a.wants(true), false);
    assert.equal(a.wants(false), true);
    assert.equal(parserBuffers.held, heldBefore);
  });
});

test('TLS: a hello the budget cannot hold goes unparsed, counted, and the next one is read again', () => {
  withParserRoom(1024, (heldBefore) => {
    const anomalies: string[] = [];
    const bodies: (number | null)[] = [];
    const handler: TlsRecordHandler = {
      wantsBody: () => true,
      handshake: (_fromClient, _type, body) => bodies.push(body === null ? null : body.length),
      anomaly: (code) => anomalies.push(code),
      alert: () => undefined,
      changeCipherSpec: () => undefined,
      heartbeat: () => undefined,
      ciphertext: () => undefined,
    };
    const reader = new TlsRecordReader(true, handler);
    // One handshake record holding a 4,000-byte ClientHello body, then one of 100 bytes.
    const record = (bodyLen: number): Uint8Array => {
      const r = new Uint8Array(5 + 4 + bodyLen);
      r.set([22, 3, 1, ((4 + bodyLen) >> 8) & 255, (4 + bodyLen) & 255, 1, 0, (bodyLen >> 8) & 255, bodyLen & 255]);
      return r;
    };
    const big = record(4000);
    // In pieces, so the body is collected (and grown) across calls.
    for (let at = 0; at < big.length; at += 300) reader.feed(big.subarray(at, Math.min(big.length, at + 300)), 1);
    reader.feed(record(100), 2);
    assert.deepEqual(anomalies, ['tls_hello_over_budget']);
    assert.deepEqual(bodies, [null, 100]);
    assert.equal(parserBuffers.held, heldBefore);
  });
});

test('line protocols: a line the budget cannot hold is cut and flagged; its buffer goes back when the line is done', () => {
  withParserRoom(2048, (heldBefore) => {
    const lines: { len: number; truncated: boolean }[] = [];
    const reader = new LineReader(true, 12 * 1024);
    const sink = { line: (_o: boolean, _b: Uint8Array, s: number, e: number, _ts: number, truncated: boolean) => lines.push({ len: e - s, truncated }) };
    // A 3,000-byte line in 100-byte pieces: the buffer may grow to 2,048 bytes, not further.
    const text = new Uint8Array(3000).fill(0x61);
    for (let at = 0; at < text.length; at += 100) reader.feed(text.subarray(at, at + 100), 1, sink);
    reader.feed(new Uint8Array([0x0d, 0x0a]), 1, sink);
    assert.deepEqual(lines, [{ len: 2048, truncated: true }]);
    assert.equal(parserBuffers.held, heldBefore);

    const anomalies: string[] = [];
    const starts: { len: number; truncated: boolean }[] = [];
    const http = new HttpMessageStream(true, {
      rawMessage: () => false,
      startLine: (_r, _b, s, e, truncated) => {
        starts.push({ len: e - s, truncated });
        return true;
      },
      header: () => undefined,
      headersDone: () => 0,
      body: () => undefined,
      messageDone: () => undefined,
      framingLost: () => undefined,
      tunnelled: () => undefined,
      anomaly: (code) => anomalies.push(code),
    });
    const request = new TextEncoder().encode(`GET /${'a'.repeat(3000)} HTTP/1.1\r\n`);
    for (let at = 0; at < request.length; at += 100) http.feed(request.subarray(at, at + 100), 1);
    assert.deepEqual(anomalies, ['http_line_over_budget']);
    assert.deepEqual(starts, [{ len: 2048, truncated: true }]);
    assert.equal(parserBuffers.held, heldBefore);
  });
});
