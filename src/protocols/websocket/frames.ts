import { Inflate } from 'fflate';

/**
 * One direction of a WebSocket connection (RFC 6455 section 5), read as a
 * stream: frame headers across any segment boundaries, the client's
 * masking undone, and the payload of data frames (text, binary and their
 * continuations) handed on in order, which is the byte stream a tunnel
 * (chisel, wstunnel) carries. Control frames are read and dropped; a Close
 * ends the direction. A message compressed by permessage-deflate (RFC 7692:
 * RSV1 on its first frame) is inflated and handed on when the handshake
 * agreed on that extension (fflate's streaming inflater, its window kept
 * from message to message unless the side resets it); without the
 * agreement it is stepped over, its bytes counted.
 * What breaks the framing (a reserved opcode, a control frame longer than
 * 125 bytes or fragmented, a 64-bit length with its top bit set, a
 * continuation with no message begun) is reported once, and the direction
 * is given up: frames cannot be found again in the middle of a stream.
 */

/** Frame opcodes (RFC 6455 section 5.2). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** Longest payload of a control frame. */
const MAX_CONTROL_PAYLOAD = 125;
/** Largest frame header: 2 bytes, a 64-bit length, a masking key. */
const MAX_HEADER = 14;

export const WebSocketAnomaly = {
  BAD_OPCODE: 'websocket_reserved_opcode',
  BAD_CONTROL_FRAME: 'websocket_bad_control_frame',
  BAD_LENGTH: 'websocket_bad_length',
  UNEXPECTED_CONTINUATION: 'websocket_unexpected_continuation',
  UNMASKED_CLIENT_FRAME: 'websocket_unmasked_client_frame',
  BAD_COMPRESSED_DATA: 'websocket_bad_compressed_data',
} as const;

/** What the handshake agreed for this direction's permessage-deflate (RFC 7692). */
export interface DeflateTerms {
  /** The sender starts each message with an empty window (`*_no_context_takeover`). */
  resetEachMessage: boolean;
}

/** The 4 bytes a sender strips from the end of each compressed message (RFC 7692 section 7.2.1). */
const MESSAGE_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

export interface FrameSink {
  /** Payload bytes of a data frame, unmasked: data[start, end). */
  payload(data: Uint8Array, start: number, end: number, ts: number): void;
  /** A Close frame came, with its status code when it carried one. */
  close(code: number | undefined, ts: number): void;
  anomaly(code: string): void;
}

const H_HEADER = 0;
const H_PAYLOAD = 1;
const H_DONE = 2;

export class FrameReader {
  readonly #fromClient: boolean;
  readonly #sink: FrameSink;
  #state = H_HEADER;
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerLen = 0;
  /** Payload bytes of the current frame still to come. */
  #remaining = 0;
  #opcode = 0;
  #masked = false;
  readonly #mask = new Uint8Array(4);
  /** Payload bytes of the current frame already unmasked (where in the key the next byte is). */
  #maskAt = 0;
  /** A data message is under way (its final frame not seen). */
  #inMessage = false;
  /** The message under way is compressed (inflated, or stepped over without the extension). */
  #compressed = false;
  /** The current data frame is its message's last. */
  #finalFrame = false;
  /** The Close frame's first two payload bytes (its status code), as they come. */
  #closeBytes: number[] = [];
  /** Frames read. */
  frames = 0;
  /** Payload bytes handed on. */
  dataBytes = 0;
  /** Payload bytes of compressed messages, not handed on. */
  compressedBytes = 0;
  /** Masked client frames were expected and one was not (counted once). */
  #unmaskedSeen = false;
  /** permessage-deflate as agreed, or null (compressed messages are then stepped over). */
  readonly #deflate: DeflateTerms | null;
  /** The inflater of this direction's compressed messages (made on the first). */
  #inflater: Inflate | null = null;
  /** Payload bytes inflated from compressed messages and handed on. */
  inflatedBytes = 0;
  #ts = 0;

  constructor(fromClient: boolean, sink: FrameSink, deflate: DeflateTerms | null = null) {
    this.#fromClient = fromClient;
    this.#sink = sink;
    this.#deflate = deflate;
  }

  /** Still reading frames (false after a Close or broken framing). */
  get active(): boolean {
    return this.#state !== H_DONE;
  }

  /** Bytes were lost: where the next frame starts is unknown, so the direction ends. */
  lost(): void {
    this.#state = H_DONE;
  }

  feed(data: Uint8Array, ts: number): void {
    this.#ts = ts;
    let i = 0;
    const n = data.length;
    while (i < n && this.#state !== H_DONE) {
      if (this.#state === H_HEADER) {
        i = this.#readHeader(data, i, ts);
        continue;
      }
      const take = Math.min(this.#remaining, n - i);
      this.#payload(data, i, i + take, ts);
      i += take;
      this.#remaining -= take;
      // (Compressed data that does not inflate ends the direction mid-frame.)
      if (this.#remaining === 0 && this.#state !== H_DONE) this.#frameDone(ts);
    }
  }

  /** Reads header bytes from data[i]; returns where it stopped. */
  #readHeader(data: Uint8Array, i: number, ts: number): number {
    const h = this.#header;
    while (i < data.length) {
      h[this.#headerLen++] = data[i++]!;
      const need = this.#headerLength();
      if (need < 0 || this.#headerLen < need) continue;
      this.#startFrame(ts);
      return i;
    }
    return i;
  }

  /** The full header's length once its first two bytes are in, else -1. */
  #headerLength(): number {
    if (this.#headerLen < 2) return -1;
    const b1 = this.#header[1]!;
    const len7 = b1 & 0x7f;
    const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    return 2 + ext + ((b1 & 0x80) !== 0 ? 4 : 0);
  }

  #startFrame(ts: number): void {
    const h = this.#header;
    const b0 = h[0]!;
    const b1 = h[1]!;
    this.#headerLen = 0;
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    this.#masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let at = 2;
    if (len === 126) {
      len = (h[2]! << 8) | h[3]!;
      at = 4;
    } else if (len === 127) {
      if ((h[2]! & 0x80) !== 0) return this.#broken(WebSocketAnomaly.BAD_LENGTH);
      // Up to 2^53 fits a double exactly; more is no real frame.
      if (h[2]! !== 0 || (h[3]! & 0xe0) !== 0) return this.#broken(WebSocketAnomaly.BAD_LENGTH);
      const high = (h[3]! << 16) | (h[4]! << 8) | h[5]!;
      const low = ((h[6]! << 24) >>> 0) + ((h[7]! << 16) | (h[8]! << 8) | h[9]!);
      len = high * 2 ** 32 + low;
      at = 10;
    }
    if (this.#masked) {
      this.#mask.set(h.subarray(at, at + 4));
      this.#maskAt = 0;
    } else if (this.#fromClient && !this.#unmaskedSeen) {
      // RFC 6455 5.1: a client masks every frame; read on all the same.
      this.#unmaskedSeen = true;
      this.#sink.anomaly(WebSocketAnomaly.UNMASKED_CLIENT_FRAME);
    }
    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) return this.#broken(WebSocketAnomaly.BAD_OPCODE);
      if (!fin || len > MAX_CONTROL_PAYLOAD) return this.#broken(WebSocketAnomaly.BAD_CONTROL_FRAME);
      this.#closeBytes = [];
    } else if (opcode === Opcode.CONTINUATION) {
      if (!this.#inMessage) return this.#broken(WebSocketAnomaly.UNEXPECTED_CONTINUATION);
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      // A new message (one left unfinished is over: its frames simply stopped).
      this.#inMessage = true;
      this.#compressed = rsv1;
    } else {
      return this.#broken(WebSocketAnomaly.BAD_OPCODE);
    }
    this.#opcode = opcode;
    if (opcode < 0x8) this.#finalFrame = fin;
    if (opcode < 0x8 && fin) this.#inMessage = false;
    this.frames++;
    this.#remaining = len;
    this.#state = H_PAYLOAD;
    if (len === 0) this.#frameDone(ts);
  }

  #payload(data: Uint8Array, start: number, end: number, ts: number): void {
    if (end <= start) return;
    const op = this.#opcode;
    if (op >= 0x8) {
      if (op === Opcode.CLOSE && this.#closeBytes.length < 2) {
        // The status code: the payload's first two bytes (a control frame's payload is at most 125).
        for (const b of this.#unmasked(data, start, end)) if (this.#closeBytes.length < 2) this.#closeBytes.push(b);
      } else {
        this.#maskAt += end - start;
      }
      return;
    }
    if (this.#compressed) {
      this.compressedBytes += end - start;
      if (this.#deflate === null) {
        this.#maskAt += end - start;
        return;
      }
      this.#inflate(this.#unmasked(data, start, end), false);
      return;
    }
    if (this.#masked) {
      const out = this.#unmasked(data, start, end);
      this.#sink.payload(out, 0, out.length, ts);
    } else {
      this.#sink.payload(data, start, end, ts);
    }
    this.dataBytes += end - start;
  }

  /** data[start, end) with the mask undone (a copy), or as it is when unmasked. */
  #unmasked(data: Uint8Array, start: number, end: number): Uint8Array {
    if (!this.#masked) return data.subarray(start, end);
    const out = new Uint8Array(end - start);
    const m = this.#mask;
    let k = this.#maskAt & 3;
    for (let i = start, j = 0; i < end; i++, j++) {
      out[j] = data[i]! ^ m[k]!;
      k = (k + 1) & 3;
    }
    this.#maskAt += end - start;
    return out;
  }

  /** Feeds compressed bytes (`last`: the message's end, its stripped tail put back) to the inflater. */
  #inflate(bytes: Uint8Array, last: boolean): void {
    if (this.#state === H_DONE) return;
    let inf = this.#inflater;
    if (inf === null) {
      inf = this.#inflater = new Inflate((out) => {
        if (out.length === 0) return;
        this.inflatedBytes += out.length;
        this.#sink.payload(out, 0, out.length, this.#ts);
      });
    }
    try {
      if (bytes.length > 0) inf.push(bytes, false);
      if (last) inf.push(MESSAGE_TAIL, false);
    } catch {
      this.#broken(WebSocketAnomaly.BAD_COMPRESSED_DATA);
      return;
    }
    if (last && this.#deflate!.resetEachMessage) this.#inflater = null;
  }



  #frameDone(ts: number): void {
    this.#state = H_HEADER;
    // The final frame of a compressed message: the inflater gets the message's tail.
    if (this.#compressed && this.#deflate !== null && this.#opcode < 0x8 && this.#finalFrame) {
      this.#compressed = false;
      this.#inflate(new Uint8Array(0), true);
      if (this.#state === H_DONE) return;
    }
    if (this.#opcode === Opcode.CLOSE) {
      const c = this.#closeBytes;
      this.#sink.close(c.length === 2 ? (c[0]! << 8) | c[1]! : undefined, ts);
      this.#state = H_DONE;
    }
  }

  #broken(code: string): void {
    this.#sink.anomaly(code);
    this.#state = H_DONE;
  }
}
