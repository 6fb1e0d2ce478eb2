/**
 * Wires the detection engine to a pipeline's bus for the commands that
 * analyse traffic (replay, baseline, sensor, demo): loads the site
 * configuration and threat intelligence, opens the state directory,
 * enriches connections and alerts with ASN and country, and collects alerts.
 */
import path from 'node:path';
import { EventBus } from '../events/bus.js';
import { createEngine, type Engine } from '../detect/engine.js';
import { loadConfig } from '../config/load.js';
import type { SiteConfig } from '../config/schema.js';
import type { Alert } from '../alerts/alert.js';
import { createIntelContext, defaultIntelCacheDir, type IntelSetup } from '../intel/index.js';
import type { RefreshReport } from '../intel/sources.js';
import type { RefreshScheduler } from '../intel/store/scheduler.js';
import { enrichAlert, enrichConnRecord } from '../intel/ipdb/enrich.js';
import { createSinks } from '../sinks/index.js';
import type { DetectionHealth } from './summary.js';
import type { SinkStats } from '../sinks/runner.js';
import type { FlowTrackerOptions } from '../flows/tracker.js';
import type { DecoderOptions } from '../decode/decoder.js';
import type { AnalyzerOptions } from '../protocols/index.js';

export interface DetectionSetup {
  bus: EventBus;
  engine: Engine;
  config: SiteConfig;
  intel: IntelSetup;
  /** Flow tracker options from the site: its networks' CIDRs, for conn.log local_orig/local_resp. */
  flows: FlowTrackerOptions;
  /** Decoder options from the site: what to do with tunnels. */
  decoder: DecoderOptions;
  /** Analyzer options from the site: the digests files get. */
  analyzers: AnalyzerOptions;
  /** Alerts emitted so far. */
  readonly alerts: number;
  /** Detector failures, full detector state and early alerts, for the summary. */
  health(): DetectionHealth;
  /** Each configured sink's counters (after `finish`, as they were when its queues were flushed). */
  sinkStats(): SinkStats[];
  /** End of input: emit held alerts, save state, deliver queued alerts to the sinks. */
  finish(): Promise<void>;
}

export interface DetectionOptions {
  configFile?: string | undefined;
  stateDir?: string | undefined;
  baseline?: boolean;
  live?: boolean;
  /** Load threat intelligence and IP enrichment (default true). */
  intel?: boolean;
  /** Where sink queues live (default: the state directory, else ./data). */
  dataDir?: string;
  /** False keeps this alert from the local sinks (a networked sensor's console suppressions); it still reaches onAlert. */
  deliverLocally?(alert: Alert): boolean;
  /** Every alert; `local` is what deliverLocally answered for it (true without deliverLocally). */
  onAlert(alert: Alert, local: boolean): void;
}

export async function setUpDetection(opts: DetectionOptions): Promise<DetectionSetup> {
  const config = loadConfig(opts.configFile);
  const baseDir = opts.configFile !== undefined ? path.dirname(path.resolve(opts.configFile)) : process.cwd();
  const intel: IntelSetup =
    opts.intel === false
      ? { intel: {}, enricher: undefined, sources: undefined, problems: [], attribution: [] }
      : await createIntelContext(config, { baseDir, cacheDir: defaultIntelCacheDir(config, baseDir, opts.stateDir) });
  for (const p of intel.problems) process.stderr.write(`picket: warning: ${p}\n`);
  // A live sensor refreshes its lists, MISP and Tor sources every intel.refresh (at once when a
  // remote one is older than that); replays judge with what the local store holds.
  const intelRefresh: RefreshScheduler | null =
    opts.live === true && intel.sources !== undefined && intel.sources.status().length > 0
      ? intel.sources.startRefresh(config.intel.refresh, reportIntelRefresh)
      : null;
  // SIGHUP refreshes at once (a list file was edited, `picket intel update` fetched new data).
  const onHangUp = (): void => {
    const started = intelRefresh?.runNow() === true;
    process.stderr.write(`picket: SIGHUP: ${started ? 'refreshing intel sources now' : 'an intel refresh is already running'}\n`);
  };
  if (intelRefresh !== null) process.on('SIGHUP', onHangUp);
  if (opts.live !== true) {
    for (const s of intel.sources?.status() ?? []) {
      if (s.remote && s.updated === null) process.stderr.write(`picket: warning: intel source ${s.name} has never been fetched, so it matches nothing (run picket intel update)\n`);
    }
  }
  const bus = new EventBus();
  // The first failure of each rule is told at once with its reason; later ones are counted (summary, stats).
  const told = new Set<string>();
  bus.onError = (err, event, owner) => {
    if (owner === undefined || told.has(owner)) return;
    told.add(owner);
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`picket: warning: rule ${owner} failed on a ${event.type} event: ${why} (further failures are counted in the summary)\n`);
  };
  const enricher = intel.enricher;
  // Registered before the engine so detectors and the log writer see enriched records.
  if (enricher !== undefined) bus.on('flow.end', (e) => void enrichConnRecord(e.record, enricher));
  const sinks =
    config.sinks.length === 0
      ? null
      : createSinks(config.sinks, {
          dataDir: opts.dataDir ?? opts.stateDir ?? path.resolve('data'),
          baseDir,
          // Once per episode (failing, refusing, dropping at the queue bound, recovered): a long run says so when it happens.
          onNotice: (n) => process.stderr.write(`picket: ${n.kind === 'recovered' ? '' : 'warning: '}${n.message}\n`),
        });
  let alerts = 0;
  let finalSinkStats: SinkStats[] | null = null;
  const engine = createEngine({
    config,
    bus,
    intel: intel.intel,
    ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
    baseline: opts.baseline === true,
    live: opts.live === true,
    prompt: opts.live === true,
    onAlert: (a) => {
      alerts++;
      const alert = enricher !== undefined ? enrichAlert(a, enricher) : a;
      const local = opts.deliverLocally?.(alert) !== false;
      if (sinks !== null && local) sinks.deliver(alert);
      opts.onAlert(alert, local);
    },
  });
  return {
    bus,
    engine,
    config,
    intel,
    flows: siteFlowOptions(config),
    decoder: siteDecoderOptions(config),
    analyzers: siteAnalyzerOptions(config),
    get alerts() {
      return alerts;
    },
    health(): DetectionHealth {
      const st = engine.stats();
      return { errors: st.detector_errors, evictions: st.state_evictions, earlyEmits: st.early_emits };
    },
    sinkStats(): SinkStats[] {
      return finalSinkStats ?? sinks?.stats() ?? [];
    },
    async finish() {
      // Aborts a refresh in flight rather than wait up to its fetch timeout; an aborted refresh changes nothing.
      process.off('SIGHUP', onHangUp);
      await intelRefresh?.stop();
      engine.flush();
      engine.saveState();
      if (sinks !== null) {
        await sinks.flush();
        finalSinkStats = sinks.stats();
        await sinks.close();
      }
    },
  };
}

/** A live refresh's failures on stderr (the source keeps its previous set; intel status shows the error too). */
function reportIntelRefresh(r: RefreshReport): void {
  for (const s of r.sources) {
    if (!s.ok) process.stderr.write(`picket: warning: intel source ${s.name}: ${s.error ?? 'refresh failed'} (kept ${s.count} from before)\n`);
    if (s.store_error !== undefined) process.stderr.write(`picket: warning: intel source ${s.name}: ${s.store_error}\n`);
  }
}

/** The flow tracker's view of the site: the configured networks are Zeek's local_nets. */
/** The site's `tunnels:` section as decoder options. */
export function siteDecoderOptions(config: SiteConfig): DecoderOptions {
  return { tunnels: config.tunnels.decapsulate, tunnelConns: config.tunnels.outer_conns };
}

/** The site's `files:` section as analyzer options. */
export function siteAnalyzerOptions(config: SiteConfig): AnalyzerOptions {
  return { fileHashes: [...new Set(config.files.hashes)] };
}

export function siteFlowOptions(config: SiteConfig): FlowTrackerOptions {
  const localNets = config.networks.flatMap((n) => n.cidrs);
  return localNets.length > 0 ? { localNets } : {};
}
