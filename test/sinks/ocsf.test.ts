/**
 * OCSF Detection Findings: the class, category, activity and type ids the
 * schema ties together, severity ids, a finding uid that stays the same for
 * every update of one alert, ATT&CK technique and sub-technique, evidence
 * endpoints and connection info (IPv4 and IPv6, direction); and the record through the
 * webhook (an HTTP receiver on 127.0.0.1), file and syslog sinks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { freePort, httpReceiver, makeAlert, syslogParts, waitFor } from './helpers.js';
import { parseSinks } from './outage.js';
import { OCSF_VERSION, toOcsf } from '../../src/sinks/ocsf.js';
import { fitSyslogMessage, TRUNCATED_TAG } from '../../src/sinks/syslog-format.js';
import { createSinks } from '../../src/sinks/index.js';
import { PICKET_VERSION } from '../../src/version.js';
import type { Alert } from '../../src/alerts/alert.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;

test('class 2004 Detection Finding, activity Create: ids consistent, severity mapped, metadata names the product and schema', () => {
  const a = makeAlert(5, { severity: 3 });
  const f = obj(JSON.parse(JSON.stringify(toOcsf(a))));
  assert.deepEqual(
    [f.class_uid, f.class_name, f.category_uid, f.category_name, f.activity_id, f.activity_name, f.type_uid, f.type_name],
    [2004, 'Detection Finding', 2, 'Findings', 1, 'Create', 200401, 'Detection Finding: Create'],
  );
  // The schema derives type_uid as class_uid * 100 + activity_id.
  assert.equal(f.type_uid, (f.class_uid as number) * 100 + (f.activity_id as number));
  assert.deepEqual([f.severity_id, f.severity, f.status_id, f.status, f.is_alert, f.count, f.message], [4, 'High', 1, 'New', true, 1, a.message]);
  assert.deepEqual([1, 2, 3, 4].map((s) => toOcsf(makeAlert(1, { severity: s as 1 | 2 | 3 | 4 })).severity_id), [2, 3, 4, 5]);
  assert.deepEqual([f.time, f.start_time, f.end_time], [Date.parse(a.last_seen), Date.parse(a.first_seen), Date.parse(a.last_seen)]);
  assert.deepEqual(f.metadata, { version: OCSF_VERSION, product: { name: 'Picket', vendor_name: 'Picket', version: PICKET_VERSION } });
  assert.deepEqual(f.unmapped, { observer_name: 'sensor-1', dedup_key: a.dedup_key, network_name: 'workstations' });
});

test('finding_info: a uid kept across updates of one alert, the rule as analytic, the technique, first and last seen', () => {
  const a = makeAlert(6);
  const later: Alert = { ...a, count: 9, last_seen: new Date(Date.parse(a.last_seen) + 60_000).toISOString() };
  const fi = toOcsf(a).finding_info;
  assert.equal(toOcsf(later).finding_info.uid, fi.uid);
  assert.notEqual(toOcsf(makeAlert(7)).finding_info.uid, fi.uid);
  assert.deepEqual(fi, {
    uid: fi.uid,
    title: 'Vertical port scan',
    desc: a.message,
    types: ['network', 'intrusion_detection'],
    analytic: { uid: 'scan.port.vertical', name: 'Vertical port scan', type_id: 1, type: 'Rule' },
    attacks: [{ technique: { uid: 'T1046' } }],
    first_seen_time: Date.parse(a.first_seen),
    last_seen_time: Date.parse(a.last_seen),
  });
  const sub: Alert = { ...a, threat: { technique: { id: 'T1071.001' } } };
  assert.deepEqual(obj(toOcsf(sub).finding_info).attacks, [{ technique: { uid: 'T1071' }, sub_technique: { uid: 'T1071.001' } }]);
});

test('evidences: endpoints, connection info with protocol number and IP version, the rule\'s evidence as data', () => {
  const a = makeAlert(8);
  const [e] = toOcsf(a).evidences as Json[];
  assert.deepEqual(e, {
    src_endpoint: { ip: '10.77.2.20', mac: '08:00:27:aa:bb:cc' },
    dst_endpoint: { ip: '10.77.1.5' },
    connection_info: { direction_id: 0, direction: 'Unknown', protocol_name: 'tcp', protocol_num: 6, protocol_ver_id: 4 },
    data: a.evidence,
  });
  const v6 = makeAlert(9, { src: 'fd77::9', dst: '2001:db8::1' });
  assert.equal(obj(obj((toOcsf(v6).evidences as Json[])[0]).connection_info).protocol_ver_id, 6);
  const withDirection = (direction: NonNullable<Alert['network']>['direction']): unknown =>
    obj(obj((toOcsf({ ...a, network: { ...a.network, direction } }).evidences as Json[])[0]).connection_info);
  assert.deepEqual(
    (['inbound', 'outbound', 'internal', 'external'] as const).map((d) => {
      const c = obj(withDirection(d));
      return [c.direction_id, c.direction];
    }),
    [[1, 'Inbound'], [2, 'Outbound'], [3, 'Lateral'], [99, 'External']],
  );
  const noFlow: Alert = { ...a, network: { name: 'workstations' }, destination: undefined };
  const [e2] = toOcsf(noFlow).evidences as Json[];
  assert.deepEqual(Object.keys(e2!), ['src_endpoint', 'data']);
});

test('webhook format ocsf posts the finding; file format ocsf writes one a line; a syslog message over the limit is marked in unmapped', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  await rx.start();
  const dir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([
        { type: 'webhook', name: 'lake', format: 'ocsf', url_env: 'HOOK_URL' },
        { type: 'file', name: 'ocsf', path: 'out/findings.jsonl', format: 'ocsf' },
      ]),
      { dataDir: path.join(dir, 'data'), baseDir: dir, env: { HOOK_URL: `http://127.0.0.1:${port}/ingest` } },
    );
    sinks.deliver(makeAlert(1));
    sinks.deliver(makeAlert(2, { severity: 4 }));
    await waitFor(() => rx.received.length >= 2, 'two POSTs');
    await sinks.flush();
    await sinks.close();
    assert.deepEqual(rx.received.map((h) => obj(h.body).class_uid), [2004, 2004]);
    assert.deepEqual(rx.received[1]!.body, JSON.parse(JSON.stringify(toOcsf(makeAlert(2, { severity: 4 })))));
    const lines = fs.readFileSync(path.join(dir, 'out/findings.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => obj(JSON.parse(l)));
    assert.deepEqual(lines.map((l) => l.severity_id), [4, 5]);
    assert.deepEqual(lines.map((l) => obj((l.evidences as Json[])[0]).data), [makeAlert(1).evidence, makeAlert(2).evidence].map((d) => JSON.parse(JSON.stringify(d)) as Json));
  } finally {
    await rx.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const big: Alert = { ...makeAlert(3), evidence: { sample: 'x'.repeat(5000) } };
  const fit = fitSyslogMessage(big, { facility: 16, hostname: 'sensor-1', appName: 'picket', procId: '1' }, 'ocsf', 2000);
  assert.equal(fit.truncated, true);
  const f = obj(JSON.parse(syslogParts(fit.bytes.toString('utf8')).msg));
  assert.equal(f.class_uid, 2004);
  assert.ok(obj(f.unmapped)[TRUNCATED_TAG] !== undefined);
  assert.deepEqual(obj((f.evidences as Json[])[0]).data, {});
});
