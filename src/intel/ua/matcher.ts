/**
 * Matches user-agents against one pattern list (attack tools, or malware
 * families): one combined,
 * case-insensitive regular expression answers "any tool?" in a single pass
 * (almost every agent is a browser or library, so that is the common case);
 * only on a hit are the patterns walked, in list order, to name the first
 * that matches. Only the first MAX_TESTED characters are looked at, which
 * bounds the work an attacker-chosen, megabyte-long header can cause.
 */
import type { UserAgentMatch } from '../context.js';
import type { UaPattern } from './patterns.js';

/** Characters of a user-agent examined (tool markers sit near the start). */
export const MAX_TESTED = 2048;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export class UserAgentMatcher {
  readonly patterns: readonly UaPattern[];
  readonly #any: RegExp | null;
  /** User-agents cut to MAX_TESTED before matching. */
  truncated = 0;

  constructor(patterns: readonly UaPattern[]) {
    this.patterns = patterns;
    const parts: string[] = [];
    for (const p of patterns) {
      const t = escape(p.text);
      parts.push(p.kind === 'contains' ? t : p.kind === 'prefix' ? `^${t}` : `^${t}$`);
    }
    this.#any = parts.length > 0 ? new RegExp(parts.join('|'), 'i') : null;
  }

  /** The first pattern, in list order, that `ua` matches, or undefined. */
  match(ua: string): UserAgentMatch | undefined {
    if (this.#any === null || ua.length === 0) return undefined;
    let s = ua;
    if (s.length > MAX_TESTED) {
      s = s.slice(0, MAX_TESTED);
      this.truncated++;
    }
    if (!this.#any.test(s)) return undefined;
    const lower = s.toLowerCase();
    for (const p of this.patterns) {
      const hit = p.kind === 'contains' ? lower.includes(p.text) : p.kind === 'prefix' ? lower.startsWith(p.text) : lower === p.text;
      if (hit) return { tool: p.tool, pattern: p.pattern, source: p.source };
    }
    return undefined;
  }

  /** The pattern entry (with its note) behind a match, for explanations. */
  entry(m: UserAgentMatch): UaPattern | undefined {
    return this.patterns.find((p) => p.pattern === m.pattern && p.tool === m.tool);
  }
}
