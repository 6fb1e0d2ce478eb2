/**
 * Character trigram model of popular domain labels: how surprising each
 * character is after the two before it, in bits. Trained by
 * bench/dga/train.ts on the benign lists and stored quantized (one byte per
 * trigram, 1/8 bit steps) so the model file stays small. Labels are framed
 * with two start symbols and one end symbol, so "how a name begins and ends"
 * counts too.
 */

/** Letters, digits and hyphen: what an LDH label holds. */
export const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';
export const BOS = ALPHABET.length;
export const EOS = ALPHABET.length + 1;
/** Symbols: the alphabet plus start and end. */
export const SYMBOLS = ALPHABET.length + 2;
export const TABLE_SIZE = SYMBOLS * SYMBOLS * SYMBOLS;
/** Quantization: stored byte = round(bits * STEPS_PER_BIT), capped at 255 (31.9 bits). */
export const STEPS_PER_BIT = 8;

/** char code -> symbol index, -1 outside the alphabet. */
export const SYMBOL_OF: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

export function tri(a: number, b: number, c: number): number {
  return (a * SYMBOLS + b) * SYMBOLS + c;
}

/** Surprise of a label under the model: total bits and the largest single step. */
export interface Surprise {
  total: number;
  max: number;
  /** Steps scored (label length + 1 for the end). */
  steps: number;
}

/** Bits of `label` (LDH characters only; others are treated as hyphens). */
export function surprise(table: Uint8Array, label: string, out: Surprise): Surprise {
  let a = BOS;
  let b = BOS;
  let total = 0;
  let max = 0;
  for (let i = 0; i <= label.length; i++) {
    let c = EOS;
    if (i < label.length) {
      const code = label.charCodeAt(i);
      c = code < 128 ? SYMBOL_OF[code]! : -1;
      if (c < 0) c = ALPHABET.length - 1;
    }
    const bits = table[tri(a, b, c)]! / STEPS_PER_BIT;
    total += bits;
    if (bits > max) max = bits;
    a = b;
    b = c;
  }
  out.total = total;
  out.max = max;
  out.steps = label.length + 1;
  return out;
}
