/**
 * HTTP/1.x wire constants and limits: the methods the content probe trusts,
 * the header names the analyzer reads, authorization schemes, and every bound
 * on per-flow state with the reason for its value.
 */
import { asciiBytes } from '../wire-text.js';

/** Longest start line or header line kept (Apache's LimitRequestLine is 8190; nginx's large buffers are 8 KiB). */
export const MAX_LINE_BYTES = 8192;
/** Most header lines per message (Apache's LimitRequestFields default is 100). */
export const MAX_HEADERS = 100;
/** Most header bytes per message before the rest are skipped (Node's own HTTP parser stops at 16 KiB; leave room). */
export const MAX_HEADER_BYTES = 65536;
/** Requests waiting for replies on one connection; browsers pipeline far fewer, floods beyond this are logged early. */
export const MAX_PENDING_TRANSACTIONS = 64;
/** Longest method token accepted (WebDAV's VERSION-CONTROL is 15). */
export const MAX_METHOD_LENGTH = 20;
/** Longest chunk-size hex run accepted: 13 hex digits already exceed 2^52 bytes. */
export const MAX_CHUNK_SIZE_DIGITS = 13;
/** Most proxy-header values kept in `proxied`. */
export const MAX_PROXIED_VALUES = 8;
/** Most User-Agent values of one request kept for the event's `user_agents` (a request normally has one). */
export const MAX_USER_AGENT_VALUES = 4;

/** Well-known HTTP server ports, offered to the analyzer first. */
export const HTTP_PORTS = [80, 81, 591, 631, 3128, 8000, 8008, 8080, 8081, 8088, 8888] as const;

/** Methods the content probe accepts before the rest of the request line has arrived. */
export const KNOWN_METHODS: readonly string[] = [
  'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT',
  'MKACTIVITY', 'CHECKOUT', 'MERGE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'NOTIFY', 'M-SEARCH',
  'BCOPY', 'BDELETE', 'BMOVE', 'BPROPFIND', 'BPROPPATCH', 'POLL', 'RPC_IN_DATA', 'RPC_OUT_DATA',
];

/** Header names the analyzer reads (lower case, compared without case). */
export const H_HOST = asciiBytes('host');
export const H_USER_AGENT = asciiBytes('user-agent');
export const H_REFERER = asciiBytes('referer');
export const H_ORIGIN = asciiBytes('origin');
export const H_AUTHORIZATION = asciiBytes('authorization');
export const H_CONTENT_LENGTH = asciiBytes('content-length');
export const H_TRANSFER_ENCODING = asciiBytes('transfer-encoding');
export const H_WWW_AUTHENTICATE = asciiBytes('www-authenticate');

/** Headers that reveal a proxy in the path; Zeek logs them in `proxied` as "NAME -> value". */
export const PROXY_HEADERS: readonly { bytes: Uint8Array; name: string }[] = [
  'forwarded', 'x-forwarded-for', 'x-forwarded-from', 'client-ip', 'via', 'xroxy-connection', 'proxy-connection',
].map((n) => ({ bytes: asciiBytes(n), name: n.toUpperCase() }));

export const CHUNKED = asciiBytes('chunked');
export const HTTP_SLASH = asciiBytes('http/');

/** Authorization schemes that produce `auth` events. */
export const AuthScheme = {
  NONE: 0,
  BASIC: 1,
  NTLM: 2,
  NEGOTIATE: 3,
  DIGEST: 4,
  BEARER: 5,
  OTHER: 6,
} as const;
export type AuthScheme = (typeof AuthScheme)[keyof typeof AuthScheme];

const AUTH_SCHEME_NAMES: Record<number, string> = {
  [AuthScheme.BASIC]: 'Basic',
  [AuthScheme.NTLM]: 'NTLM',
  [AuthScheme.NEGOTIATE]: 'Negotiate',
  [AuthScheme.DIGEST]: 'Digest',
  [AuthScheme.BEARER]: 'Bearer',
};

/** Display name of an authorization scheme; never empty. */
export function authSchemeName(s: number): string {
  return AUTH_SCHEME_NAMES[s] ?? `scheme-${s}`;
}

export const SCHEME_BASIC = asciiBytes('basic');
export const SCHEME_NTLM = asciiBytes('ntlm');
export const SCHEME_NEGOTIATE = asciiBytes('negotiate');
export const SCHEME_DIGEST = asciiBytes('digest');
export const SCHEME_BEARER = asciiBytes('bearer');

/** Anomaly codes this analyzer reports through `ctx.anomaly`. */
export const HttpAnomaly = {
  LINE_TOO_LONG: 'http_line_too_long',
  /** A line the thread's parser buffer budget could not hold whole (its head is kept, as for a line too long). */
  LINE_OVER_BUDGET: 'http_line_over_budget',
  TOO_MANY_HEADERS: 'http_too_many_headers',
  HEADERS_TOO_LARGE: 'http_headers_too_large',
  BAD_REQUEST_LINE: 'http_bad_request_line',
  MISSING_PROTOCOL: 'http_request_line_missing_protocol',
  BAD_STATUS_LINE: 'http_bad_status_line',
  BAD_HEADER: 'http_bad_header_line',
  BAD_CONTENT_LENGTH: 'http_bad_content_length',
  BAD_CHUNK_SIZE: 'http_bad_chunk_size',
  BAD_CHUNK_END: 'http_bad_chunk_end',
  UNESCAPED_PERCENT: 'http_unescaped_percent_in_uri',
  REPLY_WITHOUT_REQUEST: 'http_reply_without_request',
  TOO_MANY_PENDING: 'http_too_many_pending_transactions',
  CONTENT_GAP: 'http_content_gap',
  /** Parsing found a message start again after a gap that lost the framing (one per resumption). */
  RESYNC: 'http_resync',
  INCOMPLETE_MESSAGE: 'http_incomplete_message',
  /** The client sent more after a CONNECT than is kept while the proxy's answer is awaited (the excess is not analysed). */
  TUNNEL_HELD_OVERFLOW: 'http_tunnel_held_overflow',
} as const;

/**
 * Bytes a client may send after a CONNECT before the proxy answers (an
 * eager ClientHello) that are kept: given to the tunnel's protocol when the
 * proxy accepts, parsed as HTTP again when it refuses (a 407 asking for
 * credentials, then a second CONNECT).
 */
export const MAX_CONNECT_HELD_BYTES = 16 * 1024;
