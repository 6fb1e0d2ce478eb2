/**
 * The HTTP, TLS, SSH and login-service tests' context (a collecting context,
 * test/helpers/analyzer-context.ts, for a fixed TCP connection) and their
 * mutator and interleaved feeding for fuzz rounds. Byte helpers come from test/helpers/bytes.ts and
 * are re-exported here.
 */
import type { ConnId } from '../../../src/events/conn-id.js';
import type { Analyzer } from '../../../src/protocols/analyzer.js';
import { collectingContext, type CollectingContext } from '../../helpers/analyzer-context.js';
import { ascii, hex, pieces, rng } from '../../helpers/bytes.js';

export { ascii, hex, pieces, rng };

export type FakeContext = CollectingContext;

/** A collecting context for a connection from 10.0.0.1:40000 to 192.0.2.10:80/tcp, with `conn` overriding any field. */
export function fakeContext(conn: Partial<ConnId> = {}): FakeContext {
  return collectingContext({
    uid: 'CTestUid0000000001',
    orig_h: '10.0.0.1',
    orig_p: 40000,
    resp_h: '192.0.2.10',
    resp_p: 80,
    proto: 'tcp',
    ...conn,
  });
}

/** One random mutation: bit flips, truncation, a byte set to 0x00/0xff, or a duplicated slice. */
export function mutate(data: Uint8Array, rand: () => number): Uint8Array {
  const out = new Uint8Array(data);
  const kind = Math.floor(rand() * 4);
  if (out.length === 0) return out;
  if (kind === 0) {
    const flips = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < flips; k++) out[Math.floor(rand() * out.length)]! ^= 1 << Math.floor(rand() * 8);
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(rand() * out.length));
  if (kind === 2) {
    // Length lies: overwrite a byte with an extreme value.
    out[Math.floor(rand() * out.length)] = rand() < 0.5 ? 0xff : 0x00;
    return out;
  }
  const a = Math.floor(rand() * out.length);
  const b = Math.min(out.length, a + Math.floor(rand() * 64));
  const dup = new Uint8Array(out.length + (b - a));
  dup.set(out.subarray(0, b), 0);
  dup.set(out.subarray(a), b);
  return dup;
}

/**
 * Feeds a client and a server byte stream to `a` as the two directions of
 * one connection, interleaved in random pieces of 1..`maxPiece` bytes at
 * time `ts`. With `gapLen`, about one piece in a hundred is followed by a
 * content gap of `gapLen(rand)` bytes on a random side.
 */
export function feedInterleaved(
  a: Analyzer,
  client: Uint8Array,
  server: Uint8Array,
  rand: () => number,
  ts: number,
  maxPiece: number,
  gapLen?: (rand: () => number) => number,
): void {
  let i = 0;
  let j = 0;
  while (i < client.length || j < server.length) {
    if (i < client.length && (rand() < 0.5 || j >= server.length)) {
      const k = Math.min(client.length, i + 1 + Math.floor(rand() * maxPiece));
      a.data(true, client.subarray(i, k), ts);
      i = k;
    } else {
      const k = Math.min(server.length, j + 1 + Math.floor(rand() * maxPiece));
      a.data(false, server.subarray(j, k), ts);
      j = k;
    }
    if (gapLen !== undefined && rand() < 0.01) {
      const fromOrig = rand() < 0.5;
      a.gap!(fromOrig, gapLen(rand));
    }
  }
}
