/**
 * Hex-safe renderings of the first bytes an attacker sent: lowercase hex for
 * machines, and an escaped text form for people in which only printable
 * ASCII appears as itself (control bytes, quotes of other encodings, escape
 * sequences aimed at a terminal are all shown as \xNN, never passed through).
 */

const HEX = '0123456789abcdef';

export function toHex(buf: Uint8Array, len: number): string {
  let out = '';
  for (let i = 0; i < len; i++) {
    const b = buf[i]!;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Printable ASCII as is (backslash doubled), \r \n \t by name, every other byte as \xNN. */
export function toSafeText(buf: Uint8Array, len: number): string {
  let out = '';
  for (let i = 0; i < len; i++) {
    const b = buf[i]!;
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else out += '\\x' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** "::ffff:10.0.0.5" (a v4 peer on a dual-stack socket) -> "10.0.0.5". */
export function plainAddress(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
