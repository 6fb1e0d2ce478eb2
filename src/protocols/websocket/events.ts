/**
 * Events of a WebSocket upgrade (RFC 6455), read by the HTTP analyzer:
 * one `websocket` log event per accepted handshake, with Zeek's
 * websocket.log field names in Zeek's order, and one `websocket.inner`
 * event when the bytes the connection then carries turn out to be another
 * protocol (SSH through chisel or wstunnel, RDP, SMB...), which the
 * tunnel rule reads.
 */

/** One websocket.log line. Unset fields are omitted. */
export interface WebSocketRecord {
  /** Time of the upgrade request. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** As in http.log: the request's Host, URI and User-Agent. */
  host?: string;
  uri?: string;
  user_agent?: string;
  /** The subprotocol the server chose (its Sec-WebSocket-Protocol). */
  subprotocol?: string;
  /** The subprotocols the client offered. */
  client_protocols?: string[];
  /** The extensions the server accepted (e.g. "permessage-deflate"). */
  server_extensions?: string[];
  /** The extensions the client offered. */
  client_extensions?: string[];
}

export interface WebSocketLogEvent {
  type: 'websocket';
  log: 'websocket';
  ts: number;
  uid: string;
  record: WebSocketRecord;
}

/** The protocol a WebSocket connection carries, once recognised by its content. */
export interface WebSocketInnerEvent {
  type: 'websocket.inner';
  /** Time of the data that decided it. */
  ts: number;
  uid: string;
  /** The handshake (websocket.log's record). */
  handshake: WebSocketRecord;
  /** The inner analyzer's name ("ssh", "rdp", "smb", "ssl"...). */
  protocol: string;
}

export type WebSocketEvent = WebSocketLogEvent | WebSocketInnerEvent;
