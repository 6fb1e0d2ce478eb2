/**
 * Shared helpers for the capture tests: locating the hand-made fixtures,
 * compiling their commented hex sources, and collecting what a source
 * delivers into plain, comparable records.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import type { RawPacket } from '../../src/capture/packet.js';
import { openCaptureFiles, type CaptureStats } from '../../src/capture/file-source.js';

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'captures');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Compiles a `.hex` fixture source: `#` starts a comment, whitespace is ignored. */
export function compileHex(text: string): Uint8Array {
  const digits = text.split('\n').map((line) => line.replace(/#.*/, '')).join('').replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) throw new Error('bad hex fixture');
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

/** Exact timestamp text, "sec.nnnnnnnnn", as tshark prints frame.time_epoch. */
export function tsText(p: RawPacket): string {
  return `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;
}

/** A copy of everything a packet carries that a test compares. */
export interface SeenPacket {
  ts: string;
  tsFloat: number;
  caplen: number;
  origLen: number;
  linkType: number;
  interfaceId: number;
  streamOffset: number;
  hex: string;
}

export function snapshot(p: RawPacket): SeenPacket {
  return {
    ts: tsText(p),
    tsFloat: p.ts,
    caplen: p.caplen,
    origLen: p.origLen,
    linkType: p.linkType,
    interfaceId: p.interfaceId,
    streamOffset: p.streamOffset,
    hex: Buffer.from(p.data.buffer, p.data.byteOffset + p.offset, p.caplen).toString('hex'),
  };
}

export async function readAll(paths: string[]): Promise<{ packets: SeenPacket[]; stats: CaptureStats }> {
  const packets: SeenPacket[] = [];
  const stats = await openCaptureFiles(paths).run((p) => packets.push(snapshot(p)));
  return { packets, stats };
}
