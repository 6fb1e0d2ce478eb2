/** The sensor's /metrics endpoint on 127.0.0.1: pipeline counters, drops, alerts by rule, spool depth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveSensorMetrics } from '../../src/metrics/sensor.js';

test('a sensor serves its counters and spool depth in Prometheus text format', async () => {
  const ep = await serveSensorMetrics('127.0.0.1:0', {
    pipeline: () => ({
      packets: 1234,
      bytes: 99999,
      decoded: 1200,
      malformed: { ipv4_bad_ihl: 3 },
      unsupported: {},
      flows: { created: 10, live: 4, maxLive: 6, ended: 6, evicted: 0, untracked: 0 },
    }),
    kernelDrops: () => 7,
    alerts: () => ({ 'scan.port.vertical': 2 }),
    spool: () => ({ records: 55, bytes: 4096, droppedRecords: 0 }),
    detection: () => ({ errors: { 'dns.dga': 3 }, evictions: { 'scan.port.horizontal': 900 }, earlyEmits: 0 }),
  });
  try {
    const res = await fetch(ep.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^picket_packets_total 1234$/m);
    assert.match(text, /^picket_flows_live 4$/m);
    assert.match(text, /^picket_packets_dropped_total\{.*="kernel"\} 7$/m);
    assert.match(text, /^picket_alerts_total\{rule="scan\.port\.vertical"\} 2$/m);
    assert.match(text, /^picket_spool_records 55$/m);
    assert.match(text, /^picket_detector_errors_total\{rule="dns\.dga"\} 3$/m);
    assert.match(text, /^picket_detector_state_evictions_total\{rule="scan\.port\.horizontal"\} 900$/m);
    assert.equal((await fetch(ep.url.replace('/metrics', '/other'))).status, 404);
  } finally {
    await ep.close();
  }
});
