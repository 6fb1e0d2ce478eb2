/**
 * Log parts of a multi-threaded replay: joined part after part into the one
 * log (the first part renamed, the others appended, a log left from an
 * earlier run replaced), logs with only some parts present, every part
 * removed afterwards; removeLogParts leaves no part behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { appendLogPart, joinLogParts, removeLogParts } from '../../src/logs/log-parts.js';
import { PicketError } from '../../src/util/errors.js';

const SUFFIXES = ['.part0', '.part1', '.part2'];

function write(dir: string, file: string, lines: string[]): void {
  fs.writeFileSync(path.join(dir, file), lines.map((l) => `${l}\n`).join(''));
}

test('parts are joined in suffix order and removed', (t) => {
  const dir = tempDir('log-parts-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  write(dir, 'conn.jsonl', ['{"old":true}']);
  write(dir, 'conn.jsonl.part0', ['{"w":0,"i":0}', '{"w":0,"i":1}']);
  write(dir, 'conn.jsonl.part1', ['{"w":1,"i":0}']);
  write(dir, 'conn.jsonl.part2', ['{"w":2,"i":0}', '{"w":2,"i":1}']);
  // A log only the second and third workers wrote.
  write(dir, 'dns.jsonl.part1', ['{"q":"a"}']);
  write(dir, 'dns.jsonl.part2', ['{"q":"b"}']);
  // A log of one worker only.
  write(dir, 'dhcp.jsonl.part0', ['{"d":1}']);
  joinLogParts(dir, SUFFIXES);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['conn.jsonl', 'dhcp.jsonl', 'dns.jsonl']);
  assert.equal(
    fs.readFileSync(path.join(dir, 'conn.jsonl'), 'utf8'),
    '{"w":0,"i":0}\n{"w":0,"i":1}\n{"w":1,"i":0}\n{"w":2,"i":0}\n{"w":2,"i":1}\n',
  );
  assert.equal(fs.readFileSync(path.join(dir, 'dns.jsonl'), 'utf8'), '{"q":"a"}\n{"q":"b"}\n');
  assert.equal(fs.readFileSync(path.join(dir, 'dhcp.jsonl'), 'utf8'), '{"d":1}\n');
});

test('parts larger than the copy buffer are joined whole', (t) => {
  const dir = tempDir('log-parts-big-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const line = `{"pad":"${'x'.repeat(1000)}"}`;
  const big = Array.from({ length: 6000 }, () => line);
  write(dir, 'conn.jsonl.part0', ['{"first":1}']);
  write(dir, 'conn.jsonl.part1', big);
  joinLogParts(dir, SUFFIXES);
  const text = fs.readFileSync(path.join(dir, 'conn.jsonl'), 'utf8');
  assert.equal(text.length, '{"first":1}\n'.length + big.length * (line.length + 1));
  assert.ok(text.endsWith(`${line}\n`));
});

test('removeLogParts deletes every part and keeps finished logs', (t) => {
  const dir = tempDir('log-parts-rm-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  write(dir, 'conn.jsonl', ['{"kept":true}']);
  write(dir, 'conn.jsonl.part0', ['{}']);
  write(dir, 'conn.jsonl.part2', ['{}']);
  write(dir, 'ssl.jsonl.part1', ['{}']);
  removeLogParts(dir, SUFFIXES);
  assert.deepEqual(fs.readdirSync(dir), ['conn.jsonl']);
});

test('a directory without parts is left alone', (t) => {
  const dir = tempDir('log-parts-none-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  write(dir, 'conn.jsonl', ['{"kept":true}']);
  joinLogParts(dir, SUFFIXES);
  joinLogParts(path.join(dir, 'missing'), SUFFIXES);
  assert.equal(fs.readFileSync(path.join(dir, 'conn.jsonl'), 'utf8'), '{"kept":true}\n');
});

test('a log that cannot be joined fails naming it; the other logs are still joined and no part is left', (t) => {
  const dir = tempDir('log-parts-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'conn.jsonl'));
  write(dir, 'conn.jsonl.part0', ['{"w":0}']);
  write(dir, 'conn.jsonl.part1', ['{"w":1}']);
  write(dir, 'dns.jsonl.part0', ['{"q":"a"}']);
  assert.throws(() => joinLogParts(dir, SUFFIXES), (e: unknown) =>
    e instanceof PicketError && e.code === 'PKT_ERR_LOG_WRITE' && /cannot write the conn log .*conn\.jsonl/.test(e.message));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['conn.jsonl', 'dns.jsonl']);
  assert.equal(fs.readFileSync(path.join(dir, 'dns.jsonl'), 'utf8'), '{"q":"a"}\n');
});

test('appendLogPart appends a part to its log, or makes it the log when there is none', (t) => {
  const dir = tempDir('log-parts-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  write(dir, 'conn.jsonl', ['{"i":0}']);
  write(dir, 'conn.jsonl.tail', ['{"i":1}', '{"i":2}']);
  appendLogPart(dir, 'conn', '.tail');
  write(dir, 'dns.jsonl.tail', ['{"q":"a"}']);
  appendLogPart(dir, 'dns', '.tail');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['conn.jsonl', 'dns.jsonl']);
  assert.equal(fs.readFileSync(path.join(dir, 'conn.jsonl'), 'utf8'), '{"i":0}\n{"i":1}\n{"i":2}\n');
  assert.equal(fs.readFileSync(path.join(dir, 'dns.jsonl'), 'utf8'), '{"q":"a"}\n');
});
