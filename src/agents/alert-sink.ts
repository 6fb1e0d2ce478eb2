/**
 * Where the honeypot and egress agents put their alerts: the server (through
 * the shipper, which spools when the server is away), a local file or
 * standard output (`--alerts FILE|-`), or both.
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
}

export interface AlertSink {
  write(alert: Alert): void;
  readonly written: number;
  close(): void;
}

export function createAlertSink(opts: AlertSinkOptions): AlertSink {
  const format = opts.format ?? 'json';
  const fd = opts.file === undefined || opts.file === '-' ? -1 : fs.openSync(opts.file, 'a', 0o640);
  const toStdout = opts.file === '-';
  let written = 0;
  return {
    write(alert: Alert): void {
      written++;
      opts.shipper?.send('alert', alert);
      const line = format === 'json' ? JSON.stringify(alert) + '\n' : formatAlertText(alert) + '\n';
      if (fd >= 0) fs.writeSync(fd, line);
      else if (toStdout) process.stdout.write(line);
    },
    get written() {
      return written;
    },
    close(): void {
      if (fd >= 0) fs.closeSync(fd);
    },
  };
}
