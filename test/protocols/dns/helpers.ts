/**
 * Test helpers for the name-service and DHCP analyzers: a context that
 * collects what an analyzer reports (the callback sink, not a mock of a
 * service), hex decoding, a seeded PRNG for the mutation tests, and a
 * multiset comparison for log lines whose order Zeek does not fix.
 */
import type { AnalyzerContext } from '../../../src/protocols/analyzer.js';
import type { ConnId } from '../../../src/events/conn-id.js';
import type { PicketEvent } from '../../../src/events/types.js';

export interface CollectingContext extends AnalyzerContext {
  readonly events: PicketEvent[];
  readonly anomalies: string[];
  readonly services: string[];
}

export function collectingContext(conn: Partial<ConnId> = {}): CollectingContext {
  const events: PicketEvent[] = [];
  const anomalies: string[] = [];
  const services: string[] = [];
  return {
    conn: {
      uid: 'CTest1',
      orig_h: '10.0.0.1',
      orig_p: 40000,
      resp_h: '10.0.0.53',
      resp_p: 53,
      proto: 'udp',
      ...conn,
    },
    events,
    anomalies,
    services,
    emit: (e) => events.push(e),
    confirm: (s) => services.push(s),
    anomaly: (c) => anomalies.push(c),
  };
}

/** Bytes of a hex string; whitespace and `#` comments to end of line are ignored. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0) throw new Error('odd hex length');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** Mulberry32: small deterministic PRNG so mutation runs are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mutated copy of `input`: bit flips, truncation, byte pokes or length-field lies. */
export function mutate(input: Uint8Array, rnd: () => number): Uint8Array {
  const out = Uint8Array.from(input);
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) {
    const flips = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < flips; i++) {
      const at = Math.floor(rnd() * out.length);
      out[at] = out[at]! ^ (1 << Math.floor(rnd() * 8));
    }
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(rnd() * out.length));
  if (kind === 2) {
    const at = Math.floor(rnd() * out.length);
    out[at] = Math.floor(rnd() * 256);
    return out;
  }
  // Length lie: overwrite two adjacent bytes with a large or pointer-like value.
  const at = Math.floor(rnd() * Math.max(1, out.length - 1));
  const v = [0xff, 0xc0, 0x3f, 0x40, 0x00][Math.floor(rnd() * 5)]!;
  out[at] = v;
  if (at + 1 < out.length) out[at + 1] = Math.floor(rnd() * 256);
  return out;
}

/** Canonical JSON (sorted keys) for multiset comparisons. */
export function canon(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val !== null && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) sorted[k] = o[k];
      return sorted;
    }
    return val;
  });
}

/** Zeek TSV escapes (\xNN) back to characters. */
export function unescapeZeek(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
