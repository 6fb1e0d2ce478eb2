/**
 * A hashed timer wheel of one-second buckets for flow expiry. Each live
 * flow sits in exactly one bucket (intrusive doubly linked lists in typed
 * arrays), at the time it should next be *looked at*. Checks are lazy: the
 * packet path never touches the wheel while a flow's deadline only moves
 * later (every packet pushes the inactivity deadline out); only a deadline
 * moving earlier (a close) re-files the flow. When a bucket comes due, each
 * flow in it is either ended or re-filed at its real deadline. Cost per
 * `advance` is the number of seconds passed plus the flows looked at.
 */

/**
 * Buckets (seconds) the wheel spans: more than the longest default timeout
 * (300 s), so most flows are looked at once. Longer deadlines are filed at
 * the far end and re-filed when reached.
 */
export const WHEEL_SECONDS = 1024;
const WHEEL_MASK = WHEEL_SECONDS - 1;

/** Int32 words per flow: next, previous, bucket (interleaved: one cache line per flow touched). */
const LINK = 3;

export class TimerWheel {
  readonly #head = new Int32Array(WHEEL_SECONDS).fill(-1);
  /** Per flow: [next, prev, bucket], -1 = none / not filed. */
  #links: Int32Array;
  /** Second whose bucket is processed next; NaN until started. */
  #cursor = NaN;

  constructor(capacity: number) {
    this.#links = new Int32Array(capacity * LINK).fill(-1);
  }

  grow(capacity: number): void {
    const links = new Int32Array(capacity * LINK).fill(-1);
    links.set(this.#links);
    this.#links = links;
  }

  /** Starts the wheel's clock at packet time `now` (only the first call has an effect). */
  start(now: number): void {
    if (this.#cursor !== this.#cursor) this.#cursor = Math.floor(now); // NaN: not started yet
  }

  /** Files flow `f` to be looked at at time `t` (re-filing it if already filed). Call `start` first. */
  schedule(f: number, t: number): void {
    const l = this.#links;
    const i = f * LINK;
    if (l[i + 2]! >= 0) this.unlink(f);
    let sec = Math.floor(t);
    if (this.#cursor !== this.#cursor) this.#cursor = sec;
    const cursor = this.#cursor;
    if (!(sec >= cursor)) sec = cursor; // in the past (or NaN): look at it next time
    else if (sec > cursor + WHEEL_MASK) sec = cursor + WHEEL_MASK; // beyond the span: re-filed later
    const bucket = sec & WHEEL_MASK;
    const h = this.#head[bucket]!;
    l[i] = h;
    l[i + 1] = -1;
    l[i + 2] = bucket;
    if (h >= 0) l[h * LINK + 1] = f;
    this.#head[bucket] = f;
  }

  /** Removes flow `f` from the wheel (no-op when not filed). */
  unlink(f: number): void {
    const l = this.#links;
    const i = f * LINK;
    const bucket = l[i + 2]!;
    if (bucket < 0) return;
    const n = l[i]!;
    const p = l[i + 1]!;
    if (p >= 0) l[p * LINK] = n;
    else this.#head[bucket] = n;
    if (n >= 0) l[n * LINK + 1] = p;
    l[i] = -1;
    l[i + 1] = -1;
    l[i + 2] = -1;
  }

  /**
   * Visits every flow filed in the buckets from the cursor up to `now`'s
   * second. `visit(f)` runs after `f` was unlinked; it must end the flow or
   * `schedule` it again. The current second's bucket is visited again on the
   * next call, since flows in it may fall due later within that second.
   */
  advance(now: number, visit: (f: number) => void): void {
    if (this.#cursor !== this.#cursor) return;
    const nowSec = Math.floor(now);
    let from = this.#cursor;
    if (!(nowSec >= from)) return; // time went backwards: nothing can be newly due
    // After a long gap every bucket is visited once, which reaches every flow.
    if (nowSec - from > WHEEL_MASK) from = nowSec - WHEEL_MASK;
    this.#cursor = nowSec;
    const l = this.#links;
    for (let sec = from; sec <= nowSec; sec++) {
      const bucket = sec & WHEEL_MASK;
      let f = this.#head[bucket]!;
      // Detach the whole list first: flows re-filed into this bucket wait for the next call.
      this.#head[bucket] = -1;
      while (f >= 0) {
        const i = f * LINK;
        const n = l[i]!;
        l[i] = -1;
        l[i + 1] = -1;
        l[i + 2] = -1;
        if (n >= 0) l[n * LINK + 1] = -1;
        visit(f);
        f = n;
      }
    }
  }

  /** Forgets every flow. */
  clear(): void {
    this.#head.fill(-1);
    this.#links.fill(-1);
  }

  get byteLength(): number {
    return this.#head.byteLength + this.#links.byteLength;
  }
}
