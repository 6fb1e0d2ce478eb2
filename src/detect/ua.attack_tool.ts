/**
 * ua.attack_tool — an HTTP request whose User-Agent names an attack or
 * recon tool (sqlmap, Nikto, Nmap NSE, gobuster, WPScan, nuclei...), from
 * the bundled pattern list (assets/intel/user-agents.tsv, partly derived
 * from SigmaHQ rules) plus the site's `intel.user_agent_patterns` files.
 * Tools only send these strings when nobody changed the default, so a match
 * is strong evidence and no match proves nothing. One alert per source and
 * tool within the dedup interval; evidence names the pattern and where it
 * came from (Sigma-derived patterns name the rule author, as the rule
 * licence requires), the host and URI, and how many requests matched.
 * MISP user-agent attributes flagged `to_ids` alert the same way, naming
 * the event. A request with several User-Agent headers is judged on each
 * (servers differ in which one they read; the log keeps the last). Quiet
 * when neither a classifier nor indicators are configured.
 */
import type { UserAgentMatch } from '../intel/context.js';
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { shortText } from '../util/cut-text.js';
import { hostPort } from '../util/host-port.js';

/** (source, tool) tallies kept for evidence. */
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

export const OPTIONS = detectorOptions({
  /**
   * Only requests from internal clients (default false: requests from the
   * Internet to your servers alert too, which on a public web server means
   * every passing scanner; set true to see only your own hosts running tools).
   */
  internal_sources_only: z.boolean().default(false),
});

function cut(s: string): string {
  return shortText(s, MAX_EVIDENCE_TEXT);
}

export default defineDetector({
  id: 'ua.attack_tool',
  name: 'Attack tool user-agent',
  description: 'An HTTP request carried the User-Agent of an attack or reconnaissance tool.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1595.002',
  subscribes: ['http'],
  options: OPTIONS,
  create(ctx) {
    const classifier = ctx.intel.userAgents;
    // MISP user-agent attributes flagged to_ids alert too (the others only enrich lookups).
    const indicators = ctx.intel.indicators;
    if (classifier === undefined && indicators === undefined) return {};
    const fromIndicators = (ua: string): UserAgentMatch | undefined => {
      if (indicators === undefined) return undefined;
      const hits = indicators.matchUserAgent(ua);
      for (const h of hits) {
        if (!h.to_ids) continue;
        return {
          tool: h.event_info ?? 'a listed tool',
          pattern: h.indicator,
          source: h.event_id !== undefined ? `${h.source} (event ${h.event_id})` : h.source,
        };
      }
      return undefined;
    };
    const tallies = new LruMap<string, { requests: number; destinations: string[]; uris: string[] }>(MAX_TALLIES);
    return {
      http(e) {
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
          if (ua !== '') m = classifier?.attackTool(ua) ?? fromIndicators(ua);
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
          message:
            `${src} sent HTTP requests with the user-agent of ${m.tool} to ${r.host ?? dst}` +
            (t.requests > 1 ? ` (${t.requests} requests)` : ''),
          evidence: {
            tool: m.tool,
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
      },
    };
  },
});
