/**
 * smb.admin_share on the lab's capture (test/lab/captures/admin-share.pcap:
 * smbclient writing PSEXESVC.exe to ADMIN$ of a workstation's Samba), on
 * every other capture (quiet: ordinary shares, IPC$), and on built tree
 * connects and file events: allowed and refused connections, sweeps,
 * programs, admin networks and the allowlist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, capturesUnder } from '../helpers/paths.js';
import { adminShareOf } from '../../src/detect/smb.admin_share.js';
import type { SmbFileEvent, SmbTreeConnectEvent } from '../../src/protocols/smb/events.js';

const RULE = 'smb.admin_share';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

function connect(ts: number, server: string, share: string, c: Partial<SmbTreeConnectEvent> = {}): SmbTreeConnectEvent {
  return { type: 'smb.tree_connect', ts, uid: `C${ts}`, client: '10.77.2.20', server, server_port: 445, path: `\\\\${server}\\${share}`, status: 'STATUS_SUCCESS', ...c };
}

function write(ts: number, server: string, share: string, name: string, c: Partial<SmbFileEvent> = {}): SmbFileEvent {
  return { type: 'smb.file', ts, uid: `C${ts}`, client: '10.77.2.20', server, server_port: 445, smb_version: 2, action: 'write', path: `\\\\${server}\\${share}`, name, size: 0, directory: false, disposition: 'FILE_OVERWRITE_IF', ...c };
}

test('adminShareOf: ADMIN$ and drive shares, in any case and any slashes; nothing else', () => {
  assert.equal(adminShareOf('\\\\SRV\\ADMIN$'), 'ADMIN$');
  assert.equal(adminShareOf('\\\\10.77.2.21\\c$'), 'C$');
  assert.equal(adminShareOf('//srv/d$/'), 'D$');
  for (const p of ['\\\\SRV\\IPC$', '\\\\SRV\\print$', '\\\\SRV\\public', '\\\\SRV\\CC$', undefined]) assert.equal(adminShareOf(p), undefined, String(p));
});

test('admin-share.pcap: a program written to ADMIN$ from a workstation is critical', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'admin-share.pcap'), [RULE]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source?.ip, '10.77.2.20');
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(a[0]!.threat.technique.id, 'T1021.002');
  assert.deepEqual(a[0]!.evidence.shares, ['ADMIN$', 'C$']);
  // wupd.dat is a program by its content only.
  assert.deepEqual(a[0]!.evidence.programs, ['\\\\10.77.2.21\\ADMIN$\\PSEXESVC.exe', '\\\\10.77.2.21\\C$\\wupd.dat']);
  assert.equal(a[0]!.message, '10.77.2.20 connected to ADMIN$ and C$ on 10.77.2.21, and wrote "\\\\10.77.2.21\\ADMIN$\\PSEXESVC.exe" and "\\\\10.77.2.21\\C$\\wupd.dat" there: a program copied to an administrative share to run it (PsExec, Impacket, a worm)');
});

test('no other capture raises it', async () => {
  const files = [...capturesUnder(ZEEK_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')), ...capturesUnder(LAB).filter((f) => !f.endsWith('admin-share.pcap'))];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('an allowed connection is low; one refused is nothing; refused or not across sweep_hosts hosts is high', () => {
  const one = harness(SITE_YAML);
  one.emit(connect(1000, '10.77.2.21', 'C$'));
  assert.deepEqual(only(one.finish(), RULE).map((a) => a.event.severity), [2]);

  const refused = harness(SITE_YAML);
  refused.emit(connect(1000, '10.77.2.21', 'ADMIN$', { status: 'STATUS_ACCESS_DENIED' }));
  assert.equal(only(refused.finish(), RULE).length, 0);

  const sweep = harness(SITE_YAML);
  for (let i = 0; i < 5; i++) sweep.emit(connect(1000 + i, `10.77.2.${30 + i}`, 'ADMIN$', { status: 'STATUS_ACCESS_DENIED' }));
  const a = only(sweep.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.evidence.refused, 5);
  assert.match(a[0]!.message, /on 10\.77\.2\.30 \(workstations\), .* and 10\.77\.2\.34 \(workstations\) \(refused\): administrative shares tried on 5 hosts in 10 min/);
});

test('a file whose written bytes are a program counts as one whatever its name', () => {
  const h = harness(SITE_YAML);
  h.emit(connect(1000, '10.77.2.21', 'ADMIN$'));
  h.emit(write(1001, '10.77.2.21', 'ADMIN$', 'Temp\\cache.dat', { mime_type: 'text/html' }));
  assert.deepEqual(only(h.finish(), RULE).map((a) => a.event.severity), [2]);
  h.emit(write(1002, '10.77.2.21', 'ADMIN$', 'Temp\\update.dat', { mime_type: 'application/x-dosexec' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.at(-1)!.event.severity, 4);
  assert.deepEqual(a.at(-1)!.evidence.programs, ['\\\\10.77.2.21\\ADMIN$\\Temp\\update.dat']);
});

test('programs written to an administrative share are critical; other files and other shares are not', () => {
  const h = harness(SITE_YAML);
  h.emit(connect(1000, '10.77.2.21', 'C$'));
  h.emit(write(1001, '10.77.2.21', 'C$', 'Users\\Public\\notes.txt'));
  h.emit(write(1002, '10.77.2.21', 'public', 'tool.exe'));
  assert.deepEqual(only(h.finish(), RULE).map((a) => a.event.severity), [2]);
  h.emit(write(1003, '10.77.2.21', 'C$', 'Windows\\Temp\\run.BAT'));
  const a = only(h.finish(), RULE);
  assert.equal(a.at(-1)!.event.severity, 4);
  assert.deepEqual(a.at(-1)!.evidence.programs, ['\\\\10.77.2.21\\C$\\Windows\\Temp\\run.BAT']);
});

test('clients in admin networks and allowed_clients are not judged', () => {
  const admins = harness(SITE_YAML.replace('segmentation:', '  - name: admins\n    cidrs: [10.77.9.0/24]\n    role: admin\nsegmentation:'));
  admins.emit(connect(1000, '10.77.2.21', 'ADMIN$', { client: '10.77.9.5' }));
  admins.emit(write(1001, '10.77.2.21', 'ADMIN$', 'PSEXESVC.exe', { client: '10.77.9.5' }));
  assert.equal(only(admins.finish(), RULE).length, 0);
  const allowed = harness(`${SITE_YAML}detectors:\n  smb.admin_share: { allowed_clients: [10.77.2.20/32] }\n`);
  allowed.emit(connect(1000, '10.77.2.21', 'ADMIN$'));
  assert.equal(only(allowed.finish(), RULE).length, 0);
});
