/**
 * The body both user-agent list rules share (ua.attack_tool, ua.malware):
 * every User-Agent header of an HTTP request (servers differ in which one
 * they read; the log keeps the last), and the User-Agent of a SIP request,
 * is checked against a pattern list; a
 * hit is one alert per source and matched name within the dedup interval,
 * counting requests and listing up to ten destinations and URIs. The user
 * agent and URI are attacker-chosen, so what evidence keeps of them is cut
 * short.
 */
import { z } from 'zod';
import type { DetectorContext } from './detector.js';
import type { HttpLogEvent } from '../protocols/http/events.js';
import type { SipLogEvent } from '../protocols/sip/events.js';
import type { UserAgentMatch } from '../intel/context.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { shortText } from '../util/cut-text.js';
import { hostPort } from '../util/host-port.js';

/** (source, name) tallies kept for evidence. */
const MAX_TALLIES = 10000;
/** Distinct destinations and URIs listed per alert. */
const MAX_LISTED = 10;
/**
 * Longest user-agent or URI copied into evidence (they are attacker-chosen),
 * cut into strings of their own: plain slices kept the whole texts (up to
 * 8 KiB each) alive in the tallies and in held alerts' evidence, about
 * 250 MB with both tables full.
 */
const MAX_EVIDENCE_TEXT = 512;

export const UA_RULE_OPTIONS = detectorOptions({
  /**
   * Only requests from internal clients (default false: requests from the
   * Internet to your servers alert too, which on a public web server means
   * every passing scanner or bot; set true to see only your own hosts).
   */
  internal_sources_only: z.boolean().default(false),
});

export interface UaRuleSpec {
  /** The list entry a user-agent matches, or undefined. */
  match(ua: string): UserAgentMatch | undefined;
  /** Evidence key of the matched name ("tool", "family"). */
  nameKey: string;
  /** The phrase after "the user-agent of" in the message. */
  describe(m: UserAgentMatch): string;
}

function cut(s: string): string {
  return shortText(s, MAX_EVIDENCE_TEXT);
}

/** One request as the list rules judge it, from whichever protocol carried it. */
interface AgentRequest {
  ts: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  transport: 'tcp' | 'udp';
  /** "HTTP" or "SIP", for the message. */
  protocol: string;
  /** Every User-Agent header of the request (the log keeps the last). */
  agents: readonly string[];
  host: string | undefined;
  uri: string | undefined;
  method: string | undefined;
}

/**
 * The handlers of a user-agent list rule: HTTP requests, and SIP requests
 * (SIP scanners and password guessers such as SIPVicious announce themselves
 * in their User-Agent just as web tools do).
 */
export function userAgentListHandlers(
  ctx: DetectorContext<z.output<typeof UA_RULE_OPTIONS>>,
  spec: UaRuleSpec,
): { http: (e: HttpLogEvent) => void; sip: (e: SipLogEvent) => void } {
  const tallies = new LruMap<string, { requests: number; destinations: string[]; uris: string[] }>(MAX_TALLIES);
  const judge = (q: AgentRequest): void => {
    const src = q.src;
    const dst = q.dst;
    if (ctx.options.internal_sources_only && !ctx.site.isInternal(src)) return;
    if (ctx.excluded(src) || ctx.excluded(dst)) return;
    // A request with several User-Agent headers: each is judged (the log keeps only the last).
    let ua = '';
    let m: UserAgentMatch | undefined;
    for (let i = 0; i < q.agents.length && m === undefined; i++) {
      ua = q.agents[i]!;
      if (ua !== '') m = spec.match(ua);
    }
    if (m === undefined) return;
    const key = `${src}|${m.tool}`;
    const t = openTally(ctx, tallies, key, () => ({ requests: 0, destinations: [], uris: [] }));
    t.requests++;
    const where = hostPort(dst, q.dstPort);
    if (t.destinations.length < MAX_LISTED && !t.destinations.includes(where)) t.destinations.push(where);
    const uri = q.uri !== undefined ? cut(q.uri) : undefined;
    if (uri !== undefined && t.uris.length < MAX_LISTED && !t.uris.includes(uri)) t.uris.push(uri);
    ctx.report({
      ts: q.ts,
      key,
      source: { ip: src, port: q.srcPort },
      destination: { ip: dst, port: q.dstPort },
      transport: q.transport,
      message:
        `${src} sent ${q.protocol} requests with the user-agent of ${spec.describe(m)} to ${q.host ?? dst}` + (t.requests > 1 ? ` (${t.requests} requests)` : ''),
      evidence: {
        [spec.nameKey]: m.tool,
        pattern: m.pattern,
        pattern_source: m.source,
        protocol: q.protocol.toLowerCase(),
        user_agent: cut(ua),
        host: q.host ?? null,
        uri: uri ?? null,
        method: q.method ?? null,
        requests: t.requests,
        destinations: [...t.destinations],
        uris: [...t.uris],
      },
    });
  };
  return {
    http(e) {
      const r = e.record;
      const last = r.user_agent;
      if (last === undefined || last === '') return;
      judge({
        ts: r.ts,
        src: r['id.orig_h'],
        srcPort: r['id.orig_p'],
        dst: r['id.resp_h'],
        dstPort: r['id.resp_p'],
        transport: 'tcp',
        protocol: 'HTTP',
        agents: e.user_agents ?? [last],
        host: r.host,
        uri: r.uri,
        method: r.method,
      });
    },
    sip(e) {
      const r = e.record;
      const ua = r.user_agent;
      if (ua === undefined || ua === '') return;
      // The request's sender is the client, whichever end of the flow it is.
      const fromOrig = e.request_from_orig;
      judge({
        ts: r.ts,
        src: fromOrig ? r['id.orig_h'] : r['id.resp_h'],
        srcPort: fromOrig ? r['id.orig_p'] : r['id.resp_p'],
        dst: fromOrig ? r['id.resp_h'] : r['id.orig_h'],
        dstPort: fromOrig ? r['id.resp_p'] : r['id.orig_p'],
        transport: e.transport,
        protocol: 'SIP',
        agents: [ua],
        host: undefined,
        uri: r.uri,
        method: r.method,
      });
    },
  };
}
