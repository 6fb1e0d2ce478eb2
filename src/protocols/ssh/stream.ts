/**
 * One direction of an SSH connection: the identification line (servers may
 * send other lines first), then SSH-2 binary packets in clear until NEWKEYS,
 * then encrypted bytes that are only counted. Lines and packets may be cut
 * anywhere across `feed` calls; only the packets the handler asks for
 * (KEXINIT, the key-exchange reply) are copied.
 */
import { MAX_BANNER_LINE, MAX_PACKET_LENGTH, MAX_PRE_BANNER_LINES, Msg, SshAnomaly } from './consts.js';
import { parseBanner } from './parser.js';

export interface SshStreamHandler {
  banner(fromClient: boolean, text: string, ts: number): void;
  /** Whether to keep the payload of a cleartext packet with this message number. */
  wantsPacket(fromClient: boolean, msg: number): boolean;
  /** A cleartext packet's payload (message number first); only for packets asked for. */
  packet(fromClient: boolean, payload: Uint8Array, ts: number): void;
  newKeys(fromClient: boolean, ts: number): void;
  anomaly(code: string): void;
}

const P_BANNER = 0;
const P_PACKETS = 1;
const P_ENCRYPTED = 2;
const P_DEAD = 3;

/** packet_length (4) + padding_length (1) + message number (1). */
const PACKET_HEAD = 6;

export class SshStream {
  readonly #fromClient: boolean;
  readonly #h: SshStreamHandler;
  #phase = P_BANNER;
  #line: Uint8Array | null = null;
  #lineLen = 0;
  #lineOverflow = false;
  #preLines = 0;
  readonly #head = new Uint8Array(PACKET_HEAD);
  #headFill = 0;
  #remaining = 0;
  #inPacket = false;
  #keep: Uint8Array | null = null;
  #keepFill = 0;
  #payloadLen = 0;

  constructor(fromClient: boolean, handler: SshStreamHandler) {
    this.#fromClient = fromClient;
    this.#h = handler;
  }

  get active(): boolean {
    return this.#phase !== P_DEAD;
  }

  get encrypted(): boolean {
    return this.#phase === P_ENCRYPTED;
  }

  stop(): void {
    this.#phase = P_DEAD;
  }

  /** Feeds one chunk; returns how many of its bytes were encrypted (after NEWKEYS). */
  feed(data: Uint8Array, ts: number): number {
    const len = data.length;
    let i = 0;
    while (i < len) {
      const ph = this.#phase;
      if (ph === P_ENCRYPTED) return len - i;
      if (ph === P_DEAD) return 0;
      if (ph === P_BANNER) i = this.#bannerBytes(data, i, ts);
      else i = this.#packetBytes(data, i, ts);
    }
    return 0;
  }

  #bannerBytes(data: Uint8Array, i: number, ts: number): number {
    const len = data.length;
    let j = i;
    while (j < len && data[j] !== 0x0a) j++;
    if (this.#line === null) this.#line = new Uint8Array(MAX_BANNER_LINE);
    const n = j - i;
    if (this.#lineLen + n > MAX_BANNER_LINE) {
      if (!this.#lineOverflow) this.#h.anomaly(SshAnomaly.BANNER_TOO_LONG);
      this.#lineOverflow = true;
    }
    const room = MAX_BANNER_LINE - this.#lineLen;
    const copy = n < room ? n : room;
    if (copy > 0) {
      const line = this.#line;
      const at = this.#lineLen;
      for (let k = 0; k < copy; k++) line[at + k] = data[i + k]!;
      this.#lineLen += copy;
    }
    if (j === len) return len;
    // A full line.
    let e = this.#lineLen;
    if (e > 0 && this.#line[e - 1] === 0x0d) e--;
    const text = parseBanner(this.#line, 0, e);
    this.#lineLen = 0;
    this.#lineOverflow = false;
    if (text !== null) {
      this.#h.banner(this.#fromClient, text, ts);
      this.#phase = P_PACKETS;
    } else if (this.#fromClient || ++this.#preLines > MAX_PRE_BANNER_LINES) {
      // Only servers may send lines before the identification (RFC 4253 section 4.2).
      this.#h.anomaly(SshAnomaly.BAD_BANNER);
      this.#phase = P_DEAD;
    }
    return j + 1;
  }

  #packetBytes(data: Uint8Array, i: number, ts: number): number {
    const len = data.length;
    if (!this.#inPacket) {
      while (i < len && this.#headFill < PACKET_HEAD) this.#head[this.#headFill++] = data[i++]!;
      if (this.#headFill < PACKET_HEAD) return i;
      this.#headFill = 0;
      const h = this.#head;
      const plen = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
      const pad = h[4]!;
      const msg = h[5]!;
      if (plen > MAX_PACKET_LENGTH || plen < 2) {
        this.#h.anomaly(SshAnomaly.PACKET_TOO_LONG);
        this.#phase = P_DEAD;
        return len;
      }
      // The payload (plen - pad - 1 bytes) must hold at least the message number.
      if (pad + 2 > plen) {
        this.#h.anomaly(SshAnomaly.BAD_PACKET);
        this.#phase = P_DEAD;
        return len;
      }
      // Bytes still to come after the message number: rest of payload, padding (and no MAC yet).
      this.#remaining = plen - 2;
      this.#payloadLen = plen - pad - 1;
      this.#keep = null;
      this.#keepFill = 0;
      if (this.#h.wantsPacket(this.#fromClient, msg)) {
        this.#keep = new Uint8Array(this.#payloadLen);
        this.#keep[0] = msg;
        this.#keepFill = 1;
      }
      this.#inPacket = true;
      if (this.#remaining === 0) return this.#endPacket(msg, i, ts);
      return i;
    }
    const avail = len - i;
    const take = avail < this.#remaining ? avail : this.#remaining;
    const keep = this.#keep;
    if (keep !== null && this.#keepFill < keep.length) {
      const want = keep.length - this.#keepFill;
      const c = take < want ? take : want;
      const at = this.#keepFill;
      for (let k = 0; k < c; k++) keep[at + k] = data[i + k]!;
      this.#keepFill += c;
    }
    this.#remaining -= take;
    i += take;
    if (this.#remaining === 0) return this.#endPacket(this.#head[5]!, i, ts);
    return i;
  }

  #endPacket(msg: number, i: number, ts: number): number {
    this.#inPacket = false;
    const keep = this.#keep;
    this.#keep = null;
    if (keep !== null) this.#h.packet(this.#fromClient, keep, ts);
    if (msg === Msg.NEWKEYS) {
      this.#phase = P_ENCRYPTED;
      this.#h.newKeys(this.#fromClient, ts);
    }
    return i;
  }
}
