/**
 * The log records of a TLS handshake, in Zeek's field order: one ssl.log
 * record from what the handshake showed, shared by TLS over TCP
 * (analyzer.ts) and the handshake QUIC carries in its Initial packets
 * (../quic/analyzer.ts), and one x509.log record per certificate.
 */
import type { ConnId } from '../../events/conn-id.js';
import { startRecord } from '../zeek-record.js';
import { cipherName, groupName, versionName } from './consts.js';
import type { SslRecord, X509Record } from './events.js';
import type { ClientHello } from './parser.js';
import type { CertificateFacts } from './x509.js';

/** What one handshake showed; numeric fields are -1 when not seen. */
export interface HandshakeSummary {
  /** When the first handshake message was complete. */
  ts: number;
  hello: ClientHello | null;
  version: number;
  cipher: number;
  curve: number;
  resumed: boolean;
  lastAlert: string | undefined;
  /** ALPN protocol the server selected. */
  alpn: string | undefined;
  established: boolean;
  history: string;
  /** SHA-256 fingerprints of the server's and the client's certificates, leaf first. */
  certChain: readonly string[];
  clientCertChain: readonly string[];
  /** Whether the SNI is a name the server's leaf certificate covers; undefined when either is unknown. */
  sniMatchesCert: boolean | undefined;
  ja3: string | undefined;
  ja3String: string | undefined;
  ja3s: string | undefined;
  ja4: string | undefined;
}

export function buildSslRecord(conn: ConnId, s: HandshakeSummary): SslRecord {
  const h = s.hello;
  // Filled in Zeek's field order (insertion order is the key order); unset fields stay absent.
  const rec = startRecord<SslRecord>(conn, s.ts);
  if (s.version >= 0) rec.version = versionName(s.version);
  if (s.cipher >= 0) rec.cipher = cipherName(s.cipher);
  if (s.curve >= 0) rec.curve = groupName(s.curve);
  if (h !== null && h.serverName !== undefined) rec.server_name = h.serverName;
  rec.resumed = s.resumed;
  if (s.lastAlert !== undefined) rec.last_alert = s.lastAlert;
  if (s.alpn !== undefined) rec.next_protocol = s.alpn;
  rec.established = s.established;
  if (s.history !== '') rec.ssl_history = s.history;
  if (s.certChain.length > 0) rec.cert_chain_fps = [...s.certChain];
  if (s.clientCertChain.length > 0) rec.client_cert_chain_fps = [...s.clientCertChain];
  if (s.sniMatchesCert !== undefined) rec.sni_matches_cert = s.sniMatchesCert;
  if (s.ja3 !== undefined) rec.ja3 = s.ja3;
  if (s.ja3String !== undefined) rec.ja3_string = s.ja3String;
  if (s.ja3s !== undefined) rec.ja3s = s.ja3s;
  if (s.ja4 !== undefined) rec.ja4 = s.ja4;
  if (h !== null && h.alpn.length > 0) rec.client_alpn = h.alpn;
  return rec;
}

/** The x509.log record of a certificate seen at `ts`: the sender's own (`leaf`) or one of its chain, sent by the client or the server. */
export function buildX509Record(f: CertificateFacts, ts: number, leaf: boolean, fromClient: boolean): X509Record {
  const rec: X509Record = {
    ts,
    fingerprint: f.sha256,
    'certificate.version': f.version,
    'certificate.serial': f.serial,
    'certificate.subject': f.subject,
    'certificate.issuer': f.issuer,
  } as X509Record;
  if (Number.isFinite(f.notBefore)) rec['certificate.not_valid_before'] = f.notBefore;
  if (Number.isFinite(f.notAfter)) rec['certificate.not_valid_after'] = f.notAfter;
  rec['certificate.key_alg'] = f.keyAlg;
  rec['certificate.sig_alg'] = f.sigAlg;
  if (f.keyType !== undefined) rec['certificate.key_type'] = f.keyType;
  if (f.keyLength !== undefined) rec['certificate.key_length'] = f.keyLength;
  if (f.exponent !== undefined) rec['certificate.exponent'] = f.exponent;
  if (f.curve !== undefined) rec['certificate.curve'] = f.curve;
  if (f.sanDns.length > 0) rec['san.dns'] = f.sanDns;
  if (f.sanUri.length > 0) rec['san.uri'] = f.sanUri;
  if (f.sanEmail.length > 0) rec['san.email'] = f.sanEmail;
  if (f.sanIp.length > 0) rec['san.ip'] = f.sanIp;
  if (f.ca !== undefined) rec['basic_constraints.ca'] = f.ca;
  if (f.pathLen !== undefined) rec['basic_constraints.path_len'] = f.pathLen;
  rec.host_cert = leaf;
  rec.client_cert = fromClient;
  rec.sha1 = f.sha1;
  return rec;
}
