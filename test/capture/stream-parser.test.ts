/**
 * Tests for CaptureStreamParser on its own: the same bytes fed in chunks of
 * every awkward size must give the same packets and stats, and a stream cut at
 * every possible byte must report truncation at the start of the first
 * incomplete record while keeping every complete one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { RawPacket } from '../../src/capture/packet.js';
import { createCaptureStats, type CaptureStats } from '../../src/capture/stats.js';
import { CaptureStreamParser } from '../../src/capture/stream-parser.js';
import { fixture, snapshot, type SeenPacket } from './capture-test-util.js';

function parse(bytes: Uint8Array, chunk: number): { packets: SeenPacket[]; stats: CaptureStats; parser: CaptureStreamParser } {
  const packets: SeenPacket[] = [];
  const stats = createCaptureStats();
  const parser = new CaptureStreamParser('t', stats, new RawPacket(), (p) => packets.push(snapshot(p)));
  for (let i = 0; i < bytes.length; i += chunk) {
    // Copy each chunk into a fresh buffer so no record can be read from the
    // neighbouring chunk by mistake.
    parser.push(Uint8Array.from(bytes.subarray(i, Math.min(bytes.length, i + chunk))));
  }
  parser.end();
  return { packets, stats, parser };
}

const SOURCES = [
  fixture('be-micro.pcap'),
  fixture('le-nano.pcap'),
  fixture('multi-section.pcapng'),
  path.join(ZEEK_CORPUS, 'http-dvwa-sqli', 'cooper-grill-dvwa.pcapng'),
  path.join(ZEEK_CORPUS, 'pcapng-multi-interface', 'pcapng-multi-interface.pcapng'),
  path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap'),
];

test('chunk size never changes what is delivered', () => {
  for (const file of SOURCES) {
    const bytes = Uint8Array.from(fs.readFileSync(file));
    const whole = parse(bytes, bytes.length);
    assert.ok(whole.packets.length > 0, file);
    for (const chunk of [1, 2, 3, 5, 7, 12, 13, 16, 17, 64, 1000, 4093]) {
      const r = parse(bytes, chunk);
      assert.deepEqual(r.packets, whole.packets, `${file} in chunks of ${chunk}`);
      assert.deepEqual(r.stats, whole.stats, `${file} in chunks of ${chunk}`);
    }
  }
});

test('pcap cut at every byte: complete records kept, truncation at the first incomplete record', () => {
  const bytes = Uint8Array.from(fs.readFileSync(fixture('be-micro.pcap')));
  const records = [24, 82, 140]; // record starts, then the end of file
  for (let cut = 4; cut < bytes.length; cut++) {
    for (const chunk of [cut, 5]) {
      const r = parse(bytes.subarray(0, cut), chunk);
      assert.equal(r.parser.formatError, undefined);
      if (cut < 24) {
        assert.deepEqual(r.stats.truncated, [{ file: 't', offset: 0, reason: 'eof_in_file_header' }], `cut ${cut}`);
        continue;
      }
      const complete = records.filter((end, i) => i > 0 && end <= cut).length;
      assert.equal(r.packets.length, complete, `cut ${cut}`);
      const start = records.filter((s) => s <= cut).pop()!;
      if (start === cut) {
        assert.deepEqual(r.stats.truncated, [], `cut ${cut}`);
      } else {
        const reason = cut - start < 16 ? 'eof_in_record_header' : 'eof_in_record';
        assert.deepEqual(r.stats.truncated, [{ file: 't', offset: start, reason }], `cut ${cut} chunk ${chunk}`);
      }
    }
  }
});

test('pcapng cut at every byte: complete blocks kept, truncation at the first incomplete block', () => {
  const bytes = Uint8Array.from(fs.readFileSync(fixture('multi-section.pcapng')));
  // Block starts (see multi-section.pcapng.hex) and the end of the file.
  const blocks = [0, 28, 72, 148, 176, 236, 256, 280, 356, 384, 416, 476, 536, 560];
  const packetBlockEnds = [148, 236, 356, 476]; // EPB, SPB, PB, EPB (section 2)
  for (let cut = 4; cut < bytes.length; cut++) {
    for (const chunk of [cut, 3, 11]) {
      const r = parse(bytes.subarray(0, cut), chunk);
      assert.equal(r.packets.length, packetBlockEnds.filter((e) => e <= cut).length, `cut ${cut}`);
      const start = blocks.filter((s) => s <= cut).pop()!;
      if (start === cut) {
        assert.deepEqual(r.stats.truncated, [], `cut ${cut}`);
      } else {
        const reason = cut - start < 12 ? 'eof_in_record_header' : 'eof_in_record';
        assert.deepEqual(r.stats.truncated, [{ file: 't', offset: start, reason }], `cut ${cut} chunk ${chunk}`);
      }
    }
  }
});

test('fewer than 4 bytes or an unknown magic is a format error, not a truncation', () => {
  for (const bytes of [new Uint8Array(0), Uint8Array.of(0xd4, 0xc3), Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0)]) {
    const r = parse(bytes, 1);
    assert.ok(r.parser.formatError !== undefined);
    assert.deepEqual(r.stats.truncated, []);
    assert.equal(r.packets.length, 0);
  }
  assert.match(parse(Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0), 1).parser.formatError!, /50 4b 03 04/);
});

test('a large unparsed block is skipped without being buffered, across chunks', () => {
  // SHB + IDB + a 3 MiB custom block + EPB, little-endian.
  const shb = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
  const idb = Buffer.from('01000000140000000100000000000000' + '14000000', 'hex');
  const customLen = 3 * 1024 * 1024;
  const custom = Buffer.alloc(customLen);
  custom.writeUInt32LE(0x40000bad, 0);
  custom.writeUInt32LE(customLen, 4);
  custom.writeUInt32LE(customLen, customLen - 4);
  const epb = Buffer.from(
    '06000000' + '24000000' + '00000000' + '00000000' + '40420f00' + // interface 0, ts 1 s (10^6 us)
    '04000000' + '04000000' + 'deadbeef' + '24000000', 'hex');
  const bytes = Uint8Array.from(Buffer.concat([shb, idb, custom, epb]));
  for (const chunk of [65536, 1024 * 1024, 1000003]) {
    const r = parse(bytes, chunk);
    assert.equal(r.packets.length, 1);
    assert.equal(r.packets[0]!.hex, 'deadbeef');
    assert.equal(r.packets[0]!.ts, '1.000000000');
    assert.equal(r.packets[0]!.streamOffset, shb.length + idb.length + customLen);
  }
});
