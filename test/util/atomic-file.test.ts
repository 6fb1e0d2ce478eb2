import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '../../src/util/atomic-file.js';
import { tempDir } from '../helpers/paths.js';

test('writeFileAtomic replaces the file whole, sets the mode, and leaves no temp file', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, 'old');
    writeFileAtomic(file, 'new content', { mode: 0o600, sync: 'full' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'new content');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    writeFileAtomic(file, new Uint8Array([1, 2, 3]), { sync: 'data' });
    assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(dir), ['state.json']);
    fsyncDir(dir);
    fsyncDir(path.join(dir, 'missing')); // best effort: no throw
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale temp file is replaced, a planted link is not followed, and a failed write keeps the old file', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'cred.json');
    const tmp = `${file}.${process.pid}.tmp`;
    const target = path.join(dir, 'elsewhere');
    fs.writeFileSync(target, 'untouched');
    fs.symlinkSync(target, tmp);
    writeFileAtomic(file, 'secret', { mode: 0o600 });
    assert.equal(fs.readFileSync(target, 'utf8'), 'untouched');
    assert.equal(fs.readFileSync(file, 'utf8'), 'secret');
    // Renaming over a directory fails: the error comes back and the temp file is gone.
    const asDir = path.join(dir, 'adir');
    fs.mkdirSync(asDir);
    fs.writeFileSync(path.join(asDir, 'x'), '');
    assert.throws(() => writeFileAtomic(asDir, 'data'));
    assert.equal(fs.existsSync(`${asDir}.${process.pid}.tmp`), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
