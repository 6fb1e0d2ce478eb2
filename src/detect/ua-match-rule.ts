/**
 * The body both user-agent list rules share (ua.attack_tool, ua.malware):
 * every User-Agent header of an HTTP request (servers differ in which one
 * they read; the log keeps the last) is checked against a pattern list; a
 * hit is one alert per source and matched name within the dedup interval,
 * counting requests and listing up to ten destinations and URIs. The user
 * agent and URI are attacker-chosen, so what evidence keeps of them is cut
 * short.
 */
import { z } from 'zod';
import type { DetectorContext } from './detector.js';
import type { HttpLogEvent } from '../protocols/http/events.js';
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

/** The http handler of a user-agent list rule. */
export function userAgentListHandler(ctx: DetectorContext<z.output<typeof UA_RULE_OPTIONS>>, spec: UaRuleSpec): (e: HttpLogEvent) => void {
  const tallies = new LruMap<string, { requests: number; destinations: string[]; uris: string[] }>(MAX_TALLIES);
  return (e) => {
    const r = e.record;
    const last = r.user_agent;
    if (last === undefined || last === '') return;
    const src = r['id.orig_h'];
    const dst = r['id.resp_h'];
    if (ctx.options.internal_sources_only && !ctx.site.isInternal(src)) return;
    if (ctx.excluded(src) || ctx.excluded(dst)) return;
    // A request with several User-Agent headers: each is judged (the log keeps only the last).
    const agents = e.user_agents ?? [last];
    let ua = last;
    let m: UserAgentMatch | undefined;
    for (let i = 0; i < agents.length && m === undefined; i++) {
      ua = agents[i]!;
      if (ua !== '') m = spec.match(ua);
    }
    if (m === undefined) return;
    const key = `${src}|${m.tool}`;
    const t = openTally(ctx, tallies, key, () => ({ requests: 0, destinations: [], uris: [] }));
    t.requests++;
    const where = hostPort(dst, r['id.resp_p']);
    if (t.destinations.length < MAX_LISTED && !t.destinations.includes(where)) t.destinations.push(where);
    const uri = r.uri !== undefined ? cut(r.uri) : undefined;
    if (uri !== undefined && t.uris.length < MAX_LISTED && !t.uris.includes(uri)) t.uris.push(uri);
    ctx.report({
      ts: r.ts,
      key,
      source: { ip: src, port: r['id.orig_p'] },
      destination: { ip: dst, port: r['id.resp_p'] },
      transport: 'tcp',
      message: `${src} sent HTTP requests with the user-agent of ${spec.describe(m)} to ${r.host ?? dst}` + (t.requests > 1 ? ` (${t.requests} requests)` : ''),
      evidence: {
        [spec.nameKey]: m.tool,
        pattern: m.pattern,
        pattern_source: m.source,
        user_agent: cut(ua),
        host: r.host ?? null,
        uri: uri ?? null,
        method: r.method ?? null,
        requests: t.requests,
        destinations: [...t.destinations],
        uris: [...t.uris],
      },
    });
  };
}
