/**
 * What decides whether a touch of the honeypot raises an alert: the ignore
 * list (source IP/CIDR, honeypot port, protocol) and the rate limits (per
 * source per window, and a global per-second cap so a spoofed flood cannot
 * turn into an alert flood). Memory is bounded: at most `maxSources`
 * sources are remembered; the one reset longest ago is forgotten first.
 */
import { CidrSet } from '../../config/cidr.js';

export type HoneypotProto = 'tcp' | 'udp';

export interface IgnoreRule {
  ip?: readonly string[] | undefined;
  port?: readonly number[] | undefined;
  proto: 'tcp' | 'udp' | 'any';
}

interface CompiledRule {
  ips: CidrSet | null;
  ports: ReadonlySet<number> | null;
  proto: 'tcp' | 'udp' | 'any';
}

export class IgnoreList {
  readonly #rules: CompiledRule[];

  constructor(rules: readonly IgnoreRule[]) {
    this.#rules = rules.map((r) => ({
      ips: r.ip === undefined ? null : CidrSet.of(r.ip),
      ports: r.port === undefined ? null : new Set(r.port),
      proto: r.proto,
    }));
  }

  /** True when some rule matches every part it names. */
  matches(ip: string, port: number, proto: HoneypotProto): boolean {
    for (let i = 0; i < this.#rules.length; i++) {
      const r = this.#rules[i]!;
      if (r.proto !== 'any' && r.proto !== proto) continue;
      if (r.ports !== null && !r.ports.has(port)) continue;
      if (r.ips !== null && !r.ips.has(ip)) continue;
      return true;
    }
    return false;
  }
}

interface SourceWindow {
  start: number;
  alerts: number;
  /** Touches not alerted since the last alert from this source. */
  suppressed: number;
}

export interface RateLimitOptions {
  perSource: number;
  windowMs: number;
  globalPerSecond: number;
  maxSources: number;
}

export type RateDecision = { alert: true; suppressedBefore: number } | { alert: false };

export class SourceRateLimiter {
  readonly #opts: RateLimitOptions;
  readonly #sources = new Map<string, SourceWindow>();
  #globalSecond = 0;
  #globalCount = 0;
  /** Sources forgotten to stay within maxSources (their suppressed counts stay in `suppressed`). */
  evicted = 0;
  /** Touches not alerted because a limit was reached. */
  suppressed = 0;

  constructor(opts: RateLimitOptions) {
    this.#opts = opts;
  }

  get sources(): number {
    return this.#sources.size;
  }

  /** Whether this touch by `ip` at `now` (ms) may raise an alert. */
  check(ip: string, now: number): RateDecision {
    let w = this.#sources.get(ip);
    if (w === undefined || now - w.start >= this.#opts.windowMs) {
      const carried = w?.suppressed ?? 0;
      // Re-inserting moves the source to the newest end of the Map (eviction order).
      if (w !== undefined) this.#sources.delete(ip);
      w = { start: now, alerts: 0, suppressed: carried };
      this.#sources.set(ip, w);
      while (this.#sources.size > this.#opts.maxSources) {
        const oldest = this.#sources.keys().next().value as string;
        this.#sources.delete(oldest);
        this.evicted++;
      }
    }
    const second = Math.floor(now / 1000);
    if (second !== this.#globalSecond) {
      this.#globalSecond = second;
      this.#globalCount = 0;
    }
    if (w.alerts >= this.#opts.perSource || this.#globalCount >= this.#opts.globalPerSecond) {
      w.suppressed++;
      this.suppressed++;
      return { alert: false };
    }
    w.alerts++;
    this.#globalCount++;
    const before = w.suppressed;
    w.suppressed = 0;
    return { alert: true, suppressedBefore: before };
  }

  /** True when `ip` has used up its alerts in the current window (lets TCP close such connections at once). */
  exhausted(ip: string, now: number): boolean {
    const w = this.#sources.get(ip);
    return w !== undefined && now - w.start < this.#opts.windowMs && w.alerts >= this.#opts.perSource;
  }
}
