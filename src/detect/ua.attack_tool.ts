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
 * the event, unless their tags name a malware family (those are
 * ua.malware's). A request with several User-Agent headers is judged on each
 * (servers differ in which one they read; the log keeps the last). Quiet
 * when neither a classifier nor indicators are configured.
 */
import { mispUserAgentMatch } from '../intel/ua/misp-agents.js';
import { defineDetector } from './detector.js';
import { UA_RULE_OPTIONS, userAgentListHandlers } from './ua-match-rule.js';

export const OPTIONS = UA_RULE_OPTIONS;

export default defineDetector({
  id: 'ua.attack_tool',
  name: 'Attack tool user-agent',
  description: 'An HTTP request carried the User-Agent of an attack or reconnaissance tool.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1595.002',
  subscribes: ['http', 'sip'],
  options: OPTIONS,
  create(ctx) {
    const classifier = ctx.intel.userAgents;
    // MISP user-agent attributes flagged to_ids and not tagged as malware alert too (the others only enrich).
    const indicators = ctx.intel.indicators;
    if (classifier === undefined && indicators === undefined) return {};
    return userAgentListHandlers(ctx, {
      match: (ua) => classifier?.attackTool(ua) ?? (indicators !== undefined ? mispUserAgentMatch(indicators, ua, 'attack_tool') : undefined),
      nameKey: 'tool',
      describe: (m) => m.tool,
    });
  },
});
