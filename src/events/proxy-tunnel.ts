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
