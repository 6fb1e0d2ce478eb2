/**
 * One direction of a TLS byte stream, cut into records and handshake
 * messages: record headers may be split across `feed` calls, handshake
 * messages may span several records and several may share one record.
 * Only handshake messages the handler asks for are copied (bounded); every
 * other byte is skipped. After ChangeCipherSpec the direction's records are
 * ciphertext and only reported, never parsed.
 */
import { growBuffer, parserBuffers, type BufferClaim } from '../buffer-budget.js';
import { ContentType, HEARTBEAT_HEAD, MAX_HELLO_BYTES, MAX_RECORD_LENGTH, TlsAnomaly } from './consts.js';

export interface TlsRecordHandler {
  /** Whether to copy the body of a handshake message of this type (it is then passed to `handshake`). */
  wantsBody(fromClient: boolean, type: number): boolean;
  /** A complete plaintext handshake message; `body` is null when it was not kept. */
  handshake(fromClient: boolean, type: number, body: Uint8Array | null, ts: number): void;
  changeCipherSpec(fromClient: boolean, ts: number): void;
  alert(fromClient: boolean, level: number, description: number, ts: number): void;
  /**
   * A plaintext heartbeat record (RFC 6520): its length, and the message's
   * type (1 request, 2 response) and announced payload length, -1 each when
   * the record is too short to hold them.
   */
  heartbeat(fromClient: boolean, ts: number, recordLength: number, messageType: number, payloadLength: number): void;
  /** A record whose content is encrypted (application data, or anything after ChangeCipherSpec). */
  ciphertext(fromClient: boolean, contentType: number, ts: number): void;
  anomaly(code: string): void;
}

const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
/**
 * First allocation for a kept handshake body, which then grows (by doubling,
 * up to the announced length) with the bytes that arrive. Allocating the
 * announced length at once let a 9-byte segment claiming a 64 KiB hello
 * cost 64 KiB, 128 KB per flow of two such segments. What it grows to is
 * taken from the thread's parser buffer budget (buffer-budget.ts).
 */
const HS_BODY_START = 512;

export class TlsRecordReader {
  readonly #fromClient: boolean;
  readonly #h: TlsRecordHandler;
  /**
   * Bytes of the record header read so far. Record and handshake headers
   * may be split across `feed` calls; they are collected in numbers rather
   * than in small byte arrays, which cost four array buffers per TLS flow.
   */
  #hdrFill = 0;
  /** Content type: the record header's first byte. */
  #hdrType = 0;
  /** The record header's other four bytes (version, length), big-endian. */
  #hdrRest = 0;
  #recType = 0;
  #recRemaining = 0;
  #inRecord = false;
  /** ChangeCipherSpec was sent: later records of this direction are ciphertext. */
  #encrypted = false;
  #dead = false;
  // Handshake message reassembly.
  /** The handshake header (type, 24-bit length), big-endian. */
  #hsHdr = 0;
  #hsFill = 0;
  #hsType = 0;
  #hsRemaining = 0;
  #hsInBody = false;
  #hsBody: Uint8Array | null = null;
  #hsBodyFill = 0;
  /** Length of the kept body once complete (its announced length). */
  #hsBodyLength = 0;
  /** What the kept body took from the parser buffer budget past its first allocation. */
  #claim: BufferClaim | null = null;
  // Alert bytes (level, description) may be split too.
  #alertLevel = -1;
  // A heartbeat message's first three bytes (type, payload length), gathered across chunks.
  #hbLength = 0;
  #hbFill = 0;
  #hbHead = 0;

  constructor(fromClient: boolean, handler: TlsRecordHandler) {
    this.#fromClient = fromClient;
    this.#h = handler;
  }

  get dead(): boolean {
    return this.#dead;
  }

  get encrypted(): boolean {
    return this.#encrypted;
  }

  feed(data: Uint8Array, ts: number): void {
    const len = data.length;
    let i = 0;
    while (i < len && !this.#dead) {
      if (!this.#inRecord) {
        const b = data[i++]!;
        if (this.#hdrFill === 0) this.#hdrType = b;
        else this.#hdrRest = (this.#hdrRest << 8) | b;
        if (++this.#hdrFill === RECORD_HEADER) this.#startRecord(ts);
        continue;
      }
      const avail = len - i;
      const take = avail < this.#recRemaining ? avail : this.#recRemaining;
      if (!this.#encrypted) {
        if (this.#recType === ContentType.HANDSHAKE) this.#handshakeBytes(data, i, i + take, ts);
        else if (this.#recType === ContentType.ALERT) this.#alertBytes(data, i, i + take, ts);
        else if (this.#recType === ContentType.HEARTBEAT) this.#heartbeatBytes(data, i, i + take, ts);
      }
      this.#recRemaining -= take;
      i += take;
      if (this.#recRemaining === 0) this.#inRecord = false;
    }
  }

  /** Bytes were lost: record framing cannot be recovered. */
  gap(): void {
    if (!this.#dead) this.#h.anomaly(TlsAnomaly.CONTENT_GAP);
    this.#dead = true;
  }

  /** Stop reading (handshake done, or the flow is not TLS). */
  stop(): void {
    this.#dead = true;
  }

  /** The flow ended: a stream holds no messages waiting for earlier ones (DTLS readers do). */
  flush(_ts: number): void {}

  #startRecord(ts: number): void {
    this.#hdrFill = 0;
    const type = this.#hdrType;
    const major = this.#hdrRest >>> 24;
    const minor = (this.#hdrRest >>> 16) & 0xff;
    const length = this.#hdrRest & 0xffff;
    if ((type & 0x80) !== 0 && minor === 1) {
      // An SSLv2-format ClientHello (two-byte header with the high bit set): not analyzed.
      this.#h.anomaly(TlsAnomaly.SSLV2);
      this.#dead = true;
      return;
    }
    if (type < ContentType.CHANGE_CIPHER_SPEC || type > ContentType.HEARTBEAT) {
      this.#h.anomaly(TlsAnomaly.BAD_CONTENT_TYPE);
      this.#dead = true;
      return;
    }
    // Record versions are 3.x (SSLv3 to TLS 1.3) or DTLS's 254.x.
    if (major !== 3 && major !== 254) {
      this.#h.anomaly(TlsAnomaly.BAD_RECORD_VERSION);
      this.#dead = true;
      return;
    }
    if (length > MAX_RECORD_LENGTH) {
      this.#h.anomaly(TlsAnomaly.RECORD_TOO_LONG);
      this.#dead = true;
      return;
    }
    this.#recType = type;
    this.#recRemaining = length;
    this.#inRecord = length > 0;
    if (type === ContentType.CHANGE_CIPHER_SPEC) {
      // Plaintext in every version (TLS 1.3 keeps it for middlebox compatibility).
      this.#encrypted = true;
      this.#h.changeCipherSpec(this.#fromClient, ts);
      return;
    }
    if (type === ContentType.HEARTBEAT && !this.#encrypted) {
      // Told once its type and payload length are read (or at once when the record cannot hold them).
      this.#hbLength = length;
      this.#hbFill = 0;
      this.#hbHead = 0;
      if (length < HEARTBEAT_HEAD) this.#h.heartbeat(this.#fromClient, ts, length, -1, -1);
      return;
    }
    if (this.#encrypted || type === ContentType.APPLICATION_DATA) this.#h.ciphertext(this.#fromClient, type, ts);
  }

  #heartbeatBytes(data: Uint8Array, s: number, e: number, ts: number): void {
    if (this.#hbFill >= HEARTBEAT_HEAD) return;
    for (let k = s; k < e && this.#hbFill < HEARTBEAT_HEAD; k++) {
      this.#hbHead = (this.#hbHead << 8) | data[k]!;
      if (++this.#hbFill === HEARTBEAT_HEAD) this.#h.heartbeat(this.#fromClient, ts, this.#hbLength, this.#hbHead >>> 16, this.#hbHead & 0xffff);
    }
  }

  #alertBytes(data: Uint8Array, s: number, e: number, ts: number): void {
    for (let k = s; k < e; k++) {
      if (this.#alertLevel < 0) {
        this.#alertLevel = data[k]!;
      } else {
        this.#h.alert(this.#fromClient, this.#alertLevel, data[k]!, ts);
        this.#alertLevel = -1;
      }
    }
  }

  #handshakeBytes(data: Uint8Array, s: number, e: number, ts: number): void {
    while (s < e) {
      if (!this.#hsInBody) {
        this.#hsHdr = (this.#hsHdr << 8) | data[s++]!;
        if (++this.#hsFill < HANDSHAKE_HEADER) continue;
        this.#hsFill = 0;
        this.#hsType = this.#hsHdr >>> 24;
        this.#hsRemaining = this.#hsHdr & 0xffffff;
        this.#hsBody = null;
        this.#hsBodyFill = 0;
        if (this.#h.wantsBody(this.#fromClient, this.#hsType)) {
          if (this.#hsRemaining <= MAX_HELLO_BYTES) {
            this.#hsBody = new Uint8Array(Math.min(this.#hsRemaining, HS_BODY_START));
            this.#hsBodyLength = this.#hsRemaining;
          } else {
            this.#h.anomaly(TlsAnomaly.HELLO_TOO_LARGE);
          }
        }
        if (this.#hsRemaining === 0) {
          this.#h.handshake(this.#fromClient, this.#hsType, this.#hsBody, ts);
          this.#hsBody = null;
          continue;
        }
        this.#hsInBody = true;
        continue;
      }
      const avail = e - s;
      const take = avail < this.#hsRemaining ? avail : this.#hsRemaining;
      if (this.#hsBody !== null) {
        const at = this.#hsBodyFill;
        if (this.#hsBody.length < at + take) {
          this.#claim ??= parserBuffers.claim(this);
          const grown = growBuffer(this.#claim, this.#hsBody, at, at + take, this.#hsBodyLength);
          if (grown !== null) {
            this.#hsBody = grown;
          } else {
            // The thread's parsers hold all the buffer memory they may: this hello goes unparsed.
            this.#h.anomaly(TlsAnomaly.HELLO_OVER_BUDGET);
            this.#hsBody = null;
          }
        }
        const body = this.#hsBody;
        if (body !== null) {
          for (let k = 0; k < take; k++) body[at + k] = data[s + k]!;
          this.#hsBodyFill += take;
        }
      }
      this.#hsRemaining -= take;
      s += take;
      if (this.#hsRemaining === 0) {
        this.#hsInBody = false;
        const body = this.#hsBody;
        this.#hsBody = null;
        this.#claim?.release();
        this.#h.handshake(this.#fromClient, this.#hsType, body, ts);
      }
    }
  }
}
