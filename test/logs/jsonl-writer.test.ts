/**
 * JsonlLogWriter: one file per log, one line per record, lines counted,
 * non-ASCII text intact, lines larger than the write buffer and many lines
 * crossing buffer flushes all land in the file in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { JsonlLogWriter } from '../../src/logs/jsonl-writer.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import type { PicketEvent } from '../../src/events/types.js';
import { PicketError } from '../../src/util/errors.js';

function readLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

function conn(i: number): ConnRecord {
  return {
    ts: 1700000000 + i / 1000,
    uid: `C${i}`,
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 1024 + (i % 60000),
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 80,
    proto: 'tcp',
    conn_state: 'SF',
    missed_bytes: 0,
    history: 'ShADadFf',
    orig_pkts: i,
    orig_ip_bytes: i * 40,
    resp_pkts: 1,
    resp_ip_bytes: 40,
    ip_proto: 6,
    community_id: '1:abc=',
  };
}

test('writes each log to its own file, in order, across many flushes', () => {
  const dir = tempDir();
  try {
    const w = new JsonlLogWriter(dir);
    const n = 20000; // ~5 MB of conn lines: several buffer flushes
    for (let i = 0; i < n; i++) w.write('conn', conn(i));
    w.write('dns', { ts: 1, query: 'bücher.example', answers: ['a', 'b'] });
    w.close();
    assert.deepEqual(w.counts(), { conn: n, dns: 1 });
    const lines = readLines(path.join(dir, 'conn.jsonl'));
    assert.equal(lines.length, n);
    for (let i = 0; i < n; i += 997) assert.deepEqual(lines[i], conn(i));
    assert.deepEqual(readLines(path.join(dir, 'dns.jsonl')), [{ ts: 1, query: 'bücher.example', answers: ['a', 'b'] }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a line longer than the write buffer is written whole, between its neighbours', () => {
  const dir = tempDir();
  try {
    const w = new JsonlLogWriter(dir);
    const big = 'é'.repeat(3 << 20); // 6 MiB of UTF-8
    w.write('notice', { n: 1 });
    w.write('notice', { n: 2, big });
    w.write('notice', { n: 3 });
    w.close();
    const lines = readLines(path.join(dir, 'notice.jsonl'));
    assert.deepEqual(lines, [{ n: 1 }, { n: 2, big }, { n: 3 }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the bus handler takes only log events, and only the selected logs', () => {
  const dir = tempDir();
  try {
    const w = new JsonlLogWriter(dir, ['conn']);
    const r = conn(5);
    w.handle({ type: 'flow.end', ts: r.ts, log: 'conn', record: r, reason: 'closed' } as PicketEvent);
    w.handle({ type: 'flow.start', ts: r.ts, conn: { uid: 'C5' } } as unknown as PicketEvent);
    w.handle({ type: 'x', log: 'dns', record: { a: 1 } } as unknown as PicketEvent);
    w.close();
    assert.deepEqual(w.counts(), { conn: 1 });
    assert.deepEqual(readLines(path.join(dir, 'conn.jsonl')), [r]);
    assert.equal(fs.existsSync(path.join(dir, 'dns.jsonl')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a log that cannot be opened is reported, not lost in silence; the other logs are written', () => {
  const dir = tempDir();
  try {
    fs.mkdirSync(path.join(dir, 'conn.jsonl'));
    const w = new JsonlLogWriter(dir);
    for (let i = 0; i < 5; i++) w.write('conn', conn(i));
    w.write('dns', { q: 'example.org' });
    w.close();
    assert.ok(w.error instanceof PicketError);
    assert.equal(w.error.code, 'PKT_ERR_LOG_WRITE');
    assert.match(w.error.message, /cannot write the conn log .*conn\.jsonl: EISDIR/);
    assert.throws(() => w.check(), (e) => e === w.error);
    assert.deepEqual(w.lost(), { conn: 5 });
    assert.deepEqual(w.counts(), { dns: 1 });
    assert.deepEqual(readLines(path.join(dir, 'dns.jsonl')), [{ q: 'example.org' }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a writer without trouble has no error and check() passes', () => {
  const dir = tempDir();
  try {
    const w = new JsonlLogWriter(dir);
    w.write('conn', conn(1));
    w.close();
    assert.equal(w.error, null);
    w.check();
    assert.deepEqual(w.lost(), {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
