import type { ConnId } from './conn-id.js';

/**
 * The protocol a client runs through a proxy, once content chose its
 * analyzer: after an accepted HTTP CONNECT or SOCKS CONNECT, the bytes
 * inside are TLS ("ssl") for HTTPS, or SSH, RDP, SMB... Not logged
 * (conn.jsonl's `service` says it too); net.proxy_tunnel reads it.
 */
export interface ProxyTunnelEvent {
  type: 'proxy.tunnel';
  /** Time of the data that decided it. */
  ts: number;
  uid: string;
  /** How the client asked the proxy: an HTTP CONNECT, or SOCKS version 4 or 5. */
  via: 'http' | 'socks4' | 'socks5';
  client: string;
  client_port: number;
  proxy: string;
  proxy_port: number;
  /** The target as the client asked for it ("host:port"). */
  target: string;
  /** The inner analyzer's name. */
  protocol: string;
  /** The CONNECT request's User-Agent. */
  user_agent?: string;
  /** The SOCKS user. */
  user?: string;
}

/** The head of a proxy.tunnel event for `conn` (the client's connection to the proxy); callers add user_agent or user. */
export function proxyTunnelEvent(conn: ConnId, ts: number, via: ProxyTunnelEvent['via'], target: string, protocol: string): ProxyTunnelEvent {
  return {
    type: 'proxy.tunnel',
    ts,
    uid: conn.uid,
    via,
    client: conn.orig_h,
    client_port: conn.orig_p,
    proxy: conn.resp_h,
    proxy_port: conn.resp_p,
    target,
    protocol,
  };
}
