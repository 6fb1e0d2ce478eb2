/**
 * Registration of the HTTP/1.x analyzer: TCP, the usual web and proxy ports
 * first, and a content probe (request line or status line) for any other port.
 * A whole request line also claims ports registered to other analyzers
 * (plain HTTP on 443, 8443, 21, 3389...: C2 and scanners do not keep to 80),
 * when their own probe does not recognise it.
 */
import type { ProtocolSpec } from '../analyzer.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import { HttpAnalyzer } from './analyzer.js';
import { HTTP_PORTS } from './consts.js';
import { claimsHttp, probeHttp } from './parser.js';

/** The HTTP analyzer, computing `hashes` for the files bodies carry (files.jsonl). */
export function createHttpSpec(hashes: readonly HashName[] = HASH_NAMES): ProtocolSpec {
  return {
    name: 'http',
    transports: ['tcp'],
    ports: HTTP_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeHttp(data, fromOrig),
    claims: (data, fromOrig, transport) => transport === 'tcp' && claimsHttp(data, fromOrig),
    create: (ctx) => new HttpAnalyzer(ctx, hashes),
  };
}

/** The HTTP analyzer with every digest on (the default). */
export const httpSpec: ProtocolSpec = createHttpSpec();

export type { HttpEvent, HttpLogEvent, HttpRecord } from './events.js';
