/**
 * files.jsonl against tshark: the bodies Wireshark's HTTP dissector exports
 * (`tshark --export-objects http`) must be the files Picket logged, byte
 * for byte as their SHA-256 says, and the MD5, SHA-1 and sizes must agree
 * too. Real captures: the lab's program downloads (curl, wget, PowerShell
 * and certutil user-agents; PE, ELF and gzip files), its benign browsing,
 * Zeek's DVWA and VLAN/MPLS captures and the Agent Tesla upload. Listed
 * differences: tshark exports each segment of an HTTP/0.9 reply as an
 * object of its own (Picket: one file, their concatenation), and a
 * multipart body as one object (Picket: a file per part, as Zeek does).
 * Skipped when tshark is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import { TSHARK_SKIP, tsharkObjects } from '../../helpers/tshark-objects.js';
import { replayEvents } from '../../helpers/replay.js';
import { httpSpec } from '../../../src/protocols/http/index.js';
import type { FilesRecord } from '../../../src/events/file.js';
import type { HttpRecord } from '../../../src/protocols/http/events.js';

const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

interface Digests {
  md5: string;
  sha1: string;
  sha256: string;
  size: number;
}

function digestsOf(b: Buffer): Digests {
  const h = (alg: string): string => crypto.createHash(alg).update(b).digest('hex');
  return { md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), size: b.length };
}

async function ourFiles(file: string): Promise<{ files: FilesRecord[]; http: HttpRecord[] }> {
  const files: FilesRecord[] = [];
  const http: HttpRecord[] = [];
  for (const e of await replayEvents([file], [httpSpec])) {
    if (e.type === 'file') files.push(e.record);
    else if (e.type === 'http') http.push(e.record);
  }
  return { files, http };
}

/** Our hashed files' digests, sorted by SHA-256. */
function ours(files: readonly FilesRecord[]): Digests[] {
  return files
    .filter((f) => f.sha256 !== undefined)
    .map((f) => ({ md5: f.md5!, sha1: f.sha1!, sha256: f.sha256!, size: f.seen_bytes }))
    .sort((a, b) => a.sha256.localeCompare(b.sha256));
}

function sorted(list: Digests[]): Digests[] {
  return [...list].sort((a, b) => a.sha256.localeCompare(b.sha256));
}

test('every body tshark exports is a hashed file with the same digests, and no other file is hashed', { skip: TSHARK_SKIP }, async () => {
  const captures = [
    path.join(LAB, 'exe-download.pcap'),
    path.join(LAB, 'benign.pcap'),
    path.join(ZEEK_CORPUS, 'http-dvwa-sqli', 'cooper-grill-dvwa.pcapng'),
  ];
  for (const file of captures) {
    const name = path.basename(file);
    const objects = await tsharkObjects(file, 'http');
    assert.ok(objects.size > 0, `${name}: tshark exported objects`);
    const { files, http } = await ourFiles(file);
    assert.deepEqual(ours(files), sorted([...objects.values()].map(digestsOf)), name);
    // Every file is complete, and listed by fuid on its http line.
    const listed = new Set(http.flatMap((r) => [...(r.orig_fuids ?? []), ...(r.resp_fuids ?? [])]));
    for (const f of files) {
      assert.ok(listed.has(f.fuid), `${name}: ${f.fuid} listed in http.jsonl`);
      assert.deepEqual(f.analyzers, ['MD5', 'SHA1', 'SHA256']);
      assert.equal(f.missing_bytes, 0);
      if (f.total_bytes !== undefined) assert.equal(f.total_bytes, f.seen_bytes);
    }
  }
});

test('the lab downloads: each program is one file, typed, hashed and named by its server', { skip: TSHARK_SKIP }, async () => {
  const file = path.join(LAB, 'exe-download.pcap');
  const objects = await tsharkObjects(file, 'http');
  const { files } = await ourFiles(file);
  const pe = digestsOf(objects.get('agent-setup.exe')!);
  const elf = digestsOf(objects.get('x86')!);
  const peFiles = files.filter((f) => f.sha256 === pe.sha256);
  // The same program under three names (agent-setup.exe, windows-kb-update.exe, logo.png): the digests are what ties them together.
  assert.ok(peFiles.length >= 3, `the PE downloaded three times, got ${peFiles.length}`);
  for (const f of peFiles) assert.equal(f.mime_type, 'application/x-dosexec');
  assert.equal(files.find((f) => f.sha256 === elf.sha256)?.mime_type, 'application/x-executable');
  for (const f of files) assert.equal(f.is_orig, false);
});

test('mixed-vlan-mpls: the HTTP/0.9 reply is one file, tshark\'s three segment objects joined', { skip: TSHARK_SKIP }, async () => {
  const objects = await tsharkObjects(path.join(ZEEK_CORPUS, 'mixed-vlan-mpls', 'mixed-vlan-mpls.pcap'), 'http');
  const { files } = await ourFiles(path.join(ZEEK_CORPUS, 'mixed-vlan-mpls', 'mixed-vlan-mpls.pcap'));
  const names = [...objects.keys()];
  assert.deepEqual(names, ['%2f', '%2f(1)', '%2f(2)', '%2f(3)']);
  const whole = digestsOf(objects.get('%2f')!);
  const joined = digestsOf(Buffer.concat([objects.get('%2f(1)')!, objects.get('%2f(2)')!, objects.get('%2f(3)')!]));
  assert.deepEqual(ours(files), sorted([whole, joined]));
});

test('http-agent-tesla: the multipart upload is four files (Zeek\'s count of orig_fuids), the reply one', { skip: TSHARK_SKIP }, async () => {
  const file = path.join(ZEEK_CORPUS, 'http-agent-tesla', 'ctu-62604-80.pcap');
  const objects = await tsharkObjects(file, 'http');
  const { files, http } = await ourFiles(file);
  const body = objects.get('c2sock')!;
  assert.equal(body.length, 440);
  const upload = files.filter((f) => f.is_orig);
  assert.equal(upload.length, 4);
  assert.deepEqual(http[0]!.orig_fuids, upload.map((f) => f.fuid));
  // Each part's bytes lie inside the body tshark exported whole; found by content, their digests must match.
  const text = body.toString('latin1');
  const partBytes = [text.match(/name="hwid"\r\n\r\n([^\r]*)\r\n/)![1]!, '2', 'gaA7aF'];
  const fileStart = text.indexOf('attachment/x-object\r\n\r\n') + 'attachment/x-object\r\n\r\n'.length;
  const filePart = body.subarray(fileStart, text.indexOf('\r\n--SqDe87817huf871793q74', fileStart));
  const want = [...partBytes.map((p) => digestsOf(Buffer.from(p, 'latin1'))), digestsOf(filePart)];
  assert.deepEqual(
    upload.map((f) => ({ md5: f.md5, sha1: f.sha1, sha256: f.sha256, size: f.seen_bytes })),
    want,
  );
  assert.equal(upload[3]!.filename, 'file');
  assert.deepEqual(ours(files.filter((f) => !f.is_orig)), [digestsOf(objects.get('c2sock(1)')!)]);
});
