/**
 * Registration of the TLS analyzer (service and log name "ssl", as in Zeek):
 * TCP, the usual TLS ports first, and a content probe for a handshake record
 * carrying a ClientHello (or, from the responder, a ServerHello) elsewhere.
 */
import type { ProtocolSpec } from '../analyzer.js';
import { TlsAnalyzer } from './analyzer.js';
import { CertificateLogTimes } from './certificate-cache.js';
import { ContentType, HandshakeType, MAX_RECORD_LENGTH, TLS_PORTS } from './consts.js';

/** True when the bytes start a TLS handshake record with a (Client|Server)Hello. */
export function probeTls(data: Uint8Array, fromOrig: boolean): boolean {
  if (data.length < 6) return false;
  if (data[0] !== ContentType.HANDSHAKE || data[1] !== 3 || data[2]! > 4) return false;
  const len = (data[3]! << 8) | data[4]!;
  if (len < 4 || len > MAX_RECORD_LENGTH) return false;
  return data[5] === (fromOrig ? HandshakeType.CLIENT_HELLO : HandshakeType.SERVER_HELLO);
}

/** A TLS spec for one pipeline: its analyzers share when each certificate was last logged. */
export function createTlsSpec(): ProtocolSpec {
  const certLog = new CertificateLogTimes();
  return {
    name: 'ssl',
    transports: ['tcp'],
    ports: TLS_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeTls(data, fromOrig),
    create: (ctx) => new TlsAnalyzer(ctx, certLog),
  };
}

/** A TLS spec of its own (tests): certificates it logged once are not logged again for a day of packet time. */
export const tlsSpec: ProtocolSpec = createTlsSpec();

export type { ChainCertificate, SslLogEvent, SslRecord, TlsEvent, X509LogEvent, X509Record } from './events.js';
