/**
 * Agents, enrollment tokens, batch marks and health (src/store/meta.ts) on a
 * real DuckDB file: one-time tokens, expiry, revocation, credentials kept only
 * as hashes, exactly-once marks, and the data surviving a reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStores } from '../../src/store/open.js';
import { DuckDb } from '../../src/store/duckdb/db.js';
import { sha256 } from '../../src/store/meta.js';
import { tempDir } from '../helpers/paths.js';

test('enrollment tokens are one-time, expire and can be revoked', async () => {
  const dir = tempDir('picket-meta-');
  const { meta, close } = await openStores(dir);
  try {
    const t = await meta.createEnrollmentToken('sensor-1', 'sensor');
    assert.match(t.token, /^pkt_[A-Za-z0-9_-]{40,}$/);
    assert.ok(Date.parse(t.expires_at) > Date.now() + 23 * 3600 * 1000);
    const e = await meta.enroll(t.token, { name: 'edge', kind: 'honeypot', hostname: 'box1', version: '0.1.0' });
    assert.ok(e.ok);
    if (!e.ok) return;
    assert.match(e.credential, /^pkc_/);
    // The token fixed the kind; the agent's own name is kept.
    const a = await meta.getAgentByCredential(e.credential);
    assert.equal(a?.agent_id, e.agent_id);
    assert.equal(a?.kind, 'sensor');
    assert.equal(a?.name, 'edge');
    assert.equal(a?.hostname, 'box1');
    assert.equal(a?.status, 'active');
    assert.deepEqual(await meta.enroll(t.token, {}), { ok: false, reason: 'used' });
    assert.deepEqual(await meta.consumeToken('pkt_nope'), { ok: false, reason: 'unknown' });
    assert.equal(await meta.getAgentByCredential('pkc_wrong'), null);

    const short = await meta.createEnrollmentToken('later', 'egress', 60);
    assert.deepEqual(await meta.consumeToken(short.token, Date.now() / 1000 + 61), { ok: false, reason: 'expired' });
    const revoked = await meta.createEnrollmentToken('nope', 'honeypot');
    assert.equal(await meta.revokeToken(revoked.id), true);
    assert.deepEqual(await meta.enroll(revoked.token, {}), { ok: false, reason: 'revoked' });
    const byValue = await meta.createEnrollmentToken('v', 'sensor');
    assert.equal(await meta.revokeToken(byValue.token), true);
    assert.equal(await meta.revokeToken('tok_unknown'), false);

    const tokens = await meta.listTokens();
    assert.equal(tokens.length, 4);
    const used = tokens.find((x) => x.id === t.id);
    assert.equal(used?.agent_id, e.agent_id);
    assert.ok(used?.used_at !== null);
    // Listing never shows a token value.
    assert.ok(!JSON.stringify(tokens).includes(t.token));
  } finally {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('agents: revoke, health, last seen; credentials stored only as hashes; state survives a reopen', async () => {
  const dir = tempDir('picket-meta-');
  let credential = '';
  let agentId = '';
  {
    const { meta, close } = await openStores(dir);
    const made = await meta.createAgent({ name: 'hp', kind: 'honeypot' });
    credential = made.credential;
    agentId = made.agent_id;
    await meta.recordHealth(agentId, { ts: 1, kind: 'honeypot', version: '0.1.0', packets_per_s: 12 }, 1714521600);
    await meta.touchAgent(agentId, 1714521700);
    const listed = await meta.listAgents();
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0]?.health, { ts: 1, kind: 'honeypot', version: '0.1.0', packets_per_s: 12 });
    assert.equal(listed[0]?.health_at, '2024-05-01T00:00:00.000Z');
    assert.equal(listed[0]?.last_seen, '2024-05-01T00:01:40.000Z');
    assert.equal(await meta.markBatch(agentId, 1, 10), true);
    assert.equal(await meta.markBatch(agentId, 1, 10), false);
    assert.equal(await meta.batchSeen(agentId, 1), true);
    assert.equal(await meta.batchSeen(agentId, 2), false);
    assert.equal(await meta.revokeAgent(agentId), true);
    assert.equal(await meta.revokeAgent('ag_missing'), false);
    await close();
  }
  // The file holds the hash, never the credential.
  const db = await DuckDb.open(path.join(dir, 'picket.duckdb'));
  const rows = await db.all('SELECT credential_hash FROM agents');
  assert.deepEqual(rows, [{ credential_hash: sha256(credential) }]);
  await db.close();
  const raw = fs.readFileSync(path.join(dir, 'picket.duckdb'));
  assert.equal(raw.includes(Buffer.from(credential)), false);
  {
    const { meta, close } = await openStores(dir);
    const a = await meta.getAgentByCredential(credential);
    assert.equal(a?.status, 'revoked');
    assert.ok(a?.revoked_at !== null);
    assert.equal(await meta.batchSeen(agentId, 1), true);
    assert.equal(await meta.pruneBatches(Date.now() / 1000 + 10), 1);
    assert.equal(await meta.batchSeen(agentId, 1), false);
    await close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a second process cannot open a data directory that is in use', async () => {
  const dir = tempDir('picket-meta-');
  const first = await openStores(dir);
  try {
    const { spawnSync } = await import('node:child_process');
    const openJs = new URL('../../src/store/open.js', import.meta.url).href;
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { openStores } from ${JSON.stringify(openJs)}; try { await openStores(process.argv[1]); console.log('opened'); } catch (e) { console.log(e.code); }`, dir],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout.trim(), 'PKT_ERR_STORE_LOCKED', r.stderr);
  } finally {
    await first.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a data file from before batch digests: its marks are kept and trusted, new marks carry a digest', async () => {
  const dir = tempDir('picket-meta-');
  try {
    // The batches table as it was made before digests were kept, with one stored mark.
    const old = await DuckDb.open(path.join(dir, 'picket.duckdb'));
    await old.exec(`CREATE TABLE batches (
       agent_id VARCHAR NOT NULL, seq BIGINT NOT NULL, received_at DOUBLE NOT NULL, records INTEGER NOT NULL,
       PRIMARY KEY (agent_id, seq))`);
    await old.exec('INSERT INTO batches VALUES ($1, $2, $3, $4)', ['ag_old', 1, Date.now() / 1000, 1]);
    await old.close();
    const records = [{ kind: 'note', data: { ts: 1700000000, text: 'a' } }];
    const other = [{ kind: 'note', data: { ts: 1700000000, text: 'b' } }];
    for (let round = 0; round < 2; round++) {
      // Opened twice: the migration runs on a file that already has the column, too.
      const { store, meta, close } = await openStores(dir);
      try {
        // The old mark has no digest: whatever arrives under it is a duplicate, as before.
        assert.deepEqual(await store.insertBatch('ag_old', 1, other), { stored: 0, skipped: {}, duplicate: true });
        const fresh = await store.insertBatch('ag_old', 2, records);
        if (round === 0) assert.equal(fresh.stored, 1);
        else assert.equal(fresh.duplicate, true);
        const clash = await store.insertBatch('ag_old', 2, other);
        assert.equal(clash.conflict, true);
        assert.equal(clash.duplicate, false);
        assert.equal(clash.stored, 0);
        assert.equal(await meta.highestBatchSeq('ag_old'), 2);
        assert.equal(await meta.highestBatchSeq('ag_none'), 0);
        assert.equal((await store.logs({ kind: 'note' })).total, 1);
      } finally {
        await close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
