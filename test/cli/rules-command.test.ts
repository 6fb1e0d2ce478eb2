/**
 * `picket rules`: every shipped rule in the table, its state from the
 * site configuration, each rule's options with the file's values, JSON
 * lines, and a clear error for an unknown rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { DETECTORS } from '../../src/detect/index.js';

const BIN = path.join(REPO_ROOT, 'bin', 'picket.js');
const picket = (args: string[]) => spawnSync(process.execPath, [BIN, 'rules', ...args], { encoding: 'utf8' });

test('the table lists every rule once, on by default, off where the configuration turns it off', () => {
  const r = picket([]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^RULE\s+SEVERITY\s+TECHNIQUE\s+STATE\s+NAME$/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort(), DETECTORS.map((d) => d.id).sort());
  assert.match(r.stdout, /^scan\.ping\s+medium\s+T1018\s+on\s+Ping sweep$/m);
  const dir = tempDir();
  try {
    const config = path.join(dir, 'picket.yaml');
    fs.writeFileSync(config, 'detectors:\n  scan.ping: { enabled: false }\n  dns.encrypted: { allowed_domains: [corp-dns.example] }\n');
    const off = picket(['--config', config]);
    assert.match(off.stdout, /^scan\.ping\s+medium\s+T1018\s+off\s+Ping sweep$/m);
    const detail = picket(['dns.enc*', '--config', config]);
    assert.equal(detail.status, 0, detail.stderr);
    assert.match(detail.stdout, /^dns\.encrypted: Encrypted DNS past the site's resolvers\n/);
    assert.match(detail.stdout, /^ {4}allowed_domains: \["corp-dns\.example"\]$/m);
    assert.match(detail.stdout, /^ {4}resolver_domains: \[\]$/m);
    const json = picket(['scan.ping', 'kerberos.overpass_the_hash', '--config', config, '--format', 'json']);
    const rows = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; enabled: boolean; technique: string; options: Record<string, unknown> });
    assert.deepEqual(rows.map((x) => [x.id, x.enabled, x.technique]), [['scan.ping', false, 'T1018'], ['kerberos.overpass_the_hash', true, 'T1550.002']]);
    assert.equal(rows[0]!.options.threshold, 25);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown rule or format is a usage error naming the closest rule', () => {
  const r = picket(['dns.encrypd']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no rule "dns\.encrypd" \(did you mean "dns\.encrypted"\?\)/);
  assert.equal(picket(['--format', 'yaml']).status, 2);
  assert.equal(picket(['--help']).status, 0);
});
