/**
 * A configured Tor relay document (`intel.tor[]`: file or URL, any format
 * parse.ts recognises) as a refreshable source named "tor:<file>".
 */
import { readOrigin, isUrl, resolveOrigin } from '../store/fetch-text.js';
import { displayName, type SourceDefinition } from '../store/source.js';
import { parseTorDocument } from './parse.js';

export function torSource(entry: string, baseDir: string, name?: string): SourceDefinition {
  const origin = resolveOrigin(entry, baseDir);
  return {
    name: name ?? `tor:${displayName(entry)}`,
    kind: 'tor',
    origin,
    remote: isUrl(origin),
    async load() {
      const parsed = parseTorDocument(await readOrigin(origin));
      const where = displayName(entry);
      const exits = parsed.relays.filter((r) => r.exit).length;
      return {
        relays: parsed.relays,
        meta: { format: parsed.format },
        badCount: parsed.badCount,
        badSamples: parsed.bad.map((b) => `${where}:${b.line}: ${b.reason}: ${b.text}`),
        note: `${parsed.format}: ${parsed.relays.length} relay addresses, ${exits} exits`,
      };
    },
  };
}
