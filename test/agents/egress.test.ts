/**
 * The egress agent in network namespaces the test creates: an agent
 * namespace with no way out, and a fake "Internet" host (198.51.100.1) in a
 * second namespace with TCP 80, TLS 443, a DNS responder and ICMP echo.
 * Isolated -> no alert; a route added -> every probe kind gets through and
 * is alerted, in the first run after the change. No packet leaves the two
 * namespaces: every target is 198.51.100.1 and the Internet namespace has
 * no route anywhere else. Namespaces and processes are removed at the end.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/paths.js';
import { createTestNet, INTERNET_IP, type TestNet } from './netns.js';
import { startCli } from './cli-process.js';
import { buildAQuery, isResponseTo, rcodeName } from '../../src/agents/egress/dns-query.js';
import type { Alert } from '../../src/alerts/alert.js';
import { until } from '../helpers/until.js';

const FAKE_INTERNET = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-internet.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('DNS query bytes and response check', () => {
  const q = buildAQuery(0x1234, 'probe.example')!;
  // ID 1234, RD, QDCOUNT 1, 5"probe" 7"example" 0, A, IN
  assert.equal(q.toString('hex'), '123401000001000000000000' + '0570726f6265076578616d706c6500' + '00010001');
  assert.equal(buildAQuery(1, 'bad..name'), null);
  assert.equal(buildAQuery(1, 'a'.repeat(64) + '.com'), null);
  const resp = Buffer.from(q);
  assert.equal(isResponseTo(resp, 0x1234), false, 'a query is not a response');
  resp[2] |= 0x80;
  resp[3] = 0x83;
  assert.equal(isResponseTo(resp, 0x1234), true);
  assert.equal(isResponseTo(resp, 0x1235), false);
  assert.equal(rcodeName(resp), 'NXDOMAIN');
});

describe('egress probes in network namespaces', () => {
  let net: TestNet | null = null;
  let internet: ChildProcess | null = null;
  let work = '';
  let cfg = '';

  before(async () => {
    net = createTestNet(INTERNET_IP);
    if (net === null) return;
    work = tempDir();
    const cert = path.join(work, 'cert.pem');
    const key = path.join(work, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=fake-internet'], { stdio: 'ignore' });
    internet = spawn('ip', ['netns', 'exec', net.internetNs, process.execPath, FAKE_INTERNET, '--ip', INTERNET_IP, '--cert', cert, '--key', key], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    internet.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await until(() => out.includes('ready'), 'the fake Internet host');
    cfg = path.join(work, 'picket.yaml');
    fs.writeFileSync(
      cfg,
      [
        'observer_name: airgap-1',
        'egress:',
        '  interval: 2s',
        '  timeout: 1s',
        '  dns_names: [probe.example]',
        '  system_dns: true',
        `  resolvers: [${INTERNET_IP}]`,
        `  tcp: ["${INTERNET_IP}:80", "${INTERNET_IP}:443"]`,
        `  https: ["https://${INTERNET_IP}/"]`,
        `  icmp: [${INTERNET_IP}]`,
        '',
      ].join('\n'),
    );
  });

  after(() => {
    if (internet?.pid !== undefined && internet.exitCode === null) process.kill(internet.pid, 'SIGKILL');
    net?.destroy();
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  test('--once: isolated exits 0 with no alert; with a route every probe kind gets through and exits 1', async (t) => {
    if (net === null) return t.skip('needs root for network namespaces');
    const isolated = startCli(['egress', '--once', '--config', cfg, '--alerts', '-'], { netns: net.agentNs });
    assert.equal(await isolated.exited, 0, isolated.stderr());
    assert.equal(isolated.stdout(), '');
    assert.match(isolated.stderr(), /run 1: 6 probes, none got through/);

    net.connect();
    try {
      const open = startCli(['egress', '--once', '--config', cfg, '--alerts', '-'], { netns: net.agentNs });
      assert.equal(await open.exited, 1, open.stderr());
      const alerts = open.stdout().trim().split('\n').map((l) => JSON.parse(l) as Alert);
      const probes = alerts.map((a) => a.evidence.probe).sort();
      assert.deepEqual(probes, [
        'dns-direct:198.51.100.1',
        'dns-system:probe.example',
        'https:https://198.51.100.1/',
        'icmp:198.51.100.1',
        'tcp:198.51.100.1:443',
        'tcp:198.51.100.1:80',
      ]);
      for (const a of alerts) {
        assert.equal(a.rule.id, 'egress.internet_reachable');
        assert.equal(a.event.severity, 4);
        assert.equal(a.observer.name, 'airgap-1');
        assert.match(a.message, /got through/);
      }
      const tcp = alerts.find((a) => a.evidence.probe === 'tcp:198.51.100.1:443')!;
      assert.equal(tcp.source.ip, '10.213.0.2');
      assert.deepEqual(tcp.destination, { ip: INTERNET_IP, port: 443 });
      assert.match(String(alerts.find((a) => a.evidence.probe_kind === 'https')!.evidence.detail), /CN=fake-internet, untrusted/);
    } finally {
      net.isolate();
    }
  });

  test('scheduled: no alert while isolated, alert in the first run after the route appears', async (t) => {
    if (net === null) return t.skip('needs root for network namespaces');
    const alertsFile = path.join(work, 'alerts.jsonl');
    const run = startCli(['egress', '--config', cfg, '--alerts', alertsFile], { netns: net.agentNs });
    try {
      const runsDone = (): number => {
        const m = [...run.stderr().matchAll(/run (\d+):/g)];
        return m.length === 0 ? 0 : Number(m[m.length - 1]![1]);
      };
      await until(() => runsDone() >= 2, 'two isolated runs');
      assert.equal(fs.existsSync(alertsFile) ? fs.readFileSync(alertsFile, 'utf8') : '', '');
      const before = runsDone();
      net.connect();
      await until(() => fs.existsSync(alertsFile) && fs.readFileSync(alertsFile, 'utf8').split('\n').length > 6, 'alerts after the route appears');
      const alerts = fs.readFileSync(alertsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
      assert.equal(new Set(alerts.map((a) => a.evidence.probe)).size, 6, 'each probe alerted once');
      // The run in progress at the change may have missed it; the one after it may not.
      for (const a of alerts) assert.ok((a.evidence.run as number) <= before + 2, `alerted in run ${String(a.evidence.run)}, last isolated run ${before}`);
      // realert: later runs do not repeat the standing alerts.
      const seen = runsDone();
      await until(() => runsDone() >= seen + 1, 'one more run');
      assert.equal(fs.readFileSync(alertsFile, 'utf8').trim().split('\n').length, alerts.length);
      assert.match(run.stderr(), /ALERT .*egress\.internet_reachable/);
    } finally {
      if (run.child.exitCode === null) process.kill(run.child.pid!, 'SIGTERM');
      await run.exited;
      net.isolate();
    }
  });

  test('server unreachable too: the alert is printed locally and kept in the spool', async (t) => {
    if (net === null) return t.skip('needs root for network namespaces');
    net.connect();
    try {
      const spool = path.join(work, 'egress-agent');
      // Port 9 on the gateway: nothing listens, so the "server" refuses every connection.
      const r = startCli(['egress', '--once', '--config', cfg, '--server', `http://${net.gateway}:9`, '--token', 'tok', '--spool', spool], { netns: net.agentNs });
      assert.equal(await r.exited, 1);
      assert.match(r.stderr(), /ALERT .*egress\.internet_reachable.*kept in the spool/);
      assert.match(r.stderr(), /6 records in \d+ batches are spooled/);
      const segs = fs.readdirSync(path.join(spool, 'spool')).filter((f) => f.endsWith('.spool'));
      assert.ok(segs.length > 0);
      const text = fs.readFileSync(path.join(spool, 'spool', segs[0]!)).toString('latin1');
      assert.ok(text.includes('egress.internet_reachable'));
    } finally {
      net.isolate();
    }
  });
});
