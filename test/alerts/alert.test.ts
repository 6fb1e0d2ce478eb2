/** Alert building and message helpers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAlert, formatCount, isoTime, plural, type HeldAlert } from '../../src/alerts/alert.js';

const base: HeldAlert = {
  rule: { id: 'scan.port.vertical', name: 'Port scan of one host', severity: 2, category: ['network', 'intrusion_detection'], technique: 'T1046' },
  key: '10.77.2.20',
  severity: 2,
  source: { ip: '10.77.2.20', mac: undefined, port: undefined },
  destination: { ip: '10.77.1.10' },
  transport: 'tcp',
  networkName: undefined,
  message: 'x',
  evidence: { scan_type: 'syn' },
  count: 3,
  firstSeen: 1700000000.5,
  lastSeen: 1700000012.25,
};

test('buildAlert writes ECS names, ISO times and omits unknown fields', () => {
  const a = buildAlert(base, 'sensor');
  assert.equal(a['@timestamp'], '2023-11-14T22:13:20.500Z');
  assert.equal(a.last_seen, '2023-11-14T22:13:32.250Z');
  assert.deepEqual(a.source, { ip: '10.77.2.20' });
  assert.deepEqual(a.network, { transport: 'tcp' });
  assert.deepEqual(a.rule, { id: 'scan.port.vertical', name: 'Port scan of one host' });
  assert.deepEqual(a.threat, { technique: { id: 'T1046' } });
  const json = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
  assert.ok(!('mac' in (json.source as object)));
  const noNet = buildAlert({ ...base, transport: undefined, destination: undefined }, 's');
  assert.ok(!('network' in noNet) && !('destination' in noNet));
});

test('isoTime survives nonsense', () => {
  assert.equal(isoTime(Number.NaN), '1970-01-01T00:00:00.000Z');
});

test('counts read like prose', () => {
  assert.equal(formatCount(1000), '1,000');
  assert.equal(plural(1, 'host'), '1 host');
  assert.equal(plural(1234, 'host'), '1,234 hosts');
});
