/**
 * Test helpers for the server: a real `picket server` (runServer) on
 * 127.0.0.1 with a free port and a temporary data directory, and small
 * clients for the admin, enrollment and ingest calls over real HTTP (fetch).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { runServer, type RunServerOptions, type RunningServer } from '../../src/server/server.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { tempDir } from '../helpers/paths.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  adminToken: string;
  stop(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0; the environment has no PICKET_ADMIN_TOKEN unless given. */
export async function startTestServer(opts: Partial<RunServerOptions> = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir('picket-server-');
  const s = await runServer({ listen: '127.0.0.1:0', logLevel: false, env: {}, ...opts, dataDir });
  return {
    ...s,
    dataDir,
    adminToken: s.admin.token,
    async stop() {
      await s.close();
      if (opts.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  json: any;
}

export async function call(
  url: string,
  method: string,
  opts: { token?: string; body?: unknown; gzip?: boolean; raw?: Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: Buffer | string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    const text = JSON.stringify(opts.body);
    body = opts.gzip === true ? zlib.gzipSync(text) : text;
    if (opts.gzip === true) headers['content-encoding'] = 'gzip';
  }
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? null : JSON.parse(text) };
}

export interface Enrolled {
  agent_id: string;
  credential: string;
}

export async function createToken(s: TestServer, name = 'sensor-1', kind = 'sensor'): Promise<string> {
  const r = await call(`${s.url}/api/v1/admin/tokens`, 'POST', { token: s.adminToken, body: { name, kind } });
  if (r.status !== 200) throw new Error(`token create: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token as string;
}

export async function enroll(s: TestServer, name = 'sensor-1', kind = 'sensor'): Promise<Enrolled> {
  const token = await createToken(s, name, kind);
  const r = await call(`${s.url}/api/v1/enroll`, 'POST', { body: { token, name, kind } });
  if (r.status !== 200) throw new Error(`enroll: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as Enrolled;
}

export interface BatchRecordIn {
  kind: string;
  data: Record<string, unknown>;
}

export function ingest(s: TestServer, agent: Enrolled, seq: number, records: BatchRecordIn[], gzip = true): Promise<Reply> {
  return call(`${s.url}/api/v1/ingest`, 'POST', {
    token: agent.credential,
    gzip,
    body: { agent_id: agent.agent_id, seq, sent_at: new Date().toISOString(), records },
  });
}

export function adminGet(s: TestServer, path: string): Promise<Reply> {
  return call(`${s.url}/api/v1${path}`, 'GET', { token: s.adminToken });
}

/** Every log record of a replay, as an agent would ship it (copied: the pipeline may reuse objects). */
export async function replayRecords(files: string[]): Promise<BatchRecordIn[]> {
  const out: BatchRecordIn[] = [];
  await replayCaptures(files, {
    onEvent: (e) => {
      if ('log' in e && 'record' in e) out.push({ kind: e.log, data: JSON.parse(JSON.stringify(e.record)) as Record<string, unknown> });
    },
  });
  return out;
}

/** A conn.log record for hand-built batches. */
export function connRecord(uid: string, orig: string, resp: string, respPort: number, ts: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ts,
    uid,
    'id.orig_h': orig,
    'id.orig_p': 40000,
    'id.resp_h': resp,
    'id.resp_p': respPort,
    proto: 'tcp',
    conn_state: 'SF',
    missed_bytes: 0,
    history: 'ShADadFf',
    orig_pkts: 5,
    orig_ip_bytes: 500,
    resp_pkts: 4,
    resp_ip_bytes: 800,
    orig_bytes: 100,
    resp_bytes: 300,
    ip_proto: 6,
    community_id: '1:test',
    duration: 1.5,
    ...over,
  };
}
