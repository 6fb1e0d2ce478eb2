/**
 * SIP (RFC 3261) wire values, the compact header names, the outcome codes
 * that matter for sign-ins, and the bounds on per-flow state.
 */

/** UDP and TCP 5060 (5061 is SIP over TLS: encrypted, not read). */
export const SIP_PORTS = [5060] as const;

/** Longest message read (header block and body) on a TCP stream; a UDP datagram is bounded by its size. */
export const MAX_MESSAGE = 65_535;
/** Requests awaiting their final response on one flow; past this the oldest is logged unanswered. */
export const MAX_PENDING = 64;
/** Via headers kept per message for request_path / response_path. */
export const MAX_VIA = 16;
/** Longest header value kept in a log field (user-agents and URIs are sender-chosen). */
export const MAX_FIELD = 1024;
/** Seconds a request waits for its final response before it is logged unanswered (RFC 3261 timer B/F: 64 x T1). */
export const TRANSACTION_SECONDS = 32;

/** Final responses that refuse credentials: 401 and 407 (challenged again) and 403 (forbidden). */
export const UNAUTHORIZED = 401;
export const FORBIDDEN = 403;
export const NOT_FOUND = 404;
export const PROXY_AUTH_REQUIRED = 407;

export const SipAnomaly = {
  /** A datagram or stream message that is not SIP (no request or status line). */
  NOT_SIP: 'sip.not_sip',
  /** A message without a blank line ending its headers. */
  UNTERMINATED_HEADERS: 'sip.unterminated_headers',
  /** A TCP message longer than MAX_MESSAGE, or a Content-Length that is not a number. */
  BAD_LENGTH: 'sip.bad_content_length',
  /** More requests awaited answers than MAX_PENDING. */
  TOO_MANY_PENDING: 'sip.too_many_pending',
  /** Bytes lost on a TCP stream (the rest of it is not read). */
  CONTENT_GAP: 'sip.content_gap',
} as const;

/**
 * Header names as read (lower case), with the compact forms of RFC 3261
 * section 7.3.3 mapped to them.
 */
export const COMPACT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  s: 'subject',
  c: 'content-type',
  l: 'content-length',
  m: 'contact',
});
