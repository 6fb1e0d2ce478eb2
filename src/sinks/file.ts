/**
 * The file sink: alerts appended one per line, as JSON (the ECS document,
 * ecs.ts; an EVE-style `alert` record, so a Filebeat/Logstash input set up
 * for eve.json reads it unchanged; or an OCSF Detection Finding, ocsf.ts)
 * or as ArcSight CEF records (cef.ts, for a SIEM agent that tails files). Each batch is written and
 * fsync'd before it is acknowledged. With `max_bytes`, the file is rotated
 * once it reaches that size: path -> path.1 -> path.2 ... up to `keep` files,
 * the oldest deleted, the way logrotate numbers them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Alert } from '../alerts/alert.js';
import type { FileSinkConfig, Frozen } from './config.js';
import { alertRecord } from './alert-record.js';
import { DeliveryError, errorText, type SinkTransport } from './transport.js';

/** Alerts written per append + fsync. */
const FILE_BATCH = 500;

class FileTransport implements SinkTransport {
  readonly batchSize = FILE_BATCH;
  readonly #file: string;
  readonly #format: FileSinkConfig['format'];
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd = -1;
  #size = 0;
  /** Rotations that failed (the file keeps growing until one succeeds). */
  rotateErrors = 0;

  constructor(cfg: Frozen<FileSinkConfig>, baseDir: string) {
    this.#file = path.resolve(baseDir, cfg.path);
    this.#format = cfg.format;
    this.#maxBytes = cfg.max_bytes;
    this.#keep = cfg.keep;
  }

  #open(): void {
    fs.mkdirSync(path.dirname(this.#file), { recursive: true });
    this.#fd = fs.openSync(this.#file, 'a');
    this.#size = fs.fstatSync(this.#fd).size;
  }

  #rotate(): void {
    fs.closeSync(this.#fd);
    this.#fd = -1;
    fs.rmSync(`${this.#file}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      const from = `${this.#file}.${i}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.#file}.${i + 1}`);
    }
    fs.renameSync(this.#file, `${this.#file}.1`);
    this.#open();
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    let text = '';
    for (const a of alerts) text += `${alertRecord(a, this.#format)}\n`;
    const data = Buffer.from(text, 'utf8');
    try {
      if (this.#fd < 0) this.#open();
      let off = 0;
      while (off < data.length) off += fs.writeSync(this.#fd, data, off, data.length - off);
      fs.fdatasyncSync(this.#fd);
      this.#size += data.length;
    } catch (e) {
      // A half-written batch is written again whole: a reader may see a duplicate line, never a gap.
      if (this.#fd >= 0) {
        try {
          fs.closeSync(this.#fd);
        } catch {
          /* already unusable */
        }
      }
      this.#fd = -1;
      throw new DeliveryError(`file ${this.#file}: ${errorText(e)}`, { cause: e });
    }
    if (this.#maxBytes > 0 && this.#size >= this.#maxBytes) {
      // The batch is already safe on disk: a failed rotation is retried after the next batch, not resent.
      try {
        this.#rotate();
      } catch {
        this.rotateErrors++;
        this.#fd = -1;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#fd >= 0) fs.closeSync(this.#fd);
    this.#fd = -1;
  }
}

export function createFileTransport(cfg: Frozen<FileSinkConfig>, baseDir: string): SinkTransport {
  return new FileTransport(cfg, baseDir);
}
