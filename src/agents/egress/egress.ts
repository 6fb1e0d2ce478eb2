/**
 * The egress agent for segments that must not reach the Internet: runs every
 * configured probe on a schedule and raises `egress.internet_reachable`
 * naming each probe that got through. A probe that keeps getting through is
 * alerted again only after `realert`, so a standing leak is one alert an
 * hour, not one per run.
 */
import type { SiteConfig } from '../../config/schema.js';
import { buildAlert, type Alert } from '../../alerts/alert.js';
import { EGRESS_RULE } from '../agent-rules.js';
import { probeDirectDns, probeHttps, probeIcmp, probeSystemDns, probeTcp, type ProbeResult } from './probes.js';

export type EgressSettings = SiteConfig['egress'];

export interface ProbeRun {
  /** 1 for the first run of this agent. */
  run: number;
  startedAt: number;
  results: ProbeResult[];
  /** Alerts raised by this run (after realert suppression). */
  alerts: Alert[];
}

export interface EgressOptions {
  config: EgressSettings;
  observerName: string;
  onAlert(alert: Alert): void;
  /** Called after each run (for logs and health). */
  onRun?: (run: ProbeRun) => void;
}

/** Runs every probe once, all at once (each bounded by the timeout). */
export function runProbes(cfg: EgressSettings): Promise<ProbeResult[]> {
  const timeoutMs = Math.max(1, Math.round(cfg.timeout * 1000));
  const probes: Promise<ProbeResult>[] = [];
  const name = cfg.dns_names[0] ?? 'example.com';
  if (cfg.system_dns) for (const n of cfg.dns_names) probes.push(probeSystemDns(n, timeoutMs));
  for (const r of cfg.resolvers) probes.push(probeDirectDns(r, name, timeoutMs));
  for (const t of cfg.tcp) probes.push(probeTcp(t, timeoutMs));
  for (const u of cfg.https) probes.push(probeHttps(u, timeoutMs));
  for (const ip of cfg.icmp) probes.push(probeIcmp(ip, timeoutMs));
  return Promise.all(probes);
}

export function probeAlert(r: ProbeResult, run: number, observerName: string, now = Date.now()): Alert {
  const transport = r.kind === 'icmp' ? 'icmp' : r.kind === 'dns-direct' || r.kind === 'dns-system' ? 'udp' : 'tcp';
  const ts = now / 1000;
  return buildAlert(
    {
      rule: EGRESS_RULE,
      key: r.probe,
      severity: EGRESS_RULE.severity,
      source: r.localIp !== undefined ? { ip: r.localIp } : {},
      destination:
        r.targetIp !== undefined || r.targetPort !== undefined
          ? { ...(r.targetIp !== undefined ? { ip: r.targetIp } : {}), ...(r.targetPort !== undefined ? { port: r.targetPort } : {}) }
          : undefined,
      transport,
      networkName: undefined,
      // The probe reached the Internet from a segment that should not reach it.
      direction: r.targetIp !== undefined ? 'outbound' : undefined,
      message: `Egress probe ${r.probe} got through: ${r.detail}`,
      evidence: { probe: r.probe, probe_kind: r.kind, detail: r.detail, run, elapsed_ms: r.elapsedMs },
      count: 1,
      firstSeen: ts,
      lastSeen: ts,
    },
    observerName,
  );
}

export class EgressAgent {
  readonly #opts: EgressOptions;
  readonly #lastAlert = new Map<string, number>();
  #run = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<ProbeRun> | null = null;
  #stopped = false;

  constructor(opts: EgressOptions) {
    this.#opts = opts;
  }

  get runs(): number {
    return this.#run;
  }

  /** One run of every probe; alerts go to onAlert (respecting realert). */
  async runOnce(): Promise<ProbeRun> {
    const run = ++this.#run;
    const startedAt = Date.now();
    const results = await runProbes(this.#opts.config);
    const alerts: Alert[] = [];
    const now = Date.now();
    const realertMs = this.#opts.config.realert * 1000;
    for (const r of results) {
      if (!r.reached) continue;
      const last = this.#lastAlert.get(r.probe);
      if (last !== undefined && now - last < realertMs) continue;
      this.#lastAlert.set(r.probe, now);
      const a = probeAlert(r, run, this.#opts.observerName, now);
      alerts.push(a);
      this.#opts.onAlert(a);
    }
    // Probes that stopped getting through may alert again at once when they reopen.
    for (const r of results) if (!r.reached) this.#lastAlert.delete(r.probe);
    const out = { run, startedAt, results, alerts };
    this.#opts.onRun?.(out);
    return out;
  }

  /** Runs now, then every interval, until stop(). Runs never overlap. */
  start(): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#running = this.runOnce();
      void this.#running.finally(() => {
        this.#running = null;
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#opts.config.interval * 1000);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#running !== null) await this.#running;
  }
}
