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

export class TimerWheel {
  readonly #head = new Int32Array(WHEEL_SECONDS).fill(-1);
  #next: Int32Array;
  #prev: Int32Array;
  /** Bucket of each flow, -1 when not filed. */
  #bucket: Int32Array;
  /** Time each flow is filed for (Infinity when not filed). */
  at: Float64Array;
  /** Second whose bucket is processed next; NaN until the first flow is filed. */
  #cursor = NaN;

  constructor(capacity: number) {
    this.#next = new Int32Array(capacity).fill(-1);
    this.#prev = new Int32Array(capacity).fill(-1);
    this.#bucket = new Int32Array(capacity).fill(-1);
    this.at = new Float64Array(capacity).fill(Infinity);
  }

  grow(capacity: number): void {
    const grow32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(capacity).fill(-1);
      b.set(a);
      return b;
    };
    this.#next = grow32(this.#next);
    this.#prev = grow32(this.#prev);
    this.#bucket = grow32(this.#bucket);
    const at = new Float64Array(capacity).fill(Infinity);
    at.set(this.at);
    this.at = at;
  }

  /** Starts the wheel's clock at packet time `now` (only the first call has an effect). */
  start(now: number): void {
    if (this.#cursor !== this.#cursor) this.#cursor = Math.floor(now); // NaN: not started yet
  }

  /** Files flow `f` to be looked at at time `t` (re-filing it if already filed). Call `start` first. */
  schedule(f: number, t: number): void {
    if (this.#bucket[f]! >= 0) this.unlink(f);
    let sec = Math.floor(t);
    if (this.#cursor !== this.#cursor) this.#cursor = sec;
    const cursor = this.#cursor;
    if (!(sec >= cursor)) sec = cursor; // in the past (or NaN): look at it next time
    else if (sec > cursor + WHEEL_MASK) sec = cursor + WHEEL_MASK; // beyond the span: re-filed later
    const b = sec & WHEEL_MASK;
    const h = this.#head[b]!;
    this.#next[f] = h;
    this.#prev[f] = -1;
    if (h >= 0) this.#prev[h] = f;
    this.#head[b] = f;
    this.#bucket[f] = b;
    this.at[f] = t;
  }

  /** Removes flow `f` from the wheel (no-op when not filed). */
  unlink(f: number): void {
    const b = this.#bucket[f]!;
    if (b < 0) return;
    const n = this.#next[f]!;
    const p = this.#prev[f]!;
    if (p >= 0) this.#next[p] = n;
    else this.#head[b] = n;
    if (n >= 0) this.#prev[n] = p;
    this.#next[f] = -1;
    this.#prev[f] = -1;
    this.#bucket[f] = -1;
    this.at[f] = Infinity;
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
    for (let sec = from; sec <= nowSec; sec++) {
      const b = sec & WHEEL_MASK;
      let f = this.#head[b]!;
      // Detach the whole list first: flows re-filed into this bucket wait for the next call.
      this.#head[b] = -1;
      while (f >= 0) {
        const n = this.#next[f]!;
        this.#next[f] = -1;
        this.#prev[f] = -1;
        this.#bucket[f] = -1;
        this.at[f] = Infinity;
        if (n >= 0) this.#prev[n] = -1;
        visit(f);
        f = n;
      }
    }
  }

  /** Forgets every flow. */
  clear(): void {
    this.#head.fill(-1);
    this.#next.fill(-1);
    this.#prev.fill(-1);
    this.#bucket.fill(-1);
    this.at.fill(Infinity);
  }

  get byteLength(): number {
    return this.#head.byteLength + this.#next.byteLength * 3 + this.at.byteLength;
  }
}
