/**
 * Runs a refresh on a fixed interval of wall-clock time (intel sources
 * change in the world, not in packet time). One run at a time: a tick that
 * comes while the previous run is still going is skipped. The timer is
 * unref'd so it never keeps a finished process alive, and `stop()` resolves
 * once any run in flight has finished, so callers can save and exit cleanly.
 */

/** Shortest interval accepted: anything faster hammers the sources. */
export const MIN_REFRESH_SECONDS = 10;

export interface RefreshScheduler {
  /** Stops the timer; resolves when a run in progress has finished. */
  stop(): Promise<void>;
  readonly running: boolean;
}

export interface SchedulerOptions {
  /** Run once right away (e.g. because cached data is stale). */
  immediately?: boolean;
  /** Errors thrown by `run` (it should report per source itself; this is the last resort). */
  onError?(err: unknown): void;
}

export function startScheduler(intervalSeconds: number, run: () => Promise<unknown>, opts: SchedulerOptions = {}): RefreshScheduler {
  const ms = Math.max(MIN_REFRESH_SECONDS, intervalSeconds) * 1000;
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const tick = (): void => {
    timer = null;
    if (stopped) return;
    if (inFlight === null) {
      inFlight = run()
        .then(
          () => undefined,
          (err: unknown) => opts.onError?.(err),
        )
        .finally(() => {
          inFlight = null;
        });
    }
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
    get running() {
      return inFlight !== null;
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (inFlight !== null) await inFlight;
    },
  };
}
