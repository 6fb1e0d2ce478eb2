/**
 * Registrable domains the DGA rule never judges: popular, CDN and cloud
 * names (the bundled assets/intel/dga-allowlist.txt, built from the CC0
 * Tranco and Cisco Umbrella top lists by bench/dga/train.ts) plus the
 * site's own. A name matches when its registrable domain is listed, so
 * "e1234.dscb.akamaiedge.net" is covered by "akamaiedge.net".
 */
import fs from 'node:fs';
import { PicketError } from '../../util/errors.js';

/** Longest line read from an allowlist file; longer lines are not domains. */
const MAX_LINE = 253;

export interface AllowlistLoad {
  domains: Set<string>;
  /** Lines skipped (not a domain), by file. */
  skipped: number;
}

/** Parses "one domain a line, # comments" text into `into`; returns lines skipped. */
export function parseAllowlist(text: string, into: Set<string>): number {
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim().toLowerCase().replace(/\.$/, '');
    if (line === '') continue;
    if (line.length > MAX_LINE || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(line)) {
      skipped++;
      continue;
    }
    into.add(line);
  }
  return skipped;
}

export function loadAllowlistFile(file: string, into: Set<string>): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PicketError('PKT_ERR_DGA_ALLOWLIST', `cannot read the DGA allowlist ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseAllowlist(text, into);
}
