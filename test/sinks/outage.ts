/**
 * The durability scenario every network sink goes through against its real
 * receiver: deliver, stop the receiver, keep delivering (alerts queue on
 * disk, attempts fail and back off), restart the receiver (everything arrives
 * exactly once, in order), then start a new set of sinks on the same data dir
 * (nothing delivered is sent again, and new alerts still flow).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../helpers/paths.js';
import { createSinks } from '../../src/sinks/index.js';
import { sinksSchema } from '../../src/sinks/config.js';
import { makeAlert, waitFor, type Receiver } from './helpers.js';

/** Fast retries so the test does not wait out production backoff (no assertion depends on them). */
export const FAST_QUEUE = { retry_initial: '10ms', retry_max: '100ms' };

export function parseSinks(list: unknown[]): ReturnType<typeof sinksSchema.parse> {
  return sinksSchema.parse(list);
}

export async function outageScenario<T>(
  sinkConfig: Record<string, unknown>,
  receiver: Receiver<T>,
  numberOf: (item: T) => number,
): Promise<void> {
  const dataDir = tempDir('picket-sinks-');
  const cfg = parseSinks([{ ...sinkConfig, queue: FAST_QUEUE }]);
  const got = () => receiver.received.map(numberOf);
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  try {
    await receiver.start();
    let sinks = createSinks(cfg, { dataDir });
    for (let i = 1; i <= 5; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => receiver.received.length >= 5, 'the first five alerts');
    await sinks.flush();
    assert.deepEqual(got(), range(1, 5));

    await receiver.stop();
    for (let i = 6; i <= 15; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => sinks.stats()[0]!.failures >= 2, 'failed attempts while the receiver is down');
    await sinks.flush();
    const during = sinks.stats()[0]!;
    assert.ok(during.queued >= 10, `alerts wait on disk during the outage (queued ${during.queued})`);
    assert.equal(during.state, 'backoff');
    assert.notEqual(during.lastError, null);
    assert.deepEqual(got(), range(1, 5), 'nothing arrives while the receiver is down');

    await receiver.start();
    sinks.retryNow();
    await waitFor(() => receiver.received.length >= 15, 'the queued alerts after the restart');
    await sinks.flush();
    assert.deepEqual(got(), range(1, 15), 'every alert exactly once, in order');
    const after = sinks.stats()[0]!;
    assert.equal(after.queued, 0);
    assert.equal(after.delivered, 15);
    assert.equal(after.dropped, 0);
    assert.equal(after.rejected, 0);
    await sinks.close();

    // A new process on the same data dir: delivered alerts are not resent.
    sinks = createSinks(cfg, { dataDir });
    assert.equal(sinks.stats()[0]!.queued, 0);
    sinks.deliver(makeAlert(16));
    await waitFor(() => receiver.received.length >= 16, 'alert 16 from the restarted sinks');
    await sinks.flush();
    assert.deepEqual(got(), range(1, 16));
    assert.equal(sinks.stats()[0]!.delivered, 1);
    await sinks.close();

    // Queued during a shutdown: alerts taken while the receiver is down go out after the next start.
    await receiver.stop();
    sinks = createSinks(cfg, { dataDir });
    sinks.deliver(makeAlert(17));
    sinks.deliver(makeAlert(18));
    await sinks.flush();
    await sinks.close();
    await receiver.start();
    sinks = createSinks(cfg, { dataDir });
    await waitFor(() => receiver.received.length >= 18, 'alerts queued before the restart');
    await sinks.flush();
    assert.deepEqual(got(), range(1, 18));
    await sinks.close();
  } finally {
    await receiver.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
