/**
 * ArcSight CEF records: the header, CEF severities, the dictionary keys
 * (IPv4 and IPv6 endpoints), escaping of attacker-chosen text in the header
 * and the extension (checked by a strict reader), evidence too long for a
 * custom string, syslog messages shortened to fit, the syslog sink to a
 * collector on 127.0.0.1 with LF framing, and the file sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { freePort, makeAlert, streamSyslogReceiver, syslogParts, waitFor } from './helpers.js';
import { parseCef } from './cef-parse.js';
import { CEF_CUSTOM_STRING_MAX, CEF_EVIDENCE_LEFT_OUT, toCef } from '../../src/sinks/cef.js';
import { fitSyslogMessage, syslogMessage } from '../../src/sinks/syslog-format.js';
import { createSinks } from '../../src/sinks/index.js';
import { PICKET_VERSION } from '../../src/version.js';
import { parseSinks } from './outage.js';
import type { Alert } from '../../src/alerts/alert.js';

test('header: vendor, product, version, rule id and name, CEF severity 3/5/8/10; extension with dictionary keys', () => {
  const a = makeAlert(4, { severity: 3 });
  const r = parseCef(toCef(a));
  assert.deepEqual([r.vendor, r.product, r.deviceVersion, r.signatureId, r.name, r.severity], ['Picket', 'Picket', PICKET_VERSION, 'scan.port.vertical', 'Vertical port scan', '8']);
  assert.deepEqual([1, 2, 3, 4].map((s) => parseCef(toCef(makeAlert(1, { severity: s as 1 | 2 | 3 | 4 }))).severity), ['3', '5', '8', '10']);
  assert.deepEqual(r.ext, {
    rt: String(Date.parse(a.last_seen)),
    start: String(Date.parse(a.first_seen)),
    end: String(Date.parse(a.last_seen)),
    cnt: '1',
    msg: '10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s',
    cat: 'network,intrusion_detection',
    proto: 'TCP',
    src: '10.77.2.20',
    smac: '08:00:27:aa:bb:cc',
    dst: '10.77.1.5',
    dvchost: 'sensor-1',
    cs1Label: 'MITRE ATT&CK technique',
    cs1: 'T1046',
    cs2Label: 'network',
    cs2: 'workstations',
    cs3Label: 'dedup key',
    cs3: a.dedup_key,
    cs4Label: 'evidence',
    cs4: JSON.stringify(a.evidence),
  });
  assert.deepEqual(JSON.parse(r.ext.cs4!), a.evidence);
});

test('IPv6 endpoints go to c6a2 / c6a3 with their labels; ports to spt / dpt', () => {
  const base = makeAlert(1, { src: 'fd77::20', dst: '2001:db8::5' });
  const a: Alert = { ...base, source: { ...base.source, port: 51000 }, destination: { ...base.destination, port: 443 } };
  const r = parseCef(toCef(a));
  assert.deepEqual([r.ext.c6a2, r.ext.c6a2Label, r.ext.c6a3, r.ext.c6a3Label, r.ext.spt, r.ext.dpt], ['fd77::20', 'Source IPv6 Address', '2001:db8::5', 'Destination IPv6 Address', '51000', '443']);
  assert.equal(r.ext.src, undefined);
  assert.equal(r.ext.dst, undefined);
});

test('deviceDirection: 0 for inbound, 1 for outbound; none inside the site, between outside hosts or unknown', () => {
  const a = makeAlert(2);
  const dir = (direction: NonNullable<Alert['network']>['direction']): string | undefined => parseCef(toCef({ ...a, network: { ...a.network, direction } })).ext.deviceDirection;
  assert.deepEqual([dir('inbound'), dir('outbound'), dir('internal'), dir('external'), dir(undefined)], ['0', '1', undefined, undefined, undefined]);
});

test('attacker-chosen text cannot break the record: pipes, backslashes, equals signs, line breaks and terminal escapes', () => {
  const base = makeAlert(2);
  const evil = 'x|y\\z=w\nrule=forged cs1=T0000 \u001b[31m';
  const a: Alert = { ...base, rule: { id: 'ua.attack_tool', name: 'Name | with \\ bar' }, message: `sent ${evil}`, evidence: { user_agent: evil }, network: { ...base.network, name: 'a=b' } };
  const line = toCef(a);
  assert.doesNotMatch(line, /[\r\n\u001b]/);
  const r = parseCef(line);
  assert.equal(r.name, 'Name | with \\ bar');
  assert.equal(r.ext.msg, 'sent x|y\\z=w rule=forged cs1=T0000 \\x1b[31m');
  assert.equal(r.ext.cs1, 'T1046', 'a forged key inside a value stays text');
  assert.equal(r.ext.cs2, 'a=b');
  assert.deepEqual(JSON.parse(r.ext.cs4!.replace('\\x1b', '\\u001b')), { user_agent: evil });
});

test('evidence longer than a custom string is left out and cs5 says so; a syslog message over the limit is shortened and marked', () => {
  const base = makeAlert(3);
  const big: Alert = { ...base, evidence: { sample: 'a'.repeat(CEF_CUSTOM_STRING_MAX) } };
  const r = parseCef(toCef(big));
  assert.equal(r.ext.cs4, undefined);
  assert.deepEqual([r.ext.cs5Label, r.ext.cs5], ['picket_truncated', CEF_EVIDENCE_LEFT_OUT]);
  const header = { facility: 16, hostname: 'sensor-1', appName: 'picket', procId: '1' };
  const long: Alert = { ...base, message: 'm'.repeat(3000), evidence: { sample: 'e'.repeat(3000) } };
  const full = syslogMessage(long, header, 'cef');
  assert.ok(Buffer.byteLength(full) > 2000);
  const fit = fitSyslogMessage(long, header, 'cef', 2000);
  assert.equal(fit.truncated, true);
  assert.ok(fit.bytes.length <= 2000);
  const p = syslogParts(fit.bytes.toString('utf8'));
  assert.equal(p.msgid, 'scan.port.vertical');
  const cef = parseCef(p.msg);
  assert.equal(cef.ext.cs4, '{}');
  assert.equal(cef.ext.cs5Label, 'picket_truncated');
  assert.ok(cef.ext.msg!.length <= 1000);
});

test('file sink: one CEF record a line, appended', async () => {
  const dir = tempDir();
  try {
    const sinks = createSinks(parseSinks([{ type: 'file', name: 'cef', path: 'out/alerts.cef', format: 'cef' }]), { dataDir: path.join(dir, 'data'), baseDir: dir });
    sinks.deliver(makeAlert(1));
    sinks.deliver(makeAlert(2, { severity: 4 }));
    await sinks.flush();
    await sinks.close();
    const records = fs.readFileSync(path.join(dir, 'out/alerts.cef'), 'utf8').split('\n').filter((l) => l !== '').map(parseCef);
    assert.deepEqual(records.map((r) => [r.signatureId, r.severity, JSON.parse(r.ext.cs4!).n]), [['scan.port.vertical', '8', 1], ['scan.port.vertical', '10', 2]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('syslog sink, format cef, LF framing (how SIEM CEF inputs read a TCP stream): one record a line', async () => {
  const port = await freePort();
  const rx = streamSyslogReceiver(port, undefined, 'lf');
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([{ type: 'syslog', name: 'siem', transport: 'tcp', framing: 'non-transparent', host: '127.0.0.1', port, format: 'cef', hostname: 'sensor-1' }]),
      { dataDir },
    );
    for (let i = 0; i < 20; i++) sinks.deliver(makeAlert(i, { severity: i % 2 === 0 ? 2 : 4 }));
    await waitFor(() => rx.received.length >= 20, '20 lines');
    await sinks.flush();
    await sinks.close();
    const parts = rx.received.map(syslogParts);
    assert.deepEqual(parts.map((p) => p.pri), Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 16 * 8 + 4 : 16 * 8 + 2)));
    const records = parts.map((p) => parseCef(p.msg));
    assert.deepEqual(records.map((r) => Number(r.ext.cs3!.split('#')[1])), Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual([...new Set(records.map((r) => r.severity))].sort(), ['10', '5']);
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
