/**
 * `picket sensor --server URL --pcap FILE` against a server on 127.0.0.1:
 * what the server stores equals what `picket replay --logs` writes for the
 * same capture (every log record and alert, exactly once); with the server
 * away the run ends with its records spooled (exit 3, saying so) and the
 * next run delivers them first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS, tempDir } from '../helpers/paths.js';
import { startIngestServer, createToken, type IngestServer } from './ingest-server-process.js';
import { startCli } from './cli-process.js';

const FTP = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
const WIKI = path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap');

interface Row {
  agent_id: string;
  seq: number;
  kind: string;
  data: unknown;
}

function rows(dir: string): Row[] {
  const f = path.join(dir, 'records.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row) : [];
}

/**
 * A record in a form two runs agree on: keys sorted (writers may order fields
 * differently) and connection uids dropped (they are random per process).
 */
function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x === null || typeof x !== 'object') return x;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) if (k !== 'uid' && k !== 'uids' && k !== 'conn_uids') out[k] = norm((x as Record<string, unknown>)[k]);
    return out;
  };
  return JSON.stringify(norm(v));
}

/** What replay writes for `pcap`: log name -> sorted canonical records, and the alerts. */
async function replayed(pcap: string, work: string): Promise<{ logs: Map<string, string[]>; alerts: string[] }> {
  const logs = path.join(work, `replay-${path.basename(pcap)}`);
  const r = startCli(['replay', pcap, '--logs', logs, '-q']);
  assert.equal(await r.exited, 0, r.stderr());
  const out = new Map<string, string[]>();
  for (const f of fs.readdirSync(logs)) {
    out.set(f.replace(/\.jsonl$/, ''), fs.readFileSync(path.join(logs, f), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => canonical(JSON.parse(l))).sort());
  }
  return { logs: out, alerts: r.stdout().trim().split('\n').filter((l) => l !== '').map((l) => canonical(JSON.parse(l))).sort() };
}

function byKind(stored: Row[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of stored) {
    let list = out.get(r.kind);
    if (list === undefined) out.set(r.kind, (list = []));
    list.push(canonical(r.data));
  }
  for (const l of out.values()) l.sort();
  return out;
}

test('--pcap: the server stores exactly what replay logs, then the sensor exits 0', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data);
  try {
    const token = await createToken(server.url, 'sensor');
    const run = startCli(['sensor', '--server', server.url, '--token', token, '--pcap', FTP, '--spool', path.join(work, 'agent'), '--format', 'none', '--batch-records', '25']);
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stderr(), /every record acknowledged by the server/);
    const want = await replayed(FTP, work);
    const got = byKind(rows(data));
    assert.deepEqual(got.get('alert'), want.alerts);
    assert.ok(want.alerts.length > 0, 'the capture raises an alert');
    for (const [log, lines] of want.logs) assert.deepEqual(got.get(log), lines, `${log} records`);
    assert.deepEqual([...got.keys()].sort(), [...want.logs.keys(), 'alert'].sort());
    // One health report at the end, with the pipeline's figures.
    const st = JSON.parse(fs.readFileSync(path.join(data, 'state.json'), 'utf8')) as { health: Record<string, { kind: string; flows: number; extra: { packets: number } }[]> };
    const reports = Object.values(st.health)[0]!;
    assert.equal(reports.at(-1)!.kind, 'sensor');
    assert.equal(reports.at(-1)!.extra.packets, 606);
  } finally {
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('--pcap with the server away: records spooled (exit 3, said so), delivered first by the next run', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  let server: IngestServer | undefined = await startIngestServer(data);
  try {
    const token = await createToken(server.url, 'sensor');
    const url = server.url;
    const port = server.port;
    await server.kill();
    server = undefined;
    const agent = ['--spool', path.join(work, 'agent'), '--format', 'none', '--batch-records', '25'];
    const first = startCli(['sensor', '--server', url, '--token', token, '--pcap', FTP, '--flush-timeout', '2', ...agent]);
    assert.equal(await first.exited, 3, first.stderr());
    assert.match(first.stderr(), /records in \d+ batches are spooled in .*not yet acknowledged/);
    server = await startIngestServer(data, { port });
    const second = startCli(['sensor', '--server', url, '--token', token, '--pcap', WIKI, ...agent]);
    assert.equal(await second.exited, 0, second.stderr());
    const stored = rows(data);
    const ftp = await replayed(FTP, work);
    const wiki = await replayed(WIKI, work);
    const want = new Map<string, string[]>();
    for (const src of [ftp.logs, wiki.logs]) for (const [k, v] of src) want.set(k, [...(want.get(k) ?? []), ...v].sort());
    want.set('alert', [...ftp.alerts, ...wiki.alerts].sort());
    const got = byKind(stored);
    for (const [log, lines] of want) assert.deepEqual(got.get(log) ?? [], lines, `${log} records`);
    // The first run's records came first: sequence numbers follow the order of the runs.
    const firstWiki = stored.findIndex((r) => r.kind === 'http' || r.kind === 'dns');
    assert.ok(stored.slice(0, firstWiki).every((r) => r.kind === 'ftp' || r.kind === 'conn' || r.kind === 'alert'));
    assert.ok(stored.slice(firstWiki).every((r) => r.kind !== 'ftp'));
  } finally {
    await server?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('--pcap with batches the server refuses: exit 3 and the records counted as lost, never "every record acknowledged"', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  // The server takes at most 10 records a batch; the sensor sends 25.
  const server = await startIngestServer(data, { env: { MAX_RECORDS: '10' } });
  try {
    const token = await createToken(server.url, 'sensor');
    const run = startCli(['sensor', '--server', server.url, '--token', token, '--pcap', FTP, '--spool', path.join(work, 'agent'), '--format', 'none', '--batch-records', '25']);
    assert.equal(await run.exited, 3, run.stderr());
    const err = run.stderr();
    assert.doesNotMatch(err, /every record acknowledged/);
    assert.match(err, /server refused batch \d+ \(25 records\) with HTTP 400/);
    const lost = /(\d+) records were lost/.exec(err);
    assert.ok(lost !== null, err);
    assert.ok(Number(lost[1]) >= 25, err);
    assert.match(err, /refused by the server \d+/);
  } finally {
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('a second sensor on a spool directory in use stops at start, says which process holds it, and sends nothing', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data);
  try {
    const token = await createToken(server.url, 'sensor');
    // This test process stands for the first agent: a live PID in the lock.
    fs.mkdirSync(path.join(work, 'agent', 'spool'), { recursive: true });
    fs.writeFileSync(path.join(work, 'agent', 'spool', 'lock'), `${process.pid} first-agent\n`);
    const run = startCli(['sensor', '--server', server.url, '--token', token, '--pcap', FTP, '--spool', path.join(work, 'agent'), '--format', 'none']);
    assert.equal(await run.exited, 1, run.stderr());
    assert.match(run.stderr(), new RegExp(`in use by another agent process \\(pid ${process.pid}\\)`));
    assert.deepEqual(rows(data), []);
    assert.equal(fs.readFileSync(path.join(work, 'agent', 'spool', 'lock'), 'utf8'), `${process.pid} first-agent\n`, 'the holder keeps its lock');
  } finally {
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
