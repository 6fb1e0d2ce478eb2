/**
 * The honeypot on 127.0.0.1 (free high ports chosen by the test): TCP and UDP
 * alerts with the first bytes (bounded, hex-safe), banners, no UDP reply,
 * per-source rate limits, the ignore list, the connection cap, and the
 * `picket honeypot` command shipping to a server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createHoneypot, type HoneypotSettings, type Honeypot } from '../../src/agents/honeypot/honeypot.js';
import type { Alert } from '../../src/alerts/alert.js';
import { Site } from '../../src/config/site.js';
import { tempDir } from '../helpers/paths.js';
import { startIngestServer, createToken } from './ingest-server-process.js';
import { startCli } from './cli-process.js';
import { until } from '../helpers/until.js';
import { freeTcpUdpPort } from '../helpers/free-port.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function settings(over: Partial<HoneypotSettings>): HoneypotSettings {
  return { ...loadConfig().honeypot, bind: '127.0.0.1', tcp: [], udp: [], ...over };
}

async function withHoneypot(over: Partial<HoneypotSettings>, fn: (h: Honeypot, alerts: Alert[]) => Promise<void>, now?: () => number, site?: Site): Promise<void> {
  const alerts: Alert[] = [];
  const h = createHoneypot({
    config: settings(over),
    observerName: 'test-honeypot',
    onAlert: (a) => alerts.push(a),
    ...(now !== undefined ? { now } : {}),
    ...(site !== undefined ? { site } : {}),
  });
  const l = await h.start();
  assert.deepEqual(l.failed, []);
  try {
    await fn(h, alerts);
  } finally {
    await h.stop();
  }
}

function tcpSession(port: number, send: Buffer | null): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (c: Buffer) => got.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('connect', () => {
      if (send !== null) s.end(send);
    });
  });
}

test('TCP: banner sent, first bytes recorded hex-safe, alert in the ECS shape', async () => {
  const port = await freeTcpUdpPort();
  await withHoneypot({ tcp: [port], banners: { [String(port)]: 'SSH-2.0-OpenSSH_8.9\r\n' } }, async (h, alerts) => {
    // "GET /\r\n", a NUL, an ANSI escape aimed at a terminal, a backslash.
    const payload = Buffer.from('474554202f0d0a001b5b33316d5c', 'hex');
    const answer = await tcpSession(port, payload);
    assert.equal(answer.toString(), 'SSH-2.0-OpenSSH_8.9\r\n');
    await until(() => alerts.length === 1, 'the tcp alert', 400, 25);
    const a = alerts[0]!;
    assert.equal(a.rule.id, 'honeypot.tcp');
    assert.equal(a.event.kind, 'alert');
    assert.equal(a.event.severity, 3);
    assert.equal(a.source.ip, '127.0.0.1');
    assert.equal(typeof a.source.port, 'number');
    assert.deepEqual(a.destination, { ip: '127.0.0.1', port });
    assert.equal(a.network?.transport, 'tcp');
    // From inside (loopback is one of the built-in internal ranges); no configured network holds it.
    assert.equal(a.network?.direction, 'internal');
    assert.equal(a.network?.name, undefined);
    assert.equal(a.observer.name, 'test-honeypot');
    assert.equal(a.evidence.payload_hex, payload.toString('hex'));
    assert.equal(a.evidence.payload_text, 'GET /\\r\\n\\x00\\x1b[31m\\\\');
    assert.equal(a.evidence.bytes_received, payload.length);
    assert.equal(a.evidence.truncated, false);
    assert.equal(a.evidence.banner_sent, true);
    assert.match(a.message, /127\.0\.0\.1 connected to honeypot TCP port \d+ and sent 14 bytes/);
    assert.ok(!Number.isNaN(Date.parse(a['@timestamp'])));
    assert.equal(h.stats().openConnections, 0);
  });
});

test('the source\'s configured network names the alert\'s network', async () => {
  const port = await freeTcpUdpPort();
  const site = new Site([{ name: 'loop-lab', cidrs: ['127.0.0.0/8'], role: 'workstation', new_device_alerts: true }]);
  await withHoneypot(
    { tcp: [port], banners: {} },
    async (_h, alerts) => {
      await tcpSession(port, Buffer.from('hello'));
      await until(() => alerts.length === 1, 'the tcp alert', 400, 25);
      assert.deepEqual([alerts[0]!.network?.name, alerts[0]!.network?.direction], ['loop-lab', 'internal']);
    },
    undefined,
    site,
  );
});

test('TCP: only capture_bytes are kept; the rest is counted, not stored', async () => {
  const port = await freeTcpUdpPort();
  await withHoneypot({ tcp: [port], banners: {}, capture_bytes: 16 }, async (_h, alerts) => {
    await tcpSession(port, Buffer.alloc(5000, 0x41)).catch(() => Buffer.alloc(0));
    await until(() => alerts.length === 1, 'the tcp alert', 400, 25);
    const e = alerts[0]!.evidence;
    assert.equal(e.bytes_kept, 16);
    assert.equal(e.payload_hex, '41'.repeat(16));
    assert.equal(e.truncated, true);
    assert.equal(e.banner_sent, false);
  });
});

test('UDP: alert with the datagram bytes and no reply at all', async () => {
  const port = await freeTcpUdpPort();
  await withHoneypot({ udp: [port] }, async (h, alerts) => {
    const client = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    client.on('message', (m) => replies.push(m));
    // An SSDP M-SEARCH: the classic amplification request.
    const msg = Buffer.from('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n');
    await new Promise<void>((r) => client.send(msg, port, '127.0.0.1', () => r()));
    await until(() => alerts.length === 1, 'the udp alert', 400, 25);
    const a = alerts[0]!;
    assert.equal(a.rule.id, 'honeypot.udp');
    assert.equal(a.network?.transport, 'udp');
    assert.equal(a.destination?.port, port);
    assert.equal(a.evidence.payload_hex, msg.toString('hex'));
    assert.equal(a.evidence.bytes_received, msg.length);
    // Give a reply every chance to arrive on loopback before checking there was none.
    await sleep(300);
    assert.equal(replies.length, 0);
    client.close();
    assert.equal(h.stats().udpDatagrams, 1);
  });
});

test('rate limit: per source per window; the suppressed count rides on the next alert', async () => {
  const port = await freeTcpUdpPort();
  let now = 1_700_000_000_000;
  await withHoneypot(
    { udp: [port], rate_limit: { per_source: 3, window: 60, global_per_second: 1000 } },
    async (h, alerts) => {
      const client = dgram.createSocket('udp4');
      for (let i = 0; i < 7; i++) await new Promise<void>((r) => client.send(Buffer.from(`probe ${i}`), port, '127.0.0.1', () => r()));
      await until(() => h.stats().udpDatagrams === 7, 'all datagrams', 400, 25);
      assert.equal(alerts.length, 3);
      assert.equal(h.stats().suppressed, 4);
      now += 61_000;
      await new Promise<void>((r) => client.send(Buffer.from('later'), port, '127.0.0.1', () => r()));
      await until(() => alerts.length === 4, 'the alert of the next window', 400, 25);
      assert.equal(alerts[3]!.evidence.suppressed_before, 4);
      client.close();
    },
    () => now,
  );
});

test('ignore list: by IP/CIDR and port, per protocol', async () => {
  const tport = await freeTcpUdpPort();
  const uport = await freeTcpUdpPort();
  await withHoneypot(
    { tcp: [tport], udp: [uport], banners: {}, ignore: [{ ip: ['127.0.0.0/8'], port: [uport], proto: 'udp' }] },
    async (h, alerts) => {
      const client = dgram.createSocket('udp4');
      await new Promise<void>((r) => client.send(Buffer.from('x'), uport, '127.0.0.1', () => r()));
      await tcpSession(tport, Buffer.from('hello'));
      await until(() => alerts.length === 1 && h.stats().ignored === 1, 'one alert and one ignored', 400, 25);
      assert.equal(alerts[0]!.rule.id, 'honeypot.tcp');
      client.close();
    },
  );
  await withHoneypot({ tcp: [tport], banners: {}, ignore: [{ ip: ['127.0.0.1'], proto: 'any' }] }, async (h, alerts) => {
    await tcpSession(tport, Buffer.from('hello'));
    await until(() => h.stats().ignored === 1, 'ignored connection', 400, 25);
    assert.equal(alerts.length, 0);
  });
  await withHoneypot({ tcp: [tport], banners: {}, ignore: [{ ip: ['10.0.0.0/8'], proto: 'any' }] }, async (_h, alerts) => {
    await tcpSession(tport, Buffer.from('hello'));
    await until(() => alerts.length === 1, 'not ignored: another network', 400, 25);
  });
});

test('connection cap: past max_connections new connections are closed at once and counted', async () => {
  const port = await freeTcpUdpPort();
  await withHoneypot({ tcp: [port], banners: {}, max_connections: 2, first_bytes_wait: 30 }, async (h) => {
    const held = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
    for (const s of held) s.on('error', () => undefined);
    await until(() => h.stats().openConnections === 2, 'two held connections', 400, 25);
    await tcpSession(port, null);
    assert.equal(h.stats().overCapacity, 1);
    assert.equal(h.stats().openConnections, 2);
    for (const s of held) s.destroy();
  });
});

test('picket honeypot --server: alerts reach the server; the config ignore list and CLI ports apply', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data);
  const tport = await freeTcpUdpPort();
  const uport = await freeTcpUdpPort();
  const cfg = path.join(work, 'picket.yaml');
  fs.writeFileSync(cfg, `observer_name: hp-1\nhoneypot:\n  banners: {}\n  ignore:\n    - port: ${uport}\n`);
  const run = startCli([
    'honeypot', '--server', server.url, '--token', await createToken(server.url, 'honeypot'),
    '--spool', path.join(work, 'agent'), '--tcp', String(tport), '--udp', String(uport), '--bind', '127.0.0.1',
    '--config', cfg, '--batch-interval-ms', '100',
  ]);
  try {
    await until(() => /listening on 127\.0\.0\.1/.test(run.stderr()), 'the honeypot to listen', 400, 25);
    const client = dgram.createSocket('udp4');
    await new Promise<void>((r) => client.send(Buffer.from('ignored'), uport, '127.0.0.1', () => r()));
    client.close();
    await tcpSession(tport, Buffer.from('USER root\r\n'));
    const records = path.join(data, 'records.jsonl');
    await until(() => fs.existsSync(records) && fs.readFileSync(records, 'utf8').includes('honeypot.tcp'), 'the alert at the server', 400, 25);
    process.kill(run.child.pid!, 'SIGTERM');
    assert.equal(await run.exited, 0);
    const rows = fs.readFileSync(records, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; data: Alert });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.kind, 'alert');
    assert.equal(rows[0]!.data.observer.name, 'hp-1');
    assert.equal(rows[0]!.data.evidence.payload_text, 'USER root\\r\\n');
    assert.match(run.stderr(), /1 ignored/);
    assert.match(run.stderr(), /every record acknowledged/);
    assert.equal(fs.statSync(path.join(work, 'agent', 'credential.json')).mode & 0o777, 0o600);
  } finally {
    if (run.child.exitCode === null) process.kill(run.child.pid!, 'SIGKILL');
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('picket honeypot --server: records still spooled at exit make it exit 3', async () => {
  const work = tempDir();
  const tport = await freeTcpUdpPort();
  // A server address where nothing listens: the alert cannot be delivered.
  const down = await freeTcpUdpPort();
  const run = startCli([
    'honeypot', '--server', `http://127.0.0.1:${down}`, '--token', 'no-server-to-take-it',
    '--spool', path.join(work, 'agent'), '--tcp', String(tport), '--bind', '127.0.0.1', '--batch-interval-ms', '100',
  ]);
  try {
    await until(() => /listening on 127\.0\.0\.1/.test(run.stderr()), 'the honeypot to listen', 400, 25);
    await tcpSession(tport, Buffer.from('hello\r\n'));
    process.kill(run.child.pid!, 'SIGTERM');
    assert.equal(await run.exited, 3, run.stderr());
    assert.match(run.stderr(), /records in \d+ batches are spooled/);
  } finally {
    if (run.child.exitCode === null) process.kill(run.child.pid!, 'SIGKILL');
    fs.rmSync(work, { recursive: true, force: true });
  }
});
