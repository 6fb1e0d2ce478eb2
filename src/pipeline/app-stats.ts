/**
 * Counters of the application layer shared by every flow's analyzers (the
 * run summary's "analyzed flows", anomalies, exceptions and abandoned
 * flows), and the anomaly bound every analyzer is held to.
 */
/** Counters shared by every flow's application layer. */
export class AppLayerStats {
  /** Flows handed to each analyzer, by name. */
  readonly flows: Record<string, number> = {};
  /** Anomalies reported by analyzers, by "<analyzer>.<code>". */
  readonly anomalies: Record<string, number> = {};
  /** Exceptions that escaped an analyzer (bugs), by analyzer name; the flow's analysis stops. */
  readonly exceptions: Record<string, number> = {};
  /** Flows whose analysis stopped at MAX_FLOW_ANOMALIES, by analyzer name. */
  readonly abandoned: Record<string, number> = {};
}

/**
 * Anomalies one flow's analyzer may report, before it has confirmed its
 * protocol, until its analysis stops. A flow that never parses (random
 * bytes on a well-known port, a protocol we do not speak) would otherwise
 * be parsed, and complained about, segment after segment. Once the
 * analyzer has confirmed the protocol it keeps going however odd the peer
 * gets, so garbage sent after a real exchange cannot switch parsing off.
 * Counted in `abandoned`; the conn record still ends normally.
 */
export const MAX_FLOW_ANOMALIES = 32;

/** Distinct anomaly codes remembered per analyzer (codes are constants; the bound only guards against a made-up one per flow). */
const MAX_CACHED_CODES = 256;
const anomalyKeys = new Map<string, Map<string, string>>();

/**
 * "<analyzer>.<code>", the counter name of an anomaly, made once per pair:
 * junk on a well-known port raises anomalies by the hundred thousand, and a
 * string made afresh each time had to be built, flattened and hashed again
 * for the counter lookup.
 */
function anomalyKey(analyzer: string, code: string): string {
  let byCode = anomalyKeys.get(analyzer);
  if (byCode === undefined) {
    byCode = new Map();
    anomalyKeys.set(analyzer, byCode);
  }
  let key = byCode.get(code);
  if (key === undefined) {
    key = `${analyzer}.${code}`;
    if (byCode.size < MAX_CACHED_CODES) byCode.set(code, key);
  }
  return key;
}

/** Counts one anomaly of `analyzer` in `stats` ("<analyzer>.<code>"). */
export function countAnomaly(stats: AppLayerStats, analyzer: string, code: string): void {
  const key = anomalyKey(analyzer, code);
  stats.anomalies[key] = (stats.anomalies[key] ?? 0) + 1;
}
