/** WebSocket frames for tests (RFC 6455 section 5.2), and permessage-deflate messages (RFC 7692). */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

export interface FrameOptions {
  fin?: boolean;
  rsv1?: boolean;
  /** The masking key; unmasked without one. */
  mask?: Uint8Array;
}

/** One frame of `opcode` carrying `payload`. */
export function frame(opcode: number, payload: string | Uint8Array, opts: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv1 === true ? 0x40 : 0) | opcode];
  const m = opts.mask !== undefined ? 0x80 : 0;
  if (body.length < 126) head.push(m | body.length);
  else if (body.length < 65536) head.push(m | 126, body.length >> 8, body.length & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((body.length >>> 24) & 0xff, (body.length >>> 16) & 0xff, (body.length >>> 8) & 0xff, body.length & 0xff);
  }
  if (opts.mask !== undefined) {
    head.push(...opts.mask);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ opts.mask[i & 3]!;
  }
  return Buffer.concat([Buffer.from(head), body]);
}

/** Each message compressed as a permessage-deflate sender does: one raw deflate stream, sync-flushed, tail stripped. */
export async function deflateMessages(messages: readonly string[], resetEachMessage: boolean): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let stream = zlib.createDeflateRaw();
  for (const m of messages) {
    if (resetEachMessage) stream = zlib.createDeflateRaw();
    const s = stream;
    // A sync flush of what was written so far: the message's compressed bytes, ending 00 00 ff ff.
    await new Promise<void>((resolve) => {
      s.write(Buffer.from(m, 'latin1'));
      s.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve());
    });
    const parts: Buffer[] = [];
    for (let c = s.read() as Buffer | null; c !== null; c = s.read() as Buffer | null) parts.push(c);
    const c = Buffer.concat(parts);
    assert.deepEqual([...c.subarray(c.length - 4)], [0, 0, 0xff, 0xff]);
    out.push(c.subarray(0, c.length - 4));
  }
  return out;
}

