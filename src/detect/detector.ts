/**
 * What a detector is: one file per rule exporting a `DetectorDefinition` —
 * the public rule id, what it means, its severity and ATT&CK technique, the
 * event types it reads, its option schema (defaults documented where they are
 * declared), and `create(ctx)` returning one handler per event type. A
 * detector never imports a protocol parser; it reads typed events and reports
 * `Finding`s to the engine, which owns dedup, suppression and output.
 */
import type { z } from 'zod';
import type { EventOf, PicketEventType } from '../events/types.js';
import type { Evidence, Severity } from '../alerts/alert.js';
import type { SiteConfig } from '../config/schema.js';
import type { Site } from '../config/site.js';
import type { StateStore } from '../state/store.js';
import type { IntelContext } from '../intel/context.js';

/** One match reported by a detector; the engine turns it into (or merges it into) an alert. */
export interface Finding {
  /** Packet time of the match. */
  ts: number;
  /** Dedup key within the rule: matches with the same key within dedup_interval are one alert. */
  key: string;
  source?: { ip?: string; mac?: string; port?: number };
  destination?: { ip?: string; port?: number };
  transport?: 'tcp' | 'udp' | 'icmp';
  /** Network name for `network.name`; defaults to the configured network of source.ip. */
  network?: string;
  message: string;
  evidence: Evidence;
  /** Observations this report stands for (default 1): added to the alert's count. */
  count?: number;
  /** Overrides the rule's severity for this match. */
  severity?: Severity;
  /**
   * When the activity this finding reports began, if before `ts` (the
   * oldest event in the window that crossed a threshold): the alert's
   * first_seen. Defaults to `ts`.
   */
  firstSeen?: number;
}

/** What the engine holds for an open alert, as a rule may read it. */
export interface HeldView {
  /** Observations merged so far (the alert's count). */
  readonly count: number;
  /** When the alert's activity began (its first_seen). */
  readonly firstSeen: number;
  readonly evidence: Evidence;
}

/**
 * A bounded structure whose contents decide when the rule alerts (a
 * counting window, per-client tallies): when full it forgets its least
 * recently used keys, and `evictions` counts them. A key forgotten
 * mid-burst restarts its count, so a rule with evictions may miss attacks;
 * the engine reports them per rule (EngineStats.state_evictions). Caches
 * whose loss only costs time do not count.
 */
export interface BoundedState {
  readonly evictions: number;
}

export interface DetectorContext<O> {
  /** This rule's validated options (defaults filled). */
  readonly options: O;
  readonly config: SiteConfig;
  readonly site: Site;
  readonly state: StateStore;
  /** Threat intelligence and enrichment (each part absent when not configured). */
  readonly intel: IntelContext;
  report(finding: Finding): void;
  /** The alert currently held for `key` (its count, first_seen and evidence, to merge into), if any. */
  held(key: string): HeldView | undefined;
  /** True when `ip` is in the rule's `exclude` list. */
  excluded(ip: string | undefined): boolean;
  /** Registers the structures whose evictions can make the rule miss attacks (see BoundedState). */
  bounded(...parts: BoundedState[]): void;
}

/**
 * One handler per subscribed event type, and two optional hooks for rules
 * that decide some findings later than the event that completed them (a
 * pattern judged once it stopped growing): `settle` runs as packet time
 * moves on (at most once per second of it), `end` when the capture ends,
 * before the held alerts are flushed. Both may report.
 */
export type DetectorHandlers = { [T in PicketEventType]?: (event: EventOf<T>) => void } & {
  settle?(now: number): void;
  end?(): void;
};

/** Zod schema of a rule's options (a strict object with defaults). */
export type OptionsSchema = z.ZodType<{ enabled: boolean; exclude: string[] }, unknown>;

export interface DetectorDefinition<S extends OptionsSchema = OptionsSchema> {
  /** Public rule id, e.g. "scan.port.vertical"; never renamed or reused. */
  id: string;
  name: string;
  description: string;
  severity: Severity;
  /** ECS event.category values. */
  category: readonly string[];
  /** MITRE ATT&CK technique id, e.g. "T1046". */
  technique: string;
  subscribes: readonly PicketEventType[];
  /**
   * True when the rule compares against learned state (e.g. "never seen
   * before"): its alerts are withheld during baseline runs and the learning period.
   */
  learns?: boolean;
  /**
   * True when the rule's flow.end handler also judges long-lived connections
   * still open (flow.long snapshots at 10 min, 1 h, ...; the handler reads
   * only `record` and `openedWithAck`), so a three-hour session is reported
   * while it lasts. A connection reported from a snapshot is not judged again,
   * at later snapshots or when it ends (one connection, one count).
   */
  longFlows?: boolean;
  options: S;
  create(ctx: DetectorContext<z.output<S>>): DetectorHandlers;
}

/** True when a longFlows rule's flow.end handler got a flow.long snapshot of a connection still open, not its end. */
export function isSnapshot(e: { readonly type: string }): boolean {
  return e.type === 'flow.long';
}

/** Identity helper that keeps the option type attached to `create`. */
export function defineDetector<S extends OptionsSchema>(def: DetectorDefinition<S>): DetectorDefinition<S> {
  return def;
}
