/**
 * Builds the user-agent classifier the engine hands to detectors
 * (`intel.userAgents`): the bundled attack-tool list
 * (assets/intel/user-agents.tsv) plus the site's `intel.user_agent_patterns`
 * files, which resolve against `baseDir` (the config file's folder). Site
 * patterns are tried after the bundled ones.
 *
 *   const userAgents = createUserAgentClassifier(path.dirname(configFile), config.intel.user_agent_patterns);
 *   createEngine({ ..., intel: { userAgents } });
 */
import path from 'node:path';
import { PicketError } from '../../util/errors.js';
import { intelAsset } from '../dga/assets.js';
import { loadPatternFile, type UaPattern } from './patterns.js';
import { UserAgentMatcher } from './matcher.js';

export { UserAgentMatcher } from './matcher.js';
export { parsePatternList, type UaPattern } from './patterns.js';

export const PATTERN_FILE = 'user-agents.tsv';

export interface UaClassifierLoad {
  matcher: UserAgentMatcher;
  /** Pattern lines skipped, by reason, over every file. */
  skipped: Record<string, number>;
}

export function loadUserAgentClassifier(baseDir: string, extraFiles: readonly string[] = []): UaClassifierLoad {
  const bundled = intelAsset(PATTERN_FILE);
  if (bundled === undefined) throw new PicketError('PKT_ERR_UA_PATTERNS', `the bundled user-agent list (assets/intel/${PATTERN_FILE}) is missing from this installation`);
  const patterns: UaPattern[] = [];
  const skipped: Record<string, number> = {};
  for (const [file, source] of [[bundled, 'picket'] as const, ...extraFiles.map((f) => [path.resolve(baseDir, f), path.basename(f)] as const)]) {
    const load = loadPatternFile(file, source);
    patterns.push(...load.patterns);
    for (const [k, v] of Object.entries(load.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  }
  return { matcher: new UserAgentMatcher(patterns), skipped };
}

export function createUserAgentClassifier(baseDir: string, extraFiles: readonly string[] = []): UserAgentMatcher {
  return loadUserAgentClassifier(baseDir, extraFiles).matcher;
}
