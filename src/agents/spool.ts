/**
 * The agent's disk spool: every batch is written here (and fsync'd) before it
 * is sent, and leaves only when the server has acknowledged it. Batches live
 * in append-only segment files (`seg-<first seq>.spool`); a small state file
 * (`state.json`, replaced atomically) remembers the highest sequence number
 * that is done (acknowledged, or dropped and counted). Because batches are
 * sent in order and dropped oldest-first, the live batches are always one
 * contiguous run of sequence numbers after that mark.
 *
 * Entry layout (little-endian): magic "PKS1" u32 | seq f64 | records u32 |
 * body length u32 | CRC-32 of body u32 | body (UTF-8 JSON array of records).
 * A torn tail (crash while writing) fails the length or CRC check on the next
 * start and is cut off and counted.
 *
 * The bound (`maxBytes`) is on the bytes of live batches; past it the oldest
 * batches are dropped and counted, never silently. Disk use can exceed it by
 * at most one segment (the dead head of the oldest segment still on disk).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { PicketError } from '../util/errors.js';
import { fsyncDir, writeFileAtomic } from '../util/atomic-file.js';
import { lockSpoolDir, type SpoolLock } from './spool-lock.js';

/** "PKS1": tells a spool entry from garbage. */
const ENTRY_MAGIC = 0x31534b50;
/** Fixed header bytes per entry (magic, seq, records, length, crc). */
export const ENTRY_HEADER_BYTES = 24;
/** Segments roll over at this size; small enough that dead heads waste little disk. */
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;
/** ... and at most this share of the bound, so a small spool still drops in small steps. */
const SEGMENT_SHARE_OF_BOUND = 16;
/** Smallest segment size (a segment per batch would mean a file per batch). */
const MIN_SEGMENT_BYTES = 64 * 1024;
/** A spool smaller than this cannot hold a useful batch. */
export const MIN_SPOOL_BYTES = 64 * 1024;
/** A single entry body larger than this is refused (sanity bound when reading segments back). */
export const MAX_ENTRY_BODY_BYTES = 64 * 1024 * 1024;
/**
 * Largest batch body the shipper builds: the server's default request limit
 * (server.ingest.max_body_bytes, 16 MiB on the wire), so even a batch that
 * does not compress is accepted.
 */
export const MAX_BATCH_BODY_BYTES = 16 * 1024 * 1024;

const STATE_FILE = 'state.json';
const SEGMENT_RE = /^seg-(\d{16})\.spool$/;

export interface SpoolOptions {
  dir: string;
  /** Bound on the bytes of batches waiting in the spool. */
  maxBytes: number;
}

/** One batch waiting to be sent. */
export interface SpoolEntry {
  seq: number;
  records: number;
  /** Entry bytes on disk (header + body). */
  bytes: number;
}

export interface SpoolStats {
  /** Batches and records waiting to be acknowledged. */
  batches: number;
  records: number;
  bytes: number;
  /** Bytes of segment files on disk (live plus dead heads). */
  diskBytes: number;
  /** Dropped because the bound was reached (oldest first), since the spool was created. */
  droppedBatches: number;
  droppedRecords: number;
  /** Dropped because the server refused them for good (e.g. 413), since the spool was created. */
  rejectedBatches: number;
  rejectedRecords: number;
  /** Bytes cut off at start because an entry was torn or corrupt. */
  corruptBytes: number;
  /** Highest sequence number ever written (0 = none). */
  lastSeq: number;
  /** Every batch with seq <= doneSeq is acknowledged or dropped. */
  doneSeq: number;
}

interface Located extends SpoolEntry {
  segment: Segment;
  offset: number;
}

interface Segment {
  file: string;
  firstSeq: number;
  size: number;
  /** Highest seq written into it. */
  lastSeq: number;
}

interface PersistedState {
  done_seq: number;
  dropped_batches: number;
  dropped_records: number;
  rejected_batches: number;
  rejected_records: number;
}

export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  /** Live entries in seq order. */
  readonly #entries: Located[] = [];
  #head = 0;
  #liveBytes = 0;
  #liveRecords = 0;
  #writeFd = -1;
  #writeSeg: Segment | null = null;
  #state: PersistedState = { done_seq: 0, dropped_batches: 0, dropped_records: 0, rejected_batches: 0, rejected_records: 0 };
  #lastSeq = 0;
  #corruptBytes = 0;
  #closed = false;
  readonly #lock: SpoolLock;

  constructor(opts: SpoolOptions) {
    if (!Number.isFinite(opts.maxBytes) || opts.maxBytes < MIN_SPOOL_BYTES) {
      throw new PicketError('PKT_ERR_AGENT_SPOOL_BOUND', `spool bound must be at least ${MIN_SPOOL_BYTES} bytes, got ${opts.maxBytes}`);
    }
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.#segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, Math.floor(opts.maxBytes / SEGMENT_SHARE_OF_BOUND)));
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Before reading anything: a second process on this spool would reuse our sequence numbers.
    this.#lock = lockSpoolDir(this.dir);
    try {
      this.#loadState();
      this.#scan();
    } catch (err) {
      this.close();
      throw err;
    }
    this.#lastSeq = Math.max(this.#lastSeq, this.#state.done_seq);
  }

  /** Largest body one batch may have in this spool (a quarter of the bound, at most MAX_BATCH_BODY_BYTES). */
  get maxBatchBodyBytes(): number {
    return Math.min(MAX_BATCH_BODY_BYTES, Math.floor(this.maxBytes / 4) - ENTRY_HEADER_BYTES);
  }

  /** The sequence number the next batch gets. */
  get nextSeq(): number {
    return this.#lastSeq + 1;
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  /**
   * Writes one batch and fsyncs it. Drops the oldest batches first when the
   * bound would be exceeded. Returns the number of batches dropped for room.
   */
  append(seq: number, records: number, body: Buffer): number {
    if (this.#closed) throw new PicketError('PKT_ERR_AGENT_SPOOL_CLOSED', 'spool is closed');
    if (seq !== this.#lastSeq + 1) throw new PicketError('PKT_ERR_AGENT_SPOOL_SEQ', `spool expected seq ${this.#lastSeq + 1}, got ${seq}`);
    if (body.length > this.maxBatchBodyBytes) {
      throw new PicketError('PKT_ERR_AGENT_SPOOL_ENTRY', `batch of ${body.length} bytes is larger than the spool allows (${this.maxBatchBodyBytes})`);
    }
    const bytes = ENTRY_HEADER_BYTES + body.length;
    let dropped = 0;
    while (this.size > 0 && this.#liveBytes + bytes > this.maxBytes) {
      const e = this.#entries[this.#head]!;
      this.#state.dropped_batches++;
      this.#state.dropped_records += e.records;
      this.#retireHead();
      dropped++;
    }
    if (dropped > 0) this.#saveState();
    const entry = this.#write(seq, records, body);
    fs.fsyncSync(this.#writeFd);
    this.#lastSeq = seq;
    this.#entries.push(entry);
    this.#liveBytes += bytes;
    this.#liveRecords += records;
    this.#deleteDeadSegments();
    return dropped;
  }

  /** Writes one entry at the end of the current segment (not fsync'd). */
  #write(seq: number, records: number, body: Buffer): Located {
    const bytes = ENTRY_HEADER_BYTES + body.length;
    const seg = this.#segmentFor(seq, bytes);
    const header = Buffer.allocUnsafe(ENTRY_HEADER_BYTES);
    header.writeUInt32LE(ENTRY_MAGIC, 0);
    header.writeDoubleLE(seq, 4);
    header.writeUInt32LE(records, 12);
    header.writeUInt32LE(body.length, 16);
    header.writeUInt32LE(zlib.crc32(body), 20);
    const offset = seg.size;
    fs.writeSync(this.#writeFd, header, 0, header.length, offset);
    fs.writeSync(this.#writeFd, body, 0, body.length, offset + ENTRY_HEADER_BYTES);
    seg.size += bytes;
    seg.lastSeq = seq;
    return { seq, records, bytes, segment: seg, offset };
  }

  /** The oldest batch waiting, or undefined when the spool is empty. */
  peek(): SpoolEntry | undefined {
    const e = this.#entries[this.#head];
    return e === undefined ? undefined : { seq: e.seq, records: e.records, bytes: e.bytes };
  }

  /** The body of a live batch (read from disk), or undefined when it is no longer live. */
  read(seq: number): Buffer | undefined {
    const e = this.#find(seq);
    if (e === undefined) return undefined;
    const buf = Buffer.allocUnsafe(e.bytes - ENTRY_HEADER_BYTES);
    const fd = fs.openSync(path.join(this.dir, e.segment.file), 'r');
    try {
      fs.readSync(fd, buf, 0, buf.length, e.offset + ENTRY_HEADER_BYTES);
    } finally {
      fs.closeSync(fd);
    }
    return buf;
  }

  /** The server acknowledged `seq` (stored or duplicate): it leaves the spool. */
  ack(seq: number): void {
    this.#finish(seq, false);
  }

  /** The server refused `seq` for good: it leaves the spool and is counted as rejected. */
  reject(seq: number): void {
    this.#finish(seq, true);
  }

  /**
   * Gives every live batch a new sequence number, in order, starting at
   * `firstSeq` (which must be above every number this spool has used). Used
   * when the server holds different records under our numbers (a lost or
   * corrupt state file, or another process on this spool before it was
   * locked): the batches are sent again under numbers the server has not
   * seen instead of being dropped. The copies are written and fsync'd before
   * the state file moves the done mark past the old numbers (the commit
   * point); a crash between the two leaves both copies to be sent. Disk use
   * briefly doubles (old and new copies) until the old segments are deleted. Returns
   * how many batches were renumbered.
   */
  renumber(firstSeq: number): number {
    if (this.#closed) throw new PicketError('PKT_ERR_AGENT_SPOOL_CLOSED', 'spool is closed');
    if (!Number.isSafeInteger(firstSeq) || firstSeq <= this.#lastSeq) {
      throw new PicketError('PKT_ERR_AGENT_SPOOL_SEQ', `renumbering must start above seq ${this.#lastSeq}, got ${firstSeq}`);
    }
    const old = this.#entries.slice(this.#head);
    if (old.length === 0) return 0;
    const moved: Located[] = [];
    let seq = firstSeq;
    for (const e of old) {
      const body = this.read(e.seq)!;
      moved.push(this.#write(seq++, e.records, body));
      // Each time: writing may roll over to a new segment and close this one.
      fs.fsyncSync(this.#writeFd);
    }
    this.#lastSeq = seq - 1;
    this.#entries.length = 0;
    this.#entries.push(...moved);
    this.#head = 0;
    // Live bytes and records are unchanged: the same batches under new numbers.
    this.#state.done_seq = firstSeq - 1;
    this.#saveState();
    this.#deleteDeadSegments();
    return moved.length;
  }

  stats(): SpoolStats {
    let disk = 0;
    for (const s of this.#segments) disk += s.size;
    return {
      batches: this.size,
      records: this.#liveRecords,
      bytes: this.#liveBytes,
      diskBytes: disk,
      droppedBatches: this.#state.dropped_batches,
      droppedRecords: this.#state.dropped_records,
      rejectedBatches: this.#state.rejected_batches,
      rejectedRecords: this.#state.rejected_records,
      corruptBytes: this.#corruptBytes,
      lastSeq: this.#lastSeq,
      doneSeq: this.#state.done_seq,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#writeFd >= 0) fs.closeSync(this.#writeFd);
    this.#writeFd = -1;
    this.#writeSeg = null;
    this.#lock.release();
  }

  #find(seq: number): Located | undefined {
    let lo = this.#head;
    let hi = this.#entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.#entries[mid]!;
      if (e.seq === seq) return e;
      if (e.seq < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  #finish(seq: number, rejected: boolean): void {
    const head = this.#entries[this.#head];
    // Batches leave strictly in order; an ack for a batch already dropped is a no-op.
    if (head === undefined || seq < head.seq) return;
    if (seq !== head.seq) throw new PicketError('PKT_ERR_AGENT_SPOOL_SEQ', `ack for seq ${seq} before seq ${head.seq}`);
    if (rejected) {
      this.#state.rejected_batches++;
      this.#state.rejected_records += head.records;
    }
    this.#retireHead();
    this.#saveState();
    this.#deleteDeadSegments();
  }

  #retireHead(): void {
    const e = this.#entries[this.#head]!;
    this.#head++;
    this.#liveBytes -= e.bytes;
    this.#liveRecords -= e.records;
    this.#state.done_seq = e.seq;
    // Compact the index now and then so it does not grow with the run.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #segmentFor(seq: number, bytes: number): Segment {
    const cur = this.#writeSeg;
    if (cur !== null && cur.size + bytes <= this.#segmentBytes) return cur;
    if (cur !== null && cur.size === 0) return cur;
    if (this.#writeFd >= 0) fs.closeSync(this.#writeFd);
    const file = `seg-${String(seq).padStart(16, '0')}.spool`;
    this.#writeFd = fs.openSync(path.join(this.dir, file), 'w', 0o600);
    const seg: Segment = { file, firstSeq: seq, size: 0, lastSeq: seq - 1 };
    this.#segments.push(seg);
    this.#writeSeg = seg;
    this.#fsyncDir();
    return seg;
  }

  /** Removes the oldest segments while every batch in them is done. */
  #deleteDeadSegments(): void {
    let removed = false;
    while (this.#segments.length > 0) {
      const seg = this.#segments[0]!;
      const empty = seg.lastSeq < seg.firstSeq;
      if (seg.lastSeq > this.#state.done_seq || (empty && seg === this.#writeSeg)) break;
      if (seg === this.#writeSeg) {
        // Fully done: start the next batch in a fresh file instead of keeping dead bytes.
        fs.closeSync(this.#writeFd);
        this.#writeFd = -1;
        this.#writeSeg = null;
      }
      fs.rmSync(path.join(this.dir, seg.file), { force: true });
      this.#segments.shift();
      removed = true;
    }
    if (removed) this.#fsyncDir();
  }

  #loadState(): void {
    const file = path.join(this.dir, STATE_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    try {
      const raw = JSON.parse(text) as Partial<PersistedState>;
      const num = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
      this.#state = {
        done_seq: num(raw.done_seq),
        dropped_batches: num(raw.dropped_batches),
        dropped_records: num(raw.dropped_records),
        rejected_batches: num(raw.rejected_batches),
        rejected_records: num(raw.rejected_records),
      };
    } catch {
      // A corrupt state file costs at most re-sending acknowledged batches (the server answers
      // duplicate) and, with no segment left to continue from, numbering from 1 again (the server
      // answers 409 and the shipper renumbers, see Spool.renumber).
      this.#corruptBytes += text.length;
    }
  }

  #saveState(): void {
    writeFileAtomic(path.join(this.dir, STATE_FILE), JSON.stringify(this.#state), { mode: 0o600, sync: 'full' });
  }

  #fsyncDir(): void {
    fsyncDir(this.dir);
  }

  /** Rebuilds the index of live batches from the segment files. */
  #scan(): void {
    const files = fs
      .readdirSync(this.dir)
      .filter((f) => SEGMENT_RE.test(f))
      .sort();
    const header = Buffer.allocUnsafe(ENTRY_HEADER_BYTES);
    for (const file of files) {
      const full = path.join(this.dir, file);
      const firstSeq = Number(SEGMENT_RE.exec(file)![1]);
      const size = fs.statSync(full).size;
      const seg: Segment = { file, firstSeq, size: 0, lastSeq: firstSeq - 1 };
      const fd = fs.openSync(full, 'r');
      let off = 0;
      try {
        while (off + ENTRY_HEADER_BYTES <= size) {
          fs.readSync(fd, header, 0, ENTRY_HEADER_BYTES, off);
          const seq = header.readDoubleLE(4);
          const records = header.readUInt32LE(12);
          const len = header.readUInt32LE(16);
          const crc = header.readUInt32LE(20);
          if (header.readUInt32LE(0) !== ENTRY_MAGIC || !Number.isSafeInteger(seq) || seq <= this.#lastSeq || len > MAX_ENTRY_BODY_BYTES || off + ENTRY_HEADER_BYTES + len > size) break;
          const body = Buffer.allocUnsafe(len);
          fs.readSync(fd, body, 0, len, off + ENTRY_HEADER_BYTES);
          if (zlib.crc32(body) !== crc) break;
          const bytes = ENTRY_HEADER_BYTES + len;
          if (seq > this.#state.done_seq) {
            this.#entries.push({ seq, records, bytes, segment: seg, offset: off });
            this.#liveBytes += bytes;
            this.#liveRecords += records;
          }
          this.#lastSeq = seq;
          seg.lastSeq = seq;
          off += bytes;
        }
      } finally {
        fs.closeSync(fd);
      }
      if (off < size) {
        // Torn or corrupt tail: cut it off so later appends start on a clean boundary.
        this.#corruptBytes += size - off;
        fs.truncateSync(full, off);
      }
      seg.size = off;
      this.#segments.push(seg);
    }
    this.#deleteDeadSegments();
  }
}
