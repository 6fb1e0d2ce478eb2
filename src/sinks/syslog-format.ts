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
 * already carries every field as JSON (ECS or EVE) or as one readable line.
 * MSG has no BOM (RFC 5424 6.4 allows MSG-ANY), because JSON parsers in
 * collectors choke on one.
 */
import type { Alert, Severity } from '../alerts/alert.js';
import { toEve } from './eve.js';
import { summaryLine } from './render.js';

/** RFC 5424 6.2: header field length limits. */
const MAX_HOSTNAME = 255;
const MAX_APP_NAME = 48;
const MAX_PROCID = 128;
const MAX_MSGID = 32;

/** Alert severity -> syslog severity (RFC 5424 table 2). */
const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = Object.freeze({ 4: 2, 3: 3, 2: 4, 1: 5 });

export type SyslogMsgFormat = 'ecs' | 'eve' | 'text';

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

export function syslogMessage(a: Alert, h: SyslogHeader, format: SyslogMsgFormat): string {
  const pri = h.facility * 8 + SYSLOG_SEVERITY[a.event.severity];
  const msg = format === 'eve' ? JSON.stringify(toEve(a)) : format === 'text' ? summaryLine(a) : JSON.stringify(a);
  return (
    `<${pri}>1 ${timestamp(a['@timestamp'])} ${headerField(h.hostname, MAX_HOSTNAME)} ` +
    `${headerField(h.appName, MAX_APP_NAME)} ${headerField(h.procId, MAX_PROCID)} ` +
    `${headerField(a.rule.id, MAX_MSGID)} - ${msg}`
  );
}

/** RFC 6587 3.4.1 / RFC 5425 4.3 octet counting: "MSG-LEN SP SYSLOG-MSG". */
export function octetCountedFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
