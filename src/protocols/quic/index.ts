/**
 * Registration of the QUIC analyzer (service "quic", and "ssl" once the
 * TLS handshake inside is read, as in Zeek): UDP 443, 784 and 853 first,
 * and a content probe for a client's Initial packet on any other port.
 */
import type { ProtocolSpec } from '../analyzer.js';
import { u32 } from '../../decode/bytes.js';
import { QuicAnalyzer } from './analyzer.js';
import { MAX_CID_LENGTH, MIN_CLIENT_INITIAL_DATAGRAM, PacketKind, QUIC_PORTS, versionProfile } from './consts.js';

/** Shortest Destination Connection ID of a client's first Initial packet (RFC 9000 section 7.2). */
const MIN_FIRST_DCID = 8;

/**
 * True for a datagram a client opens a QUIC connection with: padded to at
 * least 1200 bytes, starting with an Initial packet of a version Picket
 * reads, whose connection IDs have lengths that version allows.
 */
export function probeQuic(d: Uint8Array, fromOrig: boolean): boolean {
  if (!fromOrig || d.length < MIN_CLIENT_INITIAL_DATAGRAM || (d[0]! & 0xc0) !== 0xc0) return false;
  const profile = versionProfile(u32(d, 1));
  if (profile === undefined || profile.types[PacketKind.INITIAL] !== ((d[0]! >> 4) & 3)) return false;
  const dcidLength = d[5]!;
  if (dcidLength < MIN_FIRST_DCID || dcidLength > MAX_CID_LENGTH) return false;
  return d[6 + dcidLength]! <= MAX_CID_LENGTH;
}

export const quicSpec: ProtocolSpec = {
  name: 'quic',
  transports: ['udp'],
  ports: QUIC_PORTS,
  probe: (data, fromOrig, transport) => transport === 'udp' && probeQuic(data, fromOrig),
  create: (ctx) => new QuicAnalyzer(ctx),
};

export type { QuicEvent, QuicLogEvent, QuicRecord } from './events.js';
