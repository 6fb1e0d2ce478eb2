/**
 * Writes log-producing events as JSON lines, one file per log
 * (`conn.jsonl`, `dns.jsonl`, ...), in a directory. Each event that carries
 * `log` and `record` becomes one line; nothing else is needed to add a log.
 * Lines are encoded into one byte buffer per log as they come (no list of
 * strings to join) and written in large blocks. conn lines (one per flow,
 * the bulk of the output) use a dedicated serializer (flows/conn-json.ts);
 * every other log goes through JSON.stringify.
 *
 * A log that cannot be opened or written (a directory in its place, a full
 * disk) is never lost in silence: the writer keeps the first such error in
 * `error` (the name of the file and the reason), stops writing that log and
 * counts the lines it could not write; `check()` throws the error, and the
 * runs that use a writer call it when they end.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PicketEvent } from '../events/types.js';
import type { ConnRecord } from '../flows/conn-record.js';
import { connRecordJsonMaxBytes, connRecordToJson, writeConnRecordJson } from '../flows/conn-json.js';
import { PicketError } from '../util/errors.js';

/** Write a log's buffer out once it holds this many bytes (large sequential writes). */
const FLUSH_BYTES = 1 << 20;
/** Buffer size: a flush's worth plus room for the line that crosses the mark. */
const BUFFER_BYTES = 2 * FLUSH_BYTES;
const NEWLINE = 0x0a;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const UTF8_PER_UNIT = 3;

/** The error of a log that could not be written: which log, which file, why. */
export function logWriteError(name: string, file: string, err: unknown): PicketError {
  return new PicketError('PKT_ERR_LOG_WRITE', `cannot write the ${name} log ${file}: ${(err as Error).message}`, { cause: err });
}

interface OpenLog {
  file: string;
  fd: number;
  buf: Buffer;
  used: number;
  lines: number;
  conn: boolean;
}

export class JsonlLogWriter {
  readonly dir: string;
  readonly #logs = new Map<string, OpenLog>();
  /** Every log opened, kept after close() for counts(). */
  readonly #opened = new Map<string, OpenLog>();
  /** Only these logs are written when set (e.g. only "conn"). */
  readonly #only: ReadonlySet<string> | null;

  /** Appended to every file name (a pipeline worker's part of a log, merged later). */
  readonly #suffix: string;
  /** Open files for appending (a live sensor keeps what earlier runs logged) rather than anew. */
  readonly #append: boolean;
  /** Logs that failed: lines not written since, by log. */
  readonly #lost = new Map<string, number>();
  /** The first error writing a log (see the module comment). */
  error: PicketError | null = null;

  constructor(dir: string, only?: readonly string[], suffix = '', opts: { append?: boolean } = {}) {
    this.dir = dir;
    this.#only = only === undefined ? null : new Set(only);
    this.#suffix = suffix;
    this.#append = opts.append === true;
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Bus handler: writes the event if it is a log record. */
  readonly handle = (event: PicketEvent): void => {
    if (!('log' in event) || !('record' in event)) return;
    const name = (event as { log: string }).log;
    if (this.#only !== null && !this.#only.has(name)) return;
    this.write(name, (event as { record: object }).record);
  };

  write(name: string, record: object): void {
    let log = this.#logs.get(name);
    if (log === undefined) {
      const lost = this.#lost.get(name);
      if (lost !== undefined) {
        this.#lost.set(name, lost + 1);
        return;
      }
      const file = path.join(this.dir, `${name}.jsonl${this.#suffix}`);
      let fd: number;
      try {
        fd = fs.openSync(file, this.#append ? 'a' : 'w');
      } catch (err) {
        this.#fail(name, file, err);
        this.#lost.set(name, 1);
        return;
      }
      log = { file, fd, buf: Buffer.allocUnsafe(BUFFER_BYTES), used: 0, lines: 0, conn: name === 'conn' };
      this.#logs.set(name, log);
      this.#opened.set(name, log);
    }
    try {
      this.#write(log, record);
    } catch (err) {
      this.#giveUp(name, log, err);
    }
  }

  /** A log that could not be written: its first error kept, the file closed, later lines counted as lost. */
  #giveUp(name: string, log: OpenLog, err: unknown): void {
    this.#fail(name, log.file, err);
    this.#lost.set(name, 0);
    this.#logs.delete(name);
    try {
      fs.closeSync(log.fd);
    } catch {
      // already failing; the first error is the one reported
    }
  }

  /** Lines of logs that could not be written, by log (see `error`). */
  lost(): Record<string, number> {
    return Object.fromEntries(this.#lost);
  }

  /** Throws the first error writing a log, if there was one. */
  check(): void {
    if (this.error !== null) throw this.error;
  }

  #fail(name: string, file: string, err: unknown): void {
    this.error ??= logWriteError(name, file, err);
  }

  #write(log: OpenLog, record: object): void {
    log.lines++;
    if (log.conn) {
      const r = record as ConnRecord;
      const need = connRecordJsonMaxBytes(r) + 1;
      if (log.used + need > BUFFER_BYTES) {
        this.#flush(log);
        if (need > BUFFER_BYTES) {
          fs.writeSync(log.fd, connRecordToJson(r) + '\n');
          return;
        }
      }
      log.used = writeConnRecordJson(r, log.buf, log.used);
      log.buf[log.used++] = NEWLINE;
      if (log.used >= FLUSH_BYTES) this.#flush(log);
      return;
    }
    const line = JSON.stringify(record) + '\n';
    if (log.used + line.length * UTF8_PER_UNIT > BUFFER_BYTES) {
      this.#flush(log);
      // A line longer than the whole buffer (huge records only) goes out on its own.
      if (line.length * UTF8_PER_UNIT > BUFFER_BYTES) {
        fs.writeSync(log.fd, line);
        return;
      }
    }
    log.used += log.buf.write(line, log.used, 'utf8');
    if (log.used >= FLUSH_BYTES) this.#flush(log);
  }

  /**
   * Writes out what the buffers hold. A live sensor calls it on a timer:
   * buffers fill slowly on a quiet link, and a connection belongs in its log
   * soon after it ends, not at exit (a crash would lose it).
   */
  flush(): void {
    for (const [name, log] of this.#logs) {
      if (log.used === 0) continue;
      try {
        this.#flush(log);
      } catch (err) {
        this.#giveUp(name, log, err);
      }
    }
  }

  /** Lines written per log so far. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, log] of this.#opened) out[name] = log.lines;
    return out;
  }

  close(): void {
    for (const [name, log] of this.#logs) {
      try {
        this.#flush(log);
        fs.closeSync(log.fd);
      } catch (err) {
        this.#fail(name, log.file, err);
      }
    }
    this.#logs.clear();
  }

  #flush(log: OpenLog): void {
    let done = 0;
    while (done < log.used) done += fs.writeSync(log.fd, log.buf, done, log.used - done);
    log.used = 0;
  }
}
