/**
 * Ends a child process if this one dies without stopping it. A watchdog
 * shell holds the read end of a pipe from this process and waits on it:
 * when this process goes away by any means (SIGKILL, the OOM killer), the
 * pipe closes, the shell reads end-of-file and kills the child. A normal
 * stop writes "release" first, and the watchdog exits without killing.
 *
 * tcpdump is the case it is for: it drops root for its own user after
 * opening the interface, which clears a parent-death signal, and an orphaned
 * tcpdump on a quiet interface captures on until its next write meets the
 * closed pipe.
 */
import { spawn } from 'node:child_process';

export interface OrphanGuard {
  /** The child ended or was stopped normally: the watchdog exits without killing. */
  release(): void;
  /** The watchdog's process id (undefined if it could not be started). */
  readonly pid: number | undefined;
}

/** Shell run as the watchdog: $1 is the guarded pid. */
const WATCHDOG = 'read line; [ "$line" = release ] || kill -KILL "$1" 2>/dev/null';

/**
 * Starts the watchdog for `pid`. It never keeps this process alive, and a
 * watchdog that cannot start (no `sh`) leaves the child unguarded, as it
 * was before, rather than failing the capture.
 */
export function guardChild(pid: number): OrphanGuard {
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'picket-orphan-guard', String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => {});
  const stdin = watchdog.stdin;
  stdin?.on('error', () => {});
  watchdog.unref();
  (stdin as { unref?: () => void } | null)?.unref?.();
  let released = false;
  return {
    pid: watchdog.pid,
    release(): void {
      if (released) return;
      released = true;
      if (stdin !== null && !stdin.destroyed) stdin.end('release\n');
    },
  };
}
