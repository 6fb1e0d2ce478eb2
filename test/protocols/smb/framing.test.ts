import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NbssFramer, type FrameSink } from '../../../src/protocols/smb/framing.js';
import { concat } from '../asn1/helpers.js';
import { echoRequest, nbss, negotiateRequest } from './messages.js';

/** Frames as "type:hex" strings, plus framing errors, in delivery order. */
function recorder(): FrameSink & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    frame(_fromOrig, type, buf, start, end, truncated) {
      seen.push(`${type}:${Buffer.from(buf.subarray(start, end)).toString('hex')}${truncated ? ':t' : ''}`);
    },
    framingError(_fromOrig, code) {
      seen.push(`error:${code}`);
    },
  };
}

function frames(chunks: Uint8Array[]): string[] {
  const framer = new NbssFramer(true, 4096);
  const sink = recorder();
  framer.gap();
  for (const c of chunks) framer.feed(c, 0, sink);
  return sink.seen;
}

// After a gap: garbage that holds near-misses of the sync pattern (a header
// with "SMC", a header with an unknown protocol id), then two real messages.
const GARBAGE = new Uint8Array([0x17, 0x00, 0x00, 0x00, 0x40, 0xfe, 0x53, 0x4d, 0x43, 0x00, 0x00, 0x01, 0x00, 0xfa, 0x53, 0x4d, 0x42, 0x99]);
const STREAM = concat(GARBAGE, nbss(negotiateRequest([0x0202, 0x0210])), nbss(echoRequest(7)));

test('resynchronisation finds the same frames however the stream is split', () => {
  const whole = frames([STREAM]);
  assert.equal(whole.length, 2, 'both messages after the garbage are framed');
  assert.ok(whole.every((f) => f.startsWith('0:')));
  for (let cut = 0; cut <= STREAM.length; cut++) {
    assert.deepEqual(frames([STREAM.subarray(0, cut), STREAM.subarray(cut)]), whole, `split at ${cut}`);
  }
  for (let a = 1; a < 30; a++) {
    assert.deepEqual(frames([STREAM.subarray(0, a), STREAM.subarray(a, a + 3), STREAM.subarray(a + 3)]), whole, `three chunks at ${a}`);
  }
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < STREAM.length; i++) bytes.push(STREAM.subarray(i, i + 1));
  assert.deepEqual(frames(bytes), whole, 'one byte at a time');
});

test('a stream with no sync pattern frames nothing and keeps only a short tail', () => {
  const noise = new Uint8Array(100_000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 131 + 7) & 0xff;
  assert.deepEqual(frames([noise, noise]), []);
  // The pattern split across the noise boundary is still found.
  const msg = nbss(echoRequest(1));
  assert.equal(frames([concat(noise, msg.subarray(0, 5)), msg.subarray(5)]).length, 1);
});
