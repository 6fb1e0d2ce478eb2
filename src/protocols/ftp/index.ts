/**
 * Registration of the FTP analyzer: TCP 21 and 2811 first, and a content
 * probe for a client "USER " command or a "220" greeting that names FTP
 * and not SMTP (a bare 220 is also SMTP's greeting).
 *
 * ftp.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { asciiBytes, startsWithIgnoreCase } from '../wire-text.js';
import { FtpAnalyzer, type FtpLogSink } from './analyzer.js';
import { FTP_PORTS } from './consts.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';

const USER = asciiBytes('user ');
const FTP = asciiBytes('ftp');
const SMTP = asciiBytes('smtp');
/** How far into a greeting the probe looks for "FTP". */
const PROBE_SCAN = 256;

/** True for a client "USER name" or a server "220" greeting mentioning FTP in its first line. */
export function probeFtp(data: Uint8Array, fromOrig: boolean): boolean {
  if (fromOrig) return startsWithIgnoreCase(data, 0, data.length, USER);
  if (data.length < 5 || data[0] !== 0x32 || data[1] !== 0x32 || data[2] !== 0x30) return false;
  if (data[3] !== 0x20 && data[3] !== 0x2d) return false;
  const end = data.length < PROBE_SCAN ? data.length : PROBE_SCAN;
  let ftp = false;
  for (let i = 4; i + 3 <= end && data[i] !== 0x0a; i++) {
    // "220 ftp.example.org ESMTP" is a mail server whose name happens to say ftp.
    if (startsWithIgnoreCase(data, i, end, SMTP)) return false;
    if (startsWithIgnoreCase(data, i, end, FTP)) ftp = true;
  }
  return ftp;
}

export interface FtpSpecOptions {
  /** Receives one event per command/reply pair (ftp.log). */
  log?: FtpLogSink;
  /** Digests of the files data channels carry (default all three). */
  fileHashes?: readonly HashName[];
}

export function createFtpSpec(opts: FtpSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  const hashes = opts.fileHashes ?? HASH_NAMES;
  return {
    name: 'ftp',
    transports: ['tcp'],
    ports: FTP_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeFtp(data, fromOrig),
    create: (ctx) => new FtpAnalyzer(ctx, log ?? ((e) => ctx.emit(e)), hashes),
  };
}

/** The default FTP spec: auth events only (see above). */
export const ftpSpec: ProtocolSpec = createFtpSpec();

export type { FtpEvent, FtpLogEvent, FtpRecord } from './events.js';
