/**
 * Differential check of segmentation independence: every capture is run
 * through the pipeline as recorded, then with each TCP payload cut into
 * small segments (optionally delivered in reverse pairs); every protocol
 * log must come out the same. Used by resegment.test.ts.
 */
import { openCaptureFiles } from '../../../src/capture/file-source.js';
import { RawPacket } from '../../../src/capture/packet.js';
import { DecodedPacket, IpProto, L3 } from '../../../src/decode/decoded.js';
import { PacketDecoder } from '../../../src/decode/decoder.js';
import { EventBus } from '../../../src/events/bus.js';
import type { PicketEvent } from '../../../src/events/types.js';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { createProtocols } from '../../../src/protocols/index.js';
import { asRawPacket } from '../../helpers/session.js';

interface Frame {
  data: Uint8Array;
  ts: number;
  linkType: number;
}

export async function readFrames(file: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  const src = openCaptureFiles([file], { readAhead: 'never' });
  await src.run((p) => {
    if (p.caplen !== p.origLen) return;
    frames.push({ data: p.data.slice(p.offset, p.offset + p.caplen), ts: p.ts, linkType: p.linkType });
  });
  return frames;
}

/** Cuts TCP payloads into pieces of `size` bytes; `swap` sends each pair of pieces after the first second first (the first stays first: a stream picked up mid-way starts at the first segment seen). */
export function resegment(frames: Frame[], size: number, swap: boolean): Frame[] {
  const out: Frame[] = [];
  const dec = new PacketDecoder();
  const d = new DecodedPacket();
  const raw = new RawPacket();
  for (const f of frames) {
    if (!dec.decode(asRawPacket(raw, f.data, f.ts, f.linkType), d) || d.proto !== IpProto.TCP || d.payloadLen <= size || d.buf !== f.data) {
      out.push(f);
      continue;
    }
    // Only plain packets: the payload runs to the end of the frame, one IP header.
    if (d.payloadOffset + d.payloadLen !== f.data.length) {
      out.push(f);
      continue;
    }
    const head = f.data.subarray(0, d.payloadOffset);
    const seq = d.seq >>> 0;
    const pieces: Frame[] = [];
    for (let o = 0; o < d.payloadLen; o += size) {
      const n = Math.min(size, d.payloadLen - o);
      const b = new Uint8Array(head.length + n);
      b.set(head, 0);
      b.set(f.data.subarray(d.payloadOffset + o, d.payloadOffset + o + n), head.length);
      const dv = new DataView(b.buffer);
      if (d.l3 === L3.IPV4) dv.setUint16(d.l3Offset + 2, d.payloadOffset - d.l3Offset + n);
      else dv.setUint16(d.l3Offset + 4, d.payloadOffset - d.l3Offset - 40 + n);
      dv.setUint32(d.l4Offset + 4, (seq + o) >>> 0);
      // FIN only on the last piece.
      if (o + n < d.payloadLen) b[d.l4Offset + 13] = b[d.l4Offset + 13]! & ~0x01;
      pieces.push({ data: b, ts: f.ts, linkType: f.linkType });
    }
    if (swap) for (let i = 1; i + 1 < pieces.length; i += 2) [pieces[i], pieces[i + 1]] = [pieces[i + 1]!, pieces[i]!];
    out.push(...pieces);
  }
  return out;
}

/** Protocol log records (every log but conn) by log name, as JSON lines. */
export function runLogs(frames: Frame[]): Map<string, string[]> {
  const bus = new EventBus();
  const logs = new Map<string, string[]>();
  bus.onAny((e: PicketEvent) => {
    const ev = e as { log?: string; record?: unknown };
    if (ev.log === undefined || ev.log === 'conn' || ev.record === undefined) return;
    let l = logs.get(ev.log);
    if (l === undefined) logs.set(ev.log, (l = []));
    l.push(JSON.stringify(ev.record));
  });
  const pipeline = new Pipeline({ bus, protocols: createProtocols(), flows: { uidSeed: 1 } });
  const raw = new RawPacket();
  for (const f of frames) {
    pipeline.packet(asRawPacket(raw, f.data, f.ts, f.linkType));
  }
  pipeline.finish();
  for (const l of logs.values()) l.sort();
  return logs;
}

/** Lines in one run and not the other, per log. */
export function diffLogs(a: Map<string, string[]>, b: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const la = a.get(name) ?? [];
    const lb = b.get(name) ?? [];
    const cb = new Map<string, number>();
    for (const x of lb) cb.set(x, (cb.get(x) ?? 0) + 1);
    const onlyA: string[] = [];
    for (const x of la) {
      const n = cb.get(x) ?? 0;
      if (n > 0) cb.set(x, n - 1);
      else onlyA.push(x);
    }
    const onlyB: string[] = [];
    for (const [x, n] of cb) for (let i = 0; i < n; i++) onlyB.push(x);
    for (const x of onlyA) out.push(`${name} - ${x}`);
    for (const x of onlyB) out.push(`${name} + ${x}`);
  }
  return out;
}
