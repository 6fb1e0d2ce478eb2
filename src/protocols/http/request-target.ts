/**
 * Where an HTTP request goes, read from its http.log fields: the host, port
 * and target the client asked for. A request target comes in three forms
 * (RFC 9112 section 3.2): origin form (`/path?q`, the host in the Host
 * header), absolute form (`http://host:port/path`, sent to a forward
 * proxy) and authority form (`host:port`, a CONNECT to a proxy). In the
 * last two the connection's server is a proxy and the host named is the one
 * the client really reaches, which the proxy, not the client, resolves.
 */

/** How the request named its destination. */
export type RequestForm = 'origin' | 'absolute' | 'authority';

export interface RequestTarget {
  /** Host name lower-case without a trailing dot, or an address (IPv6 without brackets). */
  host: string;
  /** The port named, else the scheme's default (80, 443 for an https:// absolute URI). */
  port: number;
  /** Path and query (`/` when empty); null for CONNECT. */
  path: string | null;
  form: RequestForm;
  /** "http" or "https" (absolute form); "http" for origin form; null for CONNECT. */
  scheme: string | null;
}

const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Splits "host", "host:port", "[v6]" or "[v6]:port" (userinfo before an `@`
 * dropped). Null when there is no host or the port is not a number from 0
 * to 65535.
 */
export function splitAuthority(authority: string, defaultPort: number): { host: string; port: number } | null {
  let a = authority;
  const at = a.lastIndexOf('@');
  if (at >= 0) a = a.slice(at + 1);
  let host: string;
  let portText = '';
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    if (close < 0) return null;
    host = a.slice(1, close);
    const rest = a.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
  } else {
    const colon = a.lastIndexOf(':');
    // A bare IPv6 address (several colons, no brackets) has no port.
    if (colon >= 0 && a.indexOf(':') === colon) {
      host = a.slice(0, colon);
      portText = a.slice(colon + 1);
    } else host = a;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0) return null;
  let port = defaultPort;
  if (portText.length > 0) {
    if (!/^[0-9]{1,5}$/.test(portText)) return null;
    port = Number(portText);
    if (port > 65535) return null;
  }
  return { host: host.toLowerCase(), port };
}

/**
 * The destination of a request from its method, logged `uri` (percent
 * escapes already decoded) and Host header; null when none can be read
 * (no Host header in origin form, a malformed authority).
 */
export function requestTarget(method: string | undefined, uri: string | undefined, hostHeader: string | undefined): RequestTarget | null {
  if (uri === undefined) return null;
  if (method !== undefined && method.toUpperCase() === 'CONNECT') {
    const a = splitAuthority(uri, 443);
    return a === null ? null : { host: a.host, port: a.port, path: null, form: 'authority', scheme: null };
  }
  const abs = ABSOLUTE.exec(uri);
  if (abs !== null) {
    const scheme = abs[1]!.toLowerCase();
    const rest = uri.slice(abs[0].length);
    let end = rest.length;
    for (const c of ['/', '?', '#']) {
      const i = rest.indexOf(c);
      if (i >= 0 && i < end) end = i;
    }
    const a = splitAuthority(rest.slice(0, end), scheme === 'https' ? 443 : 80);
    if (a === null) return null;
    return { host: a.host, port: a.port, path: pathOf(rest.slice(end)), form: 'absolute', scheme };
  }
  if (hostHeader === undefined || hostHeader.trim() === '') return null;
  const a = splitAuthority(hostHeader.trim(), 80);
  if (a === null) return null;
  return { host: a.host, port: a.port, path: pathOf(uri), form: 'origin', scheme: 'http' };
}

/** Path and query without a fragment; "/" when empty; an origin-form "*" (OPTIONS) as it is. */
function pathOf(target: string): string {
  const hash = target.indexOf('#');
  const t = hash >= 0 ? target.slice(0, hash) : target;
  if (t.length === 0) return '/';
  return t.startsWith('?') ? '/' + t : t;
}

/** Targets already read, per http.log record: every rule that asks about one record shares one reading. */
const BY_RECORD = new WeakMap<object, RequestTarget | null>();

/** `requestTarget` of an http.log record's method, uri and Host, read once per record. */
export function recordTarget(record: { method?: string; uri?: string; host?: string }): RequestTarget | null {
  let t = BY_RECORD.get(record);
  if (t === undefined) {
    t = requestTarget(record.method, record.uri, record.host);
    BY_RECORD.set(record, t);
  }
  return t;
}
