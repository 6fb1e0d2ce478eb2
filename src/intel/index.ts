/**
 * Builds the IntelContext that detectors read, from the site configuration:
 * offline IP enrichment (bundled ASN/country data or the site's own mmdb
 * files), indicator lists, MISP and Tor sources, the user-agent classifier
 * and the DGA scorer. Each part that fails to load is reported and left out,
 * so one broken source never stops detection.
 */
import path from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import type { IntelContext } from './context.js';
import { createIpEnricher, type PicketIpEnricher } from './ipdb/enricher.js';
import { createIntelSources, type IntelSources } from './sources.js';
import { createUserAgentClassifier, siteAgentFiles } from './ua/index.js';
import { createDgaScorer } from './dga/index.js';

export interface IntelSetup {
  intel: IntelContext;
  enricher: PicketIpEnricher | undefined;
  sources: IntelSources | undefined;
  /** Problems met while loading (each part that failed is left out). */
  problems: string[];
  /** Credits of the bundled data sets in use. */
  attribution: string[];
}

export interface IntelSetupOptions {
  /** Folder the config file's relative paths resolve against. */
  baseDir: string;
  /** Where indicators pulled from URLs and MISP servers are kept. */
  cacheDir: string;
  /** Skip IP enrichment (fast start for tiny replays). */
  enrich?: boolean;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function defaultIntelCacheDir(config: SiteConfig, baseDir: string, stateDir: string | undefined): string {
  if (config.intel.cache_dir !== undefined) return path.resolve(baseDir, config.intel.cache_dir);
  if (stateDir !== undefined) return path.resolve(stateDir, 'intel');
  return path.resolve('data', 'intel');
}

export async function createIntelContext(config: SiteConfig, opts: IntelSetupOptions): Promise<IntelSetup> {
  const intel: IntelContext = {};
  const problems: string[] = [];
  const attribution: string[] = [];
  let enricher: PicketIpEnricher | undefined;
  let sources: IntelSources | undefined;
  if (opts.enrich !== false) {
    try {
      enricher = await createIpEnricher(config.intel, opts.baseDir);
      intel.enrich = enricher;
      attribution.push(enricher.attribution);
    } catch (err) {
      problems.push(`IP enrichment: ${message(err)}`);
    }
  }
  try {
    sources = await createIntelSources(config.intel, opts.baseDir, opts.cacheDir);
    Object.assign(intel, sources.context());
    problems.push(...sources.storeProblems);
  } catch (err) {
    problems.push(`indicator sources: ${message(err)}`);
  }
  try {
    intel.userAgents = createUserAgentClassifier(opts.baseDir, siteAgentFiles(config.intel));
  } catch (err) {
    problems.push(`user-agent patterns: ${message(err)}`);
  }
  try {
    intel.dga = createDgaScorer(opts.baseDir);
  } catch (err) {
    problems.push(`DGA model: ${message(err)}`);
  }
  return { intel, enricher, sources, problems, attribution };
}
