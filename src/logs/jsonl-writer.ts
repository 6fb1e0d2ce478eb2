/**
 * Writes log-producing events as JSON lines, one file per log
 * (`conn.jsonl`, `dns.jsonl`, ...), in a directory. Each event that carries
 * `log` and `record` becomes one line; nothing else is needed to add a log.
 * Lines are buffered and written in large blocks.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PicketEvent } from '../events/types.js';

/** Flush a log's buffer once it holds this many characters (large sequential writes). */
const FLUSH_CHARS = 1 << 20;

interface OpenLog {
  fd: number;
  chunks: string[];
  size: number;
  lines: number;
}

export class JsonlLogWriter {
  readonly dir: string;
  readonly #logs = new Map<string, OpenLog>();
  readonly #lines = new Map<string, number>();
  /** Only these logs are written when set (e.g. only "conn"). */
  readonly #only: ReadonlySet<string> | null;

  constructor(dir: string, only?: readonly string[]) {
    this.dir = dir;
    this.#only = only === undefined ? null : new Set(only);
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
      const fd = fs.openSync(path.join(this.dir, `${name}.jsonl`), 'w');
      log = { fd, chunks: [], size: 0, lines: 0 };
      this.#logs.set(name, log);
    }
    const line = JSON.stringify(record) + '\n';
    log.chunks.push(line);
    log.size += line.length;
    log.lines++;
    this.#lines.set(name, log.lines);
    if (log.size >= FLUSH_CHARS) this.#flush(log);
  }

  /** Lines written per log so far. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, lines] of this.#lines) out[name] = lines;
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
    if (log.chunks.length === 0) return;
    fs.writeSync(log.fd, log.chunks.join(''));
    log.chunks = [];
    log.size = 0;
  }
}
