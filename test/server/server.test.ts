/**
 * `picket server` over real HTTP on 127.0.0.1 with the real DuckDB store:
 * enrollment, agent authentication (missing, unknown, revoked), exactly-once
 * ingest by (agent_id, seq), gzip bodies and decompression bombs, health,
 * admin routes and the admin token file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { call, connRecord, createToken, enroll, ingest, startTestServer, type TestServer } from './helpers.js';
import { tempDir } from '../helpers/paths.js';

describe('picket server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ingest: { max_decompressed_bytes: 256 * 1024 } });
  });
  after(async () => {
    await s.stop();
  });

  it('creates DIR/admin.token with mode 0600 and requires it on admin routes', async () => {
    const file = path.join(s.dataDir, 'admin.token');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(file, 'utf8').trim(), s.adminToken);
    assert.equal(s.admin.source, 'created');
    const none = await call(`${s.url}/api/v1/admin/agents`, 'GET');
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'PKT_ERR_SERVER_UNAUTHORIZED');
    const wrong = await call(`${s.url}/api/v1/admin/agents`, 'GET', { token: `${s.adminToken}x` });
    assert.equal(wrong.status, 401);
    const ok = await call(`${s.url}/api/v1/admin/agents`, 'GET', { token: s.adminToken });
    assert.equal(ok.status, 200);
    // Creating tokens and querying need the admin token too.
    assert.equal((await call(`${s.url}/api/v1/admin/tokens`, 'POST', { body: { name: 'x', kind: 'sensor' } })).status, 401);
    assert.equal((await call(`${s.url}/api/v1/hosts/10.0.0.1`, 'GET')).status, 401);
    assert.equal((await call(`${s.url}/api/v1/connections`, 'GET', { token: 'agent-credential-is-not-admin' })).status, 401);
  });

  it('enrolls with a one-time token: a second use, an unknown or a revoked token gets 401', async () => {
    const token = await createToken(s, 'hp-1', 'honeypot');
    const first = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token, name: 'hp-1', kind: 'honeypot', hostname: 'box', version: '0.1.0' } });
    assert.equal(first.status, 200);
    assert.match(first.json.agent_id, /\S/);
    assert.ok(first.json.credential.length >= 40, 'credential carries 32 random bytes');
    const again = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token, name: 'hp-2', kind: 'honeypot' } });
    assert.equal(again.status, 401);
    assert.match(again.json.error.message, /used/);
    const unknown = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token: 'pkt_nope', name: 'x', kind: 'sensor' } });
    assert.equal(unknown.status, 401);
    const t2 = await createToken(s, 'eg-1', 'egress');
    const list = await call(`${s.url}/api/v1/admin/tokens`, 'GET', { token: s.adminToken });
    const entry = list.json.tokens.find((t: { name: string }) => t.name === 'eg-1');
    assert.ok(entry !== undefined);
    assert.equal(JSON.stringify(list.json).includes(t2), false, 'token values are never listed');
    assert.equal((await call(`${s.url}/api/v1/admin/tokens/${encodeURIComponent(t2)}`, 'DELETE', { token: s.adminToken })).status, 204);
    const revoked = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token: t2, name: 'eg-1', kind: 'egress' } });
    assert.equal(revoked.status, 401);
    assert.match(revoked.json.error.message, /revoked/);
    assert.equal((await call(`${s.url}/api/v1/admin/tokens/nope`, 'DELETE', { token: s.adminToken })).status, 404);
    // The agent shows up with its kind and hostname.
    const agents = await call(`${s.url}/api/v1/admin/agents`, 'GET', { token: s.adminToken });
    const hp = agents.json.agents.find((a: { agent_id: string }) => a.agent_id === first.json.agent_id);
    assert.equal(hp.kind, 'honeypot');
    assert.equal(hp.hostname, 'box');
    assert.equal(hp.status, 'never_seen');
  });

  it('an agent that gives no name takes its enrollment token\'s; one that gives a name keeps it', async () => {
    const unnamed = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token: await createToken(s, 'edge-7', 'sensor'), kind: 'sensor', hostname: 'vm' } });
    assert.equal(unnamed.status, 200);
    const named = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token: await createToken(s, 'edge-8', 'sensor'), name: 'rack-2', kind: 'sensor', hostname: 'vm' } });
    assert.equal(named.status, 200);
    const agents = (await call(`${s.url}/api/v1/admin/agents`, 'GET', { token: s.adminToken })).json.agents as { agent_id: string; name: string; hostname: string }[];
    const byId = (id: string) => agents.find((a) => a.agent_id === id)!;
    assert.deepEqual([byId(unnamed.json.agent_id).name, byId(unnamed.json.agent_id).hostname], ['edge-7', 'vm']);
    assert.equal(byId(named.json.agent_id).name, 'rack-2');
  });

  it('refuses enrollment bodies that do not follow the contract (400)', async () => {
    const r = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token: 'x', name: 'n', kind: 'toaster' } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'PKT_ERR_SERVER_BAD_REQUEST');
    const notJson = await call(`${s.url}/api/v1/enroll`, 'POST', { raw: Buffer.from('{"token":'), headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
  });

  it('refuses ingest without a credential or with an unknown one (401), before reading the body', async () => {
    const body = { agent_id: 'a', seq: 1, records: [] };
    const none = await call(`${s.url}/api/v1/ingest`, 'POST', { body });
    assert.equal(none.status, 401);
    const bad = await call(`${s.url}/api/v1/ingest`, 'POST', { body, token: 'pkc_notacredential' });
    assert.equal(bad.status, 401);
    // Even an invalid body is answered 401, not 400: nothing is parsed for strangers.
    const junk = await call(`${s.url}/api/v1/ingest`, 'POST', { raw: Buffer.from('not json'), headers: { 'content-type': 'application/json' } });
    assert.equal(junk.status, 401);
    const health = await call(`${s.url}/api/v1/health`, 'POST', { body: { ts: 1, kind: 'sensor', version: '1' } });
    assert.equal(health.status, 401);
  });

  it('stores a retried batch once and acknowledges the retry as a duplicate', async () => {
    const agent = await enroll(s, 'sensor-dup');
    const records = [
      { kind: 'conn', data: connRecord('Cdup1', '10.9.0.1', '10.9.0.2', 443, 1700000000) },
      { kind: 'conn', data: connRecord('Cdup2', '10.9.0.1', '10.9.0.3', 22, 1700000001) },
    ];
    const first = await ingest(s, agent, 1, records);
    assert.equal(first.status, 200);
    assert.deepEqual({ ack: first.json.ack, stored: first.json.stored, duplicate: first.json.duplicate }, { ack: 1, stored: 2, duplicate: false });
    const retry = await ingest(s, agent, 1, records);
    assert.equal(retry.status, 200);
    assert.deepEqual({ ack: retry.json.ack, stored: retry.json.stored, duplicate: retry.json.duplicate }, { ack: 1, stored: 0, duplicate: true });
    // Two copies racing each other: one stores, the other is a duplicate.
    const race = await Promise.all([ingest(s, agent, 2, records.slice(0, 1)), ingest(s, agent, 2, records.slice(0, 1))]);
    assert.deepEqual(race.map((r) => r.json.duplicate).sort(), [false, true]);
    const conns = await call(`${s.url}/api/v1/connections?ip=10.9.0.1`, 'GET', { token: s.adminToken });
    assert.equal(conns.json.total, 3, 'two from seq 1, one from seq 2');
    // The agent was seen.
    const agents = await call(`${s.url}/api/v1/admin/agents`, 'GET', { token: s.adminToken });
    assert.equal(agents.json.agents.find((a: { agent_id: string }) => a.agent_id === agent.agent_id).status, 'online');
  });

  it('answers 409 with the highest stored seq when a used seq arrives with other records, and stores nothing', async () => {
    const agent = await enroll(s, 'sensor-conflict');
    const first = [{ kind: 'conn', data: connRecord('Cconf1', '10.9.1.1', '10.9.1.2', 443, 1700000000) }];
    const other = [{ kind: 'conn', data: connRecord('Cconf2', '10.9.1.1', '10.9.1.3', 22, 1700000001) }];
    assert.equal((await ingest(s, agent, 1, first)).status, 200);
    assert.equal((await ingest(s, agent, 2, first.map((r) => ({ ...r, data: { ...r.data, uid: 'Cconf3' } })))).status, 200);
    // The agent lost its numbering and starts again at 1 with new records.
    const clash = await ingest(s, agent, 1, other);
    assert.equal(clash.status, 409);
    assert.equal(clash.json.error.code, 'PKT_ERR_SERVER_SEQ_CONFLICT');
    assert.equal(clash.json.error.highest_seq, 2);
    // Two conflicting copies racing do not join each other or the stored batch: both are refused.
    const race = await Promise.all([ingest(s, agent, 2, other), ingest(s, agent, 2, other)]);
    assert.deepEqual(race.map((r) => r.status), [409, 409]);
    // The same records again are still a plain duplicate.
    const dup = await ingest(s, agent, 1, first);
    assert.equal(dup.status, 200);
    assert.equal(dup.json.duplicate, true);
    let conns = await call(`${s.url}/api/v1/connections?ip=10.9.1.1`, 'GET', { token: s.adminToken });
    assert.equal(conns.json.total, 2, 'the conflicting records were not stored');
    // Sent again above the highest stored number, they are stored.
    const renumbered = await ingest(s, agent, 3, other);
    assert.equal(renumbered.status, 200);
    assert.equal(renumbered.json.stored, 1);
    conns = await call(`${s.url}/api/v1/connections?ip=10.9.1.1`, 'GET', { token: s.adminToken });
    assert.equal(conns.json.total, 3);
    const status = await call(`${s.url}/api/v1/admin/status`, 'GET', { token: s.adminToken });
    assert.equal(status.json.ingest.conflict_batches, 3);
  });

  it('refuses a batch sent under another agent id (403) and bad batches (400)', async () => {
    const a = await enroll(s, 'sensor-a');
    const b = await enroll(s, 'sensor-b');
    const r = await call(`${s.url}/api/v1/ingest`, 'POST', { token: a.credential, gzip: true, body: { agent_id: b.agent_id, seq: 1, records: [] } });
    assert.equal(r.status, 403);
    const zero = await ingest(s, a, 0, []);
    assert.equal(zero.status, 400, 'seq starts at 1');
    const badKind = await ingest(s, a, 1, [{ kind: 'DROP TABLE', data: {} }]);
    assert.equal(badKind.status, 400);
  });

  it('refuses a revoked agent with 403 on ingest and health', async () => {
    const agent = await enroll(s, 'sensor-rev');
    assert.equal((await ingest(s, agent, 1, [{ kind: 'conn', data: connRecord('Crev1', '10.8.0.1', '10.8.0.2', 80, 1700000000) }])).status, 200);
    const rv = await call(`${s.url}/api/v1/admin/agents/${agent.agent_id}/revoke`, 'POST', { token: s.adminToken });
    assert.equal(rv.status, 200);
    const after = await ingest(s, agent, 2, [{ kind: 'conn', data: connRecord('Crev2', '10.8.0.1', '10.8.0.2', 80, 1700000001) }]);
    assert.equal(after.status, 403);
    assert.equal(after.json.error.code, 'PKT_ERR_SERVER_FORBIDDEN');
    const health = await call(`${s.url}/api/v1/health`, 'POST', { token: agent.credential, body: { ts: 1, kind: 'sensor', version: '1' } });
    assert.equal(health.status, 403);
    const conns = await call(`${s.url}/api/v1/connections?ip=10.8.0.1`, 'GET', { token: s.adminToken });
    assert.equal(conns.json.total, 1, 'nothing stored after revocation');
    assert.equal((await call(`${s.url}/api/v1/admin/agents/nope/revoke`, 'POST', { token: s.adminToken })).status, 404);
  });

  it('accepts gzip and plain bodies; refuses a decompression bomb (413), broken gzip (400) and other encodings (415)', async () => {
    const agent = await enroll(s, 'sensor-gzip');
    const rec = [{ kind: 'conn', data: connRecord('Cgz1', '10.7.0.1', '10.7.0.2', 80, 1700000000) }];
    assert.equal((await ingest(s, agent, 1, rec, true)).json.stored, 1);
    assert.equal((await ingest(s, agent, 2, [{ kind: 'conn', data: connRecord('Cgz2', '10.7.0.1', '10.7.0.2', 80, 1700000001) }], false)).json.stored, 1);
    // 10 MB of zeros inside a valid batch compress to ~10 KB: past the 256 KiB limit once inflated.
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from(`{"agent_id":"${agent.agent_id}","seq":3,"records":[],"pad":"`), Buffer.alloc(10 * 1024 * 1024, 0x30), Buffer.from('"}')]));
    assert.ok(bomb.length < 64 * 1024);
    const r = await call(`${s.url}/api/v1/ingest`, 'POST', { token: agent.credential, raw: bomb, headers: { 'content-encoding': 'gzip' } });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'PKT_ERR_SERVER_TOO_LARGE');
    const broken = await call(`${s.url}/api/v1/ingest`, 'POST', { token: agent.credential, raw: Buffer.from('1f8b0800deadbeef', 'hex'), headers: { 'content-encoding': 'gzip' } });
    assert.equal(broken.status, 400);
    const br = await call(`${s.url}/api/v1/ingest`, 'POST', { token: agent.credential, raw: Buffer.from('{}'), headers: { 'content-encoding': 'br' } });
    assert.equal(br.status, 415);
    // The server is still answering after all that.
    assert.equal((await ingest(s, agent, 3, [])).status, 200);
  });

  it('keeps the latest health report and shows it with the agent', async () => {
    const agent = await enroll(s, 'sensor-health');
    const h = await call(`${s.url}/api/v1/health`, 'POST', {
      token: agent.credential,
      body: { ts: '2024-05-01T10:00:00Z', kind: 'sensor', version: '0.1.0', packets_per_s: 1234.5, kernel_drops: 7, flows: 42, spool_bytes: 0, spool_records: 0 },
    });
    assert.equal(h.status, 204);
    const agents = await call(`${s.url}/api/v1/admin/agents`, 'GET', { token: s.adminToken });
    const a = agents.json.agents.find((x: { agent_id: string }) => x.agent_id === agent.agent_id);
    assert.equal(a.health.packets_per_s, 1234.5);
    assert.equal(a.health.kernel_drops, 7);
    assert.equal(a.status, 'online');
    const bad = await call(`${s.url}/api/v1/health`, 'POST', { token: agent.credential, body: { ts: 1, kind: 'sensor', version: '1', kernel_drops: -1 } });
    assert.equal(bad.status, 400);
  });

  it('takes JSON bodies only (415 otherwise) and checks them as sent: no coercion, no dropped fields', async () => {
    const agent = await enroll(s, 'sensor-strict');
    // A JSON text sent as text/plain (or form data) is the wrong media type, not a bad body.
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded']) {
      const r = await call(`${s.url}/api/v1/admin/tokens`, 'POST', { token: s.adminToken, raw: Buffer.from('{"name":"t","kind":"sensor"}'), headers: { 'content-type': type } });
      assert.equal(r.status, 415, type);
      assert.equal(r.json.error.code, 'PKT_ERR_SERVER_MEDIA_TYPE');
    }
    const plainBatch = await call(`${s.url}/api/v1/ingest`, 'POST', {
      token: agent.credential,
      raw: Buffer.from(JSON.stringify({ agent_id: agent.agent_id, seq: 1, records: [] })),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(plainBatch.status, 415);
    const withCharset = await call(`${s.url}/api/v1/admin/tokens`, 'POST', {
      token: s.adminToken,
      raw: Buffer.from('{"name":"t","kind":"sensor"}'),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(withCharset.status, 200);
    // "600" is not the integer 600: the batch is refused and nothing is stored under seq 600.
    const stringSeq = await call(`${s.url}/api/v1/ingest`, 'POST', {
      token: agent.credential,
      body: { agent_id: agent.agent_id, seq: '600', records: [{ kind: 'conn', data: connRecord('Cstr1', '10.6.0.1', '10.6.0.2', 80, 1700000000) }] },
    });
    assert.equal(stringSeq.status, 400);
    assert.match(stringSeq.json.error.message, /seq/);
    const conns = await call(`${s.url}/api/v1/connections?ip=10.6.0.1`, 'GET', { token: s.adminToken });
    assert.equal(conns.json.total, 0);
    assert.equal((await ingest(s, agent, 600, [])).json.duplicate, false, 'seq 600 was never stored');
    const stringTtl = await call(`${s.url}/api/v1/admin/tokens`, 'POST', { token: s.adminToken, body: { name: 't', kind: 'sensor', ttl: '600' } });
    assert.equal(stringTtl.status, 400);
    const numberToken = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token: 123, name: 'n', kind: 'sensor' } });
    assert.equal(numberToken.status, 400);
    // A field the contract does not have is refused, not dropped: a misspelt "acknowledged" changed nothing and said 200.
    const extra = await call(`${s.url}/api/v1/admin/tokens`, 'POST', { token: s.adminToken, body: { name: 't', kind: 'sensor', ttl_seconds: 600 } });
    assert.equal(extra.status, 400);
    await ingest(s, agent, 601, [
      {
        kind: 'alert',
        data: {
          '@timestamp': '2023-11-14T22:13:20Z',
          event: { kind: 'alert', severity: 2, category: ['network'] },
          rule: { id: 'strict.test', name: 'Strict' },
          source: { ip: '10.6.0.1' },
          message: 'm',
        },
      },
    ]);
    const stored = await call(`${s.url}/api/v1/alerts?rule=strict.test`, 'GET', { token: s.adminToken });
    const id = stored.json.rows[0].id as string;
    const typo = await call(`${s.url}/api/v1/alerts/${id}`, 'PATCH', { token: s.adminToken, body: { acknowleged: true } });
    assert.equal(typo.status, 400);
    const asText = await call(`${s.url}/api/v1/alerts/${id}`, 'PATCH', { token: s.adminToken, body: { acknowledged: 'true' } });
    assert.equal(asText.status, 400);
    assert.equal((await call(`${s.url}/api/v1/alerts/${id}`, 'GET', { token: s.adminToken })).json.acknowledged, false);
    const ok = await call(`${s.url}/api/v1/alerts/${id}`, 'PATCH', { token: s.adminToken, body: { acknowledged: true } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.acknowledged, true);
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const r = await call(`${s.url}/api/v1/nothing-here`, 'GET');
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'PKT_ERR_SERVER_NOT_FOUND');
  });
});

describe('server close', () => {
  it('cuts a connection that never sent a request after the grace period, and still closes', { timeout: 30_000 }, async () => {
    const s = await startTestServer({ closeGraceMs: 200 });
    const { port } = new URL(s.url);
    const silent = net.connect(Number(port), '127.0.0.1');
    await once(silent, 'connect');
    const cut = once(silent, 'close');
    // Without the cut, close() waits for the connection's headers timeout (a minute; past this test's timeout).
    await s.stop();
    await cut;
    assert.ok(silent.destroyed);
  });
});

describe('admin token', () => {
  it('comes from PICKET_ADMIN_TOKEN when set (no file written) and is reused from the file otherwise', async () => {
    const dir = tempDir('picket-admin-');
    try {
      const env = await startTestServer({ dataDir: dir, env: { PICKET_ADMIN_TOKEN: 'env-admin-token-0123456789' } });
      assert.equal(env.adminToken, 'env-admin-token-0123456789');
      assert.equal(fs.existsSync(path.join(dir, 'admin.token')), false);
      assert.equal((await call(`${env.url}/api/v1/admin/agents`, 'GET', { token: 'env-admin-token-0123456789' })).status, 200);
      await env.stop();
      const first = await startTestServer({ dataDir: dir });
      const token = first.adminToken;
      await first.stop();
      const second = await startTestServer({ dataDir: dir });
      assert.equal(second.adminToken, token);
      assert.equal(second.admin.source, 'file');
      await second.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
