/**
 * Client and server TLS fingerprints from parsed hellos:
 * - JA3: md5 of "SSLVersion,Ciphers,Extensions,EllipticCurves,PointFormats"
 *   (decimal values, '-' joined, GREASE removed), per the Salesforce JA3 spec.
 * - JA3S: md5 of "SSLVersion,Cipher,Extensions" of the ServerHello.
 * - JA4: FoxIO's JA4 (TLS client), e.g. t13d1516h2_8daaf6152771_e5627efa2ab1.
 * Computed once per connection, off the per-packet path.
 */
import { createHash } from 'node:crypto';
import { Ext, isGrease } from './consts.js';
import type { ClientHello, ServerHello } from './parser.js';

function joinDecimal(values: readonly number[], skipGrease: boolean): string {
  let s = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (skipGrease && isGrease(v)) continue;
    s += s === '' ? String(v) : '-' + String(v);
  }
  return s;
}

/** The JA3 string (before hashing). */
export function ja3String(h: ClientHello): string {
  return [
    String(h.version),
    joinDecimal(h.ciphers, true),
    joinDecimal(h.extensions, true),
    joinDecimal(h.groups, true),
    joinDecimal(h.pointFormats, false),
  ].join(',');
}

export function md5Hex(s: string): string {
  return createHash('md5').update(s, 'latin1').digest('hex');
}

export function ja3(h: ClientHello): { hash: string; string: string } {
  const s = ja3String(h);
  return { hash: md5Hex(s), string: s };
}

/** The JA3S string (before hashing). */
export function ja3sString(sh: ServerHello): string {
  return [String(sh.legacyVersion), String(sh.cipher), joinDecimal(sh.extensions, true)].join(',');
}

export function ja3s(sh: ServerHello): { hash: string; string: string } {
  const s = ja3sString(sh);
  return { hash: md5Hex(s), string: s };
}

const JA4_VERSIONS: Record<number, string> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
};

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function twoDigits(n: number): string {
  const c = n > 99 ? 99 : n;
  return c < 10 ? '0' + String(c) : String(c);
}

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** JA4's two ALPN characters: first and last of the first value, or of its hex when those are not alphanumeric. */
export function ja4Alpn(first: Uint8Array | undefined): string {
  if (first === undefined || first.length === 0) return '00';
  const a = first[0]!;
  const z = first[first.length - 1]!;
  if (isAlnum(a) && isAlnum(z)) return String.fromCharCode(a) + String.fromCharCode(z);
  const h = Buffer.from(first).toString('hex');
  return h[0]! + h[h.length - 1]!;
}

function sha256_12(s: string): string {
  return createHash('sha256').update(s, 'latin1').digest('hex').slice(0, 12);
}

/** JA4's cipher part: sorted 4-hex list hashed, or twelve zeros when empty. */
export function ja4CipherHash(ciphers: readonly number[]): string {
  const list: string[] = [];
  for (let i = 0; i < ciphers.length; i++) if (!isGrease(ciphers[i]!)) list.push(hex4(ciphers[i]!));
  if (list.length === 0) return '000000000000';
  list.sort();
  return sha256_12(list.join(','));
}

/** JA4's extension part: sorted extensions without SNI and ALPN, then '_' and signature algorithms in order. */
export function ja4ExtensionHash(extensions: readonly number[], sigAlgs: readonly number[]): string {
  const list: string[] = [];
  for (let i = 0; i < extensions.length; i++) {
    const e = extensions[i]!;
    if (isGrease(e) || e === Ext.SERVER_NAME || e === Ext.ALPN) continue;
    list.push(hex4(e));
  }
  if (list.length === 0) return '000000000000';
  list.sort();
  const sigs: string[] = [];
  for (let i = 0; i < sigAlgs.length; i++) if (!isGrease(sigAlgs[i]!)) sigs.push(hex4(sigAlgs[i]!));
  const s = sigs.length === 0 ? list.join(',') : list.join(',') + '_' + sigs.join(',');
  return sha256_12(s);
}

/** JA4 for a ClientHello carried over TCP ('t'); QUIC would be 'q', DTLS 'd'. */
export function ja4(h: ClientHello, transport: 't' | 'q' | 'd' = 't'): string {
  // The highest supported_versions value counts (a TLS 1.3 draft value maps to "00", as in
  // FoxIO's reference code); without the extension the hello's own version does. The
  // record-layer version never counts.
  let best = -1;
  for (let i = 0; i < h.supportedVersions.length; i++) {
    const v = h.supportedVersions[i]!;
    if (!isGrease(v) && v > best) best = v;
  }
  const version = JA4_VERSIONS[best >= 0 ? best : h.version] ?? '00';
  let nc = 0;
  for (let i = 0; i < h.ciphers.length; i++) if (!isGrease(h.ciphers[i]!)) nc++;
  let ne = 0;
  for (let i = 0; i < h.extensions.length; i++) if (!isGrease(h.extensions[i]!)) ne++;
  const a = transport + version + (h.hasSni ? 'd' : 'i') + twoDigits(nc) + twoDigits(ne) + ja4Alpn(h.alpnFirst);
  return a + '_' + ja4CipherHash(h.ciphers) + '_' + ja4ExtensionHash(h.extensions, h.signatureAlgorithms);
}
