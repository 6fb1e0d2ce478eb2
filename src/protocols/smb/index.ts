/**
 * Registration of the SMB analyzer: TCP 445 (direct) and 139 (NetBIOS
 * session service), plus content probing for SMB on other ports.
 */
import type { ProtocolSpec, Transport } from '../analyzer.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import { SmbAnalyzer } from './analyzer.js';

export { SmbAnalyzer } from './analyzer.js';
export { GssAuth } from './gss-auth.js';
export { parseNtlm } from './ntlm.js';
export type { SmbEvent, SmbMappingRecord, NtlmRecord, SmbNegotiateEvent, SmbTreeConnectEvent } from './events.js';

/** The SMB analyzer, computing `hashes` for the files read and written (files.jsonl). */
export function createSmbSpec(hashes: readonly HashName[] = HASH_NAMES): ProtocolSpec {
  return { ...smbSpec, create: (ctx) => new SmbAnalyzer(ctx, hashes) };
}

export const smbSpec: ProtocolSpec = {
  name: 'smb',
  transports: ['tcp'],
  ports: [445, 139],
  probe(data: Uint8Array, _fromOrig: boolean, transport: Transport): boolean {
    if (transport !== 'tcp' || data.length < 8 || data[0] !== 0) return false;
    const id = data[4];
    return (id === 0xff || id === 0xfe || id === 0xfd) && data[5] === 0x53 && data[6] === 0x4d && data[7] === 0x42;
  },
  create: (ctx) => new SmbAnalyzer(ctx),
};
