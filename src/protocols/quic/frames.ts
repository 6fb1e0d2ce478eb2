/**
 * The frames of a decrypted Initial packet (RFC 9000 section 19): CRYPTO
 * data for the handshake, CONNECTION_CLOSE, and the PADDING, PING and ACK
 * frames that are skipped. Any other frame type is not allowed in an Initial
 * packet (section 12.4) and ends reading. Pure; never throws.
 */
import { Cursor } from './cursor.js';
import { FrameType, QuicAnomaly } from './consts.js';

export interface InitialFrameSink {
  /** CRYPTO data at `offset` of the handshake stream; the view is valid during the call. */
  crypto(offset: number, data: Uint8Array): void;
  /** CONNECTION_CLOSE: a transport error code (or the application's, `app`); its reason phrase is skipped. */
  close(errorCode: number, app: boolean): void;
}

/** Reads the frames of `payload`; null when all were read, else the anomaly code. */
export function readInitialFrames(payload: Uint8Array, sink: InitialFrameSink): string | null {
  const c = new Cursor(payload, 0, payload.length);
  while (c.remaining > 0) {
    const type = c.varint();
    switch (type) {
      case FrameType.PADDING:
      case FrameType.PING:
        break;
      case FrameType.ACK:
      case FrameType.ACK_ECN: {
        c.varint(); // largest acknowledged
        c.varint(); // delay
        let ranges = c.varint();
        c.varint(); // first range
        // Each further range is two varints of at least a byte: a lying count runs out of bytes.
        while (ranges-- > 0 && !c.truncated) {
          c.varint();
          c.varint();
        }
        if (type === FrameType.ACK_ECN) {
          c.varint();
          c.varint();
          c.varint();
        }
        break;
      }
      case FrameType.CRYPTO: {
        const offset = c.varint();
        const data = c.bytes(c.varint());
        if (data === null) return QuicAnomaly.BAD_FRAME;
        sink.crypto(offset, data);
        break;
      }
      case FrameType.CONNECTION_CLOSE:
      case FrameType.CONNECTION_CLOSE_APP: {
        const code = c.varint();
        if (type === FrameType.CONNECTION_CLOSE) c.varint(); // frame type that caused it
        const reason = c.bytes(c.varint());
        if (reason === null) return QuicAnomaly.BAD_FRAME;
        sink.close(code, type === FrameType.CONNECTION_CLOSE_APP);
        break;
      }
      default:
        return QuicAnomaly.BAD_FRAME;
    }
    if (c.truncated) return QuicAnomaly.BAD_FRAME;
  }
  return null;
}
