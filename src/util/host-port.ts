/**
 * Hosts in URLs and "host:port" text: an IPv6 address goes in brackets
 * (RFC 3986 section 3.2.2), so its colons are not read as the port's.
 */

/** `host` as it stands before a port or in a URL: `[2001:db8::1]`, `192.0.2.1`, `example.com`. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** "host:port", with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${urlHost(host)}:${port}`;
}
