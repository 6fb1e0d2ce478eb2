/** scan.port.horizontal on synthetic flow.end sequences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only, session } from './harness.js';

const RULE = 'scan.port.horizontal';

function sweep(h: ReturnType<typeof harness>, hosts: number, port = 445, src = '10.77.2.20', start = 1000): void {
  for (let i = 0; i < hosts; i++) {
    h.emit(flow({ ts: start + i * 0.1, 'id.orig_h': src, 'id.resp_h': `10.77.1.${10 + i}`, 'id.resp_p': port, history: 'S', conn_state: 'S0', resp_pkts: 0 }));
  }
}

test('threshold-1 hosts on one port: no alert', () => {
  const h = harness(SITE_YAML);
  sweep(h, 24);
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('threshold hosts on one port: one alert naming port and network', () => {
  const h = harness(SITE_YAML);
  sweep(h, 25);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.destination?.port, 445);
  assert.equal(a[0]!.evidence.hosts_count, 25);
  assert.equal(a[0]!.message, '10.77.2.20 probed TCP port 445 on 25 hosts in servers in 2 s with half-open SYNs');
});

test('several swept ports make one alert per scanner', () => {
  const h = harness(SITE_YAML);
  sweep(h, 30, 445);
  sweep(h, 30, 22, '10.77.2.20', 1010);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.ports, [445, 22]);
});

test('answered sessions to many hosts are not a sweep', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 50; i++) h.emit(session({ ts: 1000 + i, 'id.resp_h': `10.77.1.${10 + i}`, 'id.resp_p': 443 }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('a suppressed scanner is silenced and counted with its reason', () => {
  const h = harness(SITE_YAML + `suppress:\n  - { rule: scan.port.horizontal, source: 10.77.1.50, reason: "vulnerability scanner" }\n`);
  sweep(h, 40, 445, '10.77.1.50');
  sweep(h, 25, 445, '10.77.2.21', 2000);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.21');
  assert.ok((h.engine.stats().suppressed['vulnerability scanner'] ?? 0) > 0);
});

test('a FIN sweep (no handshake, RST from each host) is a sweep of type fin', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 25; i++) {
    h.emit(flow({ ts: 1000 + i * 0.1, 'id.orig_p': 51234, 'id.resp_h': `10.77.1.${10 + i}`, 'id.resp_p': 22, history: 'Fr', conn_state: 'RSTR' }));
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.scan_type, 'fin');
  assert.equal(a[0]!.message, '10.77.2.20 probed TCP port 22 on 25 hosts in servers in 2 s with FIN probes (FIN or Xmas scan)');
});
