/** The engine: dedup by holding, suppression, time, stats and state saving. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SITE_YAML, flow, harness, only, session } from './harness.js';
import { tempDir } from '../helpers/paths.js';
import { defineDetector } from '../../src/detect/detector.js';
import { detectorOptions } from '../../src/config/fields.js';
import { DETECTORS } from '../../src/detect/index.js';

const SMB = 'smb.internet';

function smbOut(h: ReturnType<typeof harness>, ts: number, src = '10.77.2.20'): void {
  h.emit(session({ ts, 'id.orig_h': src, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445 }));
}

test('matches within dedup_interval are one alert with the final count, emitted when the interval ends', () => {
  const h = harness(SITE_YAML);
  smbOut(h, 1000);
  smbOut(h, 1500);
  smbOut(h, 2000);
  assert.equal(h.alerts.length, 0, 'held until the interval ends');
  // Packet time passes the 1 h interval (any event advances the clock).
  h.emit(session({ ts: 1000 + 3600, 'id.resp_p': 80 }));
  assert.equal(h.alerts.length, 1);
  const a = h.alerts[0]!;
  assert.equal(a.count, 3);
  assert.equal(a.first_seen, new Date(1000_000).toISOString());
  assert.equal(a.last_seen, new Date(2000_000).toISOString());
  assert.equal(a['@timestamp'], a.first_seen);
  // A later match starts a new interval and a new alert.
  smbOut(h, 1000 + 3700);
  const all = only(h.finish(), SMB);
  assert.equal(all.length, 2);
  assert.equal(all[1]!.count, 1);
});

test('alert object has the ECS fields in order', () => {
  const h = harness(SITE_YAML + 'observer_name: sensor-1\n');
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445, orig_l2_addr: '02:00:00:00:00:20' }));
  const [a] = h.finish();
  assert.deepEqual(Object.keys(a!), [
    '@timestamp', 'event', 'rule', 'source', 'destination', 'network', 'threat', 'message', 'evidence', 'count', 'first_seen', 'last_seen', 'observer', 'dedup_key',
  ]);
  assert.deepEqual(a!.event, { kind: 'alert', severity: 3, category: ['network'] });
  assert.deepEqual(a!.observer, { name: 'sensor-1' });
  assert.equal(a!.source.mac, '02:00:00:00:00:20');
  assert.deepEqual(a!.network, { transport: 'tcp', name: 'workstations', direction: 'outbound' });
});

test('network.direction follows source and destination across the site\'s edge, follows a destination a later match changes, and is absent without one', () => {
  const echo = defineDetector({
    id: 'test.echo',
    name: 'Echo',
    description: 'Reports every connection, keyed by its source.',
    severity: 1,
    category: ['network'],
    technique: 'T0000',
    subscribes: ['flow.end'],
    options: detectorOptions({}),
    create: (ctx) => ({
      'flow.end'(e) {
        const r = e.record;
        const dst = r['id.resp_p'] === 9 ? undefined : { ip: r['id.resp_h'] };
        ctx.report({ ts: r.ts, key: r['id.orig_h'], source: { ip: r['id.orig_h'] }, ...(dst !== undefined ? { destination: dst } : {}), message: 'seen', evidence: {} });
      },
    }),
  });
  const h = harness(SITE_YAML, { detectors: [echo] });
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '203.0.113.9' }));
  h.emit(session({ ts: 1000, 'id.orig_h': '198.51.100.7', 'id.resp_h': '10.77.1.5' }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.21', 'id.resp_h': '10.77.1.5' }));
  h.emit(session({ ts: 1000, 'id.orig_h': '198.51.100.8', 'id.resp_h': '203.0.113.9' }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.22', 'id.resp_h': '10.77.1.5', 'id.resp_p': 9 }));
  // The same key again with an outside destination: the held alert now points there.
  h.emit(session({ ts: 1001, 'id.orig_h': '10.77.2.21', 'id.resp_h': '192.0.2.44' }));
  const by = new Map(only(h.finish(), 'test.echo').map((a) => [a.source.ip, a.network?.direction]));
  assert.deepEqual(Object.fromEntries(by), {
    '10.77.2.20': 'outbound',
    '198.51.100.7': 'inbound',
    '10.77.2.21': 'outbound',
    '198.51.100.8': 'external',
    '10.77.2.22': undefined,
  });
});

test('source.mac is filled from ARP when the rule did not see it', () => {
  const h = harness(SITE_YAML);
  h.emit({ type: 'arp', ts: 999, op: 2, src_mac: '02:00:00:00:00:20', sha: '02:00:00:00:00:20', spa: '10.77.2.20', tha: '02:00:00:00:00:01', tpa: '10.77.2.1' });
  smbOut(h, 1000);
  assert.equal(h.finish()[0]!.source.mac, '02:00:00:00:00:20');
});

test('suppression by destination CIDR, by rule prefix, and expiry with until', () => {
  const yaml =
    SITE_YAML +
    `suppress:
  - { rule: smb.*, destination: 203.0.113.0/24, until: 1970-01-01T00:30:00Z, reason: "until half past" }
  - { rule: "lateral.*", reason: "lab" }
`;
  const h = harness(yaml);
  smbOut(h, 1000); // before 00:30 -> suppressed
  smbOut(h, 1900); // after -> alerts
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 445 }));
  const all = h.finish();
  assert.equal(only(all, SMB).length, 1);
  assert.equal(only(all, SMB)[0]!.count, 1);
  assert.equal(only(all, 'lateral.workstation_to_workstation').length, 0);
  assert.deepEqual(h.engine.stats().suppressed, { 'until half past': 1, lab: 1 });
});

test('runtime suppression', () => {
  const h = harness(SITE_YAML);
  h.engine.suppress({ rule: SMB, source: ['10.77.2.0/24'], reason: 'ticket 42' });
  smbOut(h, 1000);
  assert.equal(h.finish().length, 0);
  assert.equal(h.engine.stats().suppressed['ticket 42'], 1);
});

test('a disabled rule does not run', () => {
  const h = harness(SITE_YAML + 'detectors:\n  smb.internet: { enabled: false }\n');
  smbOut(h, 1000);
  assert.equal(h.finish().length, 0);
  assert.ok(!h.engine.stats().detectors.includes(SMB));
});

test('the hold table is bounded: the oldest alert is emitted early', () => {
  const h = harness(SITE_YAML + 'max_open_alerts: 2\n');
  smbOut(h, 1000, '10.77.2.1');
  smbOut(h, 1001, '10.77.2.2');
  smbOut(h, 1002, '10.77.2.3');
  assert.equal(h.alerts.length, 1);
  assert.equal(h.alerts[0]!.source.ip, '10.77.2.1');
  assert.equal(h.engine.stats().early_emits, 1);
  assert.equal(h.finish().length, 3);
});

test('flush returns what it emitted; stats count matches and alerts per rule', () => {
  const h = harness(SITE_YAML);
  smbOut(h, 1000);
  smbOut(h, 1001);
  const flushed = h.engine.flush();
  assert.equal(flushed.length, 1);
  assert.equal(h.engine.flush().length, 0);
  const s = h.engine.stats();
  assert.equal(s.matches[SMB], 2);
  assert.equal(s.alerts[SMB], 1);
  assert.equal(s.open_alerts, 0);
});

test('state is saved periodically in packet time and atomically', () => {
  const dir = tempDir();
  try {
    const h = harness(SITE_YAML + 'state_save_interval: 60\n', { stateDir: dir });
    h.emit(flow({ ts: 1000 }));
    assert.ok(!fs.existsSync(`${dir}/meta.json`), 'nothing written before the first interval');
    h.emit({ type: 'arp', ts: 1030, op: 1, src_mac: '02:00:00:00:01:07', sha: '02:00:00:00:01:07', spa: '10.77.1.7', tha: '00:00:00:00:00:00', tpa: '10.77.1.1' });
    h.emit(flow({ ts: 1061 }));
    const meta = JSON.parse(fs.readFileSync(`${dir}/meta.json`, 'utf8')) as { first_start: number };
    assert.equal(meta.first_start, 1000.01, 'the first event time (flow end)');
    const devices = JSON.parse(fs.readFileSync(`${dir}/devices.json`, 'utf8')) as Record<string, { mac: string }[]>;
    assert.equal(devices.servers?.[0]?.mac, '02:00:00:00:01:07');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt state file stops startup with a coded error instead of forgetting every device', () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(`${dir}/devices.json`, '{"servers": [ {');
    assert.throws(() => harness(SITE_YAML, { stateDir: dir }), (e: Error & { code?: string }) => e.code === 'PKT_ERR_STATE_CORRUPT' && /devices\.json/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a throwing detector is isolated by the bus and counted', () => {
  const h = harness(SITE_YAML);
  h.bus.onError = null;
  h.bus.on('flow.end', () => {
    throw new Error('boom');
  });
  smbOut(h, 1000);
  assert.equal(h.finish().length, 1);
  assert.equal(h.engine.stats().handler_errors['flow.end'], 1);
});

test('with --state, user-agents from http events are inventoried and persisted', () => {
  const dir = tempDir();
  try {
    const h = harness(SITE_YAML, { stateDir: dir });
    const rec = { ts: 1000, uid: 'Chttp1', 'id.orig_h': '10.77.2.20', 'id.orig_p': 50000, 'id.resp_h': '10.77.1.10', 'id.resp_p': 80, trans_depth: 1, request_body_len: 0, response_body_len: 0, tags: [], user_agent: 'sqlmap/1.7' };
    h.emit({ type: 'http', log: 'http', ts: 1000, uid: 'Chttp1', record: rec });
    h.emit({ type: 'http', log: 'http', ts: 1001, uid: 'Chttp1', record: { ...rec, ts: 1001 } });
    h.engine.saveState();
    const uas = JSON.parse(fs.readFileSync(`${dir}/user-agents.json`, 'utf8')) as Record<string, { count: number }>;
    assert.equal(uas['sqlmap/1.7']?.count, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a rule that throws is counted under its id, and the other rules still alert', () => {
  const h = harness(SITE_YAML, {
    detectors: [
      defineDetector({
        id: 'test.broken',
        name: 'Broken',
        description: 'Throws on every connection.',
        severity: 1,
        category: ['network'],
        technique: 'T0000',
        subscribes: ['flow.end'],
        options: detectorOptions({}),
        create: () => ({
          'flow.end'() {
            throw new Error('boom');
          },
        }),
      }),
      ...DETECTORS,
    ],
  });
  const told: (string | undefined)[] = [];
  h.bus.onError = (_err, _event, owner) => told.push(owner);
  smbOut(h, 1000);
  smbOut(h, 1001, '10.77.2.21');
  assert.equal(only(h.finish(), SMB).length, 2);
  assert.deepEqual(h.engine.stats().detector_errors, { 'test.broken': 2 });
  assert.deepEqual(told, ['test.broken', 'test.broken']);
});

test('settle runs as packet time moves on (once a second of it) and end before the flush; both may report, and a throwing hook is counted', () => {
  const settled: number[] = [];
  const h = harness(SITE_YAML, {
    detectors: [
      defineDetector({
        id: 'test.later',
        name: 'Later',
        description: 'Reports when the capture ends.',
        severity: 1,
        category: ['network'],
        technique: 'T0000',
        subscribes: ['flow.end'],
        options: detectorOptions({}),
        create: (ctx) => ({
          'flow.end'() {},
          settle(now: number) {
            settled.push(now);
            if (now >= 1003) throw new Error('settle failed');
          },
          end() {
            ctx.report({ ts: 1004, key: 'k', message: 'judged at the end', evidence: {} });
          },
        }),
      }),
      ...DETECTORS,
    ],
  });
  // Each connection ends (its event time) 10 ms after it starts.
  for (const ts of [1000, 1000.5, 1001, 1002.2, 1003, 1003.5]) smbOut(h, ts);
  assert.deepEqual(settled, [1000.01, 1001.01, 1002.21, 1003.51], 'at most once per second of packet time');
  const a = only(h.finish(), 'test.later');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, 'judged at the end');
  assert.deepEqual(h.engine.stats().detector_errors, { 'test.later': 1 });
});

test('state evictions are reported per rule when a rule tracks more keys than it may hold', () => {
  const h = harness(`${SITE_YAML}detectors:\n  scan.port.vertical: { max_tracked: 100 }\n`);
  // 150 sources each probing one port: 150 (source, destination) pairs for 100 places.
  for (let i = 0; i < 150; i++) {
    h.emit(flow({ ts: 1000 + i * 0.01, 'id.orig_h': `10.77.2.${i + 1}`, 'id.resp_h': '10.77.1.10', 'id.resp_p': 22, history: 'Sr', conn_state: 'REJ' }));
  }
  h.finish();
  assert.deepEqual(h.engine.stats().state_evictions, { 'scan.port.vertical': 50 });
});

test('no state evictions are reported while every rule has room', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 150; i++) {
    h.emit(flow({ ts: 1000 + i * 0.01, 'id.orig_h': `10.77.2.${i + 1}`, 'id.resp_h': '10.77.1.10', 'id.resp_p': 22, history: 'Sr', conn_state: 'REJ' }));
  }
  h.finish();
  assert.deepEqual(h.engine.stats().state_evictions, {});
});
