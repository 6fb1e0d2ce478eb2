/**
 * Connections announced before they open (AnalyzerContext.expect): an FTP
 * control connection names the address and port of its next data channel.
 * The first TCP connection to that responder address and port (from the
 * announced originator, when one is named) takes the announced analyzer,
 * and the announcement is used up. Announcements expire at their `until`
 * time and at most MAX_EXPECTED are held: the oldest goes first, counted.
 */
import type { ExpectedConnection, ProtocolSpec } from '../protocols/analyzer.js';

/** Announcements held at once (a busy FTP server may have many transfers under way). */
export const MAX_EXPECTED = 4096;

export class ExpectedConnections {
  /** By "responder address|port"; insertion order is age order. */
  readonly #byResponder = new Map<string, ExpectedConnection>();
  /** Announcements dropped to stay within MAX_EXPECTED. */
  dropped = 0;

  get size(): number {
    return this.#byResponder.size;
  }

  /** Holds `c`; false when the oldest announcement had to go to make room. */
  add(c: ExpectedConnection): boolean {
    const key = responderKey(c.resp_h, c.resp_p);
    // A new announcement of the same address and port replaces the old one (and becomes the newest).
    this.#byResponder.delete(key);
    let kept = true;
    if (this.#byResponder.size >= MAX_EXPECTED) {
      const oldest = this.#byResponder.keys().next();
      if (oldest.done !== true) this.#byResponder.delete(oldest.value);
      this.dropped++;
      kept = false;
    }
    this.#byResponder.set(key, c);
    return kept;
  }

  /**
   * The analyzer announced for a connection from `orig_h` to `resp_h`:`resp_p`
   * at time `now`, used up by this call; undefined when none is announced.
   */
  take(orig_h: string, resp_h: string, resp_p: number, now: number): ProtocolSpec | undefined {
    const key = responderKey(resp_h, resp_p);
    const c = this.#byResponder.get(key);
    if (c === undefined) return undefined;
    if (c.until < now) {
      this.#byResponder.delete(key);
      return undefined;
    }
    if (c.orig_h !== undefined && c.orig_h !== orig_h) return undefined;
    this.#byResponder.delete(key);
    return c.spec;
  }

  /** Drops announcements expired at `now`. */
  expire(now: number): void {
    for (const [key, c] of this.#byResponder) if (c.until < now) this.#byResponder.delete(key);
  }
}

function responderKey(resp_h: string, resp_p: number): string {
  return `${resp_h}|${resp_p}`;
}
