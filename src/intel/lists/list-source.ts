/**
 * A configured plain list (`intel.lists[]`: path or URL, kind, optional name)
 * as a refreshable source. Its name is the configured one or the file name,
 * which is what alerts cite.
 */
import { readOrigin, isUrl, resolveOrigin } from '../store/fetch-text.js';
import { displayName, type SourceDefinition } from '../store/source.js';
import type { JsonValue } from '../store/source-cache.js';
import { refuseUnusableDocument, requireSomeValue } from '../store/fetched-document.js';
import { fetchIfChanged, heldValidators, unchangedLoad, validatorMeta } from '../store/conditional-fetch.js';
import { parseList, type ListKind } from './parse-list.js';

export interface ListConfig {
  readonly path: string;
  readonly kind: Exclude<ListKind, 'auto'>;
  readonly name?: string | undefined;
}

export function listSource(cfg: ListConfig, baseDir: string, name?: string): SourceDefinition {
  const origin = resolveOrigin(cfg.path, baseDir);
  const remote = isUrl(origin);
  const expected = `a list of ${cfg.kind} entries`;
  return {
    name: name ?? cfg.name ?? displayName(cfg.path),
    kind: 'list',
    origin,
    remote,
    async load(previous, _now, signal) {
      let text: string;
      let fetched: { [key: string]: JsonValue } = {};
      if (remote) {
        // Conditional only on a copy actually held, read from this URL as this kind (the config may have changed either).
        const held = previous.updated !== null && previous.meta.kind === cfg.kind;
        const got = await fetchIfChanged(origin, held ? heldValidators(previous.meta, origin) : {}, signal);
        if (!got.changed) return unchangedLoad(previous);
        text = got.text;
        fetched = validatorMeta(origin, got.validators);
      } else text = await readOrigin(origin);
      // A portal page or an empty answer must not replace the last good set (fetched-document.ts).
      if (remote) refuseUnusableDocument(origin, text, expected);
      const csv = /\.csv$/i.test(origin.replace(/[?#].*$/, '')) ? true : undefined;
      const parsed = parseList(text, cfg.kind, csv === undefined ? {} : { csv });
      if (remote) requireSomeValue(origin, parsed.indicators.length, expected, parsed.badCount, parsed.bad);
      const where = displayName(cfg.path);
      return {
        indicators: parsed.indicators,
        meta: { kind: cfg.kind, ...fetched },
        badCount: parsed.badCount,
        badSamples: parsed.bad.map((b) => `${where}:${b.line}: ${b.reason}: ${b.text}`),
        note: `${parsed.indicators.length} ${cfg.kind} entries from ${parsed.lines} lines`,
      };
    },
  };
}
