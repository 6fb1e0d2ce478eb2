/**
 * Every event that flows from the pipeline and the protocol analyzers to
 * logs, detectors and the store: one discriminated union on `type`.
 *
 * Log-producing events carry `log` (the file stem, e.g. "dns" for dns.jsonl)
 * and `record` (the log line with Zeek's field names); the log writer needs
 * nothing else to write them.
 */
import type { ConnId } from './conn-id.js';
import type { ConnRecord } from '../flows/conn-record.js';
import type { ArpEvent } from './arp.js';
import type { NeighborSolicitEvent } from './neighbor-solicit.js';
import type { NeighborAdvertEvent } from './neighbor-advert.js';
import type { RouterAdvertEvent } from './router-advert.js';
import type { AuthEvent } from './auth.js';
import type { FileEvent } from './file.js';
import type { HostnameEvent } from './hostname.js';
import type { NameAnswerEvent } from './name-answer.js';
import type { DnsEvent } from '../protocols/dns/events.js';
import type { DhcpEvent } from '../protocols/dhcp/events.js';
import type { Dhcpv6Event } from '../protocols/dhcpv6/events.js';
import type { HttpEvent } from '../protocols/http/events.js';
import type { WebSocketEvent } from '../protocols/websocket/events.js';
import type { ProxyTunnelEvent } from './proxy-tunnel.js';
import type { SocksEvent } from '../protocols/socks/events.js';
import type { TlsEvent } from '../protocols/tls/events.js';
import type { LdapEvent } from '../protocols/ldap/events.js';
import type { SmbEvent } from '../protocols/smb/events.js';
import type { DceRpcEvent } from '../protocols/dcerpc/events.js';
import type { KerberosEvent } from '../protocols/kerberos/events.js';
import type { SshEvent } from '../protocols/ssh/events.js';
import type { FtpEvent } from '../protocols/ftp/events.js';
import type { MailEvent } from '../protocols/mail/events.js';
import type { RdpEvent } from '../protocols/rdp/events.js';
import type { MysqlEvent } from '../protocols/mysql/events.js';
import type { VncEvent } from '../protocols/vnc/events.js';
import type { SnmpEvent } from '../protocols/snmp/events.js';
import type { SipEvent } from '../protocols/sip/events.js';
import type { RedisEvent } from '../protocols/redis/events.js';
import type { TftpEvent } from '../protocols/tftp/events.js';
import type { MqttEvent } from '../protocols/mqtt/events.js';
import type { QuicEvent } from '../protocols/quic/events.js';
import type { StratumEvent } from '../protocols/stratum/events.js';
import type { TdsEvent } from '../protocols/tds/events.js';
import type { TunnelEvent } from '../flows/tunnels.js';

/** A new connection was seen (its first packet). */
export interface FlowStartEvent {
  type: 'flow.start';
  ts: number;
  conn: ConnId;
}

/**
 * A connection still open at 10 minutes, 1 hour, 6 hours and 1 day of age,
 * then daily (as Zeek's conn-long policy reports them): a snapshot of its
 * conn record so far, for rules that must not wait for a long session's
 * end. Not logged; the conn.jsonl line comes with its flow.end.
 */
export interface FlowLongEvent {
  type: 'flow.long';
  ts: number;
  record: ConnRecord;
  /** As on flow.end. */
  openedWithAck?: boolean;
}

/** A connection ended, timed out, was evicted, or the capture ended. */
export interface FlowEndEvent {
  type: 'flow.end';
  ts: number;
  log: 'conn';
  record: ConnRecord;
  /** Why the flow was closed: "closed", "timeout", "evicted" or "capture_end". */
  reason: 'closed' | 'timeout' | 'evicted' | 'capture_end';
  /**
   * TCP: the first packet carried ACK (a connection picked up midstream, a
   * late FIN|ACK or keep-alive, an ACK probe), which history letters do not
   * keep; false for other protocols. Absent where unknown (records read back
   * from a store or a log).
   */
  openedWithAck?: boolean;
}

export type PicketEvent =
  | FlowStartEvent
  | FlowEndEvent
  | FlowLongEvent
  | ArpEvent
  | NeighborSolicitEvent
  | NeighborAdvertEvent
  | RouterAdvertEvent
  | AuthEvent
  | FileEvent
  | HostnameEvent
  | NameAnswerEvent
  | DnsEvent
  | DhcpEvent
  | Dhcpv6Event
  | HttpEvent
  | WebSocketEvent
  | ProxyTunnelEvent
  | SocksEvent
  | TlsEvent
  | LdapEvent
  | SmbEvent
  | DceRpcEvent
  | KerberosEvent
  | SshEvent
  | FtpEvent
  | MailEvent
  | RdpEvent
  | MysqlEvent
  | VncEvent
  | SnmpEvent
  | SipEvent
  | RedisEvent
  | TftpEvent
  | MqttEvent
  | QuicEvent
  | StratumEvent
  | TdsEvent
  | TunnelEvent;

export type PicketEventType = PicketEvent['type'];

/** The event with the given `type`. */
export type EventOf<T extends PicketEventType> = Extract<PicketEvent, { type: T }>;
