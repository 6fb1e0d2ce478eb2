/**
 * Waiting on shared memory without blocking the event loop: Atomics.waitAsync
 * (Node 16+; typed here because the compiler's library predates it), kept
 * from letting a thread exit. A pending waitAsync alone does not keep a
 * thread's event loop alive, so a worker whose only work is waiting would
 * end; a timer for the length of the wait does.
 */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** Waits while `ctrl[index]` is `value`, at most `ms` milliseconds (then the caller looks again). */
export async function waitWhileEqual(ctrl: Int32Array, index: number, value: number, ms: number): Promise<void> {
  const w = waitAsync(ctrl, index, value, ms);
  if (!w.async) return;
  const keep = setTimeout(() => undefined, ms * 2);
  await w.value;
  clearTimeout(keep);
}
