/**
 * Bounded polling for tests that wait on a state change in another process
 * or socket: at most `maxPolls` checks `intervalMs` apart, then a failure
 * naming what never happened. A bound, not a timing assertion.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(cond: () => boolean, what: string, maxPolls = 600, intervalMs = 50): Promise<void> {
  for (let i = 0; i < maxPolls; i++) {
    if (cond()) return;
    await sleep(intervalMs);
  }
  assert.fail(`timed out waiting for ${what}`);
}
