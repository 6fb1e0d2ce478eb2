/**
 * The detection engine: builds the enabled detectors from the site config,
 * subscribes their handlers on the EventBus, and turns their findings into
 * alerts — baseline and learning-period withholding, suppression, dedup
 * (held alerts, see src/alerts/dedup.ts), source MAC fill-in, and emission
 * through `onAlert`. It also keeps the persistent state (devices via
 * device.new, user-agents from http events) and saves it every
 * `state_save_interval` of packet time.
 *
 * Time is packet time only: the engine's clock is the largest event `ts` it
 * has seen (one cheap handler per subscribed event type, registered before
 * the detectors). Nothing here reads the wall clock, so a replayed capture
 * gives the same alerts every time.
 */
import type { IntelContext } from '../intel/context.js';
import type { EventBus } from '../events/bus.js';
import type { PicketEvent, PicketEventType } from '../events/types.js';
import type { ArpEvent } from '../events/arp.js';
import type { SiteConfig } from '../config/schema.js';
import { Site } from '../config/site.js';
import { CidrSet } from '../config/cidr.js';
import { buildAlert, type Alert, type HeldAlert, type AlertRule, type Severity } from '../alerts/alert.js';
import { networkDirection } from '../alerts/direction.js';
import { AlertHold } from '../alerts/dedup.js';
import { Suppressions, type SuppressionRule } from '../alerts/suppress.js';
import { StateStore } from '../state/store.js';
import { LruMap } from '../state/lru.js';
import { DETECTORS } from './index.js';
import type { BoundedState, DetectorContext, DetectorDefinition, Finding, OptionsSchema } from './detector.js';
import { UNSPECIFIED_V4 } from '../config/ip.js';

/** IP -> MAC bindings learned from ARP, to put source.mac on alerts whose rule did not see it. */
const MAX_ARP_BINDINGS = 65536;
/** Separates rule id and detector key in the dedup table (never appears in either). */
const KEY_SEP = '\u0001';
/** Connections per rule remembered as reported from a flow.long snapshot (skipped when they end). */
const MAX_LONG_REPORTED = 100_000;
/** Seconds of packet time between two runs of the rules' settle hooks. */
const SETTLE_EVERY = 1;

export interface EngineOptions {
  config: SiteConfig;
  bus: EventBus;
  /** Persistent state directory (`--state DIR`); without it, state lives in memory for the run. */
  stateDir?: string;
  /** Learn (state) without alerting. */
  baseline?: boolean;
  /**
   * A live sensor: rules that learn stay silent for `learning_period` of packet
   * time after the first start recorded in the state (needs `stateDir`).
   */
  live?: boolean;
  /**
   * Live sensors: emit each alert at its first match too (then again at the
   * end of its dedup interval only if it grew), instead of only when final.
   */
  prompt?: boolean;
  onAlert(alert: Alert): void;
  /** Threat intelligence for the intel rules (ASN, indicators, Tor, user-agents, DGA). */
  intel?: IntelContext;
  /** Detector set to run (tests, plugins); defaults to the registry. */
  detectors?: readonly DetectorDefinition<OptionsSchema>[];
}

export interface EngineStats {
  /** Rule ids running. */
  detectors: string[];
  /** Findings reported, by rule (before suppression and dedup). */
  matches: Record<string, number>;
  /** Alerts emitted, by rule. */
  alerts: Record<string, number>;
  /** Findings silenced by suppression rules, by reason. */
  suppressed: Record<string, number>;
  /** Findings withheld: baseline mode, learning period. */
  withheld: { baseline: number; learning: number };
  open_alerts: number;
  /** Alerts emitted before their dedup interval ended (the hold table was full). */
  early_emits: number;
  /** Handler exceptions by event type (from the bus; a failing detector never stops the others). */
  handler_errors: Record<string, number>;
  /** Detector handler exceptions by rule (rules that failed at least once). */
  detector_errors: Record<string, number>;
  /**
   * Keys the rules' counting state forgot because it was full, by rule
   * (rules with any): such a rule may have missed attacks (see BoundedState).
   */
  state_evictions: Record<string, number>;
  state_save_errors: number;
  state: { networks: number; devices: number; user_agents: number; first_seen: number; dropped: Record<string, number> };
  /** True while rules that learn are silent (baseline or learning period). */
  learning: boolean;
}

export interface Engine {
  /** End of capture: emits every held alert (through onAlert too) and returns them. Does not save state. */
  flush(): Alert[];
  stats(): EngineStats;
  /** Writes the state directory now (atomic per file); a no-op without `stateDir`. */
  saveState(): void;
  /** Advance packet time without an event (idle live capture), emitting expired held alerts. */
  tick(ts: number): void;
  /** Add a suppression rule at runtime. */
  suppress(rule: SuppressionRule): void;
  readonly site: Site;
  readonly state: StateStore;
}

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

const SEVERITY_ORDER = (a: Severity, b: Severity): Severity => (a > b ? a : b);

export function createEngine(opts: EngineOptions): Engine {
  const { config, bus } = opts;
  const site = new Site(config.networks);
  const isInternal = (ip: string): boolean => site.isInternal(ip);
  const state = opts.stateDir !== undefined ? StateStore.load(opts.stateDir) : StateStore.memory();
  const baseline = opts.baseline === true;
  const learningApplies = opts.live === true && opts.stateDir !== undefined;
  const suppressions = new Suppressions(
    config.suppress.map((s) => ({ rule: s.rule, source: s.source, destination: s.destination, until: s.until, reason: s.reason })),
  );
  const matches = new Map<string, number>();
  const alertsByRule = new Map<string, number>();
  let withheldBaseline = 0;
  let withheldLearning = 0;
  let stateSaveErrors = 0;
  let now = -Infinity;
  let nextSave = -Infinity;
  const drained: Alert[] = [];
  let draining = false;

  const emit = (held: HeldAlert): void => {
    // A prompt emission is a snapshot: detectors may still merge into the held evidence.
    const alert = buildAlert(held, config.observer_name);
    if (opts.prompt === true) alert.evidence = structuredClone(alert.evidence);
    if (held.emittedCount === undefined) bump(alertsByRule, held.rule.id);
    if (draining) drained.push(alert);
    opts.onAlert(alert);
  };
  const hold = new AlertHold(config.dedup_interval, config.max_open_alerts, emit, opts.prompt === true);
  const arpMacs = new LruMap<string, string>(MAX_ARP_BINDINGS);

  const learning = (ts: number): boolean => {
    if (baseline) return true;
    if (!learningApplies) return false;
    const first = state.firstStart;
    return first === null || ts < first + config.learning_period;
  };

  const save = (): void => {
    try {
      state.save();
    } catch {
      stateSaveErrors++;
    }
  };

  /** Rules' `settle` hooks, run at most once per second of packet time. */
  const settlers: { id: string; run: (now: number) => void }[] = [];
  /** Rules' `end` hooks, run by flush() before the held alerts go out. */
  const enders: { id: string; run: (now: number) => void }[] = [];
  let nextSettle = -Infinity;
  /** A hook that throws is counted with its rule's handler errors (detector_errors), as an event handler's would be. */
  const runHook = (hook: { id: string; run: (now: number) => void }, ts: number): void => {
    try {
      hook.run(ts);
    } catch {
      bus.ownerErrors.set(hook.id, (bus.ownerErrors.get(hook.id) ?? 0) + 1);
    }
  };
  const advance = (ts: number): void => {
    if (!(ts > now)) return;
    now = ts;
    state.touch(ts);
    hold.advance(ts);
    if (settlers.length > 0 && ts >= nextSettle) {
      nextSettle = ts + SETTLE_EVERY;
      for (const settle of settlers) runHook(settle, ts);
    }
    if (opts.stateDir !== undefined && ts >= nextSave) {
      if (nextSave !== -Infinity && state.dirty) save();
      nextSave = ts + config.state_save_interval;
    }
  };

  const report = (def: DetectorDefinition<OptionsSchema>, rule: AlertRule, f: Finding): void => {
    bump(matches, def.id);
    if (baseline) {
      withheldBaseline++;
      return;
    }
    if (def.learns === true && learning(f.ts)) {
      withheldLearning++;
      return;
    }
    const srcIp = f.source?.ip;
    const dstIp = f.destination?.ip;
    if (suppressions.size > 0 && suppressions.match(def.id, srcIp, dstIp, f.ts) !== null) return;
    const key = def.id + KEY_SEP + f.key;
    const held = hold.get(key);
    const count = f.count ?? 1;
    if (held !== undefined) {
      held.count += count;
      if (f.ts > held.lastSeen) held.lastSeen = f.ts;
      const began = Math.min(f.ts, f.firstSeen ?? f.ts);
      if (began < held.firstSeen) held.firstSeen = began;
      held.message = f.message;
      held.evidence = f.evidence;
      if (f.destination !== undefined) {
        held.destination = f.destination;
        held.direction = networkDirection(isInternal, held.source.ip, f.destination.ip);
      }
      if (held.source.mac === undefined && f.source?.mac !== undefined) held.source.mac = f.source.mac;
      if (f.severity !== undefined) held.severity = SEVERITY_ORDER(held.severity, f.severity);
      return;
    }
    const source = { ip: srcIp, mac: f.source?.mac, port: f.source?.port };
    if (source.mac === undefined && srcIp !== undefined) source.mac = arpMacs.peek(srcIp);
    hold.open(key, {
      rule,
      key: f.key,
      severity: f.severity ?? def.severity,
      source,
      destination: f.destination,
      transport: f.transport,
      networkName: f.network ?? (srcIp !== undefined ? site.networkOf(srcIp)?.name : undefined),
      direction: networkDirection(isInternal, srcIp, dstIp),
      message: f.message,
      evidence: f.evidence,
      count,
      firstSeen: Math.min(f.ts, f.firstSeen ?? f.ts),
      lastSeen: f.ts,
    });
  };

  // The clock (and ARP bindings) first, so detectors see an up-to-date hold table.
  const clock = (e: PicketEvent): void => advance(e.ts);
  const clocked = new Set<PicketEventType>();
  const addClock = (type: PicketEventType): void => {
    if (clocked.has(type)) return;
    clocked.add(type);
    if (type === 'arp') {
      bus.on('arp', (e: ArpEvent) => {
        advance(e.ts);
        if (e.spa !== UNSPECIFIED_V4 && e.sha !== '') arpMacs.set(e.spa, e.sha);
      });
    } else {
      bus.on(type, clock);
    }
  };
  addClock('flow.end');
  addClock('arp');
  // The user-agent inventory of the state (first/last seen, count): only worth the events when it persists.
  if (opts.stateDir !== undefined) {
    clocked.add('http');
    bus.on('http', (e) => {
      advance(e.ts);
      const ua = e.record.user_agent;
      if (ua !== undefined && ua !== '') state.noteUserAgent(ua, e.ts);
    });
  }

  /**
   * A longFlows rule's flow.end handler also gets flow.long snapshots; a
   * connection is judged once: a connection whose snapshot made the rule
   * report (it matched) is skipped at its later snapshots and at its end.
   */
  const subscribeLongFlows = (id: string, handler: (e: PicketEvent) => void): void => {
    const reported = new LruMap<string, true>(MAX_LONG_REPORTED);
    addClock('flow.long');
    bus.on(
      'flow.long',
      (e) => {
        if (reported.has(e.record.uid)) return;
        const before = matches.get(id) ?? 0;
        handler(e);
        if ((matches.get(id) ?? 0) > before) reported.set(e.record.uid, true);
      },
      id,
    );
    bus.on(
      'flow.end',
      (e) => {
        if (reported.delete(e.record.uid)) return;
        handler(e);
      },
      id,
    );
  };

  const running: string[] = [];
  /** Each rule's registered bounded state (ctx.bounded). */
  const boundedBy = new Map<string, BoundedState[]>();
  const defs = opts.detectors ?? DETECTORS;
  const detectorConfig = config.detectors as unknown as Readonly<Record<string, unknown>>;
  for (const def of defs) {
    const options = (detectorConfig[def.id] ?? def.options.parse({})) as { enabled: boolean; exclude: string[] };
    if (!options.enabled) continue;
    running.push(def.id);
    const rule: AlertRule = { id: def.id, name: def.name, severity: def.severity, category: def.category, technique: def.technique };
    const exclude = CidrSet.of(options.exclude);
    const ctx: DetectorContext<typeof options> = {
      options,
      config,
      site,
      state,
      intel: opts.intel ?? {},
      report: (f) => report(def, rule, f),
      held: (k) => hold.get(def.id + KEY_SEP + k),
      excluded: exclude.size === 0 ? () => false : (ip) => ip !== undefined && exclude.has(ip),
      bounded: (...parts) => {
        const list = boundedBy.get(def.id) ?? [];
        list.push(...parts);
        boundedBy.set(def.id, list);
      },
    };
    const created = def.create(ctx as never);
    const settle = created.settle;
    const end = created.end;
    if (settle !== undefined) settlers.push({ id: def.id, run: (ts) => settle.call(created, ts) });
    if (end !== undefined) enders.push({ id: def.id, run: () => end.call(created) });
    const handlers = created as Record<string, ((e: PicketEvent) => void) | undefined>;
    for (const type of def.subscribes) {
      const h = handlers[type];
      if (h === undefined) continue;
      addClock(type);
      if (type === 'flow.end' && def.longFlows === true) {
        subscribeLongFlows(def.id, h);
        continue;
      }
      bus.on(type, h as (e: PicketEvent) => void, def.id);
    }
  }

  const stateEvictions = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [id, parts] of boundedBy) {
      let n = 0;
      for (const p of parts) n += p.evictions;
      if (n > 0) out[id] = n;
    }
    return out;
  };

  return {
    site,
    state,
    flush(): Alert[] {
      drained.length = 0;
      for (const end of enders) runHook(end, now);
      draining = true;
      hold.drain();
      draining = false;
      return drained.splice(0);
    },
    stats(): EngineStats {
      const c = state.counts();
      return {
        detectors: [...running],
        matches: Object.fromEntries(matches),
        alerts: Object.fromEntries(alertsByRule),
        suppressed: suppressions.counts(),
        withheld: { baseline: withheldBaseline, learning: withheldLearning },
        open_alerts: hold.size,
        early_emits: hold.earlyEmits,
        handler_errors: Object.fromEntries(bus.handlerErrors),
        detector_errors: Object.fromEntries([...bus.ownerErrors].filter(([owner]) => running.includes(owner))),
        state_evictions: stateEvictions(),
        state_save_errors: stateSaveErrors,
        state: { ...c, dropped: { ...state.dropped } },
        learning: baseline || (learningApplies && now !== -Infinity && learning(now)),
      };
    },
    saveState(): void {
      state.save();
    },
    tick(ts: number): void {
      advance(ts);
    },
    suppress(rule: SuppressionRule): void {
      suppressions.add(rule);
    },
  };
}
