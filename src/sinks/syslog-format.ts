/**
 * RFC 5424 syslog messages for alerts:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
 *
 * PRI is facility * 8 + severity, with alert severities mapped to syslog's
 * (critical -> 2 crit, high -> 3 err, medium -> 4 warning, low -> 5 notice).
 * TIMESTAMP is the alert's `@timestamp` (when the behaviour was seen, which is
 * what a SIEM indexes on), MSGID the rule id. STRUCTURED-DATA is the nil
 * value: Picket has no IANA enterprise number for an SD-ID, and the MSG
 * already carries every field as JSON (ECS, EVE or OCSF), as a CEF record,
 * or as one readable line.
 * MSG has no BOM (RFC 5424 6.4 allows MSG-ANY): rsyslog keeps a BOM as part
 * of the message, and its JSON parser (mmjsonparse) then refuses it.
 *
 * A message longer than the sink's `max_message_bytes` (a UDP datagram holds
 * 65,507 bytes; collectors have their own limits) is made to fit rather than
 * dropped: first the evidence is left out of the JSON (or CEF record) and the
 * sentence cut (the document stays valid JSON and says so in `tags` /
 * `metadata` / `unmapped`, CEF in cs5), and if
 * that is still too long the message is cut at a character boundary.
 */
import type { Alert, Severity } from '../alerts/alert.js';
import { alertRecord, type AlertRecordFormat } from './alert-record.js';
import { cut, summaryLine } from './render.js';

/** RFC 5424 6.2: header field length limits. */
const MAX_HOSTNAME = 255;
const MAX_APP_NAME = 48;
const MAX_PROCID = 128;
const MAX_MSGID = 32;
/** The sentence kept in a message shortened to fit. */
const FIT_MESSAGE_CHARS = 1000;
export { TRUNCATED_TAG } from './truncation.js';

/** Alert severity -> syslog severity (RFC 5424 table 2). */
const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = Object.freeze({ 4: 2, 3: 3, 2: 4, 1: 5 });

export type SyslogMsgFormat = AlertRecordFormat | 'text';
export type SyslogFraming = 'octet-counting' | 'non-transparent';

export interface SyslogHeader {
  /** Facility code 0-23. */
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

/** Header fields are PRINTUSASCII (33-126); anything else becomes '_', empty becomes the nil value. */
function headerField(s: string, max: number): string {
  let out = '';
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    out += c >= 33 && c <= 126 ? s[i] : '_';
  }
  return out === '' ? '-' : out;
}

/** RFC 5424 TIMESTAMP: RFC 3339 with at most 6 fraction digits; the alert's ISO time already fits. */
function timestamp(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : '-';
}

function head(a: Alert, h: SyslogHeader): string {
  const pri = h.facility * 8 + SYSLOG_SEVERITY[a.event.severity];
  return (
    `<${pri}>1 ${timestamp(a['@timestamp'])} ${headerField(h.hostname, MAX_HOSTNAME)} ` +
    `${headerField(h.appName, MAX_APP_NAME)} ${headerField(h.procId, MAX_PROCID)} ` +
    `${headerField(a.rule.id, MAX_MSGID)} - `
  );
}

function body(a: Alert, format: SyslogMsgFormat, shortened: boolean): string {
  return format === 'text' ? summaryLine(a) : alertRecord(a, format, shortened);
}

export function syslogMessage(a: Alert, h: SyslogHeader, format: SyslogMsgFormat): string {
  return head(a, h) + body(a, format, false);
}

/** The first `max` bytes of a UTF-8 buffer, ending on a character boundary. */
function cutUtf8(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/**
 * The message as bytes, at most `maxBytes` long. `truncated` says it had to
 * be shortened (the alert's evidence left out, or the message cut).
 */
export function fitSyslogMessage(a: Alert, h: SyslogHeader, format: SyslogMsgFormat, maxBytes: number): { bytes: Buffer; truncated: boolean } {
  const full = Buffer.from(syslogMessage(a, h, format), 'utf8');
  if (full.length <= maxBytes) return { bytes: full, truncated: false };
  if (format !== 'text') {
    const reduced: Alert = { ...a, message: cut(a.message, FIT_MESSAGE_CHARS), evidence: {} };
    const smaller = Buffer.from(head(a, h) + body(reduced, format, true), 'utf8');
    if (smaller.length <= maxBytes) return { bytes: smaller, truncated: true };
  }
  return { bytes: cutUtf8(full, maxBytes), truncated: true };
}

/**
 * One message framed for a stream. Octet counting (RFC 6587 3.4.1, the only
 * framing RFC 5425 allows over TLS): "MSG-LEN SP SYSLOG-MSG". Non-transparent
 * framing (RFC 6587 3.4.2), for collectors that split a stream on LF
 * (Logstash's syslog input, syslog-ng's network() source): the message then
 * LF; a message never holds a raw LF (JSON escapes it, text lines have none),
 * and any that slipped through would become a space.
 */
export function frameSyslogMessage(msg: Buffer, framing: SyslogFraming): Buffer {
  if (framing === 'non-transparent') {
    const out = Buffer.allocUnsafe(msg.length + 1);
    for (let i = 0; i < msg.length; i++) out[i] = msg[i] === 0x0a ? 0x20 : msg[i]!;
    out[msg.length] = 0x0a;
    return out;
  }
  return Buffer.concat([Buffer.from(`${msg.length} `, 'ascii'), msg]);
}
