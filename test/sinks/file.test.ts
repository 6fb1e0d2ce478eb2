/**
 * The file sink: ECS and EVE JSON lines, appending across restarts, size
 * rotation with a bounded number of kept files, and alerts from a real
 * capture (nmap-vsn from the Zeek corpus) written through the whole path:
 * pipeline -> detectors -> sinks -> EVE file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import { createSinks } from '../../src/sinks/index.js';
import { signatureId, type EveAlertRecord } from '../../src/sinks/eve.js';
import { toEcs } from '../../src/sinks/ecs.js';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import type { Alert } from '../../src/alerts/alert.js';
import { config } from '../detect/harness.js';
import { makeAlert } from './helpers.js';
import { parseSinks } from './outage.js';

function lines(file: string): unknown[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

test('ECS and EVE lines, appended across restarts (nothing rewritten, nothing repeated)', async () => {
  const dir = tempDir();
  try {
    const cfg = parseSinks([
      { type: 'file', name: 'ecs', path: 'out/alerts.jsonl' },
      { type: 'file', name: 'eve', path: 'out/eve.json', format: 'eve' },
    ]);
    let sinks = createSinks(cfg, { dataDir: path.join(dir, 'data'), baseDir: dir });
    sinks.deliver(makeAlert(1));
    sinks.deliver(makeAlert(2));
    await sinks.flush();
    await sinks.close();
    sinks = createSinks(cfg, { dataDir: path.join(dir, 'data'), baseDir: dir });
    sinks.deliver(makeAlert(3));
    await sinks.flush();
    await sinks.close();
    const ecs = lines(path.join(dir, 'out/alerts.jsonl')) as Alert[];
    assert.deepEqual(ecs.map((a) => a.evidence['n']), [1, 2, 3]);
    assert.deepEqual(ecs[0], JSON.parse(JSON.stringify(toEcs(makeAlert(1)))));
    const eve = lines(path.join(dir, 'out/eve.json')) as EveAlertRecord[];
    assert.equal(eve.length, 3);
    assert.equal(eve[2]!.event_type, 'alert');
    assert.equal(eve[2]!.alert.signature_id, signatureId('scan.port.vertical'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation by size keeps at most `keep` old files, newest as .1, and loses no line', async () => {
  const dir = tempDir();
  try {
    const one = Buffer.byteLength(`${JSON.stringify(toEcs(makeAlert(10)))}\n`);
    const cfg = parseSinks([{ type: 'file', name: 'f', path: 'a.jsonl', max_bytes: one * 3, keep: 2 }]);
    const sinks = createSinks(cfg, { dataDir: path.join(dir, 'data'), baseDir: dir });
    // Flushing after each alert makes each one its own batch, so rotation points are exact.
    for (let i = 10; i < 20; i++) {
      sinks.deliver(makeAlert(i));
      await sinks.flush();
    }
    await sinks.close();
    const n = (f: string) => (lines(path.join(dir, f)) as Alert[]).map((a) => a.evidence['n']);
    assert.deepEqual(n('a.jsonl'), [19]);
    assert.deepEqual(n('a.jsonl.1'), [16, 17, 18]);
    assert.deepEqual(n('a.jsonl.2'), [13, 14, 15]);
    assert.equal(fs.existsSync(path.join(dir, 'a.jsonl.3')), false, 'only `keep` rotated files');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const NMAP = path.join(ZEEK_CORPUS, 'nmap-vsn', 'nmap-vsn.pcap');

test('nmap-vsn capture: the detectors\' alerts reach an EVE file with the ARP sweep\'s source', { skip: !fs.existsSync(NMAP) }, async () => {
  const dir = tempDir();
  try {
    const bus = new EventBus();
    const sinks = createSinks(parseSinks([{ type: 'file', name: 'eve', path: 'eve.json', format: 'eve', min_severity: 'low' }]), {
      dataDir: path.join(dir, 'data'),
      baseDir: dir,
    });
    const emitted: Alert[] = [];
    const engine = createEngine({
      config: config(''),
      bus,
      onAlert: (a) => {
        emitted.push(a);
        sinks.deliver(a);
      },
    });
    for (const e of await replayEvents([NMAP])) bus.emit(e);
    engine.flush();
    await sinks.flush();
    await sinks.close();
    assert.ok(emitted.length >= 1);
    const eve = lines(path.join(dir, 'eve.json')) as EveAlertRecord[];
    assert.equal(eve.length, emitted.length, 'every alert written once');
    const arp = eve.find((r) => r.alert.metadata['picket_rule_id']![0] === 'scan.arp');
    assert.ok(arp !== undefined, 'the ARP sweep alert is there');
    assert.equal(arp.src_ip, '192.168.1.71');
    assert.equal(arp.alert.signature_id, signatureId('scan.arp'));
    assert.equal(arp.alert.category, 'Detection of a Network Scan');
    assert.match(arp.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
