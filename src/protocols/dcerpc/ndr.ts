/**
 * A bounded reader of NDR data for the stub of one request, `b[start, end)`,
 * in the byte order of the PDU's data representation, in either transfer
 * syntax the context was bound to: NDR 2.0 (C706 chapter 14) or NDR64
 * ([MS-RPCE] 2.2.5.3). It reads primitives at their natural alignment
 * (counted from the stub's start, where the NDR stream begins), pointer
 * referent ids, [string] conformant varying strings (UTF-16 or 8-bit),
 * conformant byte arrays and BSTRs ([MS-OAUT] 2.2.23.2: a unique pointer to
 * a FLAGGED_WORD_BLOB).
 *
 * What the two syntaxes lay out differently is behind `pointer()` and
 * `count()`, so extractors are written once:
 * - a pointer's referent id is 4 bytes in NDR 2.0 and 8 (aligned to 8) in
 *   NDR64 (2.2.5.3.5);
 * - the counts of arrays and strings (conformance: maximum count;
 *   variance: offset and actual count) are unsigned 32-bit in NDR 2.0 and
 *   unsigned 64-bit (aligned to 8) in NDR64 (2.2.5.3.2, 2.2.5.3.3); a count
 *   at or over 2^32 fails, as no limit here comes near it;
 * - a structure is aligned to its most aligned member (C706 14.3.2,
 *   [MS-RPCE] 2.2.5.3.4), so one holding a pointer starts at
 *   `pointerSize` (4 or 8) and one holding a conformant array starts with
 *   its counts (2.2.5.3.4.2: they come first); an extractor aligns with
 *   `align(r.pointerSize)` where the structure is not already aligned by
 *   its first read. NDR64's trailing pad (2.2.5.3.4.1: a structure's size
 *   is a multiple of its alignment) is never read here: every read that
 *   follows a structure is at least as aligned as it.
 * Other simple types keep their NDR 2.0 size and alignment in NDR64
 * (2.2.5.3.1; enums, 4 bytes there, are not read), and __int3264 (DWORD_PTR)
 * is 32-bit on the wire in both ([MS-DTYP] 2.2.1).
 *
 * Every read checks the bytes left and the limits it is given; the first
 * failure sets `ok` false, after which every read gives 0 or undefined and
 * moves nothing, so an extractor reads its fields in order and looks at
 * `ok` once. A string whose counts exceed their limit fails, as the server
 * would refuse it (a [range] or [size_is] bound). Never throws; allocates
 * only the text of the strings it returns. Padding bytes are skipped, not
 * checked (senders fill them with anything).
 */
import { logString } from '../wire-text.js';
import { u16, u32 } from './parser.js';

/** The transfer syntax of a stub: NDR 2.0 or NDR64. */
export type NdrSyntax = 'ndr' | 'ndr64';

/** 2^32: counts and referent ids above 32 bits come as a high and a low half. */
const TWO_32 = 0x1_0000_0000;

/** The text of a string longer than `keep` units: its first keep + 1 units, so a caller capping at `keep` sees it was cut. */
function kept(units: number, keep: number): number {
  return units > keep ? keep + 1 : units;
}

export class NdrReader {
  readonly #b: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  readonly #little: boolean;
  readonly #ndr64: boolean;
  #pos: number;
  /** False once a read ran past the stub or broke a limit. */
  ok = true;

  constructor(b: Uint8Array, start: number, end: number, little = true, syntax: NdrSyntax = 'ndr') {
    this.#b = b;
    this.#start = start;
    this.#end = Math.min(end, b.length);
    this.#little = little;
    this.#ndr64 = syntax === 'ndr64';
    this.#pos = start;
    if (this.#end < start) this.ok = false;
  }

  /** Bytes read so far (the offset in the stub). */
  get offset(): number {
    return this.#pos - this.#start;
  }

  /** Marks the data unreadable. */
  fail(): void {
    this.ok = false;
  }

  /** True when `n` more bytes are there; fails otherwise. */
  #has(n: number): boolean {
    if (!this.ok) return false;
    if (n < 0 || this.#pos + n > this.#end) {
      this.ok = false;
      return false;
    }
    return true;
  }

  /** Moves to the next multiple of `n` (2, 4 or 8) from the stub's start. */
  align(n: number): void {
    const pad = (n - ((this.#pos - this.#start) % n)) % n;
    if (this.#has(pad)) this.#pos += pad;
  }

  skip(n: number): void {
    if (this.#has(n)) this.#pos += n;
  }

  u8(): number {
    if (!this.#has(1)) return 0;
    return this.#b[this.#pos++]!;
  }

  u16(): number {
    this.align(2);
    if (!this.#has(2)) return 0;
    const v = u16(this.#b, this.#pos, this.#little);
    this.#pos += 2;
    return v;
  }

  u32(): number {
    this.align(4);
    if (!this.#has(4)) return 0;
    const v = u32(this.#b, this.#pos, this.#little);
    this.#pos += 4;
    return v;
  }

  /** The size and alignment of a referent id: 4 in NDR 2.0, 8 in NDR64. */
  get pointerSize(): 4 | 8 {
    return this.#ndr64 ? 8 : 4;
  }

  /** Two 32-bit halves of an 8-byte value, aligned to 8, in the PDU's byte order: [high, low]. */
  #halves(): [number, number] {
    this.align(8);
    const first = this.u32();
    const second = this.u32();
    return this.#little ? [second, first] : [first, second];
  }

  /**
   * A pointer's referent id: 0 is a null pointer (unique and full pointers;
   * top-level ref pointers have none on the wire). In NDR64 it is 8 bytes;
   * any id other than 0 comes back as a number other than 0.
   */
  pointer(): number {
    if (!this.#ndr64) return this.u32();
    const [high, low] = this.#halves();
    return high * TWO_32 + low;
  }

  /**
   * A conformance or variance count (maximum count, offset, actual count,
   * array size): 4 bytes in NDR 2.0, 8 in NDR64. Fails (giving 0) when an
   * 8-byte count is 2^32 or more.
   */
  count(): number {
    if (!this.#ndr64) return this.u32();
    const [high, low] = this.#halves();
    if (high !== 0) {
      this.ok = false;
      return 0;
    }
    return low;
  }

  /**
   * The counts of a conformant varying array (maximum count, offset, actual
   * count): the actual count, or -1 (failed) when the offset is not 0, the
   * actual count exceeds the maximum or the maximum exceeds `limit`.
   */
  #varying(limit: number): number {
    const max = this.count();
    const offset = this.count();
    const actual = this.count();
    if (!this.ok) return -1;
    if (offset !== 0 || actual > max || max > limit) {
      this.ok = false;
      return -1;
    }
    return actual;
  }

  /**
   * A [string] wchar_t array: its text up to the first NUL (at most
   * `keep` + 1 units decoded, see `kept`), undefined when it fails. `limit`
   * bounds its counts, in characters.
   */
  wideString(limit: number, keep: number): string | undefined {
    const n = this.#varying(limit);
    if (n < 0 || !this.#has(2 * n)) return undefined;
    const text = this.#utf16(this.#pos, n, keep);
    this.#pos += 2 * n;
    return text;
  }

  /**
   * A [string] char array (8-bit text in the client's code page, unknown
   * here): as `wideString`, its bytes made log text by `logString` (ASCII
   * and valid UTF-8 kept, other bytes as \xNN).
   */
  ansiString(limit: number, keep: number): string | undefined {
    const n = this.#varying(limit);
    if (n < 0 || !this.#has(n)) return undefined;
    let stop = this.#pos;
    const last = this.#pos + kept(n, keep);
    while (stop < last && this.#b[stop] !== 0) stop++;
    const text = logString(this.#b, this.#pos, stop);
    this.#pos += n;
    return text;
  }

  /** A string in either form (`wide`: UTF-16). */
  string(wide: boolean, limit: number, keep: number): string | undefined {
    return wide ? this.wideString(limit, keep) : this.ansiString(limit, keep);
  }

  /** A unique pointer to a string: its text, '' for a null pointer (`ok` stays true), undefined when it fails. */
  uniqueString(wide: boolean, limit: number, keep: number): string | undefined {
    const ref = this.pointer();
    if (!this.ok) return undefined;
    return ref === 0 ? '' : this.string(wide, limit, keep);
  }

  /** A unique pointer to a conformant byte array of at most `limit` bytes, skipped: its length, 0 for a null pointer. */
  uniqueBytes(limit: number): number {
    const ref = this.pointer();
    if (ref === 0 || !this.ok) return 0;
    const n = this.count();
    if (n > limit) this.ok = false;
    this.skip(n);
    return this.ok ? n : 0;
  }

  /**
   * A BSTR: a unique pointer to a FLAGGED_WORD_BLOB (conformance, cBytes,
   * clSize, then clSize UTF-16 units; a conformant structure, its
   * conformance first in both syntaxes). Its text up to the first NUL, '' for
   * a null pointer, undefined when it fails (counts that disagree or exceed
   * `limit`).
   */
  bstr(limit: number, keep: number): string | undefined {
    const ref = this.pointer();
    if (!this.ok) return undefined;
    if (ref === 0) return '';
    const max = this.count();
    this.u32(); // cBytes: the byte length, with or without a terminator
    const units = this.u32();
    if (!this.ok || units !== max || units > limit) {
      this.ok = false;
      return undefined;
    }
    if (!this.#has(2 * units)) return undefined;
    const text = this.#utf16(this.#pos, units, keep);
    this.#pos += 2 * units;
    return text;
  }

  /** `n` UTF-16 units at `p` as text up to the first NUL, at most kept(n, keep) of them decoded. */
  #utf16(p: number, n: number, keep: number): string {
    const units = kept(n, keep);
    const b = this.#b;
    let bytes = Buffer.from(b.buffer, b.byteOffset + p, 2 * units);
    if (!this.#little) bytes = Buffer.from(bytes).swap16();
    const text = bytes.toString('utf16le');
    const nul = text.indexOf('\0');
    return nul < 0 ? text : text.slice(0, nul);
  }
}
