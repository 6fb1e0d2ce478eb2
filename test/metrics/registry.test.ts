/**
 * The Prometheus registry: every rendered line is checked against the text
 * exposition format (HELP/TYPE comments, sample lines with escaped labels),
 * histogram buckets are cumulative and end in +Inf, and the pipeline, sink
 * and store helpers publish the documented metric names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, formatValue } from '../../src/metrics/registry.js';
import { METRIC_NAMES, registerPipelineMetrics, registerSinkMetrics, registerStoreMetrics, type PipelineMetricsSnapshot } from '../../src/metrics/pipeline.js';
import { PicketError } from '../../src/util/errors.js';

const COMMENT_RE = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;
const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the exposition text strictly; any line that does not fit fails the test. */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text === '' || text.endsWith('\n'), 'ends with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n').slice(0, -1)) {
    const c = COMMENT_RE.exec(line);
    if (c !== null) {
      if (c[1] === 'TYPE') {
        assert.match(c[3]!, /^(counter|gauge|histogram|summary|untyped)$/);
        assert.equal(types.has(c[2]!), false, `one TYPE line for ${c[2]}`);
        types.set(c[2]!, c[3]!);
      }
      continue;
    }
    const m = SAMPLE_RE.exec(line);
    assert.ok(m !== null, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2] !== undefined) {
      for (const l of m[2].slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const base = m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]!) || types.has(base), `TYPE line before ${m[1]}`);
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
}

test('counters, gauges and labels render in the text format, with escaping', () => {
  const r = new Registry();
  const c = r.counter('picket_test_total', 'A test counter.\nSecond line \\ backslash.', ['rule']);
  c.inc();
  c.inc(2);
  c.inc(1, { rule: 'scan.port.vertical' });
  c.inc(1, { rule: 'a "quoted"\nrule\\x' });
  c.inc(-1, { rule: 'x' });
  const g = r.gauge('picket_test_gauge', 'A gauge.');
  g.set(5);
  g.dec(2);
  const text = r.render();
  assert.ok(text.includes('# HELP picket_test_total A test counter.\\nSecond line \\\\ backslash.\n'));
  const { types, samples } = parse(text);
  assert.equal(types.get('picket_test_total'), 'counter');
  assert.equal(types.get('picket_test_gauge'), 'gauge');
  assert.equal(value(samples, 'picket_test_total', { rule: 'scan.port.vertical' }), 1);
  assert.equal(value(samples, 'picket_test_total', { rule: 'a "quoted"\nrule\\x' }), 1);
  assert.equal(value(samples, 'picket_test_gauge'), 3);
  // A label-less inc on a labelled counter and a negative inc are refused and counted.
  assert.equal(c.dropped, 3);
  assert.equal(samples.filter((s) => s.name === 'picket_test_total').length, 2);
});

test('histograms: cumulative buckets ending in +Inf, sum and count', () => {
  const r = new Registry();
  const h = r.histogram('picket_test_seconds', 'Latency.', [0.01, 0.1, 1], ['op']);
  for (const v of [0.005, 0.01, 0.05, 0.5, 2, 3]) h.observe(v, { op: 'insert' });
  const { types, samples } = parse(r.render());
  assert.equal(types.get('picket_test_seconds'), 'histogram');
  const b = (le: string) => value(samples, 'picket_test_seconds_bucket', { op: 'insert', le });
  assert.deepEqual([b('0.01'), b('0.1'), b('1'), b('+Inf')], [2, 3, 4, 6]);
  assert.equal(value(samples, 'picket_test_seconds_count', { op: 'insert' }), 6);
  assert.equal(value(samples, 'picket_test_seconds_sum', { op: 'insert' }), 0.005 + 0.01 + 0.05 + 0.5 + 2 + 3);
  assert.throws(() => r.histogram('picket_bad', 'x', [1, 1]), PicketError);
});

test('names are validated; the same name returns the same metric; a clash throws', () => {
  const r = new Registry();
  assert.throws(() => r.counter('bad-name', 'x'), PicketError);
  assert.throws(() => r.counter('ok_total', 'x', ['le']), PicketError);
  assert.throws(() => r.counter('ok_total', 'x', ['__reserved']), PicketError);
  assert.equal(r.counter('same_total', 'x'), r.counter('same_total', 'x'));
  assert.throws(() => r.gauge('same_total', 'x'), /already registered/);
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(NaN), 'NaN');
});

test('pipeline, sink and store metrics under their documented names; a throwing collector is counted', () => {
  const r = new Registry();
  let snap: PipelineMetricsSnapshot = {
    packets: 1000,
    bytes: 64000,
    decoded: 990,
    malformed: { ipv4_bad_header: 7 },
    unsupported: {},
    anomalies: { frag_overlap: 2 },
    flows: { created: 40, live: 3, ended: 37, evicted: 0, untracked: 0 },
    reassembly: { heldBytes: 512, overflows: 1 },
    drops: { kernel: 12 },
    alerts: { 'scan.port.vertical': 2, 'scan.arp': 1 },
  };
  registerPipelineMetrics(() => snap, r);
  registerSinkMetrics(
    () => [
      { name: 'siem', queued: 4, delivered: 10, failures: 2, rejected: 0, dropped: 1, state: 'backoff' },
      { name: 'mail', queued: 0, delivered: 3, failures: 0, rejected: 1, dropped: 0, state: 'idle' },
    ],
    r,
  );
  const store = registerStoreMetrics(r);
  store.observe('insert_conn', 0.003);
  store.observe('query', 0.2);
  r.onCollect(() => {
    throw new Error('broken source');
  });
  let { samples, types } = parse(r.render());
  assert.equal(value(samples, METRIC_NAMES.packets), 1000);
  assert.equal(value(samples, METRIC_NAMES.bytes), 64000);
  assert.equal(value(samples, METRIC_NAMES.malformed, { reason: 'ipv4_bad_header' }), 7);
  assert.equal(value(samples, METRIC_NAMES.anomalies, { reason: 'frag_overlap' }), 2);
  assert.equal(value(samples, METRIC_NAMES.drops, { where: 'kernel' }), 12);
  assert.equal(value(samples, METRIC_NAMES.flowsLive), 3);
  assert.equal(types.get(METRIC_NAMES.flowsLive), 'gauge');
  assert.equal(value(samples, METRIC_NAMES.flowsCreated), 40);
  assert.equal(value(samples, METRIC_NAMES.alerts, { rule: 'scan.port.vertical' }), 2);
  assert.equal(value(samples, METRIC_NAMES.sinkQueueDepth, { sink: 'siem' }), 4);
  assert.equal(value(samples, METRIC_NAMES.sinkUp, { sink: 'siem' }), 0);
  assert.equal(value(samples, METRIC_NAMES.sinkUp, { sink: 'mail' }), 1);
  assert.equal(value(samples, METRIC_NAMES.sinkDropped, { sink: 'siem' }), 1);
  assert.equal(value(samples, `${METRIC_NAMES.storeLatency}_count`, { op: 'insert_conn' }), 1);
  assert.equal(value(samples, `${METRIC_NAMES.storeLatency}_bucket`, { op: 'query', le: '0.25' }), 1);
  assert.equal(value(samples, `${METRIC_NAMES.storeLatency}_bucket`, { op: 'query', le: '0.1' }), 0);
  assert.equal(r.collectorErrors, 1);

  // The next scrape reflects the new snapshot (a rule that disappeared is gone, totals move).
  snap = { ...snap, packets: 2000, alerts: { 'scan.arp': 2 } };
  ({ samples } = parse(r.render()));
  assert.equal(value(samples, METRIC_NAMES.packets), 2000);
  assert.equal(value(samples, METRIC_NAMES.alerts, { rule: 'scan.port.vertical' }), undefined);
  assert.equal(value(samples, METRIC_NAMES.alerts, { rule: 'scan.arp' }), 2);
});
