/**
 * tftp.executable_download: programs and shell scripts read over TFTP from
 * outside the site alert (one alert per client and server, files listed);
 * uploads, other file types, internal servers (unless asked) and allowed
 * servers do not; the lab's recorded IoT dropper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import type { FileEvent } from '../../src/events/file.js';

const RULE = 'tftp.executable_download';

function tftpFile(ts: number, name: string, mime: string, a: { client?: string; server?: string; write?: boolean } = {}): FileEvent {
  const client = a.client ?? '10.77.2.27';
  const server = a.server ?? '203.0.113.5';
  return {
    type: 'file',
    log: 'files',
    ts,
    uid: `CT${ts}`,
    record: {
      ts, fuid: `F${ts}`, uid: `CT${ts}`, 'id.orig_h': server, 'id.orig_p': 50000, 'id.resp_h': client, 'id.resp_p': 40000, source: 'TFTP', depth: 0,
      analyzers: ['SHA256'], mime_type: mime, filename: name, duration: 0, is_orig: true, seen_bytes: 3000, missing_bytes: 0, overflow_bytes: 0, timedout: false, sha256: 'ab'.repeat(32),
    },
    tftp: { request_uid: `CR${ts}`, client, server, write: a.write ?? false },
  };
}

test('a script then a program from an Internet server: one alert, both files, severity 4', () => {
  const h = harness(SITE_YAML);
  h.emit(tftpFile(1, 'bins.sh', 'text/x-shellscript'));
  h.emit(tftpFile(2, 'mips', 'application/x-executable'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.source.ip, a[0]!.destination?.ip, a[0]!.destination?.port, a[0]!.event.severity, a[0]!.threat.technique.id], ['10.77.2.27', '203.0.113.5', 69, 4, 'T1105']);
  assert.equal(a[0]!.message, '10.77.2.27 (workstations) fetched bins.sh (a shell script, 3.0 KB) and mips (a program, 3.0 KB) over TFTP from 203.0.113.5');
  assert.deepEqual((a[0]!.evidence.files as { file_name: string }[]).map((f) => f.file_name), ['bins.sh', 'mips']);
  assert.equal(a[0]!.count, 2, 'one per file');
});

test('uploads, other types, internal servers and allowed servers are quiet; internal_servers judges the inside', () => {
  const h = harness(SITE_YAML + 'detectors:\n  tftp.executable_download:\n    allowed_servers: [198.51.100.7]\n');
  h.emit(tftpFile(1, 'router.cfg', 'text/plain'));
  h.emit(tftpFile(2, 'fw.bin', 'application/x-executable', { write: true }));
  h.emit(tftpFile(3, 'pxelinux.0', 'application/x-executable', { server: '10.77.1.10' }));
  h.emit(tftpFile(4, 'agent', 'application/x-executable', { server: '198.51.100.7' }));
  assert.equal(only(h.finish(), RULE).length, 0);
  const inside = harness(SITE_YAML + 'detectors:\n  tftp.executable_download:\n    internal_servers: true\n');
  inside.emit(tftpFile(3, 'pxelinux.0', 'application/x-executable', { server: '10.77.1.10' }));
  assert.equal(only(inside.finish(), RULE).length, 1);
});

test('the lab\'s recorded dropper: the camera\'s script and program from the Internet host; the router\'s backup is not judged', async () => {
  const alerts = await replayRuleAlerts(path.join(REPO_ROOT, 'test', 'lab', 'captures', 'tftp.pcap'), [RULE]);
  assert.equal(alerts.length, 1);
  assert.deepEqual([alerts[0]!.source.ip, alerts[0]!.destination?.ip], ['10.77.2.27', '198.51.100.10']);
  assert.deepEqual((alerts[0]!.evidence.files as { file_name: string; sha256: string }[]).map((f) => [f.file_name, f.sha256]), [
    ['bins.sh', '1e6f45af13bd826140f688cae7226a171d639667a7d806ddab6fb5a95d81c161'],
    ['mips', 'f0570b128b4ce4d4224ecb1c7b554afa43ccbecda2d516676a3763739aae9b3c'],
  ]);
});
