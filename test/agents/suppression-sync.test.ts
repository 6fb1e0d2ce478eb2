/**
 * Console suppressions reach networked sensors. Unit parts: matching with
 * expiry judged at alert time, the sync's conditional polling (304 keeps the
 * list, a new version replaces and persists it, outages and bad answers keep
 * it, a restart with the server away uses the file), the route's ETag
 * helper and the sensor's suppressed-alerts metric. End to end: a real
 * `picket server` (DuckDB store) in this process, a suppression made through
 * the console API (login + CSRF), and `picket sensor --pcap` child processes
 * with a JSON-lines file sink: the suppressed alert is missing from the
 * local sink and stdout but stored by the server; the other alert is
 * delivered; with the server down the persisted list still applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../src/alerts/alert.js';
import { alertTimeMs, suppressedBy, type SuppressionEntry } from '../../src/alerts/suppression.js';
import { createSuppressionSync, parseSuppressionList, SUPPRESSIONS_FILE } from '../../src/agents/suppression-sync.js';
import { writeCredential } from '../../src/agents/credential.js';
import { etagMatches, suppressionList } from '../../src/server/routes/agent-suppressions.js';
import { serveSensorMetrics } from '../../src/metrics/sensor.js';
import { runServer, type RunningServer } from '../../src/server/server.js';
import { ZEEK_CORPUS, tempDir } from '../helpers/paths.js';
import { startCli } from './cli-process.js';

/** auth.bruteforce from 192.168.56.1 against 192.168.56.101 (FTP), packet time 2014-01-14. */
const FTP = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
/** scan.arp from 192.168.1.71, packet time 2011-09-27. */
const NMAP = path.join(ZEEK_CORPUS, 'nmap-vsn', 'nmap-vsn.pcap');

function alert(rule: string, src: string, dst: string | undefined, lastSeen: string, network?: string): Alert {
  return {
    '@timestamp': lastSeen,
    event: { kind: 'alert', severity: 3, category: ['network'] },
    rule: { id: rule, name: rule },
    source: { ip: src },
    ...(dst !== undefined ? { destination: { ip: dst } } : {}),
    ...(network !== undefined ? { network: { name: network } } : {}),
    threat: { technique: { id: 'T1110' } },
    message: 'm',
    evidence: {},
    count: 1,
    first_seen: lastSeen,
    last_seen: lastSeen,
    observer: { name: 'picket' },
    dedup_key: src,
  };
}

function sup(id: string, rule: string, extra: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return { id, rule, host: null, network: null, reason: 'test', expires_at: null, ...extra };
}

test('matching: rule patterns, host on either side, network, expiry judged at alert time', () => {
  const a = alert('scan.port.vertical', '10.0.0.5', '10.0.0.9', '2024-05-01T10:00:00.000Z', 'lab');
  assert.equal(suppressedBy(a, [sup('1', 'scan.*')])?.id, '1');
  assert.equal(suppressedBy(a, [sup('1', 'scan.port')]), undefined, 'exact ids are exact');
  assert.equal(suppressedBy(a, [sup('1', '*')])?.id, '1');
  assert.equal(suppressedBy(a, [sup('1', 'scan.*', { host: '10.0.0.9' })])?.id, '1', 'destination host');
  assert.equal(suppressedBy(a, [sup('1', 'scan.*', { host: '10.0.0.6' })]), undefined);
  // An alert on an IPv6 packet names an IPv4 host IPv4-mapped; the suppression keeps the dotted spelling.
  const mapped = { ...a, source: { ...a.source, ip: '::ffff:10.0.0.5' } };
  assert.equal(suppressedBy(mapped, [sup('1', 'scan.*', { host: '10.0.0.5' })])?.id, '1', 'IPv4-mapped source');
  assert.equal(suppressedBy(a, [sup('1', 'scan.*', { network: 'office' })]), undefined);
  const at = alertTimeMs(a)!;
  assert.equal(at, Date.parse('2024-05-01T10:00:00.000Z'));
  assert.equal(suppressedBy(a, [sup('1', 'scan.*', { expires_at: '2024-05-01T10:00:01.000Z' })], at)?.id, '1', 'still in force at alert time');
  assert.equal(suppressedBy(a, [sup('1', 'scan.*', { expires_at: '2024-05-01T10:00:00.000Z' })], at), undefined, 'expired at alert time');
  assert.equal(suppressedBy(a, [sup('1', 'scan.*', { expires_at: 'soon' })], at), undefined, 'an unreadable expiry never hides');
  // An alert whose activity continued past the expiry is delivered.
  const long = { ...a, last_seen: '2024-05-01T12:00:00.000Z' };
  assert.equal(suppressedBy(long, [sup('1', 'scan.*', { expires_at: '2024-05-01T11:00:00.000Z' })], alertTimeMs(long)), undefined);
});

test('route helpers: the version depends only on content, If-None-Match forms', () => {
  const one = suppressionList([sup('b', 'x'), sup('a', 'y')]);
  const two = suppressionList([sup('a', 'y'), sup('b', 'x')]);
  assert.equal(one.version, two.version);
  assert.deepEqual(one.suppressions.map((s) => s.id), ['a', 'b']);
  assert.notEqual(suppressionList([sup('a', 'y')]).version, one.version);
  assert.equal(suppressionList([]).suppressions.length, 0);
  const etag = `"${one.version}"`;
  assert.equal(etagMatches(etag, etag), true);
  assert.equal(etagMatches(`"other", W/${etag}`, etag), true);
  assert.equal(etagMatches('*', etag), true);
  assert.equal(etagMatches('"other"', etag), false);
  assert.equal(etagMatches(undefined, etag), false);
});

test('parse: unusable entries are skipped and counted, a non-list is refused', () => {
  const skipped: Record<string, number> = {};
  const p = parseSuppressionList(
    {
      version: 'v1',
      suppressions: [sup('ok', 'scan.*'), { id: 'x' }, sup('bad-exp', 'a', { expires_at: 'tomorrow' }), null, sup('ok2', 'auth.bruteforce', { host: '10.0.0.1' })],
    },
    skipped,
  );
  assert.deepEqual(p?.suppressions.map((s) => s.id), ['ok', 'ok2']);
  assert.deepEqual(skipped, { malformed: 2, bad_expiry: 1 });
  assert.equal(parseSuppressionList({ suppressions: [] }, skipped), undefined);
  assert.equal(parseSuppressionList('nope', skipped), undefined);
});

/** A stand-in server for the suppression route: the list can change, the answers can break. */
async function fakeServer(): Promise<{
  url: string;
  seen: { auth: string | undefined; inm: string | undefined }[];
  set(list: SuppressionEntry[]): void;
  mode: { broken: 'no' | '500' | 'garbage' };
  close(): Promise<void>;
}> {
  let current = suppressionList([]);
  const seen: { auth: string | undefined; inm: string | undefined }[] = [];
  const mode: { broken: 'no' | '500' | 'garbage' } = { broken: 'no' };
  const srv = http.createServer((req, res) => {
    const inm = req.headers['if-none-match'];
    seen.push({ auth: req.headers.authorization, inm: typeof inm === 'string' ? inm : undefined });
    if (req.url !== '/api/v1/agent/suppressions') return void res.writeHead(404).end();
    if (mode.broken === '500') return void res.writeHead(500).end('{}');
    if (mode.broken === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version": 7');
    const etag = `"${current.version}"`;
    if (etagMatches(typeof inm === 'string' ? inm : undefined, etag)) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { etag, 'content-type': 'application/json' }).end(JSON.stringify(current));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    mode,
    set: (list) => {
      current = suppressionList(list);
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

test('sync: 304 keeps the list, a new version replaces and persists it, failures keep it, a restart uses the file', async () => {
  const dir = tempDir('picket-supsync-');
  const fake = await fakeServer();
  const logs: string[] = [];
  const credentialFile = path.join(dir, 'credential.json');
  const stateFile = path.join(dir, SUPPRESSIONS_FILE);
  // Timers are not wanted here (polls are driven by the test): a day between polls.
  const opts = { server: fake.url, credentialFile, stateFile, intervalMs: 86_400_000, log: (m: string) => logs.push(m) };
  const sync = createSuppressionSync(opts);
  try {
    // Not enrolled yet: no request is made.
    assert.equal(await sync.start(), 'no_credential');
    assert.equal(fake.seen.length, 0);
    writeCredential(credentialFile, { agent_id: 'agt_1', credential: 'cred-1', server: fake.url, enrolled_at: '' });

    fake.set([sup('s1', 'auth.*', { host: '192.168.56.1' })]);
    assert.equal(await sync.poll(), 'updated');
    assert.equal(fake.seen.at(-1)!.auth, 'Bearer cred-1');
    assert.equal(fake.seen.at(-1)!.inm, undefined, 'nothing to revalidate on the first answer');
    const v1 = sync.stats().version!;
    assert.deepEqual(JSON.parse(fs.readFileSync(stateFile, 'utf8')), { version: v1, suppressions: [sup('s1', 'auth.*', { host: '192.168.56.1' })] });

    // Unchanged: the agent revalidates with the version and gets a bodiless 304.
    const mtime = fs.statSync(stateFile).mtimeMs;
    assert.equal(await sync.poll(), 'unchanged');
    assert.equal(fake.seen.at(-1)!.inm, `"${v1}"`);
    assert.equal(sync.stats().notModified, 1);
    assert.equal(sync.list().length, 1);
    assert.equal(fs.statSync(stateFile).mtimeMs, mtime, 'a 304 does not rewrite the file');

    const hit = alert('auth.bruteforce', '192.168.56.1', '192.168.56.101', '2014-01-14T17:38:23.937Z');
    const miss = alert('scan.arp', '192.168.1.71', undefined, '2011-09-27T18:07:22.602Z');
    assert.equal(sync.match(hit)?.id, 's1');
    assert.equal(sync.match(miss), undefined);

    // Broken answers and an outage keep the last good list and never throw.
    fake.mode.broken = '500';
    assert.equal(await sync.poll(), 'bad_answer');
    fake.mode.broken = 'garbage';
    assert.equal(await sync.poll(), 'bad_answer');
    assert.equal(sync.match(hit)?.id, 's1');
    fake.mode.broken = 'no';

    // A new list: replaced and persisted.
    fake.set([sup('s1', 'auth.*', { host: '192.168.56.1' }), sup('s2', 'scan.arp')]);
    assert.equal(await sync.poll(), 'updated');
    assert.equal(sync.match(miss)?.id, 's2');
    const v2 = sync.stats().version!;
    assert.notEqual(v2, v1);
    assert.equal((JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { version: string }).version, v2);
    assert.equal(sync.stats().failures.bad_answer, 2);
    sync.stop();

    // Server gone: a fresh agent (a restart) goes on with the persisted list.
    await fake.close();
    const later = createSuppressionSync(opts);
    assert.equal(await later.start(), 'unreachable');
    later.stop();
    assert.equal(later.stats().source, 'file');
    assert.equal(later.stats().version, v2);
    assert.equal(later.match(hit)?.id, 's1');
    assert.equal(later.match(miss)?.id, 's2');
    assert.ok(logs.some((l) => /server unreachable.*keeping the 2 known \(from the file\)/.test(l)), logs.join('\n'));

    // A damaged file is reported and ignored, not fatal.
    fs.writeFileSync(stateFile, '{"version":');
    const damaged = createSuppressionSync(opts);
    assert.equal(await damaged.start(), 'unreachable');
    damaged.stop();
    assert.equal(damaged.list().length, 0);
    assert.equal(damaged.stats().skipped.bad_file, 1);
  } finally {
    sync.stop();
    await fake.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sensor metrics: picket_alerts_suppressed_total mirrors the count', async () => {
  let n = 0;
  const m = await serveSensorMetrics('127.0.0.1:0', {
    pipeline: () => ({ packets: 0, bytes: 0 }),
    kernelDrops: () => undefined,
    alerts: () => ({}),
    suppressed: () => n,
  });
  try {
    n = 3;
    const text = await (await fetch(`${m.url}`)).text();
    assert.match(text, /^picket_alerts_suppressed_total 3$/m);
  } finally {
    await m.close();
  }
});

// ---- end to end

interface Stored {
  total: number;
  rows: { rule: { id: string } }[];
}

function sinkRules(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as Alert).rule.id).sort();
}

function stdoutRules(text: string): string[] {
  return text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as Alert).rule.id).sort();
}

test('real server + sensor: a console suppression keeps the alert from the local sink and stdout, not from the server', async () => {
  const work = tempDir('picket-supsync-e2e-');
  const data = path.join(work, 'server');
  const agentDir = path.join(work, 'agent');
  const password = 'suppression-sync-pw';
  let server: RunningServer | undefined = await runServer({ dataDir: data, listen: '127.0.0.1:0', logLevel: false, env: { PICKET_ADMIN_PASSWORD: password } });
  const url = server.url.replace(/\/$/, '');
  const admin = server.admin.token;
  /** One sensor run with its own sink file and state directory (sink queues live there). */
  const sensor = async (name: string, extra: string[] = []): Promise<{ code: number | string; stdout: string; stderr: string; sink: string }> => {
    const sink = path.join(work, `${name}-alerts.jsonl`);
    const config = path.join(work, `${name}.yaml`);
    fs.writeFileSync(config, `sinks:\n  - { type: file, name: local, path: ${JSON.stringify(sink)} }\n`);
    const run = startCli(['sensor', '--server', url, '--token', token, '--pcap', FTP, '--pcap', NMAP, '--spool', agentDir, '--state', path.join(work, `${name}-state`), '--config', config, ...extra]);
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr(), sink };
  };
  const adminGet = async (p: string): Promise<Stored> => {
    const r = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(r.status, 200);
    return (await r.json()) as Stored;
  };
  let token = '';
  try {
    const t = await fetch(`${url}/api/v1/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'supsync', kind: 'sensor' }),
    });
    token = ((await t.json()) as { token: string }).token;

    // 1. No suppressions: both alerts reach the local sink and stdout (this run also enrolls).
    const a = await sensor('first');
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(sinkRules(a.sink), ['auth.bruteforce', 'scan.arp']);
    assert.deepEqual(stdoutRules(a.stdout), ['auth.bruteforce', 'scan.arp']);

    // 2. A suppression made in the console (login, then a write with the CSRF token).
    const login = await fetch(`${url}/api/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    assert.equal(login.status, 200);
    const { csrf } = (await login.json()) as { csrf: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const made = await fetch(`${url}/api/v1/console/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ rule: 'auth.*', host: '192.168.56.1', reason: 'FTP login drill', expires_in: 3600 }),
    });
    assert.equal(made.status, 200, await made.text());

    // The agent route: agent credential only, version as ETag, 304 when unchanged.
    const cred = (JSON.parse(fs.readFileSync(path.join(agentDir, 'credential.json'), 'utf8')) as { credential: string }).credential;
    assert.equal((await fetch(`${url}/api/v1/agent/suppressions`)).status, 401);
    assert.equal((await fetch(`${url}/api/v1/agent/suppressions`, { headers: { authorization: `Bearer ${admin}` } })).status, 401, 'the admin token is not an agent credential');
    const got = await fetch(`${url}/api/v1/agent/suppressions`, { headers: { authorization: `Bearer ${cred}` } });
    assert.equal(got.status, 200);
    const list = (await got.json()) as { version: string; suppressions: SuppressionEntry[] };
    assert.equal(got.headers.get('etag'), `"${list.version}"`);
    assert.deepEqual(list.suppressions.map((s) => [s.rule, s.host, s.reason]), [['auth.*', '192.168.56.1', 'FTP login drill']]);
    assert.equal(Object.hasOwn(list.suppressions[0]!, 'created_by'), false, 'agents get only what matching needs');
    const again = await fetch(`${url}/api/v1/agent/suppressions`, { headers: { authorization: `Bearer ${cred}`, 'if-none-match': `"${list.version}"` } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');

    // 3. Suppressed locally, still stored by the server; the other alert is delivered.
    const b = await sensor('second');
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(sinkRules(b.sink), ['scan.arp']);
    assert.deepEqual(stdoutRules(b.stdout), ['scan.arp']);
    assert.match(b.stderr, /1 alerts suppressed locally by 1 console suppressions \(list from the server\)/);
    assert.ok(fs.existsSync(path.join(agentDir, SUPPRESSIONS_FILE)), 'the list is kept for restarts');
    assert.equal((await adminGet('/api/v1/alerts?rule=auth.bruteforce')).total, 2, 'both runs stored it');
    assert.equal((await adminGet('/api/v1/alerts?rule=scan.arp')).total, 2);

    // 4. Server down at start: the persisted list still applies; records stay spooled (exit 3).
    await server.close();
    server = undefined;
    const c = await sensor('third', ['--flush-timeout', '1']);
    assert.equal(c.code, 3, c.stderr);
    assert.deepEqual(sinkRules(c.sink), ['scan.arp']);
    assert.deepEqual(stdoutRules(c.stdout), ['scan.arp']);
    assert.match(c.stderr, /suppressions: server unreachable/);
    assert.match(c.stderr, /1 alerts suppressed locally by 1 console suppressions \(list from the file\)/);
  } finally {
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
