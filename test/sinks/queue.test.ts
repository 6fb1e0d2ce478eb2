/**
 * The disk queue: order, acknowledgement across reopen, segment roll-over and
 * deletion, the bound (oldest dropped and counted), a torn last line after a
 * crash, oversize records, and damaged segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { DiskQueue, MAX_RECORD_BYTES } from '../../src/sinks/queue.js';

function fill(q: DiskQueue, from: number, to: number): void {
  for (let i = from; i < to; i++) assert.equal(q.append(`{"n":${i}}`), 'ok');
}

function texts(q: DiskQueue, max: number): string[] {
  return q.read(max).map((e) => e.text);
}

test('records come back in order; ack survives reopen; nothing acknowledged comes back', () => {
  const dir = tempDir();
  try {
    let q = new DiskQueue(dir, { maxRecords: 100, segmentRecords: 4 });
    fill(q, 0, 10);
    assert.equal(q.depth, 10);
    const first = q.read(3);
    assert.deepEqual(first.map((e) => e.seq), [0, 1, 2]);
    assert.deepEqual(first.map((e) => e.text), ['{"n":0}', '{"n":1}', '{"n":2}']);
    // Reading does not consume.
    assert.deepEqual(texts(q, 1), ['{"n":0}']);
    q.ackTo(3);
    assert.deepEqual(texts(q, 2), ['{"n":3}', '{"n":4}']);
    q.ackTo(5);
    q.close();

    q = new DiskQueue(dir, { maxRecords: 100, segmentRecords: 4 });
    assert.equal(q.depth, 5);
    assert.deepEqual(texts(q, 100), ['{"n":5}', '{"n":6}', '{"n":7}', '{"n":8}', '{"n":9}']);
    fill(q, 10, 12);
    q.ackTo(11);
    assert.deepEqual(texts(q, 100), ['{"n":11}']);
    // An ack never moves back.
    q.ackTo(2);
    assert.equal(q.ackSeq, 11);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reading across segments, and delivered segments are deleted', () => {
  const dir = tempDir();
  try {
    const q = new DiskQueue(dir, { maxRecords: 100, segmentRecords: 3 });
    fill(q, 0, 10);
    const segs = () => fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
    assert.deepEqual(segs(), ['0000000000000000.seg', '0000000000000003.seg', '0000000000000006.seg', '0000000000000009.seg']);
    const all = q.read(100);
    assert.deepEqual(all.map((e) => e.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    q.ackTo(7);
    assert.deepEqual(segs(), ['0000000000000006.seg', '0000000000000009.seg']);
    assert.deepEqual(texts(q, 100), ['{"n":7}', '{"n":8}', '{"n":9}']);
    q.ackTo(10);
    assert.equal(q.depth, 0);
    assert.deepEqual(q.read(5), []);
    // The active segment stays even when empty of undelivered records.
    assert.deepEqual(segs(), ['0000000000000009.seg']);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('past the bound the oldest records are dropped and counted, also across reopen', () => {
  const dir = tempDir();
  try {
    let q = new DiskQueue(dir, { maxRecords: 5, segmentRecords: 2 });
    fill(q, 0, 12);
    assert.equal(q.depth, 5);
    assert.equal(q.stats().dropped, 7);
    assert.deepEqual(texts(q, 100), ['{"n":7}', '{"n":8}', '{"n":9}', '{"n":10}', '{"n":11}']);
    q.close();
    // A smaller bound at the next start drops again.
    q = new DiskQueue(dir, { maxRecords: 2, segmentRecords: 2 });
    assert.deepEqual(texts(q, 100), ['{"n":10}', '{"n":11}']);
    assert.equal(q.stats().dropped, 3);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bound reached while a batch is out: the ack after sending still lands beyond the drops', () => {
  const dir = tempDir();
  try {
    const q = new DiskQueue(dir, { maxRecords: 3, segmentRecords: 100 });
    fill(q, 0, 3);
    const batch = q.read(3);
    fill(q, 3, 6); // drops 0, 1, 2 while they are "being sent"
    assert.equal(q.stats().dropped, 3);
    q.ackTo(batch[batch.length - 1]!.seq + 1);
    assert.deepEqual(texts(q, 10), ['{"n":3}', '{"n":4}', '{"n":5}']);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last line (crash mid-append) is cut off at open and counted', () => {
  const dir = tempDir();
  try {
    let q = new DiskQueue(dir, { maxRecords: 100 });
    fill(q, 0, 3);
    q.close();
    fs.appendFileSync(path.join(dir, '0000000000000000.seg'), '{"n":3,"trunc');
    q = new DiskQueue(dir, { maxRecords: 100 });
    assert.equal(q.stats().torn, 1);
    assert.equal(q.depth, 3);
    fill(q, 3, 4);
    assert.deepEqual(texts(q, 10), ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('oversize records are refused and counted; a damaged ack file falls back to the oldest segment', () => {
  const dir = tempDir();
  try {
    let q = new DiskQueue(dir, { maxRecords: 100 });
    assert.equal(q.append('x'.repeat(MAX_RECORD_BYTES)), 'oversize');
    assert.equal(q.stats().oversize, 1);
    assert.equal(q.depth, 0);
    fill(q, 0, 2);
    q.ackTo(1);
    q.close();
    fs.writeFileSync(path.join(dir, 'acked'), 'garbage\n');
    q = new DiskQueue(dir, { maxRecords: 100 });
    // Resending is the safe direction: at least once, never lost.
    assert.deepEqual(texts(q, 10), ['{"n":0}', '{"n":1}']);
    q.close();
    fs.writeFileSync(path.join(dir, 'acked'), '999\n');
    q = new DiskQueue(dir, { maxRecords: 100 });
    assert.equal(q.depth, 0, 'an ack beyond the end is clamped');
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a long record (bigger than one read chunk) reads back whole', () => {
  const dir = tempDir();
  try {
    const q = new DiskQueue(dir, { maxRecords: 10 });
    const big = `{"s":"${'a'.repeat(200_000)}"}`;
    q.append('{"n":0}');
    q.append(big);
    q.append('{"n":2}');
    assert.deepEqual(texts(q, 10), ['{"n":0}', big, '{"n":2}']);
    q.ackTo(2);
    assert.deepEqual(texts(q, 10), ['{"n":2}']);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a segment cut short on disk yields empty records for the gap instead of stalling', () => {
  const dir = tempDir();
  try {
    let q = new DiskQueue(dir, { maxRecords: 100, segmentRecords: 3 });
    fill(q, 0, 5);
    q.close();
    // Segment 0 should hold 3 records; leave it with one.
    fs.writeFileSync(path.join(dir, '0000000000000000.seg'), '{"n":0}\n');
    q = new DiskQueue(dir, { maxRecords: 100, segmentRecords: 3 });
    const got = q.read(10);
    assert.deepEqual(got.map((e) => [e.seq, e.text]), [[0, '{"n":0}'], [1, ''], [2, ''], [3, '{"n":3}'], [4, '{"n":4}']]);
    q.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
