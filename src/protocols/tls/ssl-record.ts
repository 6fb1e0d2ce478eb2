/**
 * One ssl.log record from what a TLS handshake showed, in Zeek's field
 * order: shared by TLS over TCP (analyzer.ts) and the handshake QUIC
 * carries in its Initial packets (../quic/analyzer.ts).
 */
import type { ConnId } from '../../events/conn-id.js';
import { startRecord } from '../zeek-record.js';
import { cipherName, groupName, versionName } from './consts.js';
import type { SslRecord } from './events.js';
import type { ClientHello } from './parser.js';

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
  if (s.ja3 !== undefined) rec.ja3 = s.ja3;
  if (s.ja3String !== undefined) rec.ja3_string = s.ja3String;
  if (s.ja3s !== undefined) rec.ja3s = s.ja3s;
  if (s.ja4 !== undefined) rec.ja4 = s.ja4;
  if (h !== null && h.alpn.length > 0) rec.client_alpn = h.alpn;
  return rec;
}
