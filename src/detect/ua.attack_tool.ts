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
import { defineDetector } from './detector.js';
import { UA_RULE_OPTIONS, userAgentListHandler } from './ua-match-rule.js';

export const OPTIONS = UA_RULE_OPTIONS;

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
    return {
      http: userAgentListHandler(ctx, {
        match: (ua) => classifier?.attackTool(ua) ?? fromIndicators(ua),
        nameKey: 'tool',
        describe: (m) => m.tool,
      }),
    };
  },
});
