/**
 * MISP feeds (`intel.misp.feeds[]`) and servers (`intel.misp.servers[]`) as
 * refreshable sources, named "misp-feed:<folder or URL>" and
 * "misp:<host>". Both keep their bookkeeping (feed event timestamps, pull
 * times) in the snapshot's meta, so incremental refreshes work across restarts.
 */
import { isUrl, resolveOrigin } from '../store/fetch-text.js';
import { displayName, type SourceDefinition, type SourceLoad } from '../store/source.js';
import type { JsonValue } from '../store/source-cache.js';
import { feedMetaOf, readMispFeed } from './feed.js';
import { unchangedLoad } from '../store/conditional-fetch.js';
import { pullMisp, type MispPullMeta, type MispServerSettings } from './rest.js';
import type { MispStats } from './attributes.js';

function describeStats(s: MispStats): string {
  const other = Object.values(s.other_types).reduce((a, b) => a + b, 0);
  return `${s.attributes} indicator attributes` + (other > 0 ? `, ${other} of other types skipped` : '') + (s.deleted > 0 ? `, ${s.deleted} deleted` : '');
}

export function mispFeedSource(entry: string, baseDir: string, name?: string): SourceDefinition {
  const origin = resolveOrigin(entry, baseDir);
  return {
    name: name ?? `misp-feed:${displayName(entry)}`,
    kind: 'misp-feed',
    origin,
    remote: isUrl(origin),
    async load(previous, _now, signal): Promise<SourceLoad> {
      // Conditional requests only on a copy actually held (feed.ts also checks it is this URL read as this format).
      const held = previous.updated !== null ? feedMetaOf(previous.meta) : {};
      const r = await readMispFeed(origin, previous.indicators, held, signal !== undefined ? { signal } : {});
      if (r.unchanged) return unchangedLoad(previous);
      const meta: { [key: string]: JsonValue } = {};
      if (r.meta.format !== undefined) meta.format = r.meta.format;
      if (r.meta.events !== undefined) meta.events = r.meta.events;
      if (r.meta.url !== undefined) meta.url = r.meta.url;
      if (r.meta.etag !== undefined) meta.etag = r.meta.etag;
      if (r.meta.last_modified !== undefined) meta.last_modified = r.meta.last_modified;
      const where = displayName(entry);
      return {
        indicators: r.indicators,
        meta,
        badCount: r.badCount + r.stats.badCount,
        badSamples: [...r.bad.map((b) => `${where}:${b.line}: ${b.reason}: ${b.text}`), ...r.stats.bad.map((b) => `${where}: ${b}`)],
        note:
          r.format === 'misp'
            ? `MISP feed: ${r.events} events, ${r.downloaded} downloaded, ${describeStats(r.stats)}`
            : r.format === 'misp-events' || r.format === 'misp-event'
              ? `MISP events: ${r.events}, ${describeStats(r.stats)}`
              : `${r.format} feed: ${r.indicators.length} values`,
      };
    },
  };
}

export interface MispServerSourceOptions {
  env?: NodeJS.ProcessEnv;
}

export function mispServerSource(server: MispServerSettings, name?: string, opts: MispServerSourceOptions = {}): SourceDefinition {
  let host = server.url;
  try {
    host = new URL(server.url).host;
  } catch {
    // The config schema has checked it is a URL; keep the text otherwise.
  }
  return {
    name: name ?? `misp:${host}`,
    kind: 'misp-server',
    origin: server.url,
    remote: true,
    async load(previous, now, signal): Promise<SourceLoad> {
      const m: MispPullMeta = {};
      if (typeof previous.meta.last_pull === 'number') m.last_pull = previous.meta.last_pull;
      if (typeof previous.meta.last_full === 'number') m.last_full = previous.meta.last_full;
      const r = await pullMisp(server, previous.indicators, m, { now, ...(opts.env !== undefined ? { env: opts.env } : {}), ...(signal !== undefined ? { signal } : {}) });
      const meta: { [key: string]: JsonValue } = {};
      if (r.meta.last_pull !== undefined) meta.last_pull = r.meta.last_pull;
      if (r.meta.last_full !== undefined) meta.last_full = r.meta.last_full;
      return {
        indicators: r.indicators,
        meta,
        badCount: r.stats.badCount,
        badSamples: r.stats.bad.map((b) => `${host}: ${b}`),
        note: `${r.full ? 'full' : 'incremental'} pull: ${r.received} attributes received, ${describeStats(r.stats)}`,
      };
    },
  };
}
