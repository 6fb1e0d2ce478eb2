/**
 * Where the honeypot and egress agents put their alerts: the server (through
 * the shipper, which spools when the server is away), a local file or
 * standard output (`--alerts FILE|-`), or both. Alerts a console
 * suppression covers still go to the server but not to the local output.
 */
import fs from 'node:fs';
import type { Alert } from '../alerts/alert.js';
import { formatAlertText } from '../cli/alert-output.js';
import type { Shipper } from './shipper.js';

export interface AlertSinkOptions {
  /** JSON-lines file to append to, or "-" for standard output. */
  file?: string | undefined;
  format?: 'json' | 'text';
  shipper?: Shipper | null;
  /** True for alerts a console suppression covers: shipped, but not written locally. */
  suppressed?: (alert: Alert) => boolean;
}

export interface AlertSink {
  /** Ships the alert and writes it locally; false when a suppression kept it from the local output. */
  write(alert: Alert): boolean;
  readonly written: number;
  /** Alerts shipped but kept from the local output by a suppression. */
  readonly suppressed: number;
  close(): void;
}

export function createAlertSink(opts: AlertSinkOptions): AlertSink {
  const format = opts.format ?? 'json';
  const fd = opts.file === undefined || opts.file === '-' ? -1 : fs.openSync(opts.file, 'a', 0o640);
  const toStdout = opts.file === '-';
  let written = 0;
  let suppressed = 0;
  return {
    write(alert: Alert): boolean {
      written++;
      opts.shipper?.send('alert', alert);
      if (opts.suppressed?.(alert) === true) {
        suppressed++;
        return false;
      }
      const line = format === 'json' ? JSON.stringify(alert) + '\n' : formatAlertText(alert) + '\n';
      if (fd >= 0) fs.writeSync(fd, line);
      else if (toStdout) process.stdout.write(line);
      return true;
    },
    get written() {
      return written;
    },
    get suppressed() {
      return suppressed;
    },
    close(): void {
      if (fd >= 0) fs.closeSync(fd);
    },
  };
}
