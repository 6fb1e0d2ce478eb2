/**
 * Registration of the SQL Server (TDS) analyzer: TCP 1433 first, and a
 * content probe for a client's first packet (a whole PRELOGIN or LOGIN7
 * message). The service name is "mssql".
 */
import type { ProtocolSpec } from '../analyzer.js';
import { u32 as u32le } from '../smb/wire.js';
import { TdsAnalyzer } from './analyzer.js';
import { HEADER_LENGTH, PacketType, PreloginOption, STATUS_EOM, TDS_PORTS } from './consts.js';
import { packetHeader } from './parser.js';

/** True for a client's first packet that is a one-packet PRELOGIN starting with its VERSION option, or a LOGIN7 whose record length fits. */
export function probeTds(data: Uint8Array, fromOrig: boolean): boolean {
  if (!fromOrig || data.length < HEADER_LENGTH + 5) return false;
  const h = packetHeader(data, 0);
  if (h === null || h.status !== STATUS_EOM) return false;
  if (h.type === PacketType.PRELOGIN) return data[HEADER_LENGTH] === PreloginOption.VERSION && h.length <= 4096;
  if (h.type === PacketType.LOGIN7 && data.length >= HEADER_LENGTH + 8) {
    const len = u32le(data, HEADER_LENGTH);
    // The record length, and a TDS 7.x version (0x7000000 to 0x74000004, stored little-endian).
    return len === h.length - HEADER_LENGTH && (data[HEADER_LENGTH + 7]! & 0xf0) === 0x70;
  }
  return false;
}

export const tdsSpec: ProtocolSpec = {
  name: 'mssql',
  transports: ['tcp'],
  ports: TDS_PORTS,
  probe: (data, fromOrig, transport) => transport === 'tcp' && probeTds(data, fromOrig),
  create: (ctx) => new TdsAnalyzer(ctx),
};

export type { TdsEvent } from './events.js';
