/**
 * A sink's persistent queue: alerts wait here, on disk, until the sink has
 * delivered them. Layout of the queue directory:
 *
 *   0000000000000000.seg   append-only segments of JSON lines; the name is
 *   0000000000001000.seg   the sequence number of the segment's first record
 *   acked                  the sequence number of the first undelivered record
 *
 * A record's sequence number is its segment's first number plus its line
 * index. `acked` is replaced atomically (write, fsync, rename, fsync of the
 * directory) after every delivery, so a restart resumes exactly after the last
 * delivered alert. Appends go to the page cache at once (they survive a crash
 * of the process) and are fsync'd once per event-loop turn (group commit), so
 * a burst of alerts costs one fsync, not one per alert; `sync()` forces it.
 *
 * The queue is bounded: past `maxRecords` undelivered records the oldest are
 * dropped (the acked number moves over them) and counted. Segments wholly
 * below the acked number are deleted. A segment's last line cut short by a
 * crash is truncated away at open, and counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '../util/atomic-file.js';

/** Records per segment: fully delivered segments are deleted, so this bounds disk held by old alerts. */
export const SEGMENT_MAX_RECORDS = 1000;
/** A record (one alert as JSON) larger than this is refused: alerts are ~1 KB, 1 MiB means something is wrong. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Bytes read per read(2) when scanning a segment. */
const READ_CHUNK_BYTES = 64 * 1024;
const SEGMENT_RE = /^(\d{16})\.seg$/;
const ACK_FILE = 'acked';
const NEWLINE = 0x0a;

export interface QueueEntry {
  seq: number;
  /** The record text; '' when the segment no longer holds it (counted by the caller). */
  text: string;
}

export type AppendResult = 'ok' | 'oversize' | 'io_error' | 'closed';

export interface QueueStats {
  /** Undelivered records. */
  depth: number;
  /** Records appended since open. */
  appended: number;
  /** Oldest records dropped because the bound was reached. */
  dropped: number;
  /** Partial last lines removed at open (a crash mid-append). */
  torn: number;
  /** Records refused for size. */
  oversize: number;
  /** File system errors by operation (append, read, ack, sync). */
  ioErrors: Record<string, number>;
  segments: number;
}

export interface QueueOptions {
  maxRecords: number;
  /** Override of SEGMENT_MAX_RECORDS (tests use small segments). */
  segmentRecords?: number;
}

interface Position {
  seq: number;
  seg: number;
  byte: number;
}

function segName(first: number): string {
  return `${String(first).padStart(16, '0')}.seg`;
}

export class DiskQueue {
  readonly dir: string;
  readonly maxRecords: number;
  readonly #segmentRecords: number;
  /** First sequence number of every segment on disk, ascending; the last is the active one. */
  #segments: number[] = [];
  #fd = -1;
  #activeCount = 0;
  #writeSeq = 0;
  #ackSeq = 0;
  #dirty = false;
  #ackDirty = false;
  #syncScheduled = false;
  #closed = false;
  /** Where record `#cursor.seq` starts, when known. */
  #cursor: Position | null = null;
  /** The position after the last record handed out by read(). */
  #after: Position | null = null;
  readonly #stats: QueueStats = { depth: 0, appended: 0, dropped: 0, torn: 0, oversize: 0, ioErrors: {}, segments: 0 };

  /** Opens (or creates) the queue in `dir`; file system errors here throw (a broken data dir is a boot error). */
  constructor(dir: string, opts: QueueOptions) {
    this.dir = dir;
    this.maxRecords = Math.max(1, Math.floor(opts.maxRecords));
    this.#segmentRecords = Math.max(1, Math.floor(opts.segmentRecords ?? SEGMENT_MAX_RECORDS));
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      const m = SEGMENT_RE.exec(name);
      if (m !== null) this.#segments.push(Number(m[1]));
    }
    this.#segments.sort((a, b) => a - b);
    this.#ackSeq = this.#readAck();
    if (this.#segments.length === 0) this.#segments.push(this.#ackSeq);
    const active = this.#segments[this.#segments.length - 1]!;
    this.#activeCount = this.#recoverActive(active);
    this.#writeSeq = active + this.#activeCount;
    this.#fd = fs.openSync(this.#segPath(active), 'a');
    if (this.#ackSeq > this.#writeSeq) this.#ackSeq = this.#writeSeq;
    if (this.#ackSeq < this.#segments[0]!) this.#ackSeq = this.#segments[0]!;
    this.#enforceBound();
    this.#removeDelivered();
  }

  get depth(): number {
    return this.#writeSeq - this.#ackSeq;
  }

  /** Sequence number the next append gets. */
  get writeSeq(): number {
    return this.#writeSeq;
  }

  /** Records dropped at the bound since open. */
  get dropped(): number {
    return this.#stats.dropped;
  }

  /** Sequence number of the first undelivered record. */
  get ackSeq(): number {
    return this.#ackSeq;
  }

  stats(): QueueStats {
    return { ...this.#stats, ioErrors: { ...this.#stats.ioErrors }, depth: this.depth, segments: this.#segments.length };
  }

  #segPath(first: number): string {
    return path.join(this.dir, segName(first));
  }

  #ioError(op: string): void {
    this.#stats.ioErrors[op] = (this.#stats.ioErrors[op] ?? 0) + 1;
  }

  #readAck(): number {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir, ACK_FILE), 'utf8');
    } catch {
      return this.#segments[0] ?? 0;
    }
    const n = Number(text.trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : (this.#segments[0] ?? 0);
  }

  /** Counts whole lines of the active segment, cutting off a torn last line. */
  #recoverActive(first: number): number {
    const p = this.#segPath(first);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(p);
    } catch {
      fs.writeFileSync(p, '');
      return 0;
    }
    let lines = 0;
    let lastNl = -1;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] === NEWLINE) {
        lines++;
        lastNl = i;
      }
    }
    if (lastNl + 1 < buf.length) {
      fs.truncateSync(p, lastNl + 1);
      this.#stats.torn++;
    }
    return lines;
  }

  /**
   * Appends one record (a line of JSON without newlines). Anything but 'ok'
   * means it was not queued: too large, a file system error (both counted
   * here), or the queue is closed.
   */
  append(text: string): AppendResult {
    if (this.#closed) return 'closed';
    const line = Buffer.from(`${text}\n`, 'utf8');
    if (line.length > MAX_RECORD_BYTES) {
      this.#stats.oversize++;
      return 'oversize';
    }
    try {
      if (this.#activeCount >= this.#segmentRecords) this.#roll();
      let off = 0;
      while (off < line.length) off += fs.writeSync(this.#fd, line, off, line.length - off);
    } catch {
      this.#ioError('append');
      return 'io_error';
    }
    this.#activeCount++;
    this.#writeSeq++;
    this.#stats.appended++;
    this.#dirty = true;
    this.#enforceBound();
    this.#scheduleSync();
    return 'ok';
  }

  #roll(): void {
    fs.fdatasyncSync(this.#fd);
    fs.closeSync(this.#fd);
    this.#fd = -1;
    this.#dirty = false;
    const first = this.#writeSeq;
    this.#fd = fs.openSync(this.#segPath(first), 'a');
    this.#segments.push(first);
    this.#activeCount = 0;
  }

  /** Drops the oldest records past the bound (the ack file is written at the next sync). */
  #enforceBound(): void {
    const over = this.depth - this.maxRecords;
    if (over <= 0) return;
    this.#stats.dropped += over;
    this.#ackSeq += over;
    this.#ackDirty = true;
  }

  #scheduleSync(): void {
    if (this.#syncScheduled) return;
    this.#syncScheduled = true;
    setImmediate(() => {
      this.#syncScheduled = false;
      if (!this.#closed) this.sync();
    });
  }

  /** fsyncs appended records and a pending acked number. */
  sync(): void {
    if (this.#dirty && this.#fd >= 0) {
      try {
        fs.fdatasyncSync(this.#fd);
        this.#dirty = false;
      } catch {
        this.#ioError('sync');
      }
    }
    if (this.#ackDirty) this.#writeAck();
  }

  #writeAck(): void {
    try {
      writeFileAtomic(path.join(this.dir, ACK_FILE), `${this.#ackSeq}\n`, { sync: 'data' });
      this.#ackDirty = false;
    } catch {
      this.#ioError('ack');
      return;
    }
    // The rename is durable only once the directory entry is.
    fsyncDir(this.dir);
    this.#removeDelivered();
  }

  /** Deletes segments whose records are all below the acked number (never the active one). */
  #removeDelivered(): void {
    while (this.#segments.length > 1 && this.#segments[1]! <= this.#ackSeq) {
      const first = this.#segments.shift()!;
      try {
        fs.unlinkSync(this.#segPath(first));
      } catch {
        this.#ioError('remove');
      }
    }
  }

  /** Index of the segment holding `seq`. */
  #segIndex(seq: number): number {
    let i = this.#segments.length - 1;
    while (i > 0 && this.#segments[i]! > seq) i--;
    return i;
  }

  /**
   * Reads whole lines from a segment starting at `byte`, up to `max` lines.
   * Returns the lines (when `collect`) and the byte after the last one.
   */
  #scan(seg: number, byte: number, max: number, collect: boolean): { lines: string[]; byte: number; count: number } {
    const lines: string[] = [];
    let count = 0;
    let pos = byte;
    const fd = fs.openSync(this.#segPath(seg), 'r');
    try {
      let buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      while (count < max) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        let start = 0;
        for (let i = 0; i < n && count < max; i++) {
          if (buf[i] !== NEWLINE) continue;
          if (collect) lines.push(buf.toString('utf8', start, i));
          count++;
          start = i + 1;
        }
        if (start === 0) {
          // No newline in a full buffer: one long record; read it whole in a bigger buffer.
          if (n < buf.length || buf.length > MAX_RECORD_BYTES) break;
          buf = Buffer.allocUnsafe(buf.length * 2);
          continue;
        }
        pos += start;
      }
    } finally {
      fs.closeSync(fd);
    }
    return { lines, byte: pos, count };
  }

  /** Where record `seq` starts (scanning from the cursor or the segment start). */
  #locate(seq: number): Position {
    const idx = this.#segIndex(seq);
    const seg = this.#segments[idx]!;
    const c = this.#cursor;
    if (c !== null && c.seq === seq && c.seg === seg) return c;
    let from: Position = { seq: seg, seg, byte: 0 };
    if (c !== null && c.seg === seg && c.seq <= seq) from = c;
    if (from.seq === seq) return { ...from };
    const r = this.#scan(seg, from.byte, seq - from.seq, false);
    return { seq: from.seq + r.count, seg, byte: r.byte };
  }

  /**
   * Up to `max` undelivered records, oldest first, without removing them;
   * `ackTo` removes them once delivered. A read that fails is counted and
   * returns nothing (the caller retries later).
   */
  read(max: number): QueueEntry[] {
    const out: QueueEntry[] = [];
    if (this.#closed || this.depth === 0) return out;
    try {
      let pos = this.#locate(this.#ackSeq);
      this.#cursor = pos;
      pos = { ...pos };
      while (out.length < max && pos.seq < this.#writeSeq) {
        const idx = this.#segments.indexOf(pos.seg);
        const segEnd = idx + 1 < this.#segments.length ? this.#segments[idx + 1]! : this.#writeSeq;
        if (pos.seq >= segEnd) {
          pos = { seq: segEnd, seg: this.#segments[idx + 1]!, byte: 0 };
          continue;
        }
        const want = Math.min(max - out.length, segEnd - pos.seq);
        const r = this.#scan(pos.seg, pos.byte, want, true);
        for (let i = 0; i < r.lines.length; i++) out.push({ seq: pos.seq + i, text: r.lines[i]! });
        // A segment shorter than its successor's name says (damaged on disk): the gap comes back as empty records.
        for (let i = r.lines.length; i < want; i++) out.push({ seq: pos.seq + i, text: '' });
        pos = { seq: pos.seq + want, seg: pos.seg, byte: r.byte };
      }
      this.#after = pos;
    } catch {
      this.#ioError('read');
      this.#cursor = null;
      return [];
    }
    return out;
  }

  /** Marks every record below `seq` delivered, durably. */
  ackTo(seq: number): void {
    if (this.#closed) return;
    const target = Math.min(seq, this.#writeSeq);
    if (target <= this.#ackSeq) return;
    this.#ackSeq = target;
    const after = this.#after;
    this.#cursor = after !== null && after.seq === target && after.seg === this.#segments[this.#segIndex(target)] ? after : null;
    this.#ackDirty = true;
    this.#writeAck();
  }

  /** fsyncs and closes the files; records stay on disk for the next open. */
  close(): void {
    if (this.#closed) return;
    this.sync();
    this.#closed = true;
    if (this.#fd >= 0) {
      try {
        fs.closeSync(this.#fd);
      } catch {
        this.#ioError('close');
      }
      this.#fd = -1;
    }
  }
}
