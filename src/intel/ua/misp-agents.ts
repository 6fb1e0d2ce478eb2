/**
 * MISP user-agent attributes as list entries for the two user-agent rules.
 * An attribute flagged `to_ids` whose event or attribute tags name a
 * malware family (a MISP galaxy of malware — malpedia, mitre-malware, MISP's
 * own "tool" galaxy of adversary tooling, rat, ransomware, stealer, banker,
 * botnet, backdoor, android — or a malware taxonomy tag) is a malware agent
 * for ua.malware, named after the family; any other is an attack tool for
 * ua.attack_tool, named after the event. Attributes without `to_ids` only
 * enrich lookups.
 *
 *   const m = mispUserAgentMatch(indicators, ua, 'malware');
 */
import type { IndicatorIndex, IndicatorSource, UserAgentMatch } from '../context.js';

/** Galaxies whose clusters are malware families (tag `misp-galaxy:<name>="<cluster>"`). */
const MALWARE_GALAXIES: ReadonlySet<string> = new Set([
  'malpedia',
  'mitre-malware',
  'mitre-mobile-malware',
  'tool',
  'rat',
  'ransomware',
  'stealer',
  'banker',
  'botnet',
  'backdoor',
  'android',
]);
/** Taxonomies whose tags say an event is about malware, without naming a family. */
const MALWARE_TAXONOMIES: readonly string[] = ['malware_classification:', 'ms-caro-malware:'];
const GALAXY_TAG = /^misp-galaxy:([a-z0-9-]+)="(.+)"$/;
/** ATT&CK software ids that mitre-* cluster names carry (`njRAT - S0385`). */
const ATTACK_ID_SUFFIX = / - S\d{4}$/;

export type MispAgentKind = 'malware' | 'attack_tool';

export interface MalwareTagging {
  /** The tags say the indicator belongs to malware. */
  malware: boolean;
  /** The first malware family a galaxy tag names. */
  family?: string;
}

/** Reads what an indicator's tags say about malware. */
export function malwareTagging(tags: readonly string[] | undefined): MalwareTagging {
  let malware = false;
  for (const tag of tags ?? []) {
    const g = GALAXY_TAG.exec(tag);
    if (g !== null && MALWARE_GALAXIES.has(g[1]!)) return { malware: true, family: g[2]!.replace(ATTACK_ID_SUFFIX, '') };
    if (MALWARE_TAXONOMIES.some((t) => tag.startsWith(t))) malware = true;
  }
  return { malware };
}

function asMatch(h: IndicatorSource, name: string): UserAgentMatch {
  return {
    tool: name,
    pattern: h.indicator,
    source: h.event_id !== undefined ? `${h.source} (event ${h.event_id})` : h.source,
  };
}

/** The first `to_ids` user-agent indicator of this kind matching `ua`, as a list entry. */
export function mispUserAgentMatch(indicators: IndicatorIndex, ua: string, kind: MispAgentKind): UserAgentMatch | undefined {
  for (const h of indicators.matchUserAgent(ua)) {
    if (!h.to_ids) continue;
    const t = malwareTagging(h.tags);
    if (t.malware !== (kind === 'malware')) continue;
    const name = kind === 'malware' ? (t.family ?? h.event_info ?? 'a listed malware family') : (h.event_info ?? 'a listed tool');
    return asMatch(h, name);
  }
  return undefined;
}
