/**
 * Registration of the TFTP analyzer: requests to UDP 69 (by port, as Zeek
 * registers TFTP); their transfers are announced to the pipeline by the
 * request's analyzer. The conn.log service of both flows is "tftp".
 */
import type { ProtocolSpec } from '../analyzer.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import { TftpRequestAnalyzer, TFTP_SERVICE } from './analyzer.js';
import { TFTP_PORTS } from './consts.js';

export function createTftpSpec(hashes: readonly HashName[] = HASH_NAMES): ProtocolSpec {
  return {
    name: TFTP_SERVICE,
    transports: ['udp'],
    ports: TFTP_PORTS,
    create: (ctx) => new TftpRequestAnalyzer(ctx, hashes),
  };
}

export type { TftpEvent, TftpLogEvent, TftpRecord } from './events.js';
