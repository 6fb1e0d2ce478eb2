/** scan.port.vertical on synthetic flow.end sequences through a real EventBus. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only, session } from './harness.js';

const RULE = 'scan.port.vertical';

function probe(h: ReturnType<typeof harness>, count: number, opts: { start?: number; step?: number; history?: string; state?: string; dst?: string } = {}): void {
  const start = opts.start ?? 1000;
  const step = opts.step ?? 0.01;
  for (let i = 0; i < count; i++) {
    h.emit(flow({ ts: start + i * step, 'id.resp_h': opts.dst ?? '10.77.1.10', 'id.resp_p': 1 + i, history: opts.history ?? 'Sr', conn_state: opts.state ?? 'REJ' }));
  }
}

test('threshold-1 distinct failed ports: no alert', () => {
  const h = harness(SITE_YAML);
  probe(h, 14);
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('threshold distinct failed ports: one alert with the documented message', () => {
  const h = harness(SITE_YAML);
  probe(h, 15);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(a[0]!.evidence.scan_type, 'syn');
  assert.equal(a[0]!.evidence.ports_count, 15);
  assert.equal(a[0]!.count, 15);
  assert.equal(a[0]!.network?.name, 'workstations');
  assert.equal(a[0]!.threat.technique.id, 'T1046');
});

test('1,000 half-open ports in 12 s reads as a person would say it', () => {
  const h = harness(SITE_YAML);
  probe(h, 1000, { step: 12 / 999, history: 'ShR', state: 'RSTO' });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1, 'one alert per scanner per dedup interval');
  assert.equal(a[0]!.message, '10.77.2.20 probed 1,000 TCP ports on 10.77.1.10 in 12 s with half-open SYNs');
  assert.equal(a[0]!.count, 1000);
  assert.equal((a[0]!.evidence.attempts as Record<string, number>).half_open, 1000);
});

test('completed handshakes without payload are a connect scan', () => {
  const h = harness(SITE_YAML);
  probe(h, 20, { history: 'ShAR', state: 'RSTO' });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.scan_type, 'connect');
  assert.match(a[0]!.message, /with full connects$/);
});

test('sessions with payload to many ports are not a scan', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 40; i++) h.emit(session({ ts: 1000 + i, 'id.resp_p': 1000 + i }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('ports spread beyond the window do not add up', () => {
  const h = harness(SITE_YAML);
  probe(h, 20, { step: 30 }); // one port every 30 s: at most 10 in any 5 minutes
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('a second target is merged into the scanner\'s alert', () => {
  const h = harness(SITE_YAML);
  probe(h, 15, { dst: '10.77.1.10' });
  probe(h, 15, { dst: '10.77.1.11', start: 1010 });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.targets_count, 2);
  assert.match(a[0]!.message, /\(and 1 more host\)/);
});

test('threshold is configurable and exclusions apply', () => {
  const h = harness(SITE_YAML + `detectors:\n  scan.port.vertical: { threshold: 5, exclude: [10.77.1.11] }\n`);
  probe(h, 5, { dst: '10.77.1.10' });
  probe(h, 30, { dst: '10.77.1.11', start: 2000 });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
});

test('the scan span runs to the newest attempt even when records end out of start order', () => {
  const h = harness(SITE_YAML);
  // Attempts start 0.1 s apart over 2 s, but their records arrive newest-first
  // (connection records come out in the order connections end).
  for (let i = 19; i >= 0; i--) {
    h.emit(flow({ ts: 1000 + i * 0.1, 'id.resp_h': '10.77.1.10', 'id.resp_p': 1 + i, history: 'Sr', conn_state: 'REJ' }));
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /in 2 s with/); // 1.9 s, rounded
});
