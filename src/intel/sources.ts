/**
 * Every configured intel source (plain lists, Tor relay documents, MISP
 * feeds and servers) behind one object: it loads what is known at start
 * (local files are read, remote sources come from the local store), exposes
 * the combined IndicatorIndex and TorIndex that detectors query, refreshes
 * every source on demand or on a schedule, and reports each source's status.
 *
 * `indicators` and `tor` are stable objects: a refresh swaps the compiled
 * index behind them, so an engine built once keeps seeing current data. A
 * source that fails to refresh keeps its previous set and records the error;
 * one failing source never stops the others. A refresh given an abort signal
 * (the live sensor's schedule, stopped when the sensor stops) applies its
 * sources' new sets only when it ran to the end: an aborted refresh changes
 * neither the sets in memory nor the local store, and records no error.
 */
import fs from 'node:fs';
import type { IndicatorIndex, IndicatorSource, IntelContext, TorIndex, TorRelay } from './context.js';
import type { SiteConfig } from '../config/schema.js';
import { MemoryIndicatorIndex } from './store/indicator-index.js';
import { TorRelayIndex } from './tor/relay-index.js';
import { emptySnapshot, loadSnapshot, saveSnapshot, type SourceKind, type SourceSnapshot } from './store/source-cache.js';
import type { SourceDefinition } from './store/source.js';
import { startScheduler, type RefreshScheduler } from './store/scheduler.js';
import { listSource } from './lists/list-source.js';
import { torSource } from './tor/tor-source.js';
import { mispFeedSource, mispServerSource } from './misp/misp-sources.js';
import { alertingRules } from './store/alerting-rules.js';

export type IntelConfig = SiteConfig['intel'];

export interface SourceStatus {
  name: string;
  kind: SourceKind;
  /** File path or URL. */
  origin: string;
  /** Indicators (lists, MISP) or relay addresses (Tor). */
  count: number;
  /** Indicators that raise alerts (MISP `to_ids` of a kind some rule looks up; every list entry). Tor: exits. */
  alerting: number;
  /** Wall-clock epoch seconds of the last successful load, or null (never). */
  updated: number | null;
  /** Seconds since `updated`, or null. */
  age_seconds: number | null;
  last_attempt: number | null;
  last_error: string | null;
  bad_lines: number;
  bad_samples: string[];
  /** What the last successful load did. */
  note: string | null;
  remote: boolean;
  /** Local files and folders: their modification time (epoch seconds), the age that matters for them. */
  modified: number | null;
}

export interface SourceRefresh {
  name: string;
  kind: SourceKind;
  ok: boolean;
  count: number;
  previous_count: number;
  bad_lines: number;
  /** "file:line: reason" for the first bad lines of this load. */
  bad_samples: string[];
  error?: string;
  note?: string;
  /** The set loaded but could not be written to the local store (it is used in memory anyway). */
  store_error?: string;
}

export interface RefreshReport {
  /** True when every source refreshed. */
  ok: boolean;
  /** The refresh was stopped by its signal: nothing was applied or stored, and `sources` is empty. */
  aborted: boolean;
  started: number;
  seconds: number;
  sources: SourceRefresh[];
}

/** IndicatorIndex plus the lookups `picket intel lookup` needs. */
export interface IntelIndicators extends IndicatorIndex {
  matchUrl(url: string): IndicatorSource[];
  urlsOnHost(host: string): IndicatorSource[];
  readonly size: number;
}

export interface IntelTor extends TorIndex {
  /** Relay addresses known, and how many are exits. */
  readonly size: number;
  readonly exits: number;
}

export interface IntelSources {
  readonly indicators: IntelIndicators;
  readonly tor: IntelTor;
  /** Refreshes every source (remote and local); concurrent calls share one run (and the first caller's signal). */
  refresh(opts?: RefreshOptions): Promise<RefreshReport>;
  status(): SourceStatus[];
  /** Refreshes every `intervalSeconds` (wall clock); at once when a remote source is older than that. */
  startRefresh(intervalSeconds: number, onReport?: (r: RefreshReport) => void): RefreshScheduler;
  /** The IntelContext parts these sources provide (absent when nothing of that kind is configured). */
  context(): Pick<IntelContext, 'indicators' | 'tor'>;
  /** Problems reading the local store at start (damaged files are ignored). */
  readonly storeProblems: string[];
}

export interface RefreshOptions {
  /** Aborts the refresh's fetches; an aborted refresh applies nothing (RefreshReport.aborted). */
  signal?: AbortSignal;
}

export interface IntelSourcesOptions {
  /** Wall clock in epoch seconds (tests). */
  now?: () => number;
  /** Environment for MISP API keys (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Do not read local files at creation (status-only use); default false. */
  skipLocalLoad?: boolean;
}

interface Slot {
  def: SourceDefinition;
  snap: SourceSnapshot;
}

/** Unique names: a second source with the same display name gets " #2". */
function uniqueName(taken: Set<string>, name: string): string {
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name} #${i}`;
  taken.add(n);
  return n;
}

/** The source definitions of a config, in config order: lists, MISP feeds, MISP servers, Tor. */
export function sourceDefinitions(intel: IntelConfig, baseDir: string, opts: { env?: NodeJS.ProcessEnv } = {}): SourceDefinition[] {
  const taken = new Set<string>();
  const defs: SourceDefinition[] = [];
  const add = (make: (name?: string) => SourceDefinition): void => {
    const d = make();
    const name = uniqueName(taken, d.name);
    defs.push(name === d.name ? d : make(name));
  };
  for (const l of intel.lists) add((n) => listSource(l, baseDir, n));
  for (const f of intel.misp.feeds) add((n) => mispFeedSource(f, baseDir, n));
  for (const s of intel.misp.servers) add((n) => mispServerSource(s, n, opts.env !== undefined ? { env: opts.env } : {}));
  for (const t of intel.tor) add((n) => torSource(t, baseDir, n));
  return defs;
}

/** A local source's modification time, for its status. */
function modifiedMeta(origin: string): { modified: number } | Record<string, never> {
  try {
    return { modified: fs.statSync(origin).mtimeMs / 1000 };
  } catch {
    return {};
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function createIntelSources(intelConfig: IntelConfig, baseDir: string, cacheDir: string, opts: IntelSourcesOptions = {}): Promise<IntelSources> {
  const now = opts.now ?? (() => Date.now() / 1000);
  const storeProblems: string[] = [];
  const slots: Slot[] = sourceDefinitions(intelConfig, baseDir, opts.env !== undefined ? { env: opts.env } : {}).map((def) => {
    let snap = emptySnapshot(def.name, def.kind, def.origin);
    if (def.remote) {
      const r = loadSnapshot(cacheDir, def.name);
      if ('snapshot' in r) {
        snap = r.snapshot;
        snap.origin = def.origin;
        if (r.dropped !== undefined && r.dropped > 0) storeProblems.push(`${def.name}: ${r.dropped} damaged entries in the local store were dropped`);
      } else if ('error' in r) storeProblems.push(r.error);
    }
    return { def, snap };
  });

  let index = MemoryIndicatorIndex.build([]);
  let relays = TorRelayIndex.build([]);
  const rebuild = (): void => {
    index = MemoryIndicatorIndex.build(slots.filter((s) => s.def.kind !== 'tor').map((s) => ({ source: s.def.name, indicators: s.snap.indicators })));
    relays = TorRelayIndex.build(slots.filter((s) => s.def.kind === 'tor').map((s) => ({ source: s.def.name, relays: s.snap.relays })));
  };

  /** One source's next snapshot and report, not applied yet (a refresh applies all of them, or none when aborted). */
  const loadOne = async (slot: Slot, signal?: AbortSignal): Promise<{ slot: Slot; next: SourceSnapshot; out: SourceRefresh }> => {
    const started = now();
    const prev = slot.snap;
    let next: SourceSnapshot;
    const previousCount = prev.kind === 'tor' ? prev.relays.length : prev.indicators.length;
    const out: SourceRefresh = { name: slot.def.name, kind: slot.def.kind, ok: false, count: previousCount, previous_count: previousCount, bad_lines: prev.bad_lines, bad_samples: [] };
    try {
      const r = await slot.def.load(prev, started, signal);
      next = {
        ...prev,
        origin: slot.def.origin,
        updated: started,
        attempted: started,
        last_error: null,
        bad_lines: r.badCount,
        bad_samples: r.badSamples,
        meta: { ...(r.meta ?? {}), ...(r.note !== undefined ? { note: r.note } : {}), ...(slot.def.remote ? {} : modifiedMeta(slot.def.origin)) },
        indicators: r.indicators ?? [],
        relays: r.relays ?? [],
      };
      out.ok = true;
      out.count = slot.def.kind === 'tor' ? next.relays.length : next.indicators.length;
      out.bad_lines = r.badCount;
      out.bad_samples = r.badSamples;
      if (r.note !== undefined) out.note = r.note;
    } catch (err) {
      next = { ...prev, attempted: started, last_error: message(err) };
      out.error = message(err);
    }
    return { slot, next, out };
  };

  /** Makes a loaded snapshot the source's set, and keeps it in the local store (remote sources). */
  const applyOne = ({ slot, next, out }: { slot: Slot; next: SourceSnapshot; out: SourceRefresh }): SourceRefresh => {
    slot.snap = next;
    if (slot.def.remote) {
      try {
        saveSnapshot(cacheDir, slot.snap);
      } catch (err) {
        out.store_error = `could not write the local store in ${cacheDir}: ${message(err)}`;
      }
    }
    return out;
  };

  if (opts.skipLocalLoad !== true) {
    for (const loaded of await Promise.all(slots.filter((s) => !s.def.remote).map((s) => loadOne(s)))) applyOne(loaded);
  }
  rebuild();

  let running: Promise<RefreshReport> | null = null;
  const refresh = (opts: RefreshOptions = {}): Promise<RefreshReport> => {
    if (running !== null) return running;
    const signal = opts.signal;
    running = (async () => {
      const started = now();
      const loaded = await Promise.all(slots.map((s) => loadOne(s, signal)));
      // Stopped: some loads failed only because their fetch was cut short, others may be partial. Apply none.
      if (signal?.aborted === true) return { ok: false, aborted: true, started, seconds: Math.max(0, now() - started), sources: [] };
      const results = loaded.map(applyOne);
      rebuild();
      return { ok: results.every((r) => r.ok), aborted: false, started, seconds: Math.max(0, now() - started), sources: results };
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const indicators: IntelIndicators = {
    matchIp: (ip) => index.matchIp(ip),
    matchDomain: (name) => index.matchDomain(name),
    matchUserAgent: (ua) => index.matchUserAgent(ua),
    matchFingerprint: (kind, value) => index.matchFingerprint(kind, value),
    matchHttpUrl: (key) => index.matchHttpUrl(key),
    matchUrl: (url) => index.matchUrl(url),
    urlsOnHost: (host) => index.urlsOnHost(host),
    get size() {
      return index.size;
    },
  };
  const tor: IntelTor = {
    lookup: (ip): TorRelay[] | undefined => relays.lookup(ip),
    get size() {
      return relays.size;
    },
    get exits() {
      return relays.exits;
    },
  };
  const hasIndicators = slots.some((s) => s.def.kind !== 'tor');
  const hasTor = slots.some((s) => s.def.kind === 'tor');

  return {
    indicators,
    tor,
    storeProblems,
    refresh,
    status(): SourceStatus[] {
      const t = now();
      return slots.map(({ def, snap }) => {
        const isTor = def.kind === 'tor';
        const note = snap.meta.note;
        return {
          name: def.name,
          kind: def.kind,
          origin: def.origin,
          count: isTor ? snap.relays.length : snap.indicators.length,
          alerting: isTor ? snap.relays.filter((r) => r.exit).length : snap.indicators.filter((i) => alertingRules(i).length > 0).length,
          updated: snap.updated,
          age_seconds: snap.updated === null ? null : Math.max(0, t - snap.updated),
          last_attempt: snap.attempted,
          last_error: snap.last_error,
          bad_lines: snap.bad_lines,
          bad_samples: snap.bad_samples,
          note: typeof note === 'string' ? note : null,
          remote: def.remote,
          modified: typeof snap.meta.modified === 'number' ? snap.meta.modified : null,
        };
      });
    },
    startRefresh(intervalSeconds: number, onReport?: (r: RefreshReport) => void): RefreshScheduler {
      const t = now();
      const stale = slots.some((s) => s.def.remote && (s.snap.updated === null || t - s.snap.updated >= intervalSeconds));
      return startScheduler(
        intervalSeconds,
        async (signal) => {
          const r = await refresh({ signal });
          // A refresh stopped with the sensor is not a failure: it changed nothing.
          if (!r.aborted) onReport?.(r);
        },
        { immediately: stale },
      );
    },
    context() {
      const c: Pick<IntelContext, 'indicators' | 'tor'> = {};
      if (hasIndicators) c.indicators = indicators;
      if (hasTor) c.tor = tor;
      return c;
    },
  };
}
