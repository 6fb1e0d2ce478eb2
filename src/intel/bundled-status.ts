/**
 * What `picket intel status` says about the data Picket brings or builds
 * itself, next to the configured indicator sources: the IP enrichment table
 * (ASN and country), the attack-tool user-agent patterns and the DGA model
 * with its allowlist. Each part is loaded as detection loads it; one that
 * fails is reported with its error, never thrown.
 */
import type { SiteConfig } from '../config/schema.js';
import { createIpEnricher } from './ipdb/enricher.js';
import { loadUserAgentClassifier, siteAgentFiles } from './ua/index.js';
import { createDgaScorer } from './dga/index.js';

export interface BundledIntelStatus {
  name: 'ip-enrichment' | 'user-agents' | 'dga';
  ok: boolean;
  /** One line for people: what is loaded, counts, where from. */
  detail: string;
  /** Figures for scripts (counts, versions). */
  figures: Record<string, string | number>;
}

function failed(name: BundledIntelStatus['name'], err: unknown): BundledIntelStatus {
  return { name, ok: false, detail: err instanceof Error ? err.message : String(err), figures: {} };
}

function skippedText(skipped: Record<string, number>): string {
  const n = Object.values(skipped).reduce((a, b) => a + b, 0);
  return n === 0 ? '' : `, ${n} lines skipped`;
}

export async function bundledIntelStatus(config: SiteConfig, baseDir: string): Promise<BundledIntelStatus[]> {
  const out: BundledIntelStatus[] = [];
  try {
    const e = await createIpEnricher(config.intel, baseDir);
    const s = e.stats();
    const from = Object.values(s.sources).join(', ');
    out.push({
      name: 'ip-enrichment',
      ok: true,
      detail: `${s.v4_ranges.toLocaleString('en-US')} IPv4 and ${s.v6_ranges.toLocaleString('en-US')} IPv6 ranges, ${s.owners.toLocaleString('en-US')} owners from ${from} (${s.loaded === 'cache' ? 'cached table' : 'built this start'})`,
      figures: { v4_ranges: s.v4_ranges, v6_ranges: s.v6_ranges, owners: s.owners, sources: from },
    });
  } catch (err) {
    out.push(failed('ip-enrichment', err));
  }
  try {
    const site = siteAgentFiles(config.intel);
    const ua = loadUserAgentClassifier(baseDir, site);
    const n = ua.classifier.tools.patterns.length;
    const malware = ua.classifier.malwareAgents.patterns.length;
    const from = (files: readonly string[]): string => `bundled list${files.length > 0 ? ` and ${files.length} site file${files.length === 1 ? '' : 's'}` : ''}`;
    out.push({
      name: 'user-agents',
      ok: true,
      detail: `${n} attack-tool patterns (${from(site.tools)}), ${malware} malware patterns (${from(site.malware)})${skippedText(ua.skipped)}`,
      figures: { patterns: n, malware_patterns: malware },
    });
  } catch (err) {
    out.push(failed('user-agents', err));
  }
  try {
    const dga = createDgaScorer(baseDir);
    const families = dga.model.families.length;
    out.push({
      name: 'dga',
      ok: true,
      detail: `${families} generator-family models, threshold ${dga.threshold}, ${dga.allowSize.toLocaleString('en-US')} allowlisted domains`,
      figures: { families, threshold: dga.threshold, allowlisted: dga.allowSize },
    });
  } catch (err) {
    out.push(failed('dga', err));
  }
  return out;
}
