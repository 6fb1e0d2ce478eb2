/**
 * One direction of DTLS (RFC 6347, DTLS 1.0 and 1.2; the cleartext start
 * of 1.3): each datagram holds whole records, each with a 13-byte header
 * carrying the epoch (0 until ChangeCipherSpec, encrypted after).
 * Handshake messages carry a 12-byte header with a message sequence number
 * and may be cut into fragments across records and datagrams, which arrive
 * repeated (retransmission) and out of order; a message is passed on once
 * all its fragments are in, in message sequence order. A ClientHello is
 * passed in TLS layout (without DTLS's cookie field), so the TLS parsers
 * and fingerprints read it unchanged. Reports to the same handler as TLS
 * over TCP (records.ts); never throws.
 */
import { u16, u24 } from '../../decode/bytes.js';
import { OffsetAssembler } from '../offset-assembler.js';
import { ContentType, HandshakeType, MAX_HELLO_BYTES, TlsAnomaly } from './consts.js';
import type { TlsRecordHandler } from './records.js';

const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
/** Fragments one handshake message may arrive in before it is given up. */
const MAX_FRAGMENTS = 64;
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

export class DtlsRecordReader {
  readonly #fromClient: boolean;
  readonly #h: TlsRecordHandler;
  #dead = false;
  #bad = 0;
  /** Sequence number of the next handshake message to pass on. */
  #nextSeq = -1;
  /** The message being put together: its type and length, and its bytes when kept. */
  #type = -1;
  #length = 0;
  #pieces: OffsetAssembler | null = null;
  /** Fragments counted for a message whose body is not kept. */
  #fragments = 0;
  #covered = 0;

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
      if (epoch !== 0 || type === ContentType.APPLICATION_DATA) this.#h.ciphertext(this.#fromClient, type, ts);
      else if (type === ContentType.HANDSHAKE) this.#handshakeRecord(d, body, body + length, ts);
      else if (type === ContentType.CHANGE_CIPHER_SPEC) this.#h.changeCipherSpec(this.#fromClient, ts);
      else if (type === ContentType.ALERT && length >= 2) this.#h.alert(this.#fromClient, d[body]!, d[body + 1]!, ts);
      else if (type === ContentType.HEARTBEAT) this.#h.heartbeat(this.#fromClient, ts);
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
    if (this.#nextSeq >= 0 && seq < this.#nextSeq) return; // a retransmission of what was passed on
    if (seq !== this.#nextSeq || this.#type < 0) {
      // The next message, or a later one when earlier ones were lost: start it only from a
      // fragment that agrees with itself (retransmitted flights restart at their first message).
      if (seq !== this.#nextSeq && this.#type >= 0 && seq > this.#nextSeq && offset !== 0) return;
      this.#begin(type, length, seq);
    } else if (type !== this.#type || length !== this.#length) {
      this.#h.anomaly(TlsAnomaly.DTLS_BAD_FRAGMENT);
      return;
    }
    if (this.#pieces !== null) {
      if (!this.#pieces.add(offset, bytes)) {
        this.#h.anomaly(TlsAnomaly.HELLO_OVER_BUDGET);
        this.#drop();
      }
    } else if (++this.#fragments > MAX_FRAGMENTS) {
      this.#h.anomaly(TlsAnomaly.DTLS_BAD_FRAGMENT);
      return;
    } else if (offset <= this.#covered) {
      // Not kept: only whether it is complete matters (fragments come in order but for resends).
      this.#covered = Math.max(this.#covered, offset + bytes.length);
    }
    const complete = this.#pieces !== null ? this.#pieces.contiguous >= length : this.#covered >= length;
    if (complete) this.#deliver(ts);
  }

  #begin(type: number, length: number, seq: number): void {
    this.#drop();
    this.#nextSeq = seq;
    this.#type = type;
    this.#length = length;
    this.#fragments = 0;
    this.#covered = 0;
    if (this.#h.wantsBody(this.#fromClient, type)) {
      if (length <= MAX_HELLO_BYTES) this.#pieces = new OffsetAssembler(MAX_HELLO_BYTES, MAX_FRAGMENTS);
      else this.#h.anomaly(TlsAnomaly.HELLO_TOO_LARGE);
    }
  }

  #deliver(ts: number): void {
    const type = this.#type;
    let body: Uint8Array | null = this.#pieces !== null ? this.#pieces.view(0, this.#length).slice() : null;
    if (body !== null && type === HandshakeType.CLIENT_HELLO) {
      body = withoutCookie(body);
      if (body === null) this.#h.anomaly(TlsAnomaly.BAD_CLIENT_HELLO);
    }
    this.#drop();
    this.#type = -1;
    this.#nextSeq++;
    this.#h.handshake(this.#fromClient, type, body, ts);
  }

  #drop(): void {
    this.#pieces?.release();
    this.#pieces = null;
  }
}
