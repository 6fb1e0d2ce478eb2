/**
 * One direction of DTLS (RFC 6347, DTLS 1.0 and 1.2; the cleartext start
 * of 1.3): each datagram holds whole records, each with a 13-byte header
 * carrying the epoch (0 until ChangeCipherSpec, encrypted after).
 * Handshake messages carry a 12-byte header with a message sequence number
 * and may be cut into fragments across records and datagrams, which arrive
 * repeated (retransmission) and out of order, fragments of later messages
 * before earlier ones; a message is passed on once all its fragments are
 * in, in message sequence order. A message that never completes (the
 * sensor missed a datagram) is skipped once the direction's handshake
 * flight is over (a ChangeCipherSpec or an encrypted record), once
 * MAX_HELD messages wait behind it, or when the flow ends. A ClientHello is
 * passed in TLS layout (without DTLS's cookie field), so the TLS parsers
 * and fingerprints read it unchanged. Reports to the same handler as TLS
 * over TCP (records.ts); never throws.
 */
import { u16, u24 } from '../../decode/bytes.js';
import { OffsetAssembler } from '../offset-assembler.js';
import { ContentType, HandshakeType, HEARTBEAT_HEAD, MAX_HELLO_BYTES, TlsAnomaly } from './consts.js';
import type { TlsRecordHandler } from './records.js';

const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
/** Fragments one handshake message may arrive in before it is given up. */
const MAX_FRAGMENTS = 64;
/** Messages held (incomplete, or complete behind an incomplete one) before the oldest gap is skipped. */
const MAX_HELD = 8;
/** Records without a readable handshake after which the direction stops (not DTLS). */
const MAX_BAD_DATAGRAMS = 8;

/** True when `d` starts with a DTLS record of epoch 0 holding a handshake message of `type`. */
export function startsDtlsHandshake(d: Uint8Array, type: number): boolean {
  if (d.length < RECORD_HEADER + HANDSHAKE_HEADER || d[0] !== ContentType.HANDSHAKE || d[1] !== 0xfe) return false;
  if (d[2] !== 0xff && d[2] !== 0xfd && d[2] !== 0xfc) return false;
  if (d[3] !== 0 || d[4] !== 0) return false;
  const length = u16(d, 11);
  return length >= HANDSHAKE_HEADER && RECORD_HEADER + length <= d.length && d[RECORD_HEADER] === type;
}

/** The DTLS ClientHello body `b` in TLS layout: the cookie after the session id left out. Null when too short. */
export function withoutCookie(b: Uint8Array): Uint8Array | null {
  const sidAt = 2 + 32;
  if (b.length < sidAt + 1) return null;
  const cookieAt = sidAt + 1 + b[sidAt]!;
  if (cookieAt + 1 > b.length) return null;
  const rest = cookieAt + 1 + b[cookieAt]!;
  if (rest > b.length) return null;
  const out = new Uint8Array(b.length - (rest - cookieAt));
  out.set(b.subarray(0, cookieAt));
  out.set(b.subarray(rest), cookieAt);
  return out;
}

/** A handshake message being put together: its bytes when the analyzer wants them, else only how much came. */
class HeldMessage {
  readonly seq: number;
  readonly type: number;
  readonly length: number;
  readonly pieces: OffsetAssembler | null;
  fragments = 0;
  covered = 0;

  constructor(seq: number, type: number, length: number, pieces: OffsetAssembler | null) {
    this.seq = seq;
    this.type = type;
    this.length = length;
    this.pieces = pieces;
  }

  get complete(): boolean {
    return this.pieces !== null ? this.pieces.contiguous >= this.length : this.covered >= this.length;
  }
}

export class DtlsRecordReader {
  readonly #fromClient: boolean;
  readonly #h: TlsRecordHandler;
  #dead = false;
  #bad = 0;
  /** Sequence number of the next handshake message to pass on (-1 before the first fragment). */
  #nextSeq = -1;
  /** Messages not passed on yet, in sequence order (at most MAX_HELD). */
  #held: HeldMessage[] = [];

  constructor(fromClient: boolean, handler: TlsRecordHandler) {
    this.#fromClient = fromClient;
    this.#h = handler;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** One datagram of this direction. */
  feed(d: Uint8Array, ts: number): void {
    let o = 0;
    let readable = false;
    while (!this.#dead && o + RECORD_HEADER <= d.length) {
      const type = d[o]!;
      const length = u16(d, o + 11);
      const body = o + RECORD_HEADER;
      if (d[o + 1] !== 0xfe || body + length > d.length) {
        this.#h.anomaly(d[o + 1] !== 0xfe ? TlsAnomaly.BAD_RECORD_VERSION : TlsAnomaly.DTLS_TRUNCATED_RECORD);
        break;
      }
      readable = true;
      const epoch = u16(d, o + 3);
      if (epoch !== 0 || type === ContentType.APPLICATION_DATA) {
        this.flush(ts); // the cleartext handshake of this direction is over
        if (!this.#dead) this.#h.ciphertext(this.#fromClient, type, ts);
      } else if (type === ContentType.HANDSHAKE) this.#handshakeRecord(d, body, body + length, ts);
      else if (type === ContentType.CHANGE_CIPHER_SPEC) {
        this.flush(ts);
        if (!this.#dead) this.#h.changeCipherSpec(this.#fromClient, ts);
      }
      else if (type === ContentType.ALERT && length >= 2) this.#h.alert(this.#fromClient, d[body]!, d[body + 1]!, ts);
      else if (type === ContentType.HEARTBEAT) {
        if (length >= HEARTBEAT_HEAD) this.#h.heartbeat(this.#fromClient, ts, length, d[body]!, u16(d, body + 1));
        else this.#h.heartbeat(this.#fromClient, ts, length, -1, -1);
      }
      else if (type !== ContentType.ALERT) this.#h.anomaly(TlsAnomaly.BAD_CONTENT_TYPE);
      o = body + length;
    }
    if (!readable && ++this.#bad >= MAX_BAD_DATAGRAMS) this.stop();
  }

  /** DTLS has no stream to lose bytes of; a lost datagram is retransmitted or missed. */
  gap(): void {}

  /** Stop reading (handshake done, or the flow is not DTLS). */
  stop(): void {
    this.#dead = true;
    this.#drop();
  }

  /**
   * Passes on the held messages that are complete, in order, skipping the
   * ones still missing fragments: no more will come (the direction's flight
   * ended, or the flow did).
   */
  flush(ts: number): void {
    while (this.#held.length > 0 && !this.#dead) {
      this.#drain(ts);
      if (this.#held.length > 0) this.#skipGap();
    }
  }

  #handshakeRecord(d: Uint8Array, start: number, end: number, ts: number): void {
    let o = start;
    while (o + HANDSHAKE_HEADER <= end && !this.#dead) {
      const type = d[o]!;
      const length = u24(d, o + 1);
      const seq = u16(d, o + 4);
      const fragOffset = u24(d, o + 6);
      const fragLength = u24(d, o + 9);
      const frag = o + HANDSHAKE_HEADER;
      if (frag + fragLength > end || fragOffset + fragLength > length) {
        this.#h.anomaly(TlsAnomaly.DTLS_BAD_FRAGMENT);
        return;
      }
      this.#fragment(type, length, seq, fragOffset, d.subarray(frag, frag + fragLength), ts);
      o = frag + fragLength;
    }
  }

  #fragment(type: number, length: number, seq: number, offset: number, bytes: Uint8Array, ts: number): void {
    if (this.#nextSeq < 0) this.#nextSeq = seq;
    else if (seq < this.#nextSeq) return; // a retransmission of what was passed on
    const m = this.#heldMessage(type, length, seq);
    if (m === null) return;
    if (m.pieces !== null) {
      if (!m.pieces.add(offset, bytes)) {
        this.#h.anomaly(TlsAnomaly.HELLO_OVER_BUDGET);
        this.#forget(m);
        return;
      }
    } else if (++m.fragments > MAX_FRAGMENTS) {
      this.#h.anomaly(TlsAnomaly.DTLS_BAD_FRAGMENT);
      this.#forget(m);
      return;
    } else if (offset <= m.covered) {
      // Not kept: only whether it is complete matters (fragments come in order but for resends).
      m.covered = Math.max(m.covered, offset + bytes.length);
    }
    this.#drain(ts);
    // Too many waiting: the oldest gap is not going to be filled.
    while (this.#held.length > MAX_HELD && !this.#dead) {
      this.#skipGap();
      this.#drain(ts);
    }
  }

  /** The held message `seq` (made on its first fragment), or null when this fragment contradicts it. */
  #heldMessage(type: number, length: number, seq: number): HeldMessage | null {
    const held = this.#held;
    let i = 0;
    while (i < held.length && held[i]!.seq < seq) i++;
    const found = held[i];
    if (found !== undefined && found.seq === seq) {
      if (found.type === type && found.length === length) return found;
      this.#h.anomaly(TlsAnomaly.DTLS_BAD_FRAGMENT);
      return null;
    }
    let pieces: OffsetAssembler | null = null;
    if (this.#h.wantsBody(this.#fromClient, type)) {
      if (length <= MAX_HELLO_BYTES) pieces = new OffsetAssembler(MAX_HELLO_BYTES, MAX_FRAGMENTS);
      else this.#h.anomaly(TlsAnomaly.HELLO_TOO_LARGE);
    }
    const m = new HeldMessage(seq, type, length, pieces);
    held.splice(i, 0, m);
    return m;
  }

  /** Passes on the held messages that are next in order and complete. */
  #drain(ts: number): void {
    const held = this.#held;
    while (held.length > 0 && held[0]!.seq === this.#nextSeq && held[0]!.complete && !this.#dead) this.#deliverFirst(ts);
  }

  /** Gives up the first gap: messages never seen before the first held one, or the first held one itself when incomplete. */
  #skipGap(): void {
    const first = this.#held[0]!;
    if (first.seq > this.#nextSeq) {
      this.#nextSeq = first.seq;
    } else if (!first.complete) {
      this.#held.shift();
      first.pieces?.release();
      this.#nextSeq = first.seq + 1;
    }
  }

  /** Drops a message that went wrong; its sequence number is skipped when its turn comes. */
  #forget(m: HeldMessage): void {
    m.pieces?.release();
    const i = this.#held.indexOf(m);
    if (i >= 0) this.#held.splice(i, 1);
  }

  /** Passes on the first held message (complete) and moves past it. */
  #deliverFirst(ts: number): void {
    const m = this.#held.shift()!;
    let body: Uint8Array | null = m.pieces !== null ? m.pieces.view(0, m.length).slice() : null;
    m.pieces?.release();
    if (body !== null && m.type === HandshakeType.CLIENT_HELLO) {
      body = withoutCookie(body);
      if (body === null) this.#h.anomaly(TlsAnomaly.BAD_CLIENT_HELLO);
    }
    this.#nextSeq = m.seq + 1;
    this.#h.handshake(this.#fromClient, m.type, body, ts);
  }

  #drop(): void {
    for (const m of this.#held) m.pieces?.release();
    this.#held = [];
  }
}
