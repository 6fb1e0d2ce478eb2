/**
 * Alerts as people read them: the one-line summary used in mail subjects,
 * syslog text and chat messages, the facts table (hosts, network, times,
 * count) and the evidence as "key: value" lines, in plain text and in HTML.
 * Slack and Teams payloads are built from the same pieces in `chat.ts`.
 */
import { SEVERITY_NAMES, type Alert, type EvidenceValue } from '../alerts/alert.js';
import { hostPort } from '../util/host-port.js';

/** Subjects longer than this are cut (mail clients show ~70-150 characters; RFC 5322 lines stop at 998). */
export const MAX_SUMMARY_CHARS = 200;
/** An evidence value longer than this is cut in human formats (full JSON stays in the ECS formats). */
export const MAX_EVIDENCE_VALUE_CHARS = 2000;

/**
 * Characters that must not reach a reader as they are: C0 controls and DEL
 * (terminal escapes, NUL), C1 controls (U+0085 NEL is a line break to some
 * tools), the Unicode line and paragraph separators, and the bidirectional
 * overrides and isolates that can make "evil\u202Efdp.exe" read as something
 * else. Alert text carries attacker-chosen strings (DNS names, user agents,
 * HTTP hosts); CR, LF and TAB become a space, the others a visible escape.
 */
const UNSAFE_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line of text safe to show: line breaks and tabs to spaces, other control and bidi characters escaped ("\x1b", "\u202e"). */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(UNSAFE_CHARS, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Cuts to at most `max` UTF-16 units with an ellipsis, never between the halves of a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** "[Picket high] scan.port.vertical: 10.77.2.20 probed 1,000 ports on 10.77.1.5" */
export function summaryLine(a: Alert): string {
  return cut(oneLine(`[Picket ${SEVERITY_NAMES[a.event.severity]}] ${a.rule.id}: ${a.message}`), MAX_SUMMARY_CHARS);
}

/** An endpoint as the alert may carry it, including IP enrichment (ECS as.* and geo.*) when present. */
interface EndpointView {
  ip?: string;
  port?: number;
  mac?: string;
  as?: { number?: number; organization?: { name?: string } };
  geo?: { country_iso_code?: string };
}

function endpointText(e: EndpointView | undefined): string | undefined {
  if (e === undefined || (e.ip === undefined && e.mac === undefined)) return undefined;
  let s = e.ip ?? e.mac ?? '';
  if (e.port !== undefined) s = hostPort(s, e.port);
  if (e.ip !== undefined && e.mac !== undefined) s += ` (${e.mac})`;
  const where: string[] = [];
  if (e.as?.number !== undefined) where.push(`AS${e.as.number}${e.as.organization?.name !== undefined ? ` ${e.as.organization.name}` : ''}`);
  if (e.geo?.country_iso_code !== undefined) where.push(e.geo.country_iso_code);
  if (where.length > 0) s += `, ${where.join(', ')}`;
  return s;
}

/** Name/value pairs shown under the sentence, in a fixed order, absent ones left out; values are one safe line each. */
export function alertFacts(a: Alert): [string, string][] {
  const out: [string, string][] = [
    ['Rule', `${a.rule.id} (${a.rule.name})`],
    ['Severity', SEVERITY_NAMES[a.event.severity]],
  ];
  const src = endpointText(a.source);
  if (src !== undefined) out.push(['Source', src]);
  const dst = endpointText(a.destination);
  if (dst !== undefined) out.push(['Destination', dst]);
  if (a.network?.name !== undefined) out.push(['Network', a.network.name]);
  if (a.network?.transport !== undefined) out.push(['Transport', a.network.transport]);
  out.push(['First seen', a.first_seen], ['Last seen', a.last_seen], ['Count', String(a.count)]);
  out.push(['Technique', a.threat.technique.id], ['Sensor', a.observer.name]);
  for (const f of out) f[1] = oneLine(f[1]);
  return out;
}

function valueText(v: EvidenceValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    let allScalar = true;
    for (const x of v) if (x !== null && typeof x === 'object') allScalar = false;
    return allScalar ? v.map((x) => valueText(x as EvidenceValue)).join(', ') : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

/** The evidence as ordered [key, text] pairs (values one safe line each, cut at `maxValue` characters). */
export function evidenceLines(a: Alert, maxValue = MAX_EVIDENCE_VALUE_CHARS): [string, string][] {
  const out: [string, string][] = [];
  for (const k of Object.keys(a.evidence)) out.push([oneLine(k), cut(oneLine(valueText(a.evidence[k]!)), maxValue)]);
  return out;
}

/** Plain-text mail body. */
export function textBody(a: Alert): string {
  let s = `${oneLine(a.message)}\n\n`;
  for (const [k, v] of alertFacts(a)) s += `${k}: ${v}\n`;
  const ev = evidenceLines(a);
  if (ev.length > 0) {
    s += '\nEvidence\n';
    for (const [k, v] of ev) s += `  ${k}: ${v}\n`;
  }
  s += `\nDedup key: ${oneLine(a.dedup_key)}\n`;
  return s;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function htmlTable(rows: [string, string][]): string {
  let s = '<table cellpadding="4" style="border-collapse:collapse">';
  for (const [k, v] of rows) s += `<tr><th align="left" style="vertical-align:top">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  return `${s}</table>`;
}

/** Simple HTML mail body (inline styles only: mail clients drop style sheets). */
export function htmlBody(a: Alert): string {
  let s = `<!doctype html><html><body style="font-family:sans-serif"><p><strong>${escapeHtml(oneLine(a.message))}</strong></p>`;
  s += htmlTable(alertFacts(a));
  const ev = evidenceLines(a);
  if (ev.length > 0) s += `<h3>Evidence</h3>${htmlTable(ev)}`;
  s += `<p style="color:#666">Dedup key: ${escapeHtml(oneLine(a.dedup_key))}</p></body></html>`;
  return s;
}
