/**
 * A tiny AnalyzerContext for driving analyzers directly in tests: it records
 * emitted events, confirmations and anomaly codes. Shared by the HTTP, TLS
 * and SSH tests.
 */
import type { AnalyzerContext } from '../../../src/protocols/analyzer.js';
import type { ConnId } from '../../../src/events/conn-id.js';
import type { PicketEvent } from '../../../src/events/types.js';

export interface FakeContext extends AnalyzerContext {
  events: PicketEvent[];
  confirmed: string[];
  anomalies: string[];
}

export function fakeContext(conn: Partial<ConnId> = {}): FakeContext {
  const events: PicketEvent[] = [];
  const confirmed: string[] = [];
  const anomalies: string[] = [];
  return {
    conn: {
      uid: 'CTestUid0000000001',
      orig_h: '10.0.0.1',
      orig_p: 40000,
      resp_h: '192.0.2.10',
      resp_p: 80,
      proto: 'tcp',
      ...conn,
    },
    events,
    confirmed,
    anomalies,
    emit: (e) => events.push(e),
    confirm: (s) => confirmed.push(s),
    anomaly: (c) => anomalies.push(c),
  };
}

/** ASCII text as bytes (tests write HTTP/SSH messages as readable strings). */
export function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** Hex (whitespace and `#` comments allowed) as bytes. */
export function hex(s: string): Uint8Array {
  const clean = s
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** Splits bytes into pieces of `size` (to test messages cut across calls). */
export function pieces(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, Math.min(data.length, i + size)));
  return out;
}

/** A small seeded PRNG (mulberry32) so fuzz tests are repeatable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
