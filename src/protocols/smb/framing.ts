/**
 * NetBIOS session service framing (RFC 1002 §4.3) for one direction of an
 * SMB connection: a 4-byte header (type, then a length that direct TCP on
 * 445 extends to 24 bits) before each SMB message. Messages may arrive split
 * across chunks or several per chunk. Only the first `keep` bytes of a large
 * message are buffered (READ/WRITE payloads are not needed whole); the
 * frame is delivered flagged as truncated and the rest handed on as it
 * streams past (`rest`), unbuffered, for the file content reader.
 *
 * After a capture gap the framer resynchronises by scanning for the next
 * "\0 len len len" + "\xFE|\xFF|\xFD|\xFC SMB" pattern.
 */
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { NbssType } from './consts.js';

export interface FrameSink {
  frame(fromOrig: boolean, type: number, buf: Uint8Array, start: number, end: number, truncated: boolean, ts: number): void;
  framingError(fromOrig: boolean, code: string): void;
  /** The bytes after the kept part of the last truncated frame, in order, in pieces (views valid during the call). */
  rest?(fromOrig: boolean, data: Uint8Array, start: number, end: number, ts: number): void;
}

const HEADER = 4;
/** Resynchronisation pattern: NBSS header (4) plus an SMB protocol id (4). */
const SYNC_LEN = 8;

/** "\0 len len len" then 0xFE/0xFF/0xFD/0xFC "SMB" at b[o..o+8). */
function isSyncAt(b: Uint8Array, o: number): boolean {
  if (b[o] !== 0 || b[o + 5] !== 0x53 || b[o + 6] !== 0x4d || b[o + 7] !== 0x42) return false;
  const id = b[o + 4]!;
  return id === 0xfe || id === 0xff || id === 0xfd || id === 0xfc;
}

function knownType(t: number): boolean {
  return (
    t === NbssType.SESSION_MESSAGE ||
    t === NbssType.SESSION_REQUEST ||
    t === NbssType.POSITIVE_RESPONSE ||
    t === NbssType.NEGATIVE_RESPONSE ||
    t === NbssType.RETARGET_RESPONSE ||
    t === NbssType.KEEPALIVE
  );
}

export class NbssFramer {
  readonly #fromOrig: boolean;
  readonly #keep: number;
  readonly #buf: StreamBuffer;
  /** Bytes of the current (truncated) message still to discard. */
  #skip = 0;
  /** True after a gap or a framing error until a plausible header is found again. */
  #lost = false;
  /** Carried-over bytes joined with the start of the next chunk, for windows that straddle chunks. */
  readonly #joined = new Uint8Array(2 * SYNC_LEN);

  constructor(fromOrig: boolean, keep: number) {
    this.#fromOrig = fromOrig;
    this.#keep = keep;
    this.#buf = new StreamBuffer(keep + HEADER);
  }

  /** Bytes were lost in this direction: drop the partial message and resynchronise. */
  gap(): void {
    this.#buf.clear();
    this.#skip = 0;
    this.#lost = true;
  }

  feed(data: Uint8Array, ts: number, sink: FrameSink): void {
    let p = 0;
    const n = data.length;
    while (p < n) {
      if (this.#skip > 0) {
        const k = Math.min(this.#skip, n - p);
        this.#skip -= k;
        sink.rest?.(this.#fromOrig, data, p, p + k, ts);
        p += k;
        continue;
      }
      if (this.#lost) {
        p = this.#resync(data, p);
        if (this.#lost) return;
        continue;
      }
      const buf = this.#buf;
      if (buf.length < HEADER) {
        const k = Math.min(HEADER - buf.length, n - p);
        buf.push(data, p, p + k);
        p += k;
        if (buf.length < HEADER) return;
      }
      const b = buf.bytes;
      const o = buf.offset;
      const type = b[o]!;
      if (!knownType(type)) {
        sink.framingError(this.#fromOrig, 'smb_bad_nbss_type');
        buf.clear();
        this.#lost = true;
        continue;
      }
      // RFC 1002 allows 17 bits; direct TCP (MS-SMB2 §2.1) uses the full 24.
      const len = (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
      const want = Math.min(len, this.#keep);
      const need = HEADER + want - buf.length;
      if (need > 0) {
        const k = Math.min(need, n - p);
        buf.push(data, p, p + k);
        p += k;
        if (k < need) return;
      }
      const bb = buf.bytes;
      const oo = buf.offset;
      sink.frame(this.#fromOrig, type, bb, oo + HEADER, oo + HEADER + want, len > want, ts);
      buf.clear();
      this.#skip = len - want;
    }
  }

  /**
   * Looks for a session-message header followed by an SMB protocol id in
   * the carried-over bytes plus data[p..]. On a match the 8 pattern bytes
   * (header plus the first 4 message bytes) are left in the buffer and the
   * offset after them is returned; otherwise the last 7 bytes are carried
   * over to the next call and data.length is returned. Scans `data` in
   * place: after a gap this runs over every byte until the stream is found.
   */
  #resync(data: Uint8Array, p: number): number {
    const buf = this.#buf;
    const n = data.length;
    const carried = buf.length;
    if (carried > 0) {
      // Windows that start in the carried bytes: join them with the first new bytes.
      // At most SYNC_LEN - 1 bytes each way: copied one by one, not through a view of them.
      const joined = this.#joined;
      const held = buf.bytes;
      for (let i = 0; i < carried; i++) joined[i] = held[buf.offset + i]!;
      const fresh = Math.min(SYNC_LEN - 1, n - p);
      for (let i = 0; i < fresh; i++) joined[carried + i] = data[p + i]!;
      const len = carried + fresh;
      for (let s = 0; s < carried && s + SYNC_LEN <= len; s++) {
        if (isSyncAt(joined, s)) {
          buf.clear();
          buf.push(joined, s, s + SYNC_LEN);
          this.#lost = false;
          return p + s + SYNC_LEN - carried;
        }
      }
      if (n - p < SYNC_LEN - 1) {
        buf.clear();
        buf.push(joined, Math.max(0, len - (SYNC_LEN - 1)), len);
        return n;
      }
    }
    for (let i = p; i + SYNC_LEN <= n; i++) {
      if (isSyncAt(data, i)) {
        buf.clear();
        buf.push(data, i, i + SYNC_LEN);
        this.#lost = false;
        return i + SYNC_LEN;
      }
    }
    buf.clear();
    buf.push(data, Math.max(p, n - (SYNC_LEN - 1)), n);
    return n;
  }
}
