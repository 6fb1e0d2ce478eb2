/**
 * Test helpers for the name-service and DHCP analyzers: a collecting
 * context for a DNS connection, a mutator for the mutation tests, and a
 * multiset comparison for log lines whose order Zeek does not fix. Hex and
 * the seeded PRNG come from test/helpers/bytes.ts (re-exported here).
 */
import type { ConnId } from '../../../src/events/conn-id.js';
import { collectingContext, type CollectingContext } from '../../helpers/analyzer-context.js';
import { hex, rng } from '../../helpers/bytes.js';

export { hex, rng };

/** A collecting context for a DNS query from 10.0.0.1:40000 to 10.0.0.53:53/udp, with `conn` overriding any field. */
export function dnsTestContext(conn: Partial<ConnId> = {}): CollectingContext {
  return collectingContext({
    uid: 'CTest1',
    orig_h: '10.0.0.1',
    orig_p: 40000,
    resp_h: '10.0.0.53',
    resp_p: 53,
    proto: 'udp',
    ...conn,
  });
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
