/**
 * Tests for the shared read ring: several consumers each get every byte of
 * every file, in order and file by file, whatever their pace; errors reach
 * every consumer with their reason; close() ends a waiting consumer and the
 * thread; and capture sources sharing a ring parse what plain reads parse,
 * also when a corrupt record ends one file's parse early.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SharedReadConsumer, SharedReadRing } from '../../src/capture/shared-read.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { ZEEK_CORPUS, tempDir } from '../helpers/paths.js';
import { fixture, snapshot, type SeenPacket } from './capture-test-util.js';

const FILES = [
  path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap'),
  fixture('be-micro.pcap'),
  path.join(ZEEK_CORPUS, 'dhcp-flood', 'dhcp_flood.pcap'),
  fixture('multi-section.pcapng'),
];

/** Takes every buffer until the ring's files are done; `pause` turns between buffers set each consumer's pace. */
async function consumeAll(consumer: SharedReadConsumer, files: number, pause: number): Promise<{ bytes: Buffer[]; error: string }> {
  const bytes: Buffer[] = [];
  let parts: Buffer[] = [];
  while (bytes.length < files) {
    const n = await consumer.next();
    if (n < 0) return { bytes, error: consumer.error };
    if (n === 0) {
      bytes.push(Buffer.concat(parts));
      parts = [];
    } else {
      parts.push(Buffer.from(consumer.chunk.subarray(0, n)));
    }
    consumer.release();
    for (let i = 0; i < pause; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { bytes, error: '' };
}

test('three consumers at different paces each get every file whole, in order', async () => {
  // 1000-byte buffers in a ring of 3: the ring wraps hundreds of times and the fastest consumer keeps waiting for the slowest.
  const ring = new SharedReadRing(FILES, { consumers: 3, chunk: 1000, slots: 3 });
  try {
    const results = await Promise.all([0, 3, 1].map((pause) => consumeAll(new SharedReadConsumer(ring.handle), FILES.length, pause)));
    for (const r of results) {
      assert.equal(r.error, '');
      assert.equal(r.bytes.length, FILES.length);
      FILES.forEach((f, i) => assert.ok(r.bytes[i]!.equals(fs.readFileSync(f)), `${path.basename(f)}`));
    }
  } finally {
    await ring.close();
  }
});

test('a file that cannot be read gives every consumer -1 and the reason, after the files before it', async () => {
  const ring = new SharedReadRing([FILES[1]!, '/nonexistent/x.pcap'], { consumers: 2, chunk: 4096, slots: 2 });
  try {
    const results = await Promise.all([0, 1].map(() => consumeAll(new SharedReadConsumer(ring.handle), 2, 0)));
    for (const r of results) {
      assert.equal(r.bytes.length, 1);
      assert.ok(r.bytes[0]!.equals(fs.readFileSync(FILES[1]!)));
      assert.match(r.error, /ENOENT/);
    }
  } finally {
    await ring.close();
  }
});

test('close() ends a consumer waiting on another one, and the reader thread', async () => {
  const ring = new SharedReadRing([FILES[0]!], { consumers: 2, chunk: 1000, slots: 2 });
  const active = new SharedReadConsumer(ring.handle);
  // The second consumer never takes anything: after two buffers the reader waits for it.
  let got = 0;
  for (let i = 0; i < 2; i++) {
    assert.ok((await active.next()) > 0);
    active.release();
    got++;
  }
  const waiting = active.next();
  await ring.close();
  assert.equal(await waiting, -1);
  assert.match(active.error, /stopped/);
  assert.equal(got, 2);
  // A leaked reader thread would keep the test process alive; the runner's exit proves it is gone.
});

test('close() releases a reader waiting to open a named pipe that no one writes to', { timeout: 10_000 }, async () => {
  const dir = tempDir('picket-shared-read-fifo-');
  try {
    const fifo = path.join(dir, 'never-written');
    execFileSync('mkfifo', [fifo]);
    const ring = new SharedReadRing([fifo], { consumers: 1, chunk: 1000, slots: 2 });
    const consumer = new SharedReadConsumer(ring.handle);
    const waiting = consumer.next();
    // Let the reader thread start and block in open(2) before the stop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await ring.close();
    // The pipe's end of file may reach the consumer before the stop does; either way it is not left waiting.
    assert.ok((await waiting) <= 0);
    // Without the release, close() never resolves (and the process could not exit).
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** `src` with the incl_len of its 50th pcap record set far beyond the snap length: its parse stops there. */
function corruptMidFile(dir: string, src: string): string {
  const b = Buffer.from(fs.readFileSync(src));
  let off = 24;
  for (let i = 0; i < 49; i++) off += 16 + b.readUInt32LE(off + 8);
  b.writeUInt32LE(0x7ffffff0, off + 8);
  const out = path.join(dir, 'corrupt-mid.pcap');
  fs.writeFileSync(out, b);
  return out;
}

async function packetsOf(files: string[], opts: Parameters<typeof openCaptureFiles>[1]): Promise<{ packets: SeenPacket[]; stats: unknown }> {
  const packets: SeenPacket[] = [];
  const stats = await openCaptureFiles(files, opts).run((p) => packets.push(snapshot(p)));
  return { packets, stats };
}

test('capture sources sharing a ring parse what plain reads parse, past a file whose parse stopped early', async () => {
  const dir = tempDir();
  try {
    const files = [corruptMidFile(dir, FILES[0]!), ...FILES.slice(1)];
    const plain = await packetsOf(files, { readAhead: 'never' });
    assert.equal((plain.stats as { truncated: unknown[] }).truncated.length, 1, 'the corrupt record is reported');
    const ring = new SharedReadRing(files, { consumers: 2, chunk: 777, slots: 4 });
    try {
      const shared = await Promise.all([0, 1].map(() => packetsOf(files, { shared: ring.handle })));
      for (const s of shared) {
        assert.deepEqual(s.stats, plain.stats);
        assert.equal(s.packets.length, plain.packets.length);
        for (let i = 0; i < plain.packets.length; i++) assert.deepEqual(s.packets[i], plain.packets[i], `packet ${i}`);
      }
    } finally {
      await ring.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
