/**
 * Byte-to-text helpers shared by the HTTP, TLS, SSH and other analyzers (the
 * UTF-8 sequence checks also serve dns/format.ts; `printableText` does the
 * same for UTF-16 text from DCE/RPC stubs): turn wire
 * bytes into log strings (printable ASCII and valid UTF-8 kept, every other
 * byte written as `\xNN` the way Zeek's logs show it, so odd input is visible
 * and never lost), undo URI percent-escapes, and compare header names without
 * building strings. Run once per message or field, never per packet.
 */
import { ownText, shortText } from '../util/cut-text.js';

const HEX = '0123456789abcdef';

/** True when `b` is a printable ASCII byte (space through tilde). */
function printable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

/** Length of a valid UTF-8 sequence starting at `i` (2..4, before `end`), or 0 when it is not one. */
export function utf8Length(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i]!;
  let n: number;
  let min: number;
  if (b >= 0xc2 && b <= 0xdf) {
    n = 2;
    min = 0x80;
  } else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    min = 0x800;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > end) return 0;
  let cp = b & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
  for (let k = 1; k < n; k++) {
    const c = buf[i + k]!;
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not valid UTF-8.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/** Code point of the `n`-byte UTF-8 sequence at `i` (one `utf8Length` accepted). */
export function decodeUtf8(buf: Uint8Array, i: number, n: number): number {
  const b = buf[i]!;
  let cp = b & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
  for (let k = 1; k < n; k++) cp = (cp << 6) | (buf[i + k]! & 0x3f);
  return cp;
}

/**
 * The bytes `buf[start..end)` as a log string: printable ASCII and valid
 * UTF-8 as text, anything else as `\xNN`.
 */
export function logString(buf: Uint8Array, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    if (!printable(buf[i]!)) {
      plain = false;
      break;
    }
  }
  if (plain) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  let out = '';
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (printable(b)) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (b >= 0x80) {
      const n = utf8Length(buf, i, end);
      if (n > 0) {
        out += String.fromCodePoint(decodeUtf8(buf, i, n));
        i += n;
        continue;
      }
    }
    out += '\\x' + HEX[b >> 4]! + HEX[b & 15]!;
    i++;
  }
  return out;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * Percent-decodes a URI the way Zeek logs `uri`: every `%XX` with two hex
 * digits becomes that byte; a `%` not followed by two hex digits is kept as
 * it is (Zeek counts those as weirds, `unescapedPercent` counts them here).
 * `+` is left alone: it only means space in form bodies, not in paths.
 */
export function unescapeUri(buf: Uint8Array, start: number, end: number): { text: string; unescapedPercent: number } {
  let hasPercent = false;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x25) {
      hasPercent = true;
      break;
    }
  }
  if (!hasPercent) return { text: logString(buf, start, end), unescapedPercent: 0 };
  const out = new Uint8Array(end - start);
  let o = 0;
  let bad = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x25 && i + 2 < end) {
      const h = hexValue(buf[i + 1]!);
      const l = hexValue(buf[i + 2]!);
      if (h >= 0 && l >= 0) {
        out[o++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    if (b === 0x25) bad++;
    out[o++] = b;
  }
  return { text: logString(out, 0, o), unescapedPercent: bad };
}

/** Lower-case ASCII bytes of `s`, built once at module load for name comparisons. */
export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

/** True when `buf[start..end)` equals the lower-case ASCII `name`, ignoring ASCII case. */
export function equalsIgnoreCase(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    let b = buf[start + i]!;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b !== name[i]) return false;
  }
  return true;
}

/** True when `buf[start..end)` begins with the lower-case ASCII `prefix`, ignoring ASCII case. */
export function startsWithIgnoreCase(buf: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  return equalsIgnoreCase(buf, start, start + prefix.length, prefix);
}

/** True for a UTF-16 code unit written as-is in log text: not a C0 or C1 control nor DEL. */
function printableUnit(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

/**
 * Text decoded from UTF-16 wire strings (DCE/RPC stubs) as log text, the
 * way `logString` writes bytes: printable characters kept, C0 and C1
 * controls and DEL as `\xNN`, unpaired surrogates as `\uNNNN`. At most
 * `max` characters of the input are written; a longer input is cut there
 * (never inside a surrogate pair) and marked with "...". The result never
 * keeps `text` alive.
 */
export function printableText(text: string, max: number): string {
  const n = Math.min(text.length, max);
  let plain = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!printableUnit(c) || (c >= 0xd800 && c <= 0xdfff)) {
      plain = false;
      break;
    }
  }
  if (plain) return shortText(text, max);
  let out = '';
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (i + 1 >= n) break;
        out += text[i]! + text[i + 1]!;
        i += 2;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (printableUnit(c)) out += text[i]!;
    else out += '\\x' + HEX[c >> 4]! + HEX[c & 15]!;
    i++;
  }
  // Made a string of its own: one built by `+` is a chain of parts, copied again when first hashed or read.
  return ownText(i < text.length ? `${out}...` : out);
}
