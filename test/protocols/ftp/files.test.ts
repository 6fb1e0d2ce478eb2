/**
 * FTP data channels in a real capture (the lab's ftp-files.pcap: vsftpd and
 * curl in extended passive, passive, active and extended active mode, an
 * upload, a listing): every data connection is found from its control
 * connection, logged as ftp-data, and its bytes are one files.jsonl line
 * whose digests equal those of the bytes tshark follows on that connection;
 * ftp.jsonl names the data channels and the transfer commands' files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { TSHARK, TSHARK_SKIP } from '../../helpers/tshark-objects.js';
import type { FilesRecord } from '../../../src/events/file.js';
import type { FtpRecord } from '../../../src/protocols/ftp/events.js';
import type { ConnRecord } from '../../../src/flows/conn-record.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'ftp-files.pcap');
/** The lab's program (run-lab.sh pe_program), as sha256sum gives it. */
const PE_SHA256 = '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7';
/** The text file run-lab.sh writes: 40 lines. */
const README = 'Lab mirror. Nothing to see here.\n'.repeat(40);

interface Logs {
  files: FilesRecord[];
  ftp: FtpRecord[];
  conns: ConnRecord[];
}

let cached: Promise<Logs> | undefined;
function logs(): Promise<Logs> {
  cached ??= replayEvents([CAPTURE]).then((events) => {
    const out: Logs = { files: [], ftp: [], conns: [] };
    for (const e of events) {
      if (e.type === 'file') out.files.push(e.record);
      else if (e.type === 'ftp') out.ftp.push(e.record);
      else if (e.type === 'flow.end') out.conns.push(e.record);
    }
    return out;
  });
  return cached;
}

test('every data channel is found: six ftp-data connections, each with one FTP_DATA file', async () => {
  const { files, conns } = await logs();
  const services = (c: ConnRecord) => c.service?.split(',') ?? [];
  const data = conns.filter((c) => services(c).includes('ftp-data'));
  assert.equal(data.length, 6);
  assert.equal(files.length, 6);
  assert.ok(files.every((f) => f.source === 'FTP_DATA'));
  assert.deepEqual(new Set(files.map((f) => f.uid)), new Set(data.map((c) => c.uid)));
  // The control connections stay ftp; nothing else in the capture is ftp-data.
  assert.equal(conns.filter((c) => services(c).includes('ftp')).length, 6);
  assert.equal(conns.length, 12);
});

test('the program fetched in each mode and uploaded has its digests; the text file and the listing too', async () => {
  const { files } = await logs();
  const pe = files.filter((f) => f.sha256 === PE_SHA256);
  assert.deepEqual(
    pe.map((f) => [f['id.orig_h'], f.filename, f.mime_type, f.is_orig, f.seen_bytes]).sort(),
    [
      // Passive (EPSV, PASV): the client opens the channel and receives.
      ['10.77.2.20', 'update.exe', 'application/x-dosexec', false, 108032],
      ['10.77.2.21', 'update.exe', 'application/x-dosexec', false, 108032],
      // STOR over EPSV: the client sends.
      ['10.77.2.23', 'tool.exe', 'application/x-dosexec', true, 108032],
      // Active (PORT): the server opens the channel and sends.
      ['198.51.100.10', 'update.exe', 'application/x-dosexec', true, 108032],
    ].sort(),
  );
  const readme = files.find((f) => f.filename === 'README.txt')!;
  assert.equal(readme.sha256, crypto.createHash('sha256').update(README).digest('hex'));
  assert.equal(readme.total_bytes, README.length);
  const listing = files.find((f) => f.filename === undefined)!;
  assert.equal(listing.mime_type, 'text/plain');
  assert.ok(listing.seen_bytes > 0 && listing.sha256 !== undefined);
});

test('ftp.jsonl: the data channel on PORT, EPRT, PASV and EPSV lines; fuid, type and size on the transfer lines', async () => {
  const { ftp, files } = await logs();
  const channels = ftp.filter((r) => r['data_channel.resp_p'] !== undefined);
  assert.deepEqual(channels.map((r) => r.command).sort(), ['EPRT', 'EPRT', 'EPSV', 'EPSV', 'PASV', 'PORT']);
  const port = channels.find((r) => r.command === 'PORT')!;
  assert.equal(port['data_channel.passive'], false);
  assert.equal(port['data_channel.orig_h'], '198.51.100.10');
  assert.equal(port['data_channel.resp_h'], '10.77.2.22');
  const epsv = channels.filter((r) => r.command === 'EPSV');
  assert.ok(epsv.every((r) => r['data_channel.passive'] === true && r['data_channel.resp_h'] === '198.51.100.10'));

  const transfers = ftp.filter((r) => r.fuid !== undefined);
  assert.deepEqual(transfers.map((r) => r.command).sort(), ['LIST', 'RETR', 'RETR', 'RETR', 'RETR', 'STOR']);
  const byFuid = new Map(files.map((f) => [f.fuid, f]));
  for (const r of transfers) {
    const f = byFuid.get(r.fuid!);
    assert.ok(f !== undefined, `${r.command} ${r.arg}: its file is logged`);
    assert.equal(r.mime_type, f.mime_type);
    if (r.command === 'RETR') assert.equal(r.file_size, f.seen_bytes);
  }
});

/** The bytes each side sent on one TCP connection, as `tshark -z follow,tcp,raw` prints them. */
async function followed(f: FilesRecord): Promise<Buffer> {
  const a = `${f['id.orig_h']}:${f['id.orig_p']}`;
  const b = `${f['id.resp_h']}:${f['id.resp_p']}`;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(TSHARK!, ['-n', '-r', CAPTURE, '-q', '-z', `follow,tcp,raw,${a},${b}`], { maxBuffer: 64 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
  const lines = out.split('\n');
  const node0 = lines.find((l) => l.startsWith('Node 0: '))!.slice('Node 0: '.length);
  const start = lines.findIndex((l) => l.startsWith('Node 1: ')) + 1;
  // Node 1's lines are indented with a tab.
  const fromOrig = node0 === a;
  const wanted = lines.slice(start).filter((l) => /^\t?[0-9a-f]+$/.test(l) && l.startsWith('\t') !== (fromOrig === f.is_orig));
  return Buffer.from(wanted.map((l) => l.trim()).join(''), 'hex');
}

test('each file\'s digests are those of the bytes tshark follows on its connection', { skip: TSHARK_SKIP }, async () => {
  const { files } = await logs();
  for (const f of files) {
    const bytes = await followed(f);
    assert.equal(bytes.length, f.seen_bytes, `${f.uid}`);
    assert.equal(f.sha256, crypto.createHash('sha256').update(bytes).digest('hex'), `${f.uid} sha256`);
    assert.equal(f.sha1, crypto.createHash('sha1').update(bytes).digest('hex'), `${f.uid} sha1`);
    assert.equal(f.md5, crypto.createHash('md5').update(bytes).digest('hex'), `${f.uid} md5`);
  }
});

test('a server behind NAT: a PASV reply naming its inside address still finds the data channel the client opens to the address it reached', async () => {
  // The same capture, with the 227 reply's address turned into an inside one of the same length (checksums are not verified).
  const original = Buffer.from('227 Entering Passive Mode (198,51,100,10,');
  const natted = Buffer.from('227 Entering Passive Mode (10,77,100,123,');
  const bytes = fs.readFileSync(CAPTURE);
  const at = bytes.indexOf(original);
  assert.ok(at > 0 && bytes.indexOf(original, at + 1) < 0, 'one 227 reply in the capture');
  natted.copy(bytes, at);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-ftp-nat-'));
  try {
    const file = path.join(dir, 'nat.pcap');
    fs.writeFileSync(file, bytes);
    const events = await replayEvents([file]);
    const conns = events.flatMap((e) => (e.type === 'flow.end' ? [e.record] : []));
    const ftp = events.flatMap((e) => (e.type === 'ftp' ? [e.record] : []));
    const files = events.flatMap((e) => (e.type === 'file' ? [e.record] : []));
    assert.equal(conns.filter((c) => c.service?.split(',').includes('ftp-data')).length, 6);
    assert.equal(files.length, 6);
    // The log names the address announced, as Zeek's does.
    const pasv = ftp.find((r) => r.command === 'PASV')!;
    assert.deepEqual([pasv['data_channel.passive'], pasv['data_channel.resp_h'], pasv['data_channel.resp_p']], [true, '10.77.100.123', 156 * 256 + 66]);
    const { files: before } = await logs();
    assert.deepEqual(files.map((f) => f.sha256).sort(), before.map((f) => f.sha256).sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
