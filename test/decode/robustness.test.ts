/**
 * Bad input never throws and is never silently lost. Every packet of the
 * shared corpora is decoded as captured, cut at many lengths, and with bytes
 * corrupted (deterministic PRNG), and each decode() must either succeed
 * without a malformed/unsupported count, or fail with exactly one such count,
 * or fail as a pending fragment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS, SURICATA_CORPUS } from '../helpers/paths.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { RawPacket } from '../../src/capture/packet.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import { DecodedPacket } from '../../src/decode/decoded.js';

interface Captured {
  bytes: Uint8Array;
  linkType: number;
  ts: number;
}

function captureFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of fs.readdirSync(root)) {
    const p = path.join(root, dir);
    if (!fs.statSync(p).isDirectory()) continue;
    for (const f of fs.readdirSync(p)) if (/\.(pcap|pcapng)$/.test(f)) out.push(path.join(p, f));
  }
  return out.sort();
}

async function loadAll(): Promise<Captured[]> {
  const files = [...captureFiles(ZEEK_CORPUS), ...captureFiles(SURICATA_CORPUS)];
  assert.ok(files.length > 20, 'corpus captures found');
  const all: Captured[] = [];
  for (const f of files) {
    await openCaptureFiles([f]).run((pkt) => {
      all.push({ bytes: pkt.data.slice(pkt.offset, pkt.offset + pkt.caplen), linkType: pkt.linkType, ts: pkt.ts });
    });
  }
  return all;
}

function counted(d: PacketDecoder): number {
  let n = 0;
  const m = d.stats.malformed;
  const u = d.stats.unsupported;
  for (const k in m) n += m[k]!;
  for (const k in u) n += u[k]!;
  return n;
}

/** xorshift32: deterministic, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('corpus packets, cut and corrupted: never thrown, always accounted for', async () => {
  const packets = await loadAll();
  const out = new DecodedPacket();
  const pkt = new RawPacket();
  const next = rng(0x5eed);
  let d = new PacketDecoder();
  let before = 0;
  let decodes = 0;
  let decoded = 0;
  const check = (bytes: Uint8Array, linkType: number, ts: number, caplen: number): void => {
    pkt.data = bytes;
    pkt.offset = 0;
    pkt.caplen = caplen;
    pkt.origLen = bytes.length;
    pkt.linkType = linkType;
    pkt.ts = ts;
    const ok = d.decode(pkt, out);
    decodes++;
    if (ok) decoded++;
    const now = counted(d);
    if (ok) assert.equal(now, before, 'a decoded packet added a malformed/unsupported count');
    else assert.ok(now === before + 1 || (now === before && out.fragment), 'a refused packet was not counted exactly once');
    before = now;
  };
  for (const p of packets) {
    // A fresh decoder per original packet keeps the reason records small,
    // so checking them after every decode stays cheap.
    d = new PacketDecoder();
    before = 0;
    check(p.bytes, p.linkType, p.ts, p.bytes.length);
    // Every cut length for the first 80 bytes, then a few longer ones.
    const n = p.bytes.length;
    for (let len = 0; len < n && len < 80; len++) check(p.bytes, p.linkType, p.ts, len);
    for (let k = 0; k < 4; k++) check(p.bytes, p.linkType, p.ts, next() % (n + 1));
    // Corrupt 1..4 bytes among the headers.
    for (let k = 0; k < 6; k++) {
      const b = p.bytes.slice();
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips; f++) b[next() % Math.min(n, 96)] = next() & 0xff;
      check(b, p.linkType, p.ts, n);
    }
  }
  assert.ok(decodes > 100_000);
  assert.ok(decoded > 0 && decoded < decodes);
});

test('random bytes on every link type: never thrown', () => {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const pkt = new RawPacket();
  const next = rng(42);
  const linkTypes = [0, 1, 101, 108, 113, 228, 229, 276, 9999];
  for (let i = 0; i < 20000; i++) {
    const n = next() % 120;
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = next() & 0xff;
    // Bias towards plausible headers so the deeper layers get exercised.
    if (n > 14 && (i & 1) === 0) {
      b[12] = 0x08;
      b[13] = 0x00;
      b[14] = 0x45;
    }
    pkt.data = b;
    pkt.caplen = n;
    pkt.linkType = linkTypes[i % linkTypes.length]!;
    pkt.ts = i;
    d.decode(pkt, out);
  }
  assert.equal(d.stats.packets, 20000);
});
