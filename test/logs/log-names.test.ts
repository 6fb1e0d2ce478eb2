/** LOG_NAMES: every log the sources emit is listed and documented; a replay clears only those files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LOG_NAMES } from '../../src/logs/log-names.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { REPO_ROOT, ZEEK_CORPUS, tempDir } from '../helpers/paths.js';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every log the sources emit is in LOG_NAMES and has its section in docs/logs.md', () => {
  const emitted = new Set<string>();
  for (const file of sources(path.join(REPO_ROOT, 'src'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\blog: '([a-z0-9_]+)'/g)) emitted.add(m[1]!);
  }
  assert.ok(emitted.size >= 10, [...emitted].join(' '));
  for (const name of emitted) assert.ok(LOG_NAMES.includes(name), `${name} is emitted but not in LOG_NAMES`);
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'logs.md'), 'utf8');
  for (const name of LOG_NAMES) assert.ok(docs.includes(`## \`${name}.jsonl\``), `${name}.jsonl is not documented`);
});

test('a replay into a used logs folder removes the logs of the earlier run, and only those', async () => {
  const dir = tempDir();
  try {
    // Left by an earlier run of a capture with FTP; this one has none.
    fs.writeFileSync(path.join(dir, 'ftp.jsonl'), '{"uid":"Cold"}\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const s = await replayCaptures([path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap')], { logsDir: dir });
    assert.ok((s.logs?.conn ?? 0) > 0);
    assert.equal(fs.existsSync(path.join(dir, 'ftp.jsonl')), false);
    assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
