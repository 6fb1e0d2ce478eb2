/**
 * Pure parsers for what SSH shows in clear: the identification line
 * ("SSH-2.0-OpenSSH_9.6"), the KEXINIT algorithm lists, the negotiated
 * algorithm (client's first choice the server also offers, as RFC 4253
 * section 7.1 and Zeek decide it), the protocol version both banners
 * agree on, and the server host key from the key-exchange reply. Never throws.
 */
import { createHash } from 'node:crypto';
import { MAX_NAMES, NEGOTIATION_FAILED } from './consts.js';
import { logString } from '../wire-text.js';

/** The ten name-lists of a KEXINIT, in wire order. */
export interface KexInit {
  kex: string[];
  hostKey: string[];
  encC2S: string[];
  encS2C: string[];
  macC2S: string[];
  macS2C: string[];
  compC2S: string[];
  compS2C: string[];
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/**
 * Parses a KEXINIT payload (starting with the message number 20).
 * Returns null when a list runs past the end.
 */
export function parseKexInit(p: Uint8Array): KexInit | null {
  // msg(1) + cookie(16)
  let i = 17;
  const lists: string[][] = [];
  for (let k = 0; k < 10; k++) {
    if (i + 4 > p.length) return null;
    const len = u32(p, i);
    i += 4;
    if (len > p.length - i) return null;
    const names: string[] = [];
    let s = i;
    const end = i + len;
    for (let j = i; j <= end && names.length < MAX_NAMES; j++) {
      if (j === end || p[j] === 0x2c) {
        if (j > s) names.push(logString(p, s, j));
        s = j + 1;
      }
    }
    lists.push(names);
    i = end;
  }
  return {
    kex: lists[0]!,
    hostKey: lists[1]!,
    encC2S: lists[2]!,
    encS2C: lists[3]!,
    macC2S: lists[4]!,
    macS2C: lists[5]!,
    compC2S: lists[6]!,
    compS2C: lists[7]!,
  };
}

/** The first client algorithm the server also supports. */
export function negotiate(client: readonly string[], server: readonly string[]): string {
  for (let i = 0; i < client.length; i++) if (server.includes(client[i]!)) return client[i]!;
  return NEGOTIATION_FAILED;
}

/** Negotiation for a pair of per-direction lists; one name when both directions agree (Zeek's format otherwise). */
export function negotiateBoth(cC2S: readonly string[], sC2S: readonly string[], cS2C: readonly string[], sS2C: readonly string[]): string {
  const a = negotiate(cC2S, sC2S);
  const b = negotiate(cS2C, sS2C);
  return a === b ? a : `To server: ${a}, to client: ${b}`;
}

/** The identification line's text when it is one ("SSH-protoversion-softwareversion ..."), else null. */
export function parseBanner(buf: Uint8Array, start: number, end: number): string | null {
  if (end - start < 4 || buf[start] !== 0x53 || buf[start + 1] !== 0x53 || buf[start + 2] !== 0x48 || buf[start + 3] !== 0x2d) {
    return null;
  }
  return logString(buf, start, end);
}

/**
 * The SSH major version both identification strings agree on, Zeek's way:
 * "SSH-1.99" speaks both, 2 with 2 is 2, 1 with 1 is 1; 1 against 2 is unknown.
 */
export function agreedVersion(client: string, server: string): number | undefined {
  if (client.length <= 4 || server.length <= 4) return undefined;
  const c = client[4];
  const s = server[4];
  const c199 = client.length > 7 && client[6] === '9' && client[7] === '9';
  const s199 = server.length > 7 && server[6] === '9' && server[7] === '9';
  if (c === '2' && s === '2') return 2;
  if (c === '1' && s === '2') return c199 ? 2 : undefined;
  if (c === '2' && s === '1') return s199 ? 2 : undefined;
  if (c === '1' && s === '1') return s199 && c199 ? 2 : 1;
  return undefined;
}

/**
 * The server host key blob from a key-exchange reply payload (message 31 or 33:
 * msg byte, then `string K_S`), as Zeek's fingerprint: md5 hex with colons.
 */
export function hostKeyFingerprint(p: Uint8Array): string | null {
  if (p.length < 5) return null;
  const len = u32(p, 1);
  if (len === 0 || len > p.length - 5) return null;
  const hex = createHash('md5').update(p.subarray(5, 5 + len)).digest('hex');
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += (i === 0 ? '' : ':') + hex.slice(i, i + 2);
  return out;
}
