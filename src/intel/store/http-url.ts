/**
 * URL indicators compared with HTTP requests. A listed URL and a request
 * meet on one key: scheme, host (lower case, an address in canonical form),
 * port unless it is the scheme's default, then path and query with their
 * percent escapes decoded once (as http.log's `uri` is) and no fragment.
 * So `HTTP://Evil.example:80/a%20b` and a request for `/a b` with
 * `Host: evil.example` meet; a URL on another port or path does not. Only
 * http and https URLs get a key: the others are never requests seen in
 * clear.
 */
import { requestTarget } from '../../protocols/http/request-target.js';
import { unescapeUri } from '../../protocols/wire-text.js';
import { canonicalIp } from './indicator.js';
import { urlHost } from '../../util/host-port.js';

const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** The key of a request to `host`:`port` for `path` (decoded path and query). */
export function httpUrlKey(scheme: string, host: string, port: number, path: string): string {
  const h = canonicalIp(host) ?? host;
  return `${scheme}://${urlHost(h)}${port === DEFAULT_PORT[scheme] ? '' : `:${port}`}${path}`;
}

/** The key of a listed http(s) URL, or null for another scheme or a URL without a host. */
export function indicatorUrlKey(url: string): string | null {
  // Read as a proxy reads an absolute URI; its path is still escaped, as listed.
  const t = requestTarget('GET', url.trim(), undefined);
  if (t === null || t.path === null || (t.scheme !== 'http' && t.scheme !== 'https')) return null;
  const bytes = Buffer.from(t.path, 'utf8');
  return httpUrlKey(t.scheme, t.host, t.port, unescapeUri(bytes, 0, bytes.length).text);
}
