/**
 * A configured Tor relay document (`intel.tor[]`: file or URL, any format
 * parse.ts recognises) as a refreshable source named "tor:<file>".
 */
import { readOrigin, isUrl, resolveOrigin } from '../store/fetch-text.js';
import { displayName, type SourceDefinition } from '../store/source.js';
import type { JsonValue } from '../store/source-cache.js';
import { refuseUnusableDocument, requireSomeValue } from '../store/fetched-document.js';
import { fetchIfChanged, heldValidators, unchangedLoad, validatorMeta } from '../store/conditional-fetch.js';
import { parseTorDocument } from './parse.js';

const EXPECTED = 'a Tor relay document';

export function torSource(entry: string, baseDir: string, name?: string): SourceDefinition {
  const origin = resolveOrigin(entry, baseDir);
  const remote = isUrl(origin);
  return {
    name: name ?? `tor:${displayName(entry)}`,
    kind: 'tor',
    origin,
    remote,
    async load(previous, _now, signal) {
      let text: string;
      let fetched: { [key: string]: JsonValue } = {};
      if (remote) {
        // Conditional only on a copy actually held from this URL (conditional-fetch.ts): Onionoo asks clients for If-Modified-Since.
        const got = await fetchIfChanged(origin, previous.updated !== null ? heldValidators(previous.meta, origin) : {}, signal);
        if (!got.changed) return unchangedLoad(previous);
        text = got.text;
        fetched = validatorMeta(origin, got.validators);
      } else text = await readOrigin(origin);
      // A portal page or an empty answer must not replace the last good set (fetched-document.ts).
      if (remote) refuseUnusableDocument(origin, text, EXPECTED);
      const parsed = parseTorDocument(text);
      if (remote) requireSomeValue(origin, parsed.relays.length, EXPECTED, parsed.badCount, parsed.bad);
      const where = displayName(entry);
      const exits = parsed.relays.filter((r) => r.exit).length;
      return {
        relays: parsed.relays,
        meta: { format: parsed.format, ...fetched },
        badCount: parsed.badCount,
        badSamples: parsed.bad.map((b) => `${where}:${b.line}: ${b.reason}: ${b.text}`),
        note: `${parsed.format}: ${parsed.relays.length} relay addresses, ${exits} exits`,
      };
    },
  };
}
