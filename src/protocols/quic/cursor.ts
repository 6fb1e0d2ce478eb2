/**
 * A bounds-checked reader over one QUIC packet or frame sequence: bytes,
 * 32-bit words and variable-length integers (RFC 9000 section 16). Every
 * read past `end` returns -1 / null and leaves the cursor `truncated`, so
 * callers check once after a group of reads instead of after each.
 */
export class Cursor {
  pos: number;
  truncated = false;

  constructor(
    readonly b: Uint8Array,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos + 1 > this.end) return this.#short();
    return this.b[this.pos++]!;
  }

  u32(): number {
    if (this.pos + 4 > this.end) return this.#short();
    const b = this.b;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A variable-length integer: 1, 2, 4 or 8 bytes by its top two bits; exact below 2^53. */
  varint(): number {
    if (this.pos + 1 > this.end) return this.#short();
    const b = this.b;
    const first = b[this.pos]!;
    const len = 1 << (first >> 6);
    if (this.pos + len > this.end) return this.#short();
    let v = first & 0x3f;
    for (let i = 1; i < len; i++) v = v * 256 + b[this.pos + i]!;
    this.pos += len;
    return v;
  }

  /** A view of the next `n` bytes (valid while the underlying buffer is). */
  bytes(n: number): Uint8Array | null {
    if (n < 0 || this.pos + n > this.end) {
      this.#short();
      return null;
    }
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): boolean {
    if (n < 0 || this.pos + n > this.end) {
      this.#short();
      return false;
    }
    this.pos += n;
    return true;
  }

  #short(): number {
    this.truncated = true;
    this.pos = this.end;
    return -1;
  }
}
