/**
 * NTLMSSP message parser (MS-NLMP §2.2.1): NEGOTIATE (type 1), CHALLENGE
 * (type 2, with the server's AV pairs naming its NetBIOS/DNS computer, domain
 * and forest) and AUTHENTICATE (type 3, with the client's user, domain and
 * workstation). Used by SMB session setup and LDAP SASL/Sicily binds.
 *
 * Pure: [start, end) of one NTLMSSP message in, a parsed message or null
 * out. Every security buffer is bounds-checked against the message; strings
 * are UTF-16LE when the UNICODE flag is negotiated, else OEM (read as latin1).
 */

export const NtlmType = { NEGOTIATE: 1, CHALLENGE: 2, AUTHENTICATE: 3 } as const;

export const NtlmFlag = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  OEM_DOMAIN_SUPPLIED: 0x00001000,
  OEM_WORKSTATION_SUPPLIED: 0x00002000,
  TARGET_INFO: 0x00800000,
} as const;

/** MsvAvId values (MS-NLMP §2.2.2.1). */
export const AvId = {
  EOL: 0,
  NB_COMPUTER_NAME: 1,
  NB_DOMAIN_NAME: 2,
  DNS_COMPUTER_NAME: 3,
  DNS_DOMAIN_NAME: 4,
  DNS_TREE_NAME: 5,
} as const;

/** AV pairs walked in a CHALLENGE: Windows sends about 8; more means garbage. */
export const NTLM_MAX_AV_PAIRS = 64;
/** Longest string field decoded (bytes): names are at most a few hundred bytes. */
export const NTLM_MAX_STRING_BYTES = 1024;

export interface NtlmNegotiate {
  type: 1;
  flags: number;
  domain?: string;
  workstation?: string;
}

export interface NtlmChallenge {
  type: 2;
  flags: number;
  targetName?: string;
  nbComputerName?: string;
  nbDomainName?: string;
  dnsComputerName?: string;
  dnsDomainName?: string;
  dnsTreeName?: string;
}

export interface NtlmAuthenticate {
  type: 3;
  flags: number;
  domain?: string;
  user?: string;
  workstation?: string;
  /** NT response length: 24 for NTLMv1, longer for NTLMv2; 0 for anonymous. */
  ntResponseLength: number;
}

export type NtlmMessage = NtlmNegotiate | NtlmChallenge | NtlmAuthenticate;

const SIGNATURE = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00];

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

const utf16 = new TextDecoder('utf-16le', { fatal: false });
const latin1 = new TextDecoder('latin1');

/** Decodes a string of `len` bytes at `off`; undefined when empty or out of bounds. */
function text(b: Uint8Array, off: number, len: number, end: number, unicode: boolean): string | undefined {
  if (len === 0 || off + len > end || len > NTLM_MAX_STRING_BYTES) return undefined;
  const view = b.subarray(off, off + len);
  return unicode ? utf16.decode(view) : latin1.decode(view);
}

/** A security buffer field (Len u16, MaxLen u16, Offset u32) at `field`, relative to the message start. */
function secBuf(b: Uint8Array, start: number, end: number, field: number, unicode: boolean): string | undefined {
  if (start + field + 8 > end) return undefined;
  const len = u16(b, start + field);
  const off = u32(b, start + field + 4);
  if (off > end - start) return undefined;
  return text(b, start + off, len, end, unicode);
}

/** Parses the NTLMSSP message in [start, end); null when it is not one or is truncated. */
export function parseNtlm(b: Uint8Array, start: number, end: number): NtlmMessage | null {
  if (end > b.length) end = b.length;
  if (end - start < 12) return null;
  for (let i = 0; i < 8; i++) if (b[start + i] !== SIGNATURE[i]) return null;
  const type = u32(b, start + 8);
  if (type === NtlmType.NEGOTIATE) {
    if (end - start < 16) return null;
    const flags = u32(b, start + 12);
    const msg: NtlmNegotiate = { type: 1, flags };
    if (end - start >= 32) {
      // Negotiate strings are always OEM.
      if ((flags & NtlmFlag.OEM_DOMAIN_SUPPLIED) !== 0) {
        const d = secBuf(b, start, end, 16, false);
        if (d !== undefined) msg.domain = d;
      }
      if ((flags & NtlmFlag.OEM_WORKSTATION_SUPPLIED) !== 0) {
        const w = secBuf(b, start, end, 24, false);
        if (w !== undefined) msg.workstation = w;
      }
    }
    return msg;
  }
  if (type === NtlmType.CHALLENGE) {
    if (end - start < 32) return null;
    const flags = u32(b, start + 20);
    const unicode = (flags & NtlmFlag.UNICODE) !== 0;
    const msg: NtlmChallenge = { type: 2, flags };
    const t = secBuf(b, start, end, 12, unicode);
    if (t !== undefined) msg.targetName = t;
    if (end - start >= 48) {
      const len = u16(b, start + 40);
      const off = u32(b, start + 44);
      if (len > 0 && off <= end - start && start + off + len <= end) avPairs(b, start + off, start + off + len, msg);
    }
    return msg;
  }
  if (type === NtlmType.AUTHENTICATE) {
    if (end - start < 52) return null;
    // Flags sit after the six security buffers; older clients omit them (then assume Unicode).
    const flags = end - start >= 64 ? u32(b, start + 60) : NtlmFlag.UNICODE;
    const unicode = (flags & NtlmFlag.UNICODE) !== 0;
    const msg: NtlmAuthenticate = { type: 3, flags, ntResponseLength: u16(b, start + 20) };
    const d = secBuf(b, start, end, 28, unicode);
    if (d !== undefined) msg.domain = d;
    const u = secBuf(b, start, end, 36, unicode);
    if (u !== undefined) msg.user = u;
    const w = secBuf(b, start, end, 44, unicode);
    if (w !== undefined) msg.workstation = w;
    return msg;
  }
  return null;
}

function avPairs(b: Uint8Array, p: number, end: number, msg: NtlmChallenge): void {
  for (let n = 0; n < NTLM_MAX_AV_PAIRS && p + 4 <= end; n++) {
    const id = u16(b, p);
    const len = u16(b, p + 2);
    p += 4;
    if (id === AvId.EOL || p + len > end) return;
    const v = text(b, p, len, end, true);
    if (v !== undefined) {
      if (id === AvId.NB_COMPUTER_NAME) msg.nbComputerName = v;
      else if (id === AvId.NB_DOMAIN_NAME) msg.nbDomainName = v;
      else if (id === AvId.DNS_COMPUTER_NAME) msg.dnsComputerName = v;
      else if (id === AvId.DNS_DOMAIN_NAME) msg.dnsDomainName = v;
      else if (id === AvId.DNS_TREE_NAME) msg.dnsTreeName = v;
    }
    p += len;
  }
}
