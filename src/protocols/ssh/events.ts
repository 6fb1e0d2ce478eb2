/**
 * Events of the SSH analyzer: one `ssh` log event per connection with Zeek's
 * ssh.log fields in Zeek's order, then the HASSH fingerprints under the
 * names of Zeek's HASSH package. The per-connection authentication outcome
 * also goes out as an `auth` event (src/events/auth.ts).
 */

/** One ssh.log line. Unset fields are omitted. */
export interface SshRecord {
  /** Time of the first identification line. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** SSH major version both sides agree on (1 or 2). */
  version?: number;
  /** Authentication outcome from the packet-size heuristic; absent when unknown. */
  auth_success?: boolean;
  /** Authentication attempts the heuristic counted. */
  auth_attempts: number;
  /** "OUTBOUND" when a local client logs into a remote server, "INBOUND" the other way. */
  direction?: 'INBOUND' | 'OUTBOUND';
  /** Client identification line. */
  client?: string;
  /** Server identification line. */
  server?: string;
  cipher_alg?: string;
  mac_alg?: string;
  compression_alg?: string;
  kex_alg?: string;
  host_key_alg?: string;
  /** MD5 fingerprint of the server host key, colon-separated. */
  host_key?: string;
  /** HASSH of the client: MD5 of its KEXINIT's kex, encryption, MAC and compression lists (client to server), ';'-joined. */
  hassh?: string;
  /** HASSH of the server: the same from the server's KEXINIT (server to client lists). */
  hasshServer?: string;
  /** The client's text that `hassh` hashes. */
  hasshAlgorithms?: string;
  /** The server's text that `hasshServer` hashes. */
  hasshServerAlgorithms?: string;
}

export interface SshLogEvent {
  type: 'ssh';
  log: 'ssh';
  ts: number;
  uid: string;
  record: SshRecord;
}

export type SshEvent = SshLogEvent;
