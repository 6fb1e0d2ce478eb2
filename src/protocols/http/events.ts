/**
 * Events of the HTTP analyzer: one `http` log event per request/response
 * pair, with Zeek's http.log field names in Zeek's order. Authentication
 * outcomes go out separately as `auth` events (src/events/auth.ts).
 */

/** One http.log line. Unset fields are omitted. */
export interface HttpRecord {
  /** Time of the request (or of the reply, when no request was seen). */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** 1-based position of this request in the connection (pipelining / keep-alive depth). */
  trans_depth: number;
  method?: string;
  /** Host header value. */
  host?: string;
  /** Request target with percent-escapes decoded. */
  uri?: string;
  /** Referer header value. */
  referrer?: string;
  /** Protocol version: the reply's when there is one, else the request's ("0.9" without a protocol part). */
  version?: string;
  user_agent?: string;
  /** Origin header value. */
  origin?: string;
  /** Request body bytes after removing chunked framing and, as Zeek counts, a gzip or deflate coding (decoded bytes). */
  request_body_len: number;
  /** Response body bytes after removing chunked framing and, as Zeek counts, a gzip or deflate coding (decoded bytes). */
  response_body_len: number;
  status_code?: number;
  status_msg?: string;
  /** Last 1xx informational code before the final reply. */
  info_code?: number;
  info_msg?: string;
  /** Indicators set by detection policies; empty from the analyzer itself. */
  tags: string[];
  /** Basic-auth user name (the password is never kept). */
  username?: string;
  /** Proxy-revealing headers as "NAME -> value". */
  proxied?: string[];
  /** File ids (files.jsonl `fuid`) of the request body's files. */
  orig_fuids?: string[];
  /** Request body file names (Content-Disposition; of each part of a multipart body). */
  orig_filenames?: string[];
  /** Request body type by its content (src/protocols/file-magic.ts). */
  orig_mime_types?: string[];
  /** File ids (files.jsonl `fuid`) of the reply body's files. */
  resp_fuids?: string[];
  /** Reply body file names (Content-Disposition). */
  resp_filenames?: string[];
  /** Reply body type by its content, after gzip/deflate decoding, e.g. "application/x-dosexec". */
  resp_mime_types?: string[];
}

export interface HttpLogEvent {
  type: 'http';
  log: 'http';
  ts: number;
  uid: string;
  record: HttpRecord;
  /**
   * Every User-Agent value of the request, in order, when it carried more
   * than one (at most MAX_USER_AGENT_VALUES); `record.user_agent` is the
   * last, as in Zeek's http.log. Not logged.
   */
  user_agents?: string[];
  /** The reply's declared Content-Type, media type only, lower-case. Not logged. */
  resp_content_type?: string;
}

export type HttpEvent = HttpLogEvent;
