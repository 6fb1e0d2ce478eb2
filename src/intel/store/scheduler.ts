/**
 * Runs a refresh on a fixed interval of wall-clock time (intel sources
 * change in the world, not in packet time). One run at a time: a tick that
 * comes while the previous run is still going is skipped. The timer is
 * unref'd so it never keeps a finished process alive. `stop()` aborts the
 * signal every run is given (so a run's fetches end at once instead of at
 * their timeout) and resolves once any run in flight has wound down, so a
 * stopping sensor neither waits on a slow server nor exits mid-write.
 * `runNow()` starts a run between ticks (same one-at-a-time rule).
 */
import { setMaxListeners } from 'node:events';

/** Shortest interval accepted: anything faster hammers the sources. */
export const MIN_REFRESH_SECONDS = 10;

export interface RefreshScheduler {
  /**
   * Starts a run now, outside the interval (an operator's request, e.g.
   * SIGHUP after editing a list file). False when a run is already going
   * or the scheduler stopped: nothing new is started then.
   */
  runNow(): boolean;
  /** Stops the timer and aborts a run in progress; resolves when that run has wound down. */
  stop(): Promise<void>;
  readonly running: boolean;
}

export interface SchedulerOptions {
  /** Run once right away (e.g. because cached data is stale). */
  immediately?: boolean;
  /** Errors thrown by `run` (it should report per source itself; this is the last resort). Not called for a run stopped by `stop()`. */
  onError?(err: unknown): void;
}

/** `run` is given a signal that `stop()` aborts; it should pass it to its fetches. */
export function startScheduler(intervalSeconds: number, run: (signal: AbortSignal) => Promise<unknown>, opts: SchedulerOptions = {}): RefreshScheduler {
  const ms = Math.max(MIN_REFRESH_SECONDS, intervalSeconds) * 1000;
  const stopping = new AbortController();
  // Every request of a run listens to this one signal (a feed downloads several events at once, beside the other sources).
  setMaxListeners(0, stopping.signal);
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const start = (): boolean => {
    if (stopped || inFlight !== null) return false;
    inFlight = run(stopping.signal)
      .then(
        () => undefined,
        (err: unknown) => {
          if (!stopping.signal.aborted) opts.onError?.(err);
        },
      )
      .finally(() => {
        inFlight = null;
      });
    return true;
  };
  const tick = (): void => {
    timer = null;
    if (stopped) return;
    start();
    schedule();
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };

  if (opts.immediately === true) tick();
  else schedule();

  return {
    runNow: start,
    get running() {
      return inFlight !== null;
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      stopping.abort();
      if (inFlight !== null) await inFlight;
    },
  };
}
