/** Grid scans (a few ports on each of a few hosts) in scan.port.horizontal, on synthetic flow.end sequences through a real EventBus. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only } from './harness.js';
import { GRID_SETTLE_SECONDS } from '../../src/detect/scan.port.horizontal.js';

const HORIZONTAL = 'scan.port.horizontal';
const VERTICAL = 'scan.port.vertical';
const TOP10 = [21, 22, 23, 25, 80, 110, 139, 443, 445, 3389];

/** Refused SYNs from 10.77.2.20 to every port of `ports` on hosts .1.. of `net` (host-major: all ports of a host, then the next). */
function grid(h: ReturnType<typeof harness>, hosts: number, ports: readonly number[], opts: { net?: string; start?: number; step?: number; portMajor?: boolean } = {}): number {
  const net = opts.net ?? '10.77.1';
  let ts = opts.start ?? 1000;
  const one = (host: number, port: number): void => {
    h.emit(flow({ ts, 'id.resp_h': `${net}.${host}`, 'id.resp_p': port, history: 'Sr', conn_state: 'REJ' }));
    ts += opts.step ?? 0.01;
  };
  if (opts.portMajor === true) for (const port of ports) for (let i = 1; i <= hosts; i++) one(i, port);
  else for (let i = 1; i <= hosts; i++) for (const port of ports) one(i, port);
  return ts;
}

test('ten ports on each of 16 hosts (nmap --top-ports 10 over a /28) is one grid alert, under both per-host and per-port thresholds', () => {
  const h = harness(SITE_YAML);
  grid(h, 16, TOP10);
  const all = h.finish();
  assert.equal(only(all, VERTICAL).length, 0, '10 ports per host is under scan.port.vertical');
  const a = only(all, HORIZONTAL);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 probed 10 TCP ports across 16 hosts in servers (160 host-port pairs) in 2 s with half-open SYNs');
  assert.equal(a[0]!.evidence.pattern, 'grid');
  assert.equal(a[0]!.evidence.pairs_count, 160);
  assert.equal(a[0]!.evidence.hosts_count, 16);
  assert.deepEqual(a[0]!.evidence.ports, [...TOP10]);
  assert.equal(a[0]!.evidence.most_ports_on_one_host, 10);
  assert.equal(a[0]!.count, 160);
});

test('a grid is judged once it stopped growing: packet time passing settles it before the capture ends', () => {
  const h = harness(SITE_YAML);
  const end = grid(h, 8, TOP10);
  assert.equal(h.engine.stats().matches[HORIZONTAL] ?? 0, 0, 'not judged while it may still grow');
  h.emit(flow({ ts: end + GRID_SETTLE_SECONDS - 1, 'id.orig_h': '10.77.2.30', 'id.resp_p': 443, history: 'ShADadFf', conn_state: 'SF', orig_bytes: 10, resp_bytes: 10 }));
  assert.equal(h.engine.stats().matches[HORIZONTAL] ?? 0, 0);
  h.emit(flow({ ts: end + GRID_SETTLE_SECONDS + 1, 'id.orig_h': '10.77.2.30', 'id.resp_p': 443, history: 'ShADadFf', conn_state: 'SF', orig_bytes: 10, resp_bytes: 10 }));
  assert.equal(h.engine.stats().matches[HORIZONTAL], 1);
});

test('a port scan of five hosts at once looks like a grid early on, and raises only scan.port.vertical', () => {
  const h = harness(SITE_YAML);
  const ports = Array.from({ length: 100 }, (_, i) => 1000 + i);
  // nmap scans a host group in parallel: every host gets each port in turn.
  // 50 ms apart, the first 60 pairs (12 ports on each host) take 3 s.
  grid(h, 5, ports, { portMajor: true, step: 0.05 });
  const all = h.finish();
  assert.equal(only(all, VERTICAL).length, 1);
  assert.equal(only(all, HORIZONTAL).length, 0);
});

test('a sweep of three ports over 40 hosts is a sweep (one port explains it), not a grid as well', () => {
  const h = harness(SITE_YAML);
  grid(h, 40, [139, 445, 3389], { portMajor: true });
  const a = only(h.finish(), HORIZONTAL);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /^10\.77\.2\.20 probed TCP port \d+ on \d+ hosts in servers \(and 2 more ports\)/);
  assert.equal(a[0]!.evidence.pattern, undefined);
});

test('under grid_threshold, on Internet hosts (peer-to-peer clients), or with scan.port.vertical off for a one-host scan: no grid', () => {
  const under = harness(SITE_YAML);
  grid(under, 7, TOP10.slice(0, 7)); // 49 pairs
  assert.equal(only(under.finish(), HORIZONTAL).length, 0);

  const p2p = harness(SITE_YAML);
  grid(p2p, 20, [6881, 6889, 51413, 50000, 42000], { net: '203.0.113' }); // 100 pairs, 20 hosts a port
  assert.equal(only(p2p.finish(), HORIZONTAL).length, 0);

  const oneHost = harness(SITE_YAML + `detectors:\n  scan.port.vertical: { enabled: false }\n`);
  grid(oneHost, 1, Array.from({ length: 80 }, (_, i) => 1 + i));
  assert.equal(only(oneHost.finish(), HORIZONTAL).length, 0, 'one host is never a grid');
});

test('grid_threshold is an option, and a grid alert grows with the scan', () => {
  const h = harness(SITE_YAML + `detectors:\n  scan.port.horizontal: { grid_threshold: 20 }\n`);
  grid(h, 3, TOP10.slice(0, 8)); // 24 pairs
  const a = only(h.finish(), HORIZONTAL);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.pairs_count, 24);
  assert.equal(a[0]!.evidence.threshold, 20);

  const g = harness(SITE_YAML);
  const end = grid(g, 8, TOP10); // 80 pairs, judged once quiet
  g.emit(flow({ ts: end + GRID_SETTLE_SECONDS + 1, 'id.orig_h': '10.77.2.30', history: 'ShADadFf', conn_state: 'SF', orig_bytes: 10, resp_bytes: 10 }));
  grid(g, 12, TOP10, { start: end + GRID_SETTLE_SECONDS + 2 }); // 4 more hosts: 40 more pairs merge in
  const b = only(g.finish(), HORIZONTAL);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.evidence.pairs_count, 120);
  assert.equal(b[0]!.evidence.hosts_count, 12);
});
