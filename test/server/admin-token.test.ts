/**
 * Generated admin tokens: prefixed like the other secrets, so none starts
 * with "-" (base64url alone does one time in 64, and such a token cannot
 * follow --admin-token on a command line); each start of a fresh data
 * directory makes a different one; an existing file is reused as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { ADMIN_TOKEN_PREFIX, ensureAdminToken } from '../../src/server/admin-token.js';

test('generated admin tokens carry the prefix and never look like an option', (t) => {
  const dir = tempDir('picket-admin-token-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const seen = new Set<string>();
  // 300 tokens: without the prefix, about five of them would start with "-".
  for (let i = 0; i < 300; i++) {
    const data = path.join(dir, String(i));
    const a = ensureAdminToken(data, {});
    assert.equal(a.source, 'created');
    assert.ok(a.token.startsWith(ADMIN_TOKEN_PREFIX), a.token);
    assert.match(a.token, /^pka_[A-Za-z0-9_-]{43}$/);
    seen.add(a.token);
  }
  assert.equal(seen.size, 300);
  const again = ensureAdminToken(path.join(dir, '0'), {});
  assert.equal(again.source, 'file');
  assert.equal(again.token, fs.readFileSync(path.join(dir, '0', 'admin.token'), 'utf8').trim());
});
