/**
 * Builders for TLS test messages: length-prefixed vectors, extensions,
 * handshake messages and records, so each test states the fields it cares
 * about instead of a long opaque hex dump.
 */
import { ascii, concat } from '../../helpers/bytes.js';

export { ascii };

/** Concatenation of byte arrays and byte lists. */
export const bytes = concat;

export function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

export function u16list(values: number[]): Uint8Array {
  return bytes(...values.map(u16));
}

/** Length-prefixed (1, 2 or 3 bytes) vector. */
export function vec(lenBytes: 1 | 2 | 3, body: Uint8Array | number[]): Uint8Array {
  const n = body.length;
  const len = lenBytes === 1 ? [n] : lenBytes === 2 ? u16(n) : [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return bytes(len, body);
}

export function ext(type: number, body: Uint8Array | number[]): Uint8Array {
  return bytes(u16(type), vec(2, body));
}


export const sni = (name: string) => ext(0, vec(2, bytes([0], vec(2, ascii(name)))));
export const alpn = (...names: string[]) => ext(16, vec(2, bytes(...names.map((n) => vec(1, ascii(n))))));
export const groups = (...g: number[]) => ext(10, vec(2, u16list(g)));
export const pointFormats = (...f: number[]) => ext(11, vec(1, f));
export const sigAlgs = (...s: number[]) => ext(13, vec(2, u16list(s)));
export const clientVersions = (...v: number[]) => ext(43, vec(1, u16list(v)));
export const serverVersion = (v: number) => ext(43, u16(v));
export const serverKeyShare = (group: number) => ext(51, bytes(u16(group), vec(2, new Uint8Array(32))));

export interface ClientHelloSpec {
  version?: number;
  sessionId?: Uint8Array;
  ciphers: number[];
  extensions?: Uint8Array[];
}

/** A ClientHello handshake message body. */
export function clientHelloBody(s: ClientHelloSpec): Uint8Array {
  return bytes(
    u16(s.version ?? 0x0303),
    new Uint8Array(32).fill(0x11), // random
    vec(1, s.sessionId ?? new Uint8Array(0)),
    vec(2, u16list(s.ciphers)),
    vec(1, [0]), // compression: null
    ...(s.extensions !== undefined ? [vec(2, bytes(...s.extensions))] : []),
  );
}

export interface ServerHelloSpec {
  version?: number;
  sessionId?: Uint8Array;
  cipher: number;
  extensions?: Uint8Array[];
  random?: Uint8Array;
}

export function serverHelloBody(s: ServerHelloSpec): Uint8Array {
  return bytes(
    u16(s.version ?? 0x0303),
    s.random ?? new Uint8Array(32).fill(0x22),
    vec(1, s.sessionId ?? new Uint8Array(0)),
    u16(s.cipher),
    [0],
    ...(s.extensions !== undefined ? [vec(2, bytes(...s.extensions))] : []),
  );
}

/** A handshake message: type(1) length(3) body. */
export function handshake(type: number, body: Uint8Array): Uint8Array {
  return bytes([type], vec(3, body).subarray(0));
}

/** A record: type(1) version(2) length(2) body. */
export function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  return bytes([type], u16(version), vec(2, body));
}
