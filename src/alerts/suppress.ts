/**
 * Suppression: operator decisions that silence known-good matches ("the
 * vulnerability scanner may scan"). A rule names a rule id (exact, "*" or a
 * prefix pattern like "scan.*"), optionally a source and/or destination host or
 * CIDR, an optional expiry in packet time and a reason. Silenced alerts are
 * not lost: they are counted per reason so `stats()` shows what was hidden.
 */
import { CidrSet } from '../config/cidr.js';

export interface SuppressionRule {
  /** Rule id, "*" for all rules, or "prefix.*". */
  rule: string;
  /** Host or CIDR list matched against the alert's source IP. */
  source?: readonly string[];
  /** Host or CIDR list matched against the alert's destination IP. */
  destination?: readonly string[];
  /** Packet time (epoch seconds) after which the rule no longer applies. */
  until?: number;
  reason?: string;
}

interface Compiled {
  rule: SuppressionRule;
  exact: string | null;
  prefix: string | null;
  source: CidrSet | null;
  destination: CidrSet | null;
  reason: string;
}

/** Reason recorded when a rule gives none. */
const NO_REASON = 'suppressed';

export class Suppressions {
  readonly #rules: Compiled[] = [];
  readonly #counts = new Map<string, number>();

  constructor(rules: readonly SuppressionRule[] = []) {
    for (let i = 0; i < rules.length; i++) this.add(rules[i]!);
  }

  /** Adds a rule at runtime (console, API). Invalid CIDRs throw a TypeError. */
  add(rule: SuppressionRule): void {
    const star = rule.rule.endsWith('*');
    this.#rules.push({
      rule,
      exact: star ? null : rule.rule,
      prefix: star ? rule.rule.slice(0, -1) : null,
      source: rule.source !== undefined && rule.source.length > 0 ? CidrSet.of(rule.source) : null,
      destination: rule.destination !== undefined && rule.destination.length > 0 ? CidrSet.of(rule.destination) : null,
      reason: rule.reason ?? NO_REASON,
    });
  }

  get size(): number {
    return this.#rules.length;
  }

  /**
   * The first rule silencing this match at packet time `ts`, or null. A match
   * is counted under the rule's reason.
   */
  match(ruleId: string, sourceIp: string | undefined, destinationIp: string | undefined, ts: number): SuppressionRule | null {
    for (let i = 0; i < this.#rules.length; i++) {
      const c = this.#rules[i]!;
      if (c.exact !== null ? c.exact !== ruleId : !ruleId.startsWith(c.prefix!)) continue;
      if (c.rule.until !== undefined && ts >= c.rule.until) continue;
      if (c.source !== null && (sourceIp === undefined || !c.source.has(sourceIp))) continue;
      if (c.destination !== null && (destinationIp === undefined || !c.destination.has(destinationIp))) continue;
      this.#counts.set(c.reason, (this.#counts.get(c.reason) ?? 0) + 1);
      return c.rule;
    }
    return null;
  }

  /** Silenced matches by reason. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
