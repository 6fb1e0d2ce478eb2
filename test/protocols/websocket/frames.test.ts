/**
 * WebSocket frames (RFC 6455 section 5) read as a stream: masking undone
 * across any split, the three length forms, fragmented messages, control
 * frames dropped, compressed messages stepped over, and what breaks the
 * framing reported once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader, Opcode, WebSocketAnomaly } from '../../../src/protocols/websocket/frames.js';
import { deflateMessages, frame } from './build.js';

function read(fromClient: boolean, chunks: readonly Uint8Array[]) {
  const out: number[] = [];
  const anomalies: string[] = [];
  const closes: (number | undefined)[] = [];
  const r = new FrameReader(fromClient, {
    payload: (d, s, e) => out.push(...d.subarray(s, e)),
    close: (code) => closes.push(code),
    anomaly: (code) => anomalies.push(code),
  });
  for (const c of chunks) r.feed(c, 1);
  return { r, payload: Buffer.from(out).toString('latin1'), anomalies, closes };
}

/** Every way to cut `bytes` into two pieces, and byte by byte. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

test('masked client frames are unmasked, whole or cut anywhere; server frames pass as they are', () => {
  const stream = Buffer.concat([frame(Opcode.BINARY, 'SSH-2.0-Go\r\n', { mask: MASK }), frame(Opcode.TEXT, 'hello', { mask: Uint8Array.of(1, 2, 3, 4) })]);
  for (const chunks of splits(stream)) {
    const { payload, anomalies, r } = read(true, chunks);
    assert.equal(payload, 'SSH-2.0-Go\r\nhello');
    assert.deepEqual(anomalies, []);
    assert.equal(r.frames, 2);
    assert.equal(r.dataBytes, 17);
  }
  assert.equal(read(false, [frame(Opcode.BINARY, 'SSH-2.0-OpenSSH_9.2\r\n')]).payload, 'SSH-2.0-OpenSSH_9.2\r\n');
});

test('16-bit and 64-bit lengths; a message in fragments with pings between them; an empty frame', () => {
  const mid = 'm'.repeat(300);
  const big = 'b'.repeat(70_000);
  const stream = Buffer.concat([
    frame(Opcode.BINARY, mid, { mask: MASK }),
    frame(Opcode.BINARY, big, { mask: MASK }),
    frame(Opcode.TEXT, 'one,', { mask: MASK, fin: false }),
    frame(Opcode.PING, 'are you there', { mask: MASK }),
    frame(Opcode.CONTINUATION, '', { mask: MASK, fin: false }),
    frame(Opcode.CONTINUATION, 'two', { mask: MASK }),
    frame(Opcode.PONG, '', { mask: MASK }),
  ]);
  assert.equal(stream[1]! & 0x7f, 126, 'the 300-byte frame uses the 16-bit length');
  const { payload, anomalies } = read(true, [stream.subarray(0, 1000), stream.subarray(1000)]);
  assert.equal(payload, mid + big + 'one,two');
  assert.deepEqual(anomalies, []);
});

test('a Close ends the direction with its code; a compressed message is counted, not handed on', () => {
  const { payload, closes, r } = read(false, [
    Buffer.concat([
      frame(Opcode.TEXT, 'xyz-deflated', { rsv1: true, fin: false }),
      frame(Opcode.CONTINUATION, 'more', {}),
      frame(Opcode.BINARY, 'plain', {}),
      frame(Opcode.CLOSE, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]), {}),
      frame(Opcode.BINARY, 'after the close', {}),
    ]),
  ]);
  assert.equal(payload, 'plain');
  assert.deepEqual(closes, [1000]);
  assert.equal(r.compressedBytes, 16);
  assert.equal(r.active, false);
  // A client's Close is masked; its code arrives cut anywhere.
  const masked = frame(Opcode.CLOSE, Buffer.from([0x03, 0xe9, 0x67, 0x6f, 0x6e, 0x65]), { mask: MASK });
  for (const chunks of splits(masked)) assert.deepEqual(read(true, chunks).closes, [1001]);
});

test('broken framing is reported once and ends the direction; an unmasked client frame is noted but read', () => {
  const cases: [Uint8Array, string][] = [
    [Uint8Array.of(0x83, 0x00), WebSocketAnomaly.BAD_OPCODE],
    [Uint8Array.of(0x8b, 0x00), WebSocketAnomaly.BAD_OPCODE],
    [frame(Opcode.PING, 'p'.repeat(126), {}), WebSocketAnomaly.BAD_CONTROL_FRAME],
    [frame(Opcode.PING, 'p', { fin: false }), WebSocketAnomaly.BAD_CONTROL_FRAME],
    [frame(Opcode.CONTINUATION, 'orphan', {}), WebSocketAnomaly.UNEXPECTED_CONTINUATION],
    [Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1), WebSocketAnomaly.BAD_LENGTH],
  ];
  for (const [bytes, code] of cases) {
    const { anomalies, r, payload } = read(false, [bytes, frame(Opcode.BINARY, 'later', {})]);
    assert.deepEqual(anomalies, [code]);
    assert.equal(r.active, false);
    assert.equal(payload, '');
  }
  const unmasked = read(true, [frame(Opcode.BINARY, 'a', {}), frame(Opcode.BINARY, 'b', {})]);
  assert.deepEqual(unmasked.anomalies, [WebSocketAnomaly.UNMASKED_CLIENT_FRAME]);
  assert.equal(unmasked.payload, 'ab');
});

test('random bytes never throw and every byte is accounted for', () => {
  let seed = 99;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let k = 0; k < 300; k++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    const { r } = read(rand() < 0.5, [bytes]);
    assert.ok(r.dataBytes <= bytes.length);
  }
});

function readDeflated(fromClient: boolean, resetEachMessage: boolean, chunks: readonly Uint8Array[]) {
  const out: number[] = [];
  const anomalies: string[] = [];
  const r = new FrameReader(
    fromClient,
    { payload: (d, s, e) => out.push(...d.subarray(s, e)), close: () => {}, anomaly: (c) => anomalies.push(c) },
    { resetEachMessage },
  );
  for (const c of chunks) r.feed(c, 1);
  return { r, payload: Buffer.from(out).toString('latin1'), anomalies };
}

test('permessage-deflate: messages inflated with the window kept across them, or reset each one; a message in two frames; masked', async () => {
  const text = ['SSH-2.0-OpenSSH_9.6\r\n', 'SSH-2.0-OpenSSH_9.6\r\n again, and again SSH-2.0', 'x'.repeat(5000)];
  for (const reset of [false, true]) {
    const [a, b, c] = await deflateMessages(text, reset);
    const stream = Buffer.concat([
      frame(Opcode.BINARY, a!, { rsv1: true, mask: MASK }),
      frame(Opcode.PING, '', { mask: MASK }),
      frame(Opcode.BINARY, b!.subarray(0, 3), { rsv1: true, fin: false, mask: MASK }),
      frame(Opcode.CONTINUATION, b!.subarray(3), { mask: MASK }),
      frame(Opcode.TEXT, 'plain', { mask: MASK }),
      frame(Opcode.BINARY, c!, { rsv1: true, mask: MASK }),
    ]);
    for (const chunks of [[stream], Array.from(stream, (x) => Uint8Array.of(x))]) {
      const { payload, anomalies, r } = readDeflated(true, reset, chunks);
      assert.equal(payload, text[0]! + text[1]! + 'plain' + text[2]!, `reset ${reset}`);
      assert.deepEqual(anomalies, []);
      assert.equal(r.inflatedBytes, text[0]!.length + text[1]!.length + 5000);
    }
  }
  // A reader that resets each message cannot read a sender that kept its window: the second message is broken or garbled, never thrown.
  const kept = await deflateMessages(['abcabcabcabc', 'abcabcabcabc'], false);
  assert.doesNotThrow(() => readDeflated(false, true, [Buffer.concat(kept.map((k) => frame(Opcode.BINARY, k, { rsv1: true })))]));
});

test('permessage-deflate: data that does not inflate is reported once and ends the direction', () => {
  const { anomalies, r } = readDeflated(false, false, [frame(Opcode.BINARY, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff), { rsv1: true }), frame(Opcode.BINARY, 'later', {})]);
  assert.deepEqual(anomalies, [WebSocketAnomaly.BAD_COMPRESSED_DATA]);
  assert.equal(r.active, false);
});
