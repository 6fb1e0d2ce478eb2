/**
 * Builds the user-agent classifier the engine hands to detectors
 * (`intel.userAgents`): the bundled attack-tool list
 * (assets/intel/user-agents.tsv) plus the site's `intel.user_agent_patterns`
 * files, and the bundled malware list (assets/intel/malware-user-agents.tsv)
 * plus the site's `intel.malware_user_agent_patterns` files. Site files
 * resolve against `baseDir` (the config file's folder) and are tried after
 * the bundled lists.
 *
 *   const userAgents = createUserAgentClassifier(path.dirname(configFile), siteAgentFiles(config.intel));
 *   createEngine({ ..., intel: { userAgents } });
 */
import path from 'node:path';
import { PicketError } from '../../util/errors.js';
import { intelAsset } from '../dga/assets.js';
import { loadPatternFile } from './patterns.js';
import { UserAgentMatcher } from './matcher.js';
import type { UaPattern } from './patterns.js';
import type { UserAgentClassifier, UserAgentMatch } from '../context.js';

export { UserAgentMatcher } from './matcher.js';
export { parsePatternList, type UaPattern } from './patterns.js';

export const PATTERN_FILE = 'user-agents.tsv';
export const MALWARE_PATTERN_FILE = 'malware-user-agents.tsv';

/** The attack-tool and malware lists, each behind its own matcher. */
export class UserAgentLists implements UserAgentClassifier {
  constructor(
    readonly tools: UserAgentMatcher,
    readonly malwareAgents: UserAgentMatcher,
  ) {}

  attackTool(ua: string): UserAgentMatch | undefined {
    return this.tools.match(ua);
  }

  malware(ua: string): UserAgentMatch | undefined {
    return this.malwareAgents.match(ua);
  }
}

export interface UaClassifierLoad {
  classifier: UserAgentLists;
  /** Pattern lines skipped, by reason, over every file. */
  skipped: Record<string, number>;
}

function bundledList(name: string): string {
  const file = intelAsset(name);
  if (file === undefined) throw new PicketError('PKT_ERR_UA_PATTERNS', `the bundled user-agent list (assets/intel/${name}) is missing from this installation`);
  return file;
}

/** Reads `files` ([path, default source] pairs) in order into one matcher, adding skipped lines to `skipped`. */
function matcherOf(files: readonly (readonly [string, string])[], skipped: Record<string, number>): UserAgentMatcher {
  const patterns: UaPattern[] = [];
  for (const [file, source] of files) {
    const load = loadPatternFile(file, source);
    patterns.push(...load.patterns);
    for (const [k, v] of Object.entries(load.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  }
  return new UserAgentMatcher(patterns);
}

/** The site's own pattern files for each list (paths as configured). */
export interface SiteAgentFiles {
  tools: readonly string[];
  malware: readonly string[];
}

/** The site files of the `intel` config section. */
export function siteAgentFiles(intel: { user_agent_patterns: readonly string[]; malware_user_agent_patterns: readonly string[] }): SiteAgentFiles {
  return { tools: intel.user_agent_patterns, malware: intel.malware_user_agent_patterns };
}

const NO_SITE_FILES: SiteAgentFiles = { tools: [], malware: [] };

export function loadUserAgentClassifier(baseDir: string, site: SiteAgentFiles = NO_SITE_FILES): UaClassifierLoad {
  const skipped: Record<string, number> = {};
  const siteFiles = (files: readonly string[]) => files.map((f) => [path.resolve(baseDir, f), path.basename(f)] as const);
  const tools = matcherOf([[bundledList(PATTERN_FILE), 'picket'], ...siteFiles(site.tools)], skipped);
  const malware = matcherOf([[bundledList(MALWARE_PATTERN_FILE), 'picket'], ...siteFiles(site.malware)], skipped);
  return { classifier: new UserAgentLists(tools, malware), skipped };
}

export function createUserAgentClassifier(baseDir: string, site: SiteAgentFiles = NO_SITE_FILES): UserAgentLists {
  return loadUserAgentClassifier(baseDir, site).classifier;
}
