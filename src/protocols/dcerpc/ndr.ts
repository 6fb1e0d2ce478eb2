/**
 * A bounded reader of NDR 2.0 data (C706 chapter 14, [MS-RPCE] 2.2.5) for
 * the stub of one request, `b[start, end)`, in the byte order of the PDU's
 * data representation: primitives at their natural alignment (counted from
 * the stub's start, where the NDR stream begins), pointer referent ids,
 * [string] conformant varying strings (UTF-16 or 8-bit), conformant byte
 * arrays and BSTRs ([MS-OAUT] 2.2.23.2: a unique pointer to a
 * FLAGGED_WORD_BLOB).
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

/** The text of a string longer than `keep` units: its first keep + 1 units, so a caller capping at `keep` sees it was cut. */
function kept(units: number, keep: number): number {
  return units > keep ? keep + 1 : units;
}

export class NdrReader {
  readonly #b: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  readonly #little: boolean;
  #pos: number;
  /** False once a read ran past the stub or broke a limit. */
  ok = true;

  constructor(b: Uint8Array, start: number, end: number, little = true) {
    this.#b = b;
    this.#start = start;
    this.#end = Math.min(end, b.length);
    this.#little = little;
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

  /** A pointer's referent id: 0 is a null pointer (unique and full pointers; top-level ref pointers have none on the wire). */
  pointer(): number {
    return this.u32();
  }

  /**
   * The counts of a conformant varying array (maximum count, offset, actual
   * count): the actual count, or -1 (failed) when the offset is not 0, the
   * actual count exceeds the maximum or the maximum exceeds `limit`.
   */
  #varying(limit: number): number {
    const max = this.u32();
    const offset = this.u32();
    const actual = this.u32();
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
    const n = this.u32();
    if (n > limit) this.ok = false;
    this.skip(n);
    return this.ok ? n : 0;
  }

  /**
   * A BSTR: a unique pointer to a FLAGGED_WORD_BLOB (conformance, cBytes,
   * clSize, then clSize UTF-16 units). Its text up to the first NUL, '' for
   * a null pointer, undefined when it fails (counts that disagree or exceed
   * `limit`).
   */
  bstr(limit: number, keep: number): string | undefined {
    const ref = this.pointer();
    if (!this.ok) return undefined;
    if (ref === 0) return '';
    const max = this.u32();
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
