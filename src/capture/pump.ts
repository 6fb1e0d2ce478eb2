/**
 * Feeds a readable byte stream into a CaptureStreamParser until the stream
 * ends, the parser finishes (corrupt record, format error, stop), or the
 * owner aborts. Shared by file, standard-input and tcpdump sources so there
 * is one read loop and one parser.
 */
import type { Readable } from 'node:stream';
import type { CaptureStreamParser } from './stream-parser.js';

/** How a pump ended: the stream's own end, or early (parser finished or aborted). */
export type PumpEnd = 'end' | 'early';

/** Lets the owner end a running pump from outside (stop() while the stream is idle). */
export interface PumpHandle {
  abort: (() => void) | null;
}

export function pumpStream(stream: Readable, parser: CaptureStreamParser, handle: PumpHandle): Promise<PumpEnd> {
  return new Promise<PumpEnd>((resolve, reject) => {
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      handle.abort = null;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (chunk: Buffer | string): void => {
      if (settled) return;
      if (typeof chunk === 'string') {
        cleanup();
        reject(new TypeError('capture stream must not have an encoding set'));
        return;
      }
      // One try per chunk (not per packet): a throwing packet handler is a
      // caller bug and must reach the caller, not crash the process.
      try {
        parser.push(chunk);
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      if (parser.finished) {
        cleanup();
        resolve('early');
      }
    };
    const onEnd = (): void => {
      if (settled) return;
      cleanup();
      resolve('end');
    };
    const onError = (err: Error): void => {
      if (settled) return;
      cleanup();
      reject(err);
    };
    handle.abort = () => {
      if (settled) return;
      cleanup();
      resolve('early');
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}
