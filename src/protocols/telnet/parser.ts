/**
 * Pure helpers for Telnet: an option-negotiation stripper that turns one
 * direction's bytes into the data the user sees (IAC commands and
 * subnegotiations removed, IAC IAC kept as 0xff, state carried across
 * chunks), and allocation-free byte matchers for prompts and messages.
 */
import { Iac } from './consts.js';

const D_DATA = 0;
const D_IAC = 1;
const D_OPTION = 2;
const D_SB = 3;
const D_SB_IAC = 4;

export class IacStripper {
  #state = D_DATA;
  /** Option commands seen (negotiation is what marks a stream as Telnet). */
  commands = 0;

  /**
   * Writes the data bytes of `src` into `out` (at least `src.length` long)
   * and returns how many there are.
   */
  strip(src: Uint8Array, out: Uint8Array): number {
    let o = 0;
    let st = this.#state;
    for (let i = 0; i < src.length; i++) {
      const b = src[i]!;
      if (st === D_DATA) {
        if (b === Iac.IAC) st = D_IAC;
        else out[o++] = b;
      } else if (st === D_IAC) {
        if (b === Iac.IAC) {
          out[o++] = b;
          st = D_DATA;
        } else if (b >= Iac.WILL && b <= Iac.DONT) {
          this.commands++;
          st = D_OPTION;
        } else if (b === Iac.SB) {
          this.commands++;
          st = D_SB;
        } else {
          st = D_DATA;
        }
      } else if (st === D_OPTION) {
        st = D_DATA;
      } else if (st === D_SB) {
        if (b === Iac.IAC) st = D_SB_IAC;
      } else {
        // IAC SE ends the subnegotiation; IAC IAC inside it is data of the option.
        st = b === Iac.SE ? D_DATA : D_SB;
      }
    }
    this.#state = st;
    return o;
  }
}

/** True when `buf[0..len)`, trailing spaces ignored, ends with the lower-case `pat` (ASCII case ignored). */
export function endsWith(buf: Uint8Array, len: number, pat: Uint8Array): boolean {
  let e = len;
  while (e > 0 && buf[e - 1] === 0x20) e--;
  if (e < pat.length) return false;
  const s = e - pat.length;
  for (let i = 0; i < pat.length; i++) {
    let b = buf[s + i]!;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b !== pat[i]) return false;
  }
  return true;
}

/** True when the lower-case `pat` occurs in `buf[0..len)` (ASCII case ignored). */
export function contains(buf: Uint8Array, len: number, pat: Uint8Array): boolean {
  const last = len - pat.length;
  for (let s = 0; s <= last; s++) {
    let k = 0;
    while (k < pat.length) {
      let b = buf[s + k]!;
      if (b >= 0x41 && b <= 0x5a) b += 0x20;
      if (b !== pat[k]) break;
      k++;
    }
    if (k === pat.length) return true;
  }
  return false;
}

/** True when any pattern matches with `test`. */
export function anyOf(buf: Uint8Array, len: number, pats: readonly Uint8Array[], test: (b: Uint8Array, l: number, p: Uint8Array) => boolean): boolean {
  for (let i = 0; i < pats.length; i++) if (test(buf, len, pats[i]!)) return true;
  return false;
}
