/**
 * The HTTP, TLS, SSH and login-service tests' context (a collecting context,
 * test/helpers/analyzer-context.ts, for a fixed TCP connection) and their
 * mutator for fuzz rounds. Byte helpers come from test/helpers/bytes.ts and
 * are re-exported here.
 */
import type { ConnId } from '../../../src/events/conn-id.js';
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
