/**
 * Registration of the TLS analyzer (service and log name "ssl", as in Zeek):
 * TCP, the usual TLS ports first, and a content probe for a handshake record
 * carrying a ClientHello (or, from the responder, a ServerHello) elsewhere;
 * and of the same analyzer reading DTLS datagrams (service "dtls").
 */
import type { ProtocolSpec } from '../analyzer.js';
import { TlsAnalyzer } from './analyzer.js';
import { CertificateLogTimes } from './certificate-cache.js';
import { ContentType, HandshakeType, MAX_RECORD_LENGTH, TLS_PORTS } from './consts.js';
import { startsDtlsHandshake } from './dtls-records.js';

/** True when the bytes start a TLS handshake record with a (Client|Server)Hello. */
export function probeTls(data: Uint8Array, fromOrig: boolean): boolean {
  if (data.length < 6) return false;
  if (data[0] !== ContentType.HANDSHAKE || data[1] !== 3 || data[2]! > 4) return false;
  const len = (data[3]! << 8) | data[4]!;
  if (len < 4 || len > MAX_RECORD_LENGTH) return false;
  return data[5] === (fromOrig ? HandshakeType.CLIENT_HELLO : HandshakeType.SERVER_HELLO);
}

/** A TLS spec for one pipeline: its analyzers share when each certificate was last logged (with DTLS's, when given the same). */
export function createTlsSpec(certLog = new CertificateLogTimes()): ProtocolSpec {
  return {
    name: 'ssl',
    transports: ['tcp'],
    ports: TLS_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeTls(data, fromOrig),
    create: (ctx) => new TlsAnalyzer(ctx, certLog),
  };
}

/** UDP ports of DTLS services: CoAP over DTLS, TURN/STUN over DTLS, IPFIX over DTLS. Elsewhere (VPNs on 443, WebRTC on any port) the ClientHello is recognised. */
const DTLS_PORTS = [5684, 5349, 4740] as const;

/** True for a datagram opening DTLS: a ClientHello, or from the responder a ServerHello or HelloVerifyRequest. */
export function probeDtls(data: Uint8Array, fromOrig: boolean): boolean {
  if (startsDtlsHandshake(data, HandshakeType.CLIENT_HELLO)) return true;
  return !fromOrig && (startsDtlsHandshake(data, HandshakeType.SERVER_HELLO) || startsDtlsHandshake(data, HandshakeType.HELLO_VERIFY_REQUEST));
}

/**
 * A DTLS spec for one pipeline (service "dtls", records in ssl.log, as
 * Zeek): a ClientHello also takes the flow from the analyzer of its port
 * (QUIC on 443, where VPNs run DTLS) when that one does not recognise it.
 */
export function createDtlsSpec(certLog = new CertificateLogTimes()): ProtocolSpec {
  return {
    name: 'dtls',
    transports: ['udp'],
    ports: DTLS_PORTS,
    probe: (data, fromOrig, transport) => transport === 'udp' && probeDtls(data, fromOrig),
    claims: (data, _fromOrig, transport) => transport === 'udp' && startsDtlsHandshake(data, HandshakeType.CLIENT_HELLO),
    create: (ctx) => new TlsAnalyzer(ctx, certLog, 'dtls'),
  };
}

/** A TLS spec of its own (tests): certificates it logged once are not logged again for a day of packet time. */
export const tlsSpec: ProtocolSpec = createTlsSpec();

export type { ChainCertificate, SslLogEvent, SslRecord, TlsEvent, X509LogEvent, X509Record } from './events.js';
