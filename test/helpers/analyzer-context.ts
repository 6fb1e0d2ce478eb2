/**
 * An AnalyzerContext for driving protocol analyzers directly in tests: it
 * collects what the analyzer reports (events, confirmed services, anomaly
 * codes) through the real callback interface, not a mock.
 */
import type { AnalyzerContext } from '../../src/protocols/analyzer.js';
import type { ConnId } from '../../src/events/conn-id.js';
import type { PicketEvent } from '../../src/events/types.js';

export interface CollectingContext extends AnalyzerContext {
  readonly events: PicketEvent[];
  /** Services passed to `confirm`, in order. */
  readonly services: string[];
  readonly anomalies: string[];
}

/** A context for connection `conn` that records everything reported to it. */
export function collectingContext(conn: ConnId): CollectingContext {
  const events: PicketEvent[] = [];
  const services: string[] = [];
  const anomalies: string[] = [];
  return {
    conn,
    events,
    services,
    anomalies,
    emit: (e) => events.push(e),
    confirm: (s) => services.push(s),
    anomaly: (c) => anomalies.push(c),
  };
}

/** Events of one type, typed. */
export function ofType<T extends PicketEvent['type']>(events: readonly PicketEvent[], type: T): Extract<PicketEvent, { type: T }>[] {
  return events.filter((e): e is Extract<PicketEvent, { type: T }> => e.type === type);
}
