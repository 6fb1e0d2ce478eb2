/**
 * Writes log-producing events as JSON lines, one file per log
 * (`conn.jsonl`, `dns.jsonl`, ...), in a directory. Each event that carries
 * `log` and `record` becomes one line; nothing else is needed to add a log.
 * Lines are encoded into one byte buffer per log as they come (no list of
 * strings to join) and written in large blocks. conn lines (one per flow,
 * the bulk of the output) use a dedicated serializer (flows/conn-json.ts);
 * every other log goes through JSON.stringify.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PicketEvent } from '../events/types.js';
import type { ConnRecord } from '../flows/conn-record.js';
import { connRecordJsonMaxBytes, connRecordToJson, writeConnRecordJson } from '../flows/conn-json.js';

/** Write a log's buffer out once it holds this many bytes (large sequential writes). */
const FLUSH_BYTES = 1 << 20;
/** Buffer size: a flush's worth plus room for the line that crosses the mark. */
const BUFFER_BYTES = 2 * FLUSH_BYTES;
const NEWLINE = 0x0a;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const UTF8_PER_UNIT = 3;

interface OpenLog {
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

  constructor(dir: string, only?: readonly string[], suffix = '') {
    this.dir = dir;
    this.#only = only === undefined ? null : new Set(only);
    this.#suffix = suffix;
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
      const fd = fs.openSync(path.join(this.dir, `${name}.jsonl${this.#suffix}`), 'w');
      log = { fd, buf: Buffer.allocUnsafe(BUFFER_BYTES), used: 0, lines: 0, conn: name === 'conn' };
      this.#logs.set(name, log);
      this.#opened.set(name, log);
    }
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

  /** Lines written per log so far. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, log] of this.#opened) out[name] = log.lines;
    return out;
  }

  close(): void {
    for (const log of this.#logs.values()) {
      this.#flush(log);
      fs.closeSync(log.fd);
    }
    this.#logs.clear();
  }

  #flush(log: OpenLog): void {
    let done = 0;
    while (done < log.used) done += fs.writeSync(log.fd, log.buf, done, log.used - done);
    log.used = 0;
  }
}
