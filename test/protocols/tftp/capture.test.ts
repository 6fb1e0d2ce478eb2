/**
 * TFTP in a real capture (the lab's tftp.pcap: tftpd-hpa, BusyBox tftp as
 * an IoT dropper, tftp-hpa as a router backing up its configuration):
 * every request is a tftp.jsonl line with its transfer's flow, size and
 * outcome; every file is in files.jsonl with the bytes tshark exports from
 * the same packets; both flows of a transfer are "tftp" in conn.jsonl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { TSHARK_SKIP, tsharkObjects } from '../../helpers/tshark-objects.js';
import type { TftpRecord } from '../../../src/protocols/tftp/events.js';
import type { FilesRecord } from '../../../src/events/file.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'tftp.pcap');

let cached: Promise<{ logs: TftpRecord[]; files: FilesRecord[]; services: Map<string, string | undefined> }> | undefined;
function events() {
  cached ??= replayEvents([CAPTURE]).then((all) => ({
    logs: all.flatMap((e) => (e.type === 'tftp' ? [e.record] : [])),
    files: all.flatMap((e) => (e.type === 'file' ? [e.record] : [])),
    services: new Map(all.flatMap((e) => (e.type === 'flow.end' ? [[e.record.uid, e.record.service] as [string, string | undefined]] : []))),
  }));
  return cached;
}

test('tftp.jsonl: each request with its transfer (sizes, blocks, the error of a missing file)', async () => {
  const { logs, services } = await events();
  assert.deepEqual(
    logs.map((r) => [r['id.orig_h'], r['id.resp_h'], r.wrq, r.fname, r.mode, r.size, r.block_sent, r.block_acked, r.error_code, r.error_msg]),
    [
      ['10.77.2.27', '198.51.100.10', false, 'bins.sh', 'octet', 78, 1, 2, undefined, undefined],
      ['10.77.2.27', '198.51.100.10', false, 'mips', 'octet', 3000, 3, 4, undefined, undefined],
      ['10.77.2.22', '10.77.1.10', true, 'router.cfg', 'octet', 72, 1, 2, undefined, undefined],
      ['10.77.2.22', '10.77.1.10', false, 'missing.cfg', 'netascii', 0, 0, 1, 1, 'File not found'],
    ],
  );
  for (const r of logs) {
    assert.equal(services.get(r.uid), 'tftp');
    assert.ok(r.uid_data !== undefined && r.uid_data !== r.uid);
    assert.equal(services.get(r.uid_data), 'tftp');
  }
});

test('files.jsonl: the files tshark exports from the same packets, typed, hashed and named', { skip: TSHARK_SKIP }, async () => {
  const { files, logs } = await events();
  const exported = await tsharkObjects(CAPTURE, 'tftp');
  assert.equal(files.length, exported.size);
  for (const f of files) {
    const bytes = exported.get(f.filename!);
    assert.ok(bytes !== undefined, f.filename);
    assert.equal(f.sha256, crypto.createHash('sha256').update(bytes).digest('hex'), f.filename);
    assert.equal(f.seen_bytes, bytes.length);
    assert.equal(f.source, 'TFTP');
    assert.equal(f.uid, logs.find((r) => r.fname === f.filename)!.uid_data);
  }
  const byName = new Map(files.map((f) => [f.filename, f]));
  assert.equal(byName.get('mips')!.mime_type, 'application/x-executable');
  assert.equal(byName.get('bins.sh')!.mime_type, 'text/x-shellscript');
  // The server sent the downloads (it opened the transfer's flow); the router sent its backup.
  assert.deepEqual([byName.get('mips')!.is_orig, byName.get('router.cfg')!.is_orig], [true, false]);
});
