/**
 * Exact conversion of capture timestamps into RawPacket's seconds and
 * nanoseconds. pcapng stores a 64-bit tick count whose unit each interface
 * chooses (10^-n or 2^-n seconds); with nanosecond ticks that count is past
 * 2^53, so a plain float division would lose the last digits. These helpers
 * stay in exact integer arithmetic on doubles and allocate nothing.
 */
import type { RawPacket } from './packet.js';

const TWO_32 = 4294967296;
/** Below this high word the 64-bit tick count fits a double exactly (2^53 / 2^32). */
const EXACT_HIGH_LIMIT = 0x200000;
/**
 * Long division works on 16-bit limbs: remainder * 65536 + limb must stay below
 * 2^53, which holds while the divisor is below 2^37 (finer than 10^-11 s).
 */
const MAX_EXACT_DIVISOR = 2 ** 37;

/** How one pcapng interface counts time (if_tsresol, if_tsoffset). */
export interface TickScale {
  /** Ticks per second (10^n or 2^n). */
  unitsPerSec: number;
  /** Nanoseconds per tick when that is a whole number (decimal resolutions up to ns), else 0. */
  nsPerUnit: number;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSec: number;
}

/** The default pcapng resolution (microseconds) with no offset. */
export function defaultTickScale(): TickScale {
  return { unitsPerSec: 1e6, nsPerUnit: 1000, offsetSec: 0 };
}

/**
 * Builds the scale for an if_tsresol byte: top bit clear means 10^-n seconds,
 * set means 2^-n. Returns undefined for exponents no clock can have (ticks
 * finer than 2^-63 or 10^-19 s), which callers treat as a bad option. The
 * offset starts at 0; the caller sets it from if_tsoffset.
 */
export function tickScaleFromTsresol(tsresol: number): TickScale | undefined {
  const exp = tsresol & 0x7f;
  if ((tsresol & 0x80) !== 0) {
    if (exp > 63) return undefined;
    return { unitsPerSec: 2 ** exp, nsPerUnit: exp === 0 ? 1e9 : 0, offsetSec: 0 };
  }
  if (exp > 19) return undefined;
  return { unitsPerSec: 10 ** exp, nsPerUnit: exp <= 9 ? 10 ** (9 - exp) : 0, offsetSec: 0 };
}

/** Sets pkt.tsSec/tsNsec/ts from a 64-bit tick count (high and low 32-bit words). */
export function setPacketTicks(pkt: RawPacket, high: number, low: number, scale: TickScale): void {
  const d = scale.unitsPerSec;
  let sec: number;
  let rem: number;
  if (high < EXACT_HIGH_LIMIT) {
    const v = high * TWO_32 + low;
    sec = Math.floor(v / d);
    rem = v - sec * d;
  } else if (d < MAX_EXACT_DIVISOR) {
    // Long division of the four 16-bit limbs; each step corrects a quotient
    // the float division may have rounded up by one.
    let x = high >>> 16;
    let q3 = Math.floor(x / d);
    let r = x - q3 * d;
    if (r < 0) { q3--; r += d; }
    x = r * 65536 + (high & 0xffff);
    let q2 = Math.floor(x / d);
    r = x - q2 * d;
    if (r < 0) { q2--; r += d; }
    x = r * 65536 + (low >>> 16);
    let q1 = Math.floor(x / d);
    r = x - q1 * d;
    if (r < 0) { q1--; r += d; }
    x = r * 65536 + (low & 0xffff);
    let q0 = Math.floor(x / d);
    r = x - q0 * d;
    if (r < 0) { q0--; r += d; }
    sec = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
    rem = r;
  } else {
    // Sub-10ps ticks with a huge count: precision below a nanosecond is
    // meaningless for packets, so an approximate split is fine here.
    const v = high * TWO_32 + low;
    sec = Math.floor(v / d);
    rem = Math.max(0, v - sec * d);
  }
  const nsec = scale.nsPerUnit !== 0 ? rem * scale.nsPerUnit : Math.min(999999999, Math.floor((rem * 1e9) / d));
  pkt.tsSec = sec + scale.offsetSec;
  pkt.tsNsec = nsec;
  pkt.ts = pkt.tsSec + nsec / 1e9;
}
