/**
 * A sink's filter: which alerts it wants. All configured conditions must hold:
 * severity at or above the minimum, rule id matching one of the globs (none =
 * any rule), and the alert touching one of the networks (none = any), where a
 * network is either a configured network name (the alert's `network.name`)
 * or a CIDR matched against the source and destination IPs.
 */
import type { Alert, Severity } from '../alerts/alert.js';
import { CidrSet, parseCidr } from '../config/cidr.js';
import { globToRegExp } from '../config/fields.js';

export interface FilterSettings {
  readonly min_severity: Severity;
  readonly rules: readonly string[];
  readonly networks: readonly string[];
}

export type AlertFilter = (alert: Alert) => boolean;

export function compileFilter(f: FilterSettings): AlertFilter {
  const min = f.min_severity;
  const rules = f.rules.map(globToRegExp);
  const names = new Set<string>();
  const cidrs: string[] = [];
  for (const n of f.networks) {
    if (typeof parseCidr(n) === 'string') names.add(n);
    else cidrs.push(n);
  }
  const set = cidrs.length > 0 ? CidrSet.of(cidrs) : null;
  const anyNetwork = names.size === 0 && set === null;
  return (alert: Alert): boolean => {
    // Alerts come from the network: a missing event is below every minimum, not a TypeError.
    if (!((alert.event?.severity ?? 0) >= min)) return false;
    if (rules.length > 0) {
      let hit = false;
      const id = alert.rule?.id ?? '';
      for (let i = 0; i < rules.length && !hit; i++) hit = rules[i]!.test(id);
      if (!hit) return false;
    }
    if (anyNetwork) return true;
    const net = alert.network?.name;
    if (net !== undefined && names.has(net)) return true;
    if (set !== null) {
      const src = alert.source?.ip;
      const dst = alert.destination?.ip;
      if (src !== undefined && set.has(src)) return true;
      if (dst !== undefined && set.has(dst)) return true;
    }
    return false;
  };
}
