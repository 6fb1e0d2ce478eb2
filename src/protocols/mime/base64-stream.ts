/**
 * Base64 content (RFC 2045 section 6.8) decoded as it streams in: characters
 * of the alphabet are taken four at a time, whatever the chunking; line
 * breaks, padding and other bytes fall away. Holds at most three characters
 * between calls.
 */
export class Base64Stream {
  /** Alphabet characters not yet decoded (fewer than four). */
  #rest = '';

  /** The bytes data[from, to) decode to, completing the group left from before; null when no whole group is there yet. */
  decode(data: Uint8Array, from: number, to: number): Buffer | null {
    let text = this.#rest;
    for (let i = from; i < to; i++) {
      const c = data[i]!;
      const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
      if (alpha) text += String.fromCharCode(c);
    }
    const whole = text.length - (text.length % 4);
    this.#rest = text.slice(whole);
    return whole === 0 ? null : Buffer.from(text.slice(0, whole), 'base64');
  }

  /** The content ended: the last, unpadded group's bytes, if it holds any. */
  flush(): Buffer | null {
    const rest = this.#rest;
    this.#rest = '';
    return rest.length > 1 ? Buffer.from(rest, 'base64') : null;
  }
}
