/** ua.unusual on synthetic http events, across a saved state, and on the lab captures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { SITE_YAML, config, harness, only } from './harness.js';
import { http, LAB, replayLab } from '../intel/ua/helpers.js';
import { maskVersions } from '../../src/detect/ua.unusual.js';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import type { Alert } from '../../src/alerts/alert.js';
import { retainedBytes } from '../helpers/heap.js';

const RULE = 'ua.unusual';
const DAY = 86400;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const ODD = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; updater-x)';

/** Baseline: Chrome from three workstations at t=1000 (inside the 24h learning period). */
function learned(yaml = SITE_YAML): ReturnType<typeof harness> {
  const h = harness(yaml);
  for (const host of ['10.77.2.20', '10.77.2.21', '10.77.2.22']) h.emit(http(1000, { 'id.orig_h': host, user_agent: CHROME }));
  return h;
}

test('a new agent after the learning period, from one host, alerts with the network and hosts', () => {
  const h = learned();
  h.emit(http(1000 + DAY + 5, { 'id.orig_h': '10.77.2.40', user_agent: ODD, host: 'update.example', uri: '/c' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.40');
  assert.equal(a[0]!.network?.name, 'workstations');
  assert.equal(a[0]!.evidence.user_agent, ODD);
  assert.deepEqual(a[0]!.evidence.hosts, ['10.77.2.40']);
  assert.equal(a[0]!.evidence.host, 'update.example');
  assert.match(a[0]!.message, /10\.77\.2\.40 sent a user-agent not seen before in workstations/);
});

test('a second host within max_hosts merges into the alert; past max_hosts the agent is ordinary', () => {
  const h = learned();
  const t = 1000 + DAY + 5;
  h.emit(http(t, { 'id.orig_h': '10.77.2.40', user_agent: ODD }));
  h.emit(http(t + 1, { 'id.orig_h': '10.77.2.41', user_agent: ODD }));
  h.emit(http(t + 2, { 'id.orig_h': '10.77.2.42', user_agent: ODD }));
  h.emit(http(t + 3, { 'id.orig_h': '10.77.2.43', user_agent: ODD }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  assert.deepEqual(a[0]!.evidence.hosts, ['10.77.2.40', '10.77.2.41']);
});

test('agents of the baseline, version updates, library agents and new agents during learning do not alert', () => {
  const h = learned();
  // During learning: a brand-new agent is part of the baseline.
  h.emit(http(2000, { 'id.orig_h': '10.77.2.50', user_agent: ODD }));
  const t = 1000 + DAY + 5;
  h.emit(http(t, { 'id.orig_h': '10.77.2.30', user_agent: CHROME }));
  h.emit(http(t, { 'id.orig_h': '10.77.2.31', user_agent: CHROME.replace('120.0.0.0', '121.0.6167.85') }));
  h.emit(http(t, { 'id.orig_h': '10.77.2.32', user_agent: 'python-requests/2.31.0' }));
  h.emit(http(t, { 'id.orig_h': '10.77.2.33', user_agent: 'Go-http-client/1.1' }));
  h.emit(http(t, { 'id.orig_h': '10.77.2.34', user_agent: 'curl/8.5.0' }));
  h.emit(http(t, { 'id.orig_h': '10.77.2.51', user_agent: ODD }));
  // Clients outside the site are not judged.
  h.emit(http(t, { 'id.orig_h': '203.0.113.7', 'id.resp_h': '10.77.1.10', user_agent: 'Totally/New 1.0' }));
  assert.deepEqual(only(h.finish(), RULE), []);
});

test('the same agent in another network is new there; library agents alert once the option list is emptied', () => {
  const h = learned(`${SITE_YAML}\ndetectors:\n  ua.unusual: { ordinary_agents: [] }\n`);
  const t = 1000 + DAY + 5;
  h.emit(http(t, { 'id.orig_h': '10.77.1.10', user_agent: CHROME }));
  h.emit(http(t, { 'id.orig_h': '10.77.2.32', user_agent: 'python-requests/2.31.0' }));
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => `${x.network?.name} ${String(x.evidence.user_agent)}`).sort(), [`servers ${CHROME}`, 'workstations python-requests/2.31.0']);
});

test('maskVersions masks digit runs so updates compare equal', () => {
  assert.equal(maskVersions('Chrome/120.0.6099.71 Safari/537.36'), 'Chrome/# Safari/#');
  assert.equal(maskVersions('okhttp/4.12.0'), 'okhttp/#');
});

/** One engine run with a state folder over synthetic events. */
function run(stateDir: string, events: [number, string, string][]): Alert[] {
  const alerts: Alert[] = [];
  const bus = new EventBus();
  const engine = createEngine({ config: config(SITE_YAML), bus, stateDir, onAlert: (a) => alerts.push(a) });
  for (const [ts, host, ua] of events) bus.emit(http(ts, { 'id.orig_h': host, user_agent: ua }));
  engine.flush();
  engine.saveState();
  return only(alerts, RULE);
}

test('persistent: agents and their hosts survive a restart through the state folder', () => {
  const dir = tempDir('picket-ua-state-');
  try {
    assert.deepEqual(run(dir, [[1000, '10.77.2.20', CHROME], [1000, '10.77.2.21', ODD]]), []);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'user-agent-hosts.json'), 'utf8')) as Record<string, Record<string, { hosts: string[] }>>;
    assert.deepEqual(saved.workstations![maskVersions(ODD)]!.hosts, ['10.77.2.21']);
    // After the learning period: the learned agents are known, a new one alerts once per network and agent.
    const t = 1000 + DAY + 10;
    const a = run(dir, [[t, '10.77.2.40', ODD], [t, '10.77.2.41', CHROME], [t + 1, '10.77.2.42', 'NewThing/1.0']]);
    assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.42']);
    // And that one is remembered: the same host again is not news.
    assert.deepEqual(run(dir, [[t + 100, '10.77.2.42', 'NewThing/1.0']]), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('lab captures: benign.pcap alone is quiet; learned as a baseline, intel.pcap shows its tool agents as unusual', async () => {
  const labText = fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8');
  assert.deepEqual(only(await replayLab(['benign.pcap'], { config: config(labText) }), RULE), []);
  const immediate = config(`${labText}\nlearning_period: 0\n`);
  const dir = tempDir('picket-ua-lab-');
  try {
    assert.deepEqual(await replayLab(['benign.pcap'], { config: immediate, stateDir: dir, baseline: true }), []);
    const a = only(await replayLab(['intel.pcap'], { config: immediate, stateDir: dir }), RULE);
    const agents = a.map((x) => String(x.evidence.user_agent));
    assert.ok(agents.some((u) => u.startsWith('sqlmap/')), agents.join('\n'));
    assert.ok(agents.some((u) => u.includes('Nmap Scripting Engine')), agents.join('\n'));
    assert.ok(a.every((x) => x.source.ip !== '10.77.2.20'), 'the browser of the baseline is known');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('held alerts for long agents do not keep the whole agent, URI or key texts alive', () => {
  const kept = retainedBytes(() => {
    const h = learned();
    for (let i = 0; i < 300; i++) {
      const ua = `tool-${'abcdefghij'[i % 10]}${'klmnopqrst'[Math.floor(i / 10) % 10]}${'uvwxyzABCD'[Math.floor(i / 100)]}/`.padEnd(32 * 1024, 'u');
      h.emit(http(1000 + DAY + i, { 'id.orig_h': '10.77.2.40', user_agent: ua, uri: `/c${i}`.padEnd(32 * 1024, 'A') }));
    }
    assert.equal(h.engine.stats().open_alerts, 300);
    return h;
  });
  // Whole agents, URIs and keys kept about 100 KB per held alert (30 MB); cut, about 3 KB each.
  assert.ok(kept < 8 * 1024 * 1024, `${kept} bytes kept`);
});
