/**
 * Tests for PcapWriter: files it writes read back identically through our
 * reader and through tshark, with exact nanosecond timestamps, snap-length
 * cuts, float timestamp rounding, both output kinds (fd and stream) and
 * blocks larger than the 1 MiB buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { PcapWriter, WRITER_BLOCK_SIZE } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import { PicketError } from '../../src/util/errors.js';
import { readAll } from './capture-test-util.js';

const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));

test('nanosecond file through an fd: exact timestamps, snaplen cut, origLen kept', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'ns.pcap');
    const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.RAW, { nanosecond: true, snaplen: 20 });
    const pkt = Uint8Array.from({ length: 40 }, (_, i) => i);
    w.writeExact(1700000000, 123456789, pkt, 0, 40); // cut to 20, origLen 40
    w.writeExact(1700000001, 999999999, pkt, 5, 10, 1500); // origLen given
    w.write(1700000002.5, pkt.subarray(0, 4));
    await w.close();
    assert.equal(w.packets, 3);
    assert.equal(w.bytes, fs.statSync(file).size);
    const { packets } = await readAll([file]);
    assert.deepEqual(packets.map((p) => [p.ts, p.caplen, p.origLen, p.linkType]), [
      ['1700000000.123456789', 20, 40, LinkType.RAW],
      ['1700000001.999999999', 10, 1500, LinkType.RAW],
      ['1700000002.500000000', 4, 4, LinkType.RAW],
    ]);
    assert.equal(packets[0]!.hex, Buffer.from(pkt.subarray(0, 20)).toString('hex'));
    assert.equal(packets[1]!.hex, Buffer.from(pkt.subarray(5, 15)).toString('hex'));
    if (TSHARK !== undefined) {
      const out = execFileSync(TSHARK, ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      assert.deepEqual(out.trim().split('\n'), [
        '1700000000.123456789\t20\t40', '1700000001.999999999\t10\t1500', '1700000002.500000000\t4\t4']);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('float timestamps round to the file resolution and carry into the seconds', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'us.pcap');
    const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
    const b = new Uint8Array(14);
    w.write(1000.9999996, b); // rounds to 1001.000000
    w.write(1000.1234564, b); // rounds to .123456
    w.write(1000.00000151, b); // rounds to .000002
    await w.close();
    const { packets } = await readAll([file]);
    assert.deepEqual(packets.map((p) => p.ts), ['1001.000000000', '1000.123456000', '1000.000002000']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('stream output across several 1 MiB blocks reads back packet for packet', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'stream.pcap');
    const out = fs.createWriteStream(file);
    const w = new PcapWriter(out, LinkType.ETHERNET);
    const scratch = new Uint8Array(1600);
    const n = 3000; // ~3000 * (16 + ~800) bytes: about 2.4 blocks
    for (let i = 0; i < n; i++) {
      const len = 60 + ((i * 37) % 1400);
      scratch[0] = i & 0xff;
      scratch[1] = (i >>> 8) & 0xff;
      scratch[len - 1] = 0xee;
      w.writeFrom(5000 + i / 1000, scratch, 0, len);
      if (w.needsDrain) await w.drain();
    }
    await w.close();
    assert.ok(fs.statSync(file).size > 2 * WRITER_BLOCK_SIZE);
    const { packets } = await readAll([file]);
    assert.equal(packets.length, n);
    for (let i = 0; i < n; i++) {
      const p = packets[i]!;
      assert.equal(p.caplen, 60 + ((i * 37) % 1400));
      assert.equal(p.hex.slice(0, 4), Buffer.from([i & 0xff, (i >>> 8) & 0xff]).toString('hex'));
      assert.equal(p.hex.slice(-2), 'ee');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('misuse is reported with coded errors', async () => {
  const dir = tempDir();
  try {
    const fd = fs.openSync(path.join(dir, 'x.pcap'), 'w');
    assert.throws(() => new PcapWriter(fd, LinkType.ETHERNET, { snaplen: 0 }),
      (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_WRITER_SNAPLEN');
    const w = new PcapWriter(fd, LinkType.ETHERNET);
    await w.close();
    assert.throws(() => w.write(1, new Uint8Array(1)),
      (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_WRITER_CLOSED');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
