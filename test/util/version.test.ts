/** The version the code reports (`--version`, agents' health, server, CEF headers) is package.json's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { PICKET_VERSION } from '../../src/version.js';

test('PICKET_VERSION equals package.json version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(PICKET_VERSION, pkg.version);
});
