/**
 * ftp.executable_download: programs and shell scripts fetched over FTP
 * from outside the site alert (one alert per client and server, files
 * listed; critical from a bare address or under a harmless name); uploads,
 * other types, public clients, internal servers (unless asked), allowed
 * servers and popular or allowed names do not; the lab's recorded vsftpd
 * session (three fetches, one upload) and every other capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';
import type { FileEvent } from '../../src/events/file.js';
import type { PicketEvent } from '../../src/events/types.js';

const RULE = 'ftp.executable_download';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const dga = createDgaScorer(REPO_ROOT);

interface Fetch {
  client?: string;
  server?: string;
  name?: string;
  arg?: string;
  upload?: boolean;
  user?: string;
}

function ftpFile(ts: number, mime: string, a: Fetch = {}): FileEvent {
  const client = a.client ?? '10.77.2.20';
  const server = a.server ?? '203.0.113.5';
  const e: FileEvent = {
    type: 'file',
    log: 'files',
    ts,
    uid: `CD${ts}`,
    record: {
      ts, fuid: `F${ts}`, uid: `CD${ts}`, 'id.orig_h': client, 'id.orig_p': 50000, 'id.resp_h': server, 'id.resp_p': 40001, source: 'FTP_DATA', depth: 0,
      analyzers: ['SHA256'], mime_type: mime, duration: 0, is_orig: false, seen_bytes: 4096, missing_bytes: 0, overflow_bytes: 0, timedout: false, sha256: 'cd'.repeat(32),
    },
    ftp: { control_uid: `CC${ts}`, client, server, server_port: 21, command: a.upload === true ? 'STOR' : 'RETR', arg: a.arg ?? 'nc.exe', upload: a.upload ?? false },
  };
  if (a.name !== undefined) e.record.filename = a.name;
  if (a.user !== undefined) e.ftp!.user = a.user;
  return e;
}

function answer(ts: number, query: string, addr: string, client = '10.77.2.20'): PicketEvent {
  return { type: 'dns.answer', ts, uid: `CQ${ts}`, client, server: '10.77.1.1', query, qtype_name: 'A', addrs: [addr], ttls: [300], cnames: [] };
}

function run(events: PicketEvent[], yaml = SITE_YAML) {
  const h = harness(yaml, { intel: { dga } });
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('a program from a bare address: critical, one alert per client and server listing the files', () => {
  const a = run([
    ftpFile(1, 'text/x-shellscript', { arg: 'bins.sh', user: 'drop' }),
    ftpFile(2, 'application/x-executable', { arg: 'x86', user: 'drop' }),
    ftpFile(3, 'application/x-dosexec', { client: '10.77.2.21' }),
  ]);
  assert.equal(a.length, 2);
  const first = a.find((x) => x.source.ip === '10.77.2.20')!;
  assert.deepEqual([first.destination?.ip, first.destination?.port, first.event.severity, first.threat.technique.id], ['203.0.113.5', 21, 4, 'T1105']);
  assert.equal(first.message, '10.77.2.20 (workstations) fetched bins.sh (a shell script, 4.1 KB) and x86 (a program, 4.1 KB) over FTP from 203.0.113.5, from a bare address');
  assert.deepEqual((first.evidence.files as { file_name: string }[]).map((f) => f.file_name), ['bins.sh', 'x86']);
  assert.deepEqual([first.evidence.user, first.evidence.downloads, first.evidence.control_uid, first.evidence.transfer_uid], ['drop', 2, 'CC2', 'CD2']);
  assert.equal(first.count, 2, 'one per file');
});

test('a server reached by a name the client resolved: high; a harmless name makes it critical', () => {
  const named = run([answer(0.5, 'files.tools-lab.example', '203.0.113.5'), ftpFile(1, 'application/x-dosexec', { name: 'setup.exe' })]);
  assert.equal(named.length, 1);
  assert.equal(named[0]!.event.severity, 3);
  assert.equal(named[0]!.evidence.server_name, 'files.tools-lab.example');
  assert.equal(named[0]!.message, '10.77.2.20 (workstations) fetched setup.exe (a program, 4.1 KB) over FTP from files.tools-lab.example (203.0.113.5)');
  const disguised = run([answer(0.5, 'files.tools-lab.example', '203.0.113.5'), ftpFile(1, 'application/x-dosexec', { name: 'report.pdf' })]);
  assert.equal(disguised[0]!.event.severity, 4);
  assert.deepEqual(disguised[0]!.evidence.reasons, ['disguised (named .pdf)']);
  // Another client's lookup does not name the server for this one.
  const other = run([answer(0.5, 'files.tools-lab.example', '203.0.113.5', '10.77.2.99'), ftpFile(1, 'application/x-dosexec')]);
  assert.deepEqual(other[0]!.evidence.reasons, ['from a bare address']);
});

test('uploads, other types, public clients, internal and allowed servers are quiet; internal_servers and types widen it', () => {
  assert.equal(run([ftpFile(1, 'application/x-dosexec', { upload: true })]).length, 0);
  assert.equal(run([ftpFile(1, 'text/plain', { arg: 'README.txt' })]).length, 0);
  assert.equal(run([ftpFile(1, 'application/x-dosexec', { client: '198.51.100.20' })]).length, 0, 'a public client');
  assert.equal(run([ftpFile(1, 'application/x-dosexec', { server: '10.77.1.10' })]).length, 0, 'an internal server');
  assert.equal(run([ftpFile(1, 'application/x-dosexec')], `${SITE_YAML}detectors:\n  ftp.executable_download: { allowed_servers: [203.0.113.0/24] }\n`).length, 0);
  assert.equal(run([ftpFile(1, 'application/x-dosexec', { server: '10.77.1.10' })], `${SITE_YAML}detectors:\n  ftp.executable_download: { internal_servers: true }\n`).length, 1);
  assert.equal(run([ftpFile(1, 'application/x-ole-storage', { arg: 'setup.msi' })], `${SITE_YAML}detectors:\n  ftp.executable_download: { types: [application/x-ole-storage] }\n`).length, 1);
  assert.equal(run([ftpFile(1, 'application/x-ole-storage', { arg: 'setup.msi' })]).length, 0);
});

test('popular and allowed names are quiet unless the file is disguised', () => {
  const popular = answer(0.5, 'ftp.mozilla.org', '203.0.113.5');
  assert.equal(run([popular, ftpFile(1, 'application/x-dosexec', { arg: 'firefox-setup.exe' })]).length, 0);
  assert.equal(run([popular, ftpFile(1, 'application/x-dosexec', { arg: 'notes.txt' })]).length, 1);
  assert.equal(run([popular, ftpFile(1, 'application/x-dosexec')], `${SITE_YAML}detectors:\n  ftp.executable_download: { skip_popular: false }\n`).length, 1);
  const own = answer(0.5, 'mirror.tools-lab.example', '203.0.113.5');
  assert.equal(run([own, ftpFile(1, 'application/x-dosexec')], `${SITE_YAML}detectors:\n  ftp.executable_download: { allow: [tools-lab.example] }\n`).length, 0);
});

test('ftp-files.pcap: the three fetches of the program from the Internet host alert, the upload does not', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'ftp-files.pcap'), [RULE], '', { intel: { dga } });
  assert.deepEqual(
    a.map((x) => [x.source.ip, x.destination?.ip, x.destination?.port, x.event.severity, x.evidence.file_name, x.evidence.user]).sort(),
    [
      ['10.77.2.20', '198.51.100.10', 21, 4, 'update.exe', 'anonymous'],
      ['10.77.2.21', '198.51.100.10', 21, 4, 'update.exe', 'anonymous'],
      ['10.77.2.22', '198.51.100.10', 21, 4, 'update.exe', 'anonymous'],
    ],
  );
  assert.equal(a[0]!.evidence.sha256, '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7');
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('ftp-files.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE], '', { intel: { dga } }), [], f);
});
