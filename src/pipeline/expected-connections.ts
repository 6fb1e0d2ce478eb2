/**
 * Connections announced before they open (AnalyzerContext.expect): an FTP
 * control connection names the address and port of its next data channel,
 * a TFTP request the client port its transfer will come back to. The first
 * connection of the announced transport to that responder address and port
 * (from the announced originator, when one is named) takes the announced analyzer,
 * and the announcement is used up (at its other address too, when it names
 * one). Announcements expire at their `until` time and at most MAX_EXPECTED
 * are held: the oldest goes first, counted.
 */
import type { ExpectedConnection, ProtocolSpec, Transport } from '../protocols/analyzer.js';

/** Announcements held at once (a busy FTP server may have many transfers under way). */
export const MAX_EXPECTED = 4096;

export class ExpectedConnections {
  /** By "transport|responder address|port" (an announcement with two addresses is here twice); insertion order is age order. */
  readonly #byResponder = new Map<string, ExpectedConnection>();
  /** Announcements held. */
  #count = 0;
  /** Announcements dropped to stay within MAX_EXPECTED. */
  dropped = 0;

  get size(): number {
    return this.#count;
  }

  /** Holds `c`; false when the oldest announcement had to go to make room. */
  add(c: ExpectedConnection): boolean {
    // A new announcement of the same address and port replaces the old one (and becomes the newest).
    this.#removeAt(keyOf(c, c.resp_h));
    if (c.also_resp_h !== undefined) this.#removeAt(keyOf(c, c.also_resp_h));
    let kept = true;
    if (this.#count >= MAX_EXPECTED) {
      const oldest = this.#byResponder.keys().next();
      if (oldest.done !== true) this.#removeAt(oldest.value);
      this.dropped++;
      kept = false;
    }
    this.#byResponder.set(keyOf(c, c.resp_h), c);
    if (c.also_resp_h !== undefined && c.also_resp_h !== c.resp_h) this.#byResponder.set(keyOf(c, c.also_resp_h), c);
    this.#count++;
    return kept;
  }

  /** Removes the announcement held under `key`, at each of its addresses. */
  #removeAt(key: string): void {
    const c = this.#byResponder.get(key);
    if (c === undefined) return;
    this.#byResponder.delete(keyOf(c, c.resp_h));
    if (c.also_resp_h !== undefined) this.#byResponder.delete(keyOf(c, c.also_resp_h));
    this.#count--;
  }

  /**
   * The analyzer announced for a `transport` connection from `orig_h` to
   * `resp_h`:`resp_p` at time `now`, used up by this call; undefined when
   * none is announced.
   */
  take(transport: Transport, orig_h: string, resp_h: string, resp_p: number, now: number): ProtocolSpec | undefined {
    const key = responderKey(transport, resp_h, resp_p);
    const c = this.#byResponder.get(key);
    if (c === undefined) return undefined;
    if (c.until < now) {
      this.#removeAt(key);
      return undefined;
    }
    if (c.orig_h !== undefined && c.orig_h !== orig_h) return undefined;
    this.#removeAt(key);
    return c.spec;
  }

  /** Drops announcements expired at `now`. */
  expire(now: number): void {
    for (const [key, c] of this.#byResponder) if (c.until < now) this.#removeAt(key);
  }
}

function responderKey(transport: Transport, resp_h: string, resp_p: number): string {
  return `${transport}|${resp_h}|${resp_p}`;
}

/** The key of announcement `c` at its responder address `resp_h`. */
function keyOf(c: ExpectedConnection, resp_h: string): string {
  return responderKey(c.transport ?? 'tcp', resp_h, c.resp_p);
}
