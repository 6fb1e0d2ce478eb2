/**
 * ArcSight Common Event Format (CEF) records, which ArcSight, QRadar,
 * Sentinel, Splunk, Logstash's cef codec and most SIEMs read off syslog:
 *
 *   CEF:0|Picket|Picket|<version>|<rule id>|<rule name>|<severity>|<extension>
 *
 * Severity is CEF's 0-10 scale (low 3, medium 5, high 8, critical 10). In
 * the header, "|" and "\" are escaped with a backslash; in the extension's
 * key=value pairs, "\" and "=" are, and line breaks are written as \n and \r.
 * Alert text carries attacker-chosen strings, so the message and evidence
 * are made one safe line first (control and bidi characters escaped, as in
 * the text formats).
 *
 * Extension keys are CEF's dictionary names: rt (when the alert's activity
 * was last seen) and start / end (first and last seen, milliseconds since
 * the epoch), cnt, msg, cat (the ECS categories), proto, src / spt / smac and
 * dst / dpt (IPv4; IPv6 addresses go in c6a2 / c6a3, "Source / Destination
 * IPv6 Address"), deviceDirection (0 inbound, 1 outbound; left out for
 * traffic inside the site or between two outside hosts, which CEF has no
 * value for), dvchost (the sensor), and labelled custom strings: cs1 the
 * ATT&CK technique, cs2 the network, cs3 the dedup key, cs4 the evidence as
 * JSON when it fits a custom string (4,000 characters; left out, and cs5
 * says so, when it does not).
 */
import type { Alert, Severity } from '../alerts/alert.js';
import { oneLine } from './render.js';
import { PICKET_VERSION } from '../version.js';
import { TRUNCATED_NOTE, TRUNCATED_TAG } from './truncation.js';

/** CEF severity (0-10) of each alert severity. */
const CEF_SEVERITY: Readonly<Record<Severity, number>> = Object.freeze({ 1: 3, 2: 5, 3: 8, 4: 10 });
/** Longest value of a cs* custom string in the CEF dictionary. */
export const CEF_CUSTOM_STRING_MAX = 4000;
/** cs5's value when the evidence was left out. */
export const CEF_EVIDENCE_LEFT_OUT = 'evidence left out: longer than a CEF custom string';

/** A header field: "\" and "|" escaped, line breaks (not allowed there) as spaces. */
function headerValue(s: string): string {
  return oneLine(s).replace(/[\\|]/g, (c) => `\\${c}`);
}

/** An extension value: "\" and "=" escaped; CR and LF (none after oneLine, but values may come raw) as \r and \n. */
function extensionValue(s: string): string {
  return s.replace(/[\\=\r\n]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

function millis(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The CEF record of an alert; `shortened` marks one whose message and evidence were cut to fit a size limit. */
export function toCef(a: Alert, shortened = false): string {
  const ext: [string, string | number][] = [];
  const last = millis(a.last_seen);
  const first = millis(a.first_seen);
  if (last !== undefined) ext.push(['rt', last]);
  if (first !== undefined) ext.push(['start', first]);
  if (last !== undefined) ext.push(['end', last]);
  ext.push(['cnt', a.count], ['msg', oneLine(a.message)], ['cat', a.event.category.join(',')]);
  if (a.network?.transport !== undefined) ext.push(['proto', a.network.transport.toUpperCase()]);
  const addr = (ip: string | undefined, v4Key: string, v6Key: string, v6Label: string): void => {
    if (ip === undefined) return;
    if (ip.includes(':')) ext.push([v6Key, ip], [`${v6Key}Label`, v6Label]);
    else ext.push([v4Key, ip]);
  };
  addr(a.source.ip, 'src', 'c6a2', 'Source IPv6 Address');
  if (a.source.port !== undefined) ext.push(['spt', a.source.port]);
  if (a.source.mac !== undefined) ext.push(['smac', a.source.mac]);
  addr(a.destination?.ip, 'dst', 'c6a3', 'Destination IPv6 Address');
  if (a.destination?.port !== undefined) ext.push(['dpt', a.destination.port]);
  const dir = a.network?.direction;
  if (dir === 'inbound' || dir === 'outbound') ext.push(['deviceDirection', dir === 'inbound' ? 0 : 1]);
  ext.push(['dvchost', oneLine(a.observer.name)]);
  ext.push(['cs1Label', 'MITRE ATT&CK technique'], ['cs1', a.threat.technique.id]);
  if (a.network?.name !== undefined) ext.push(['cs2Label', 'network'], ['cs2', oneLine(a.network.name)]);
  ext.push(['cs3Label', 'dedup key'], ['cs3', oneLine(a.dedup_key)]);
  const evidence = oneLine(JSON.stringify(a.evidence));
  if (evidence.length <= CEF_CUSTOM_STRING_MAX) ext.push(['cs4Label', 'evidence'], ['cs4', evidence]);
  if (evidence.length > CEF_CUSTOM_STRING_MAX || shortened) ext.push(['cs5Label', TRUNCATED_TAG], ['cs5', shortened ? TRUNCATED_NOTE : CEF_EVIDENCE_LEFT_OUT]);
  const header = ['CEF:0', 'Picket', 'Picket', PICKET_VERSION, a.rule.id, a.rule.name, String(CEF_SEVERITY[a.event.severity])].map((v, i) => (i === 0 ? v : headerValue(v)));
  return `${header.join('|')}|${ext.map(([k, v]) => `${k}=${typeof v === 'number' ? v : extensionValue(v)}`).join(' ')}`;
}
