/**
 * Files SMB clients write and read (SMB2, and SMB1's WRITE_ANDX and
 * READ_ANDX), as files.jsonl lines: digests of the bytes in offset order,
 * across writes larger than the framer keeps (the rest streams through),
 * in any cut of the stream; none for out-of-order writes, lost bytes, a
 * write the connection ended before its close, or a read that stopped
 * short of the file's size. Then real captures: Zeek's smb2-readwrite
 * files.log, and the bodies tshark exports (`--export-objects smb`) from
 * the lab's PsExec-style copy and the corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { SmbAnalyzer, SMB_KEEP_BYTES } from '../../../src/protocols/smb/analyzer.js';
import type { FilesRecord } from '../../../src/events/file.js';
import { concat, le16, le32, ofType, testContext, type TestContext } from '../asn1/helpers.js';
import { replayEvents } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import { TSHARK_SKIP, tsharkObjects } from '../../helpers/tshark-objects.js';
import {
  closeRequest,
  createRequest,
  createResponse,
  fileId,
  nbss,
  readRequest,
  smb1CloseRequest,
  smb1CreateRequest,
  smb1CreateResponse,
  smb1Header,
  smb1ReadRequest,
  smb1TreeConnect,
  smb1WriteRequest,
  smb2Header,
  treeConnectRequest,
  treeConnectResponse,
  writeRequest,
} from './messages.js';

const FILE_CREATE = 2;

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/** Bytes that tell their offsets apart: a PE header, then a counting pattern. */
function program(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  b.set([0x4d, 0x5a]);
  b.set([0x80, 0, 0, 0], 0x3c);
  b.set([0x50, 0x45, 0, 0], 0x80);
  return b;
}

/** A WRITE request of `data` at `offset`. */
function writeAt(id: Uint8Array, data: Uint8Array, offset: number, messageId: number): Uint8Array {
  const m = writeRequest(id, data, { messageId });
  new DataView(m.buffer, m.byteOffset).setBigUint64(64 + 8, BigInt(offset), true);
  return m;
}

/** A READ request at `offset`. */
function readAt(id: Uint8Array, offset: number, messageId: number): Uint8Array {
  const m = readRequest(id, { messageId });
  new DataView(m.buffer, m.byteOffset).setBigUint64(64 + 8, BigInt(offset), true);
  return m;
}

/** A READ response carrying `data` (MS-SMB2 §2.2.20: data at offset 80). */
function readResponse(data: Uint8Array, messageId: number): Uint8Array {
  return concat(smb2Header(8, { reply: true, treeId: 5, messageId }), le16(17), new Uint8Array([80, 0]), le32(data.length), le32(0), le32(0), data);
}

/** An analyzer with \\SRV\C$ connected and `name` opened as FileId 9 (size `size`). */
function opened(name: string, size = 0): { ctx: TestContext; a: SmbAnalyzer } {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  a.data(true, nbss(treeConnectRequest('\\\\SRV\\C$', 1)), 1);
  a.data(false, nbss(treeConnectResponse(0, 1, 1)), 1);
  a.data(true, nbss(createRequest(name, { messageId: 2, disposition: FILE_CREATE })), 2);
  a.data(false, nbss(createResponse({ id: fileId(9), size }, { messageId: 2 })), 2);
  return { ctx, a };
}

function files(ctx: TestContext): FilesRecord[] {
  return ofType(ctx.events, 'file').map((e) => e.record);
}

/** Feeds `bytes` to one direction in pieces of `piece`. */
function feed(a: SmbAnalyzer, fromOrig: boolean, bytes: Uint8Array, piece: number, ts: number): void {
  for (let i = 0; i < bytes.length; i += piece) a.data(fromOrig, bytes.subarray(i, Math.min(bytes.length, i + piece)), ts);
}

test('a file written in order and closed is one upload with its digests, also past the bytes the framer keeps, in any cut', () => {
  const body = program(SMB_KEEP_BYTES * 2 + 12345);
  for (const piece of [1460, 7, 65536, 200000]) {
    const { ctx, a } = opened('Windows\\PSEXESVC.exe');
    // Three writes: one larger than the framer keeps, so most of it streams past.
    const cuts = [0, 1000, SMB_KEEP_BYTES + 5000, body.length];
    const stream = concat(...cuts.slice(0, -1).map((at, i) => nbss(writeAt(fileId(9), body.subarray(at, cuts[i + 1]), at, 10 + i))));
    feed(a, true, stream, piece, 5);
    a.data(true, nbss(closeRequest(fileId(9), { messageId: 20 })), 6);
    a.end(7);
    const [f, ...more] = files(ctx);
    assert.deepEqual(more, [], `pieces of ${piece}`);
    assert.equal(f!.sha256, sha256(body), `pieces of ${piece}`);
    assert.deepEqual(
      [f!.source, f!.is_orig, f!.filename, f!.mime_type, f!.seen_bytes, f!.missing_bytes, f!.depth, f!.total_bytes],
      ['SMB', true, 'Windows\\PSEXESVC.exe', 'application/x-dosexec', body.length, 0, 0, undefined],
    );
  }
});

test('no digests for writes out of order, bytes lost in a write, or a write the connection ended before its close', () => {
  const body = program(9000);
  const shuffled = opened('a.exe');
  shuffled.a.data(true, nbss(writeAt(fileId(9), body.subarray(0, 4000), 0, 10)), 3);
  shuffled.a.data(true, nbss(writeAt(fileId(9), body.subarray(6000), 6000, 11)), 3);
  shuffled.a.data(true, nbss(writeAt(fileId(9), body.subarray(4000, 6000), 4000, 12)), 3);
  shuffled.a.data(true, nbss(closeRequest(fileId(9), { messageId: 13 })), 4);
  const [s] = files(shuffled.ctx);
  assert.deepEqual([s!.seen_bytes, s!.sha256, s!.analyzers], [9000, undefined, []]);

  const big = program(SMB_KEEP_BYTES + 40000);
  const lost = opened('b.exe');
  const msg = nbss(writeAt(fileId(9), big, 0, 10));
  // The kept part and 1000 bytes more arrive, then 5000 bytes are lost, then the rest.
  const upTo = 4 + SMB_KEEP_BYTES + 1000;
  lost.a.data(true, msg.subarray(0, upTo), 3);
  lost.a.gap!(true, 5000);
  lost.a.data(true, nbss(closeRequest(fileId(9), { messageId: 13 })), 4);
  const [l] = files(lost.ctx);
  assert.equal(l!.sha256, undefined);
  assert.equal(l!.missing_bytes, 5000);

  const cut = opened('c.exe');
  cut.a.data(true, nbss(writeAt(fileId(9), body, 0, 10)), 3);
  cut.a.end(4);
  const [c] = files(cut.ctx);
  assert.deepEqual([c!.seen_bytes, c!.sha256, c!.mime_type], [9000, undefined, 'application/x-dosexec']);
});

test('a file read from its first byte to its size is a download with digests, also when read again; one read only in part has none', () => {
  const body = program(SMB_KEEP_BYTES + 3000);
  const whole = opened('tools\\procdump.exe', body.length);
  const parts = [0, 1024, SMB_KEEP_BYTES, body.length];
  for (let i = 0; i < 3; i++) {
    whole.a.data(true, nbss(readAt(fileId(9), parts[i]!, 30 + i)), 3);
    feed(whole.a, false, nbss(readResponse(body.subarray(parts[i]!, parts[i + 1]), 30 + i)), 5000, 3);
  }
  whole.a.data(true, nbss(closeRequest(fileId(9), { messageId: 40 })), 4);
  const [w] = files(whole.ctx);
  assert.deepEqual(
    [w!.is_orig, w!.seen_bytes, w!.total_bytes, w!.sha256, w!.mime_type],
    [false, body.length, body.length, sha256(body), 'application/x-dosexec'],
  );

  // A client that reads the head first (a preview), then the whole file from the start: the bytes read again are skipped.
  const again = opened('tools\\procdump.exe', body.length);
  again.a.data(true, nbss(readAt(fileId(9), 0, 30)), 3);
  again.a.data(false, nbss(readResponse(body.subarray(0, 4096), 30)), 3);
  for (let i = 0; i < 3; i++) {
    again.a.data(true, nbss(readAt(fileId(9), parts[i]!, 31 + i)), 3);
    feed(again.a, false, nbss(readResponse(body.subarray(parts[i]!, parts[i + 1]), 31 + i)), 1460, 3);
  }
  again.a.data(true, nbss(closeRequest(fileId(9), { messageId: 40 })), 4);
  const [g] = files(again.ctx);
  assert.deepEqual([g!.seen_bytes, g!.sha256], [body.length, sha256(body)]);

  const part = opened('tools\\big.iso', 1_000_000);
  part.a.data(true, nbss(readAt(fileId(9), 0, 30)), 3);
  part.a.data(false, nbss(readResponse(body.subarray(0, 4096), 30)), 3);
  part.a.data(true, nbss(closeRequest(fileId(9), { messageId: 40 })), 4);
  const [p] = files(part.ctx);
  assert.deepEqual([p!.seen_bytes, p!.total_bytes, p!.sha256], [4096, 1_000_000, undefined]);
});

test('no digests when the site computes none', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx, []);
  a.data(true, nbss(treeConnectRequest('\\\\SRV\\C$', 1)), 1);
  a.data(false, nbss(treeConnectResponse(0, 1, 1)), 1);
  a.data(true, nbss(createRequest('x.exe', { messageId: 2, disposition: FILE_CREATE })), 2);
  a.data(false, nbss(createResponse({ id: fileId(9) }, { messageId: 2 })), 2);
  a.data(true, nbss(writeAt(fileId(9), program(3000), 0, 10)), 3);
  a.data(true, nbss(closeRequest(fileId(9), { messageId: 11 })), 4);
  const [f] = files(ctx);
  assert.deepEqual([f!.analyzers, f!.md5, f!.seen_bytes], [[], undefined, 3000]);
});

/** SMB1 READ_ANDX response (12 words): DataLength at byte 10, DataLengthHigh at 14 (a large read), the data at offset 60 after a pad byte. */
function smb1ReadResponse(mid: number, data: Uint8Array): Uint8Array {
  const words = concat(new Uint8Array([0xff, 0]), le16(0), le16(0xffff), le16(0), le16(0), le16(data.length), le16(60), le16(data.length >>> 16), new Uint8Array(8));
  const bytes = concat(new Uint8Array([0]), data);
  return concat(smb1Header(0x2e, true, 0, mid), new Uint8Array([words.length / 2]), words, le16(bytes.length), bytes);
}

test('SMB1: a file written with WRITE_ANDX and one read with READ_ANDX are files with their digests', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const [tq, tr] = smb1TreeConnect('\\\\SRV\\C$', 'A:', 1);
  a.data(true, nbss(tq), 1);
  a.data(false, nbss(tr), 1);
  const up = program(3000);
  a.data(true, nbss(smb1CreateRequest('\\run.exe', 2)), 2);
  a.data(false, nbss(smb1CreateResponse(0x4001, 2, 0, [1600000000, 1600000001, 1600000002, 1600000003])), 2);
  a.data(true, nbss(smb1WriteRequest(0x4001, 3, up)), 3);
  a.data(true, nbss(smb1CloseRequest(0x4001, 4)), 4);
  const down = program(2000);
  a.data(true, nbss(smb1CreateRequest('\\tool.exe', 5)), 5);
  a.data(false, nbss(smb1CreateResponse(0x4002, 5, down.length, [1600000000, 1600000001, 1600000002, 1600000003])), 5);
  a.data(true, nbss(smb1ReadRequest(0x4002, 6)), 6);
  a.data(false, nbss(smb1ReadResponse(6, down)), 6);
  a.data(true, nbss(smb1CloseRequest(0x4002, 7)), 7);
  assert.deepEqual(
    files(ctx).map((f) => [f.filename, f.is_orig, f.seen_bytes, f.mime_type, f.sha256]),
    [
      ['run.exe', true, 3000, 'application/x-dosexec', sha256(up)],
      ['tool.exe', false, 2000, 'application/x-dosexec', sha256(down)],
    ],
  );
});

test('SMB1 large reads and writes (past 64 KiB: the DataLengthHigh half) carry whole files, in any cut', () => {
  const up = program(3 * SMB_KEEP_BYTES + 777);
  const down = program(2 * SMB_KEEP_BYTES + 4321);
  for (const piece of [1460, 65536, 1 << 20]) {
    const ctx = testContext('tcp', 445);
    const a = new SmbAnalyzer(ctx);
    const [tq, tr] = smb1TreeConnect('\\\\SRV\\C$', 'A:', 1);
    a.data(true, nbss(tq), 1);
    a.data(false, nbss(tr), 1);
    a.data(true, nbss(smb1CreateRequest('\\big.exe', 2)), 2);
    a.data(false, nbss(smb1CreateResponse(0x4001, 2, 0, [1600000000, 1600000001, 1600000002, 1600000003])), 2);
    // Two writes: one large write of most of the file, then the rest at its offset.
    const cut = up.length - 1000;
    feed(a, true, nbss(smb1WriteRequest(0x4001, 3, up.subarray(0, cut))), piece, 3);
    feed(a, true, nbss(smb1WriteRequest(0x4001, 4, up.subarray(cut), cut)), piece, 3);
    a.data(true, nbss(smb1CloseRequest(0x4001, 5)), 4);
    a.data(true, nbss(smb1CreateRequest('\\big.dll', 6)), 5);
    a.data(false, nbss(smb1CreateResponse(0x4002, 6, down.length, [1600000000, 1600000001, 1600000002, 1600000003])), 5);
    a.data(true, nbss(smb1ReadRequest(0x4002, 7)), 6);
    feed(a, false, nbss(smb1ReadResponse(7, down)), piece, 6);
    a.data(true, nbss(smb1CloseRequest(0x4002, 8)), 7);
    assert.deepEqual(ctx.anomalies, [], `piece ${piece}`);
    assert.deepEqual(
      files(ctx).map((f) => [f.filename, f.is_orig, f.seen_bytes, f.sha256]),
      [
        ['big.exe', true, up.length, sha256(up)],
        ['big.dll', false, down.length, sha256(down)],
      ],
      `piece ${piece}`,
    );
  }
});

async function replayFiles(file: string): Promise<FilesRecord[]> {
  return (await replayEvents([file])).flatMap((e) => (e.type === 'file' ? [e.record] : []));
}

test('smb2-readwrite: the files of Zeek\'s files.log, with the same names, types, directions and sizes', async () => {
  const dir = path.join(ZEEK_CORPUS, 'smb2-readwrite');
  const ours = await replayFiles(path.join(dir, 'smb2readwrite.pcap'));
  const zeek = readZeekLog(path.join(dir, 'files.log'));
  const view = (r: Record<string, unknown>): string[] =>
    ['source', 'filename', 'mime_type', 'is_orig', 'seen_bytes', 'total_bytes', 'missing_bytes'].map((k) => {
      const v = r[k];
      return v === undefined ? '-' : typeof v === 'boolean' ? (v ? 'T' : 'F') : String(v);
    });
  assert.deepEqual(ours.map((r) => view({ ...r })).sort(), zeek.map((r) => view({ ...r })).sort());
});

test('the files tshark exports over SMB are the hashed files, digest for digest', { skip: TSHARK_SKIP }, async () => {
  const captures = [
    path.join(REPO_ROOT, 'test', 'lab', 'captures', 'admin-share.pcap'),
    path.join(ZEEK_CORPUS, 'smb2-readwrite', 'smb2readwrite.pcap'),
    path.join(ZEEK_CORPUS, 'smb1', 'smb1.pcap'),
  ];
  for (const file of captures) {
    const ours = (await replayFiles(file)).filter((f) => f.source === 'SMB' && f.sha256 !== undefined).map((f) => f.sha256!).sort();
    assert.deepEqual(ours, [...(await tsharkObjects(file, 'smb')).values()].map(sha256).sort(), path.basename(file));
    assert.ok(ours.length > 0, path.basename(file));
  }
});
