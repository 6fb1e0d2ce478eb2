/**
 * smb_files.jsonl and `smb.file` events: hand-built SMB2 and SMB1 messages
 * (laid out per MS-SMB2 / MS-CIFS; the builders were checked against
 * Wireshark's dissector) for opens, reads and writes, compounds whose
 * requests act on the file of the create before them, renames, deletes,
 * closes and damaged bodies; smbclient against Samba from the traffic lab;
 * and seeded random damage to all of it, which must never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SmbAnalyzer } from '../../../src/protocols/smb/analyzer.js';
import { SMB_MAX_OPEN_FILES } from '../../../src/protocols/smb/files.js';
import { smbSpec } from '../../../src/protocols/smb/index.js';
import { parseSmb1 } from '../../../src/protocols/smb/smb1.js';
import { parseSmb2 } from '../../../src/protocols/smb/smb2.js';
import type { AnalyzerContext, Analyzer, ProtocolSpec } from '../../../src/protocols/analyzer.js';
import { concat, le16, le32, mutate, ofType, rng, testContext, utf16, type TestContext } from '../asn1/helpers.js';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import {
  RELATED_FILE_ID,
  closeRequest,
  closeResponse,
  compound,
  createRequest,
  createResponse,
  fileId,
  nbss,
  queryInfoRequest,
  readRequest,
  renameInfo,
  setInfoRequest,
  smb1CloseRequest,
  smb1CreateRequest,
  smb1CreateResponse,
  smb1ReadRequest,
  smb1TreeConnect,
  smb1WriteRequest,
  smb2Header,
  treeConnectRequest,
  treeConnectResponse,
  writeRequest,
} from './messages.js';

const NOT_FOUND = 0xc0000034;
const FILE_CREATE = 2;
const DELETE_ON_CLOSE = 0x1000;
const RENAME = 10;
const DISPOSITION = 13;

/** An analyzer with the share \\SRV\data (tree 5) connected. */
function connected(shareType = 1, share = '\\\\SRV\\data'): { ctx: TestContext; a: SmbAnalyzer } {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  a.data(true, nbss(treeConnectRequest(share, 1)), 1);
  a.data(false, nbss(treeConnectResponse(0, shareType, 1)), 1);
  return { ctx, a };
}

/** The smb_files lines as "action name" (plus " <- prev_name" for renames). */
function lines(ctx: TestContext): string[] {
  return ofType(ctx.events, 'smb_files').map((e) => {
    const r = e.record;
    return `${r.action} ${r.name ?? ''}${r.prev_name !== undefined ? ` <- ${r.prev_name}` : ''}`;
  });
}

test('a create answered first by an interim STATUS_PENDING and then by its async reply opens the file', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('slow\\report.docx', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: fileId(8) }, { messageId: 2, status: 0x103, asyncId: 77 })), 3);
  assert.deepEqual(lines(ctx), [], 'the interim reply says nothing about the open');
  a.data(false, nbss(createResponse({ id: fileId(8), size: 10 }, { messageId: 2, asyncId: 77 })), 4);
  a.data(true, nbss(readRequest(fileId(8), { messageId: 3 })), 5);
  a.end(6);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN slow\\report.docx', 'SMB::FILE_READ slow\\report.docx']);
  assert.equal(ofType(ctx.events, 'smb_files')[0]!.record.size, 10);
});

test('open, read and write: one line each however many requests, with the share path, size and times', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('reports\\q3.xlsx', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: fileId(7), size: 4096, times: [1600000000.5, 1600000100.25, 1600000200, 1600000300.000001] }, { messageId: 2 })), 3);
  for (let i = 0; i < 5; i++) a.data(true, nbss(readRequest(fileId(7), { messageId: 3 + i })), 4 + i);
  a.data(true, nbss(writeRequest(fileId(7), new Uint8Array(1000), { messageId: 10 })), 10);
  a.data(true, nbss(writeRequest(fileId(7), new Uint8Array(1000), { messageId: 11 })), 11);
  a.data(true, nbss(closeRequest(fileId(7), { messageId: 12 })), 12);
  // After the close the handle means nothing.
  a.data(true, nbss(readRequest(fileId(7), { messageId: 13 })), 13);
  a.end(14);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN reports\\q3.xlsx', 'SMB::FILE_READ reports\\q3.xlsx', 'SMB::FILE_WRITE reports\\q3.xlsx']);
  const recs = ofType(ctx.events, 'smb_files').map((e) => e.record);
  assert.deepEqual(recs[0], {
    ts: 2,
    uid: 'Ctest',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 50000,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 445,
    action: 'SMB::FILE_OPEN',
    path: '\\\\SRV\\data',
    name: 'reports\\q3.xlsx',
    size: 4096,
    'times.modified': 1600000200,
    'times.accessed': 1600000100.25,
    'times.created': 1600000000.5,
    'times.changed': 1600000300.000001,
  });
  // Written in Zeek's column order.
  assert.deepEqual(Object.keys(recs[0]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'action', 'path', 'name', 'size', 'times.modified', 'times.accessed', 'times.created', 'times.changed']);
  assert.equal(recs[1]!.ts, 4, 'a read is dated by its first request');
  assert.equal(recs[2]!.ts, 10);
  const ev = ofType(ctx.events, 'smb.file');
  assert.deepEqual(
    ev.map((e) => e.action),
    ['open', 'read', 'write'],
  );
  assert.deepEqual(ev[0], {
    type: 'smb.file',
    ts: 2,
    uid: 'Ctest',
    client: '10.0.0.1',
    server: '10.0.0.2',
    server_port: 445,
    smb_version: 2,
    action: 'open',
    path: '\\\\SRV\\data',
    name: 'reports\\q3.xlsx',
    size: 4096,
    directory: false,
    disposition: 'FILE_OPEN',
  });
  assert.deepEqual(ctx.anomalies, []);
});

test('a 1 MiB write and a 1 MiB read response: one line, the data stepped over without anomalies', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('big.iso', { messageId: 2, disposition: FILE_CREATE })), 2);
  a.data(false, nbss(createResponse({ id: fileId(4) }, { messageId: 2 })), 3);
  const data = new Uint8Array(1 << 20);
  // Delivered in 1460-byte pieces, as TCP would.
  const write = nbss(writeRequest(fileId(4), data, { messageId: 3 }));
  for (let i = 0; i < write.length; i += 1460) a.data(true, write.subarray(i, i + 1460), 4);
  a.data(true, nbss(readRequest(fileId(4), { messageId: 4 })), 5);
  const readResponse = concat(smb2Header(8, { reply: true, messageId: 4, treeId: 5 }), le16(17), new Uint8Array([80, 0]), le32(data.length), le32(0), le32(0), data);
  a.data(false, nbss(readResponse), 6);
  a.data(true, nbss(writeRequest(fileId(4), data, { messageId: 5 })), 7);
  a.end(8);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN big.iso', 'SMB::FILE_WRITE big.iso', 'SMB::FILE_READ big.iso']);
  assert.deepEqual(ctx.anomalies, []);
});

test('Explorer-style compound CREATE + QUERY_INFO + CLOSE (related): the open is logged and the file forgotten', () => {
  const { ctx, a } = connected();
  a.data(
    true,
    nbss(
      compound(
        createRequest('', { messageId: 2 }),
        queryInfoRequest(RELATED_FILE_ID, { messageId: 3, related: true }),
        closeRequest(RELATED_FILE_ID, { messageId: 4, related: true }),
      ),
    ),
    2,
  );
  a.data(
    false,
    nbss(compound(createResponse({ id: fileId(9), directory: true }, { messageId: 2 }), closeResponse({ messageId: 3, related: true }), closeResponse({ messageId: 4, related: true }))),
    3,
  );
  // The related CLOSE closed handle 9: a read of it now is of an unknown file.
  a.data(true, nbss(readRequest(fileId(9), { messageId: 5 })), 4);
  a.end(5);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN <share_root>']);
  const ev = ofType(ctx.events, 'smb.file');
  assert.equal(ev[0]!.directory, true);
  assert.deepEqual(ctx.anomalies, []);
});

test('rename in a compound CREATE + SET_INFO(FileRenameInformation) + CLOSE: FILE_RENAME with the old name in prev_name', () => {
  const { ctx, a } = connected();
  a.data(
    true,
    nbss(
      compound(
        createRequest('docs\\budget.xlsx', { messageId: 2 }),
        setInfoRequest(RELATED_FILE_ID, RENAME, renameInfo('docs\\budget.xlsx.locked'), { messageId: 3, related: true }),
        closeRequest(RELATED_FILE_ID, { messageId: 4, related: true }),
      ),
    ),
    2,
  );
  assert.deepEqual(lines(ctx), [], 'nothing before the create is answered');
  a.data(false, nbss(createResponse({ id: fileId(11), size: 20 }, { messageId: 2 })), 3);
  a.end(4);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN docs\\budget.xlsx', 'SMB::FILE_RENAME docs\\budget.xlsx.locked <- docs\\budget.xlsx']);
  const rename = ofType(ctx.events, 'smb_files')[1]!.record;
  assert.equal(rename.prev_name, 'docs\\budget.xlsx');
  assert.equal(rename.size, 20);
  const ev = ofType(ctx.events, 'smb.file')[1]!;
  assert.equal(ev.action, 'rename');
  assert.equal(ev.prev_name, 'docs\\budget.xlsx');
  assert.deepEqual(ctx.anomalies, []);
});

test('rename of a file opened earlier, then a read under its new name', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('a.txt', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: fileId(3) }, { messageId: 2 })), 3);
  a.data(true, nbss(setInfoRequest(fileId(3), RENAME, renameInfo('b.txt'), { messageId: 3 })), 4);
  a.data(true, nbss(readRequest(fileId(3), { messageId: 4 })), 5);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN a.txt', 'SMB::FILE_RENAME b.txt <- a.txt', 'SMB::FILE_READ b.txt']);
});

test('deletes: a create with DELETE_ON_CLOSE, and a disposition set twice on one handle, each logged once', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('tmp\\x.dll', { messageId: 2, options: DELETE_ON_CLOSE, disposition: FILE_CREATE })), 2);
  a.data(false, nbss(createResponse({ id: fileId(5) }, { messageId: 2 })), 3);
  a.data(true, nbss(createRequest('old.log', { messageId: 3 })), 4);
  a.data(false, nbss(createResponse({ id: fileId(6) }, { messageId: 3 })), 5);
  a.data(true, nbss(setInfoRequest(fileId(6), DISPOSITION, new Uint8Array([1]), { messageId: 4 })), 6);
  a.data(true, nbss(setInfoRequest(fileId(6), DISPOSITION, new Uint8Array([1]), { messageId: 5 })), 7);
  // DeletePending 0 clears a mark: nothing to log.
  a.data(true, nbss(createRequest('keep.log', { messageId: 6 })), 8);
  a.data(false, nbss(createResponse({ id: fileId(8) }, { messageId: 6 })), 9);
  a.data(true, nbss(setInfoRequest(fileId(8), DISPOSITION, new Uint8Array([0]), { messageId: 7 })), 10);
  a.end(11);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN tmp\\x.dll', 'SMB::FILE_DELETE tmp\\x.dll', 'SMB::FILE_OPEN old.log', 'SMB::FILE_DELETE old.log', 'SMB::FILE_OPEN keep.log']);
  const ev = ofType(ctx.events, 'smb.file');
  assert.equal(ev[0]!.disposition, 'FILE_CREATE');
  assert.equal(ev[1]!.action, 'delete');
  assert.deepEqual(ctx.anomalies, []);
});

test('a compound whose create fails logs nothing, nor do its related requests', () => {
  const { ctx, a } = connected();
  a.data(
    true,
    nbss(
      compound(
        createRequest('desktop.ini', { messageId: 2 }),
        setInfoRequest(RELATED_FILE_ID, DISPOSITION, new Uint8Array([1]), { messageId: 3, related: true }),
        closeRequest(RELATED_FILE_ID, { messageId: 4, related: true }),
      ),
    ),
    2,
  );
  a.data(false, nbss(createResponse({ id: fileId(1) }, { messageId: 2, status: NOT_FOUND })), 3);
  a.end(4);
  assert.deepEqual(lines(ctx), []);
  assert.deepEqual(ctx.anomalies, []);
});

test('requests on handles never opened in the capture (or all ones without the related flag) are ignored', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(readRequest(fileId(77), { messageId: 2 })), 2);
  a.data(true, nbss(writeRequest(fileId(77), new Uint8Array(10), { messageId: 3 })), 3);
  a.data(true, nbss(setInfoRequest(fileId(77), RENAME, renameInfo('x'), { messageId: 4 })), 4);
  a.data(true, nbss(closeRequest(fileId(77), { messageId: 5 })), 5);
  a.data(true, nbss(readRequest(RELATED_FILE_ID, { messageId: 6 })), 6);
  a.end(7);
  assert.equal(ofType(ctx.events, 'smb_files').length, 0);
  assert.equal(ofType(ctx.events, 'smb.file').length, 0);
  assert.deepEqual(ctx.anomalies, []);
});

test('named pipes on IPC$ are not files: their opens are not logged', () => {
  const { ctx, a } = connected(2, '\\\\SRV\\IPC$');
  a.data(true, nbss(createRequest('srvsvc', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: fileId(1) }, { messageId: 2 })), 3);
  a.data(true, nbss(writeRequest(fileId(1), new Uint8Array(72), { messageId: 3 })), 4);
  a.end(5);
  assert.equal(ofType(ctx.events, 'smb_files').length, 0);
});

test('a capture that starts after the tree connect: files are logged without a path', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  a.data(true, nbss(createRequest('f.bin', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: fileId(1), size: 3 }, { messageId: 2 })), 3);
  a.end(4);
  const recs = ofType(ctx.events, 'smb_files');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.record.path, undefined);
  assert.equal('path' in recs[0]!.record, false, 'unset fields are left out');
  assert.equal(recs[0]!.record.name, 'f.bin');
});

test('a zero FILETIME is no time: the field is left out', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('f', { messageId: 2 })), 2);
  const res = createResponse({ id: fileId(1), times: [1600000000, 1600000000, 1600000000, 1600000000] }, { messageId: 2 });
  // ChangeTime (body offset 32) zeroed.
  res.fill(0, 64 + 32, 64 + 40);
  a.data(false, nbss(res), 3);
  const rec = ofType(ctx.events, 'smb_files')[0]!.record;
  assert.equal(rec['times.changed'], undefined);
  assert.equal(rec['times.created'], 1600000000);
});

test('truncated and inconsistent bodies become anomalies, never lines', () => {
  const { ctx, a } = connected();
  // CREATE request cut inside its fixed part.
  a.data(true, nbss(createRequest('a', { messageId: 2 }).subarray(0, 64 + 30)), 2);
  // CREATE request whose name lies past the message.
  const badName = createRequest('abc', { messageId: 3 });
  badName.set(le16(400), 64 + 44);
  a.data(true, nbss(badName), 3);
  // CREATE response cut before its FileId.
  a.data(true, nbss(createRequest('b', { messageId: 4 })), 4);
  a.data(false, nbss(createResponse({ id: fileId(2) }, { messageId: 4 }).subarray(0, 64 + 70)), 5);
  // READ request cut before its FileId ends.
  a.data(true, nbss(readRequest(fileId(2), { messageId: 5 }).subarray(0, 64 + 20)), 6);
  // SET_INFO whose buffer offset points past the message; a rename whose name length overruns its buffer.
  const badSet = setInfoRequest(fileId(2), RENAME, renameInfo('x'), { messageId: 6 });
  badSet.set(le16(500), 64 + 8);
  a.data(true, nbss(badSet), 7);
  const badRename = setInfoRequest(fileId(2), RENAME, concat(new Uint8Array(16), le32(200), utf16('x')), { messageId: 7 });
  a.data(true, nbss(badRename), 8);
  a.end(9);
  assert.equal(ofType(ctx.events, 'smb_files').length, 0);
  assert.deepEqual(ctx.anomalies, ['smb2_truncated', 'smb2_bad_offset', 'smb2_truncated', 'smb2_truncated', 'smb2_bad_offset', 'smb2_truncated']);
});

test('open files are bounded per connection: the oldest is forgotten', () => {
  const { ctx, a } = connected();
  for (let i = 0; i <= SMB_MAX_OPEN_FILES; i++) {
    a.data(true, nbss(createRequest(`f${i}`, { messageId: 10 + i })), 2);
    a.data(false, nbss(createResponse({ id: fileId(1000 + 2 * i) }, { messageId: 10 + i })), 3);
  }
  a.data(true, nbss(readRequest(fileId(1000), { messageId: 5000 })), 4);
  a.data(true, nbss(readRequest(fileId(1000 + 2 * SMB_MAX_OPEN_FILES), { messageId: 5001 })), 5);
  const reads = ofType(ctx.events, 'smb_files').filter((e) => e.record.action === 'SMB::FILE_READ');
  assert.deepEqual(
    reads.map((e) => e.record.name),
    [`f${SMB_MAX_OPEN_FILES}`],
  );
  assert.deepEqual(ctx.anomalies, ['smb_too_many_open_files']);
});

test('SMB1: NT_CREATE_ANDX (Unicode and OEM names), READ_ANDX, WRITE_ANDX and CLOSE on a tree connected with TREE_CONNECT_ANDX', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const [tq, tr] = smb1TreeConnect('\\\\SRV\\share', 'A:', 1);
  a.data(true, nbss(tq), 1);
  a.data(false, nbss(tr), 1);
  a.data(true, nbss(smb1CreateRequest('\\dir\\f.txt', 2)), 2);
  a.data(false, nbss(smb1CreateResponse(0x4001, 2, 777, [1600000000, 1600000001, 1600000002, 1600000003])), 3);
  a.data(true, nbss(smb1ReadRequest(0x4001, 3)), 4);
  a.data(true, nbss(smb1ReadRequest(0x4001, 4)), 5);
  a.data(true, nbss(smb1WriteRequest(0x4001, 5, new Uint8Array([1, 2, 3]))), 6);
  a.data(true, nbss(smb1CloseRequest(0x4001, 6)), 7);
  a.data(true, nbss(smb1WriteRequest(0x4001, 7, new Uint8Array([1]))), 8);
  a.data(true, nbss(smb1CreateRequest('\\oem.txt', 8, false)), 9);
  a.data(false, nbss(smb1CreateResponse(0x4002, 8, 0, [1600000000, 1600000001, 1600000002, 1600000003])), 10);
  a.data(true, nbss(smb1CreateRequest('\\', 9)), 11);
  a.data(false, nbss(smb1CreateResponse(0x4003, 9, 0, [1600000000, 1600000001, 1600000002, 1600000003], true)), 12);
  a.end(13);
  assert.deepEqual(lines(ctx), ['SMB::FILE_OPEN dir\\f.txt', 'SMB::FILE_READ dir\\f.txt', 'SMB::FILE_WRITE dir\\f.txt', 'SMB::FILE_OPEN oem.txt', 'SMB::FILE_OPEN <share_root>']);
  const rec = ofType(ctx.events, 'smb_files')[0]!.record;
  assert.equal(rec.path, '\\\\SRV\\share');
  assert.equal(rec.size, 777);
  assert.equal(rec['times.modified'], 1600000002);
  assert.equal(rec['times.changed'], 1600000003);
  const ev = ofType(ctx.events, 'smb.file');
  assert.equal(ev[0]!.smb_version, 1);
  assert.equal(ev[4]!.directory, true);
  assert.deepEqual(ctx.anomalies, []);
});

test('SMB1: files on an IPC tree are not logged', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const [tq, tr] = smb1TreeConnect('\\\\SRV\\IPC$', 'IPC', 1);
  a.data(true, nbss(tq), 1);
  a.data(false, nbss(tr), 1);
  a.data(true, nbss(smb1CreateRequest('\\srvsvc', 2)), 2);
  a.data(false, nbss(smb1CreateResponse(0x4001, 2, 0, [1600000000, 1600000001, 1600000002, 1600000003])), 3);
  a.end(4);
  assert.equal(ofType(ctx.events, 'smb_files').length, 0);
});

test('smbclient against Samba (traffic lab): the share path, readme.txt opened and read, no srvsvc pipe', async () => {
  const events = await replayEvents([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'smb-internet.pcap')], [smbSpec]);
  const recs = ofType(events, 'smb_files').map((e) => e.record);
  assert.deepEqual(
    recs.map((r) => [r.action, r.path, r.name, r.size]),
    [
      ['SMB::FILE_OPEN', '\\\\198.51.100.10\\public', '<share_root>', 0],
      ['SMB::FILE_OPEN', '\\\\198.51.100.10\\public', '<share_root>', 0],
      ['SMB::FILE_OPEN', '\\\\198.51.100.10\\public', 'readme.txt', 18],
      ['SMB::FILE_READ', '\\\\198.51.100.10\\public', 'readme.txt', 18],
    ],
  );
  for (const r of recs) assert.ok(r['times.modified']! > 1.5e9);
});

test('smbclient against Samba (traffic lab): a tool written to a share, read, renamed, deleted; a ransomware-style rename; SMB1 write and read', async () => {
  const events = await replayEvents([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'smb-files.pcap')], [smbSpec]);
  const share = '\\\\10.77.1.20\\data';
  assert.deepEqual(
    ofType(events, 'smb_files').map((e) => [e.record.action, e.record.path, e.record.name, e.record.size, e.record.prev_name]),
    [
      // SMB3. mkdir: a create of the directory.
      ['SMB::FILE_OPEN', share, 'tools', 0, undefined],
      // put: the 70000-byte WRITE is one frame longer than the analyzer keeps; its FileId is still read.
      ['SMB::FILE_OPEN', share, 'tools\\svchelper.exe', 0, undefined],
      ['SMB::FILE_WRITE', share, 'tools\\svchelper.exe', 0, undefined],
      ['SMB::FILE_OPEN', share, 'tools\\svchelper.exe', 70000, undefined],
      ['SMB::FILE_READ', share, 'tools\\svchelper.exe', 70000, undefined],
      // rename: SET_INFO FileRenameInformation.
      ['SMB::FILE_OPEN', share, 'tools\\svchelper.exe', 70000, undefined],
      ['SMB::FILE_RENAME', share, 'tools\\svc.exe', 70000, 'tools\\svchelper.exe'],
      // del: smbclient looks the name up in its directory, then opens it with FILE_DELETE_ON_CLOSE.
      ['SMB::FILE_OPEN', share, 'tools', 0, undefined],
      ['SMB::FILE_OPEN', share, 'tools\\svc.exe', 70000, undefined],
      ['SMB::FILE_DELETE', share, 'tools\\svc.exe', 70000, undefined],
      ['SMB::FILE_OPEN', share, 'budget.xlsx', 0, undefined],
      ['SMB::FILE_WRITE', share, 'budget.xlsx', 0, undefined],
      ['SMB::FILE_OPEN', share, 'budget.xlsx', 7, undefined],
      ['SMB::FILE_RENAME', share, 'budget.xlsx.locked', 7, 'budget.xlsx'],
      // ls
      ['SMB::FILE_OPEN', share, '<share_root>', 0, undefined],
      ['SMB::FILE_OPEN', share, '<share_root>', 0, undefined],
      // SMB1: NT_CREATE_ANDX, WRITE_ANDX, then NT_CREATE_ANDX, READ_ANDX (smbclient upper-cases the share).
      ['SMB::FILE_OPEN', '\\\\10.77.1.20\\DATA', 'notes.txt', 0, undefined],
      ['SMB::FILE_WRITE', '\\\\10.77.1.20\\DATA', 'notes.txt', 0, undefined],
      ['SMB::FILE_OPEN', '\\\\10.77.1.20\\DATA', 'notes.txt', 6, undefined],
      ['SMB::FILE_READ', '\\\\10.77.1.20\\DATA', 'notes.txt', 6, undefined],
    ],
  );
  const ev = ofType(events, 'smb.file');
  assert.deepEqual(
    ev.map((e) => e.smb_version),
    [...Array<number>(16).fill(2), 1, 1, 1, 1],
  );
  assert.equal(ev[0]!.directory, true);
  assert.equal(ev[0]!.disposition, 'FILE_CREATE');
  assert.equal(ev[1]!.directory, false);
});

/** Records the payload chunks the pipeline hands to the SMB port's analyzer. */
function recorder(sink: Uint8Array[]): ProtocolSpec {
  return {
    name: 'rec',
    transports: ['tcp'],
    ports: [445],
    create: (_ctx: AnalyzerContext): Analyzer => ({
      data: (_o: boolean, d: Uint8Array): void => {
        if (sink.length < 48) sink.push(new Uint8Array(d));
      },
      end: (): void => {},
    }),
  };
}

test('random damage to file messages (corpus captures and hand-built compounds) never throws', async () => {
  const real: Uint8Array[] = [];
  await replayEvents([path.join(ZEEK_CORPUS, 'smb2-readwrite', 'smb2readwrite.pcap'), path.join(ZEEK_CORPUS, 'smb1', 'smb1.pcap')], [recorder(real)]);
  assert.ok(real.length > 20);
  const [tq, tr] = smb1TreeConnect('\\\\S\\x', 'A:', 1);
  const seeds = [
    ...real,
    nbss(compound(createRequest('a\\b', { messageId: 2 }), setInfoRequest(RELATED_FILE_ID, RENAME, renameInfo('c'), { messageId: 3, related: true }), closeRequest(RELATED_FILE_ID, { messageId: 4, related: true }))),
    nbss(compound(createResponse({ id: fileId(1) }, { messageId: 2 }), closeResponse({ messageId: 3, related: true }))),
    nbss(compound(createRequest('d', { messageId: 5, options: DELETE_ON_CLOSE }), readRequest(RELATED_FILE_ID, { messageId: 6, related: true }), writeRequest(RELATED_FILE_ID, new Uint8Array(8), { messageId: 7, related: true }))),
    nbss(setInfoRequest(fileId(1), DISPOSITION, new Uint8Array([1]), { messageId: 8 })),
    nbss(concat(smb2Header(17, { messageId: 9 }), new Uint8Array(40))),
    nbss(tq),
    nbss(tr),
    nbss(smb1CreateRequest('\\f', 2)),
    nbss(smb1CreateResponse(1, 2, 5, [1600000000, 1600000001, 1600000002, 1600000003])),
    nbss(smb1WriteRequest(1, 3, new Uint8Array(4))),
    nbss(smb1CloseRequest(1, 4)),
  ];
  const rand = rng(7);
  let n = 0;
  for (const s of seeds) {
    for (let i = 0; i < 120; i++) {
      const b = i === 0 ? s : mutate(s, rand);
      parseSmb2(b, 4, b.length);
      parseSmb1(b, 4, b.length);
      const a = new SmbAnalyzer(testContext('tcp', 445));
      // Requests and responses both ways, so a damaged request can meet its answer.
      a.data(true, b, 1);
      a.data(false, b, 1);
      a.data(true, s, 2);
      a.data(false, b, 2);
      a.end(3);
      n++;
    }
  }
  assert.ok(n > 3000);
});

/** A PE header: "MZ", e_lfanew 0x80, "PE\0\0". */
function peBytes(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0x4d, 0x5a]);
  b[0x3c] = 0x80;
  b.set([0x50, 0x45, 0, 0], 0x80);
  return b;
}

test('a write at the file\'s first byte types the file on its FILE_WRITE event (SMB2 and SMB1); a write elsewhere does not', () => {
  const { ctx, a } = connected();
  a.data(true, nbss(createRequest('svc.dat', { messageId: 2, disposition: FILE_CREATE })), 2);
  a.data(false, nbss(createResponse({ id: fileId(4) }, { messageId: 2 })), 3);
  a.data(true, nbss(writeRequest(fileId(4), peBytes(4096), { messageId: 3 })), 4);
  // A second file whose first write starts at offset 4096 (the builder writes at 0; the offset field is set by hand).
  a.data(true, nbss(createRequest('tail.bin', { messageId: 4, disposition: FILE_CREATE })), 5);
  a.data(false, nbss(createResponse({ id: fileId(5) }, { messageId: 4 })), 6);
  const later = writeRequest(fileId(5), peBytes(600), { messageId: 5 });
  later[64 + 8] = 0x00;
  later[64 + 9] = 0x10;
  a.data(true, nbss(later), 7);
  a.end(8);
  const writes = ofType(ctx.events, 'smb.file').filter((e) => e.action === 'write');
  assert.deepEqual(writes.map((e) => [e.name, e.mime_type]), [['svc.dat', 'application/x-dosexec'], ['tail.bin', undefined]]);

  const c1 = testContext('tcp', 445);
  const b = new SmbAnalyzer(c1);
  const [tq, tr] = smb1TreeConnect('\\\\SRV\\C$', 'A:', 1);
  b.data(true, nbss(tq), 1);
  b.data(false, nbss(tr), 1);
  b.data(true, nbss(smb1CreateRequest('\\run', 2)), 2);
  b.data(false, nbss(smb1CreateResponse(0x4001, 2, 0, [1600000000, 1600000001, 1600000002, 1600000003])), 3);
  b.data(true, nbss(smb1WriteRequest(0x4001, 3, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))), 4);
  b.end(5);
  assert.deepEqual(ofType(c1.events, 'smb.file').filter((e) => e.action === 'write').map((e) => e.mime_type), ['application/x-executable']);
});

test('admin-share.pcap (smbclient, SMB3): the program written as wupd.dat is typed by its content', async () => {
  const events = await replayEvents([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'admin-share.pcap')], [smbSpec]);
  const writes = ofType(events, 'smb.file').filter((e) => e.action === 'write');
  assert.deepEqual(writes.map((e) => [e.name, e.mime_type]), [['PSEXESVC.exe', 'application/x-dosexec'], ['wupd.dat', 'application/x-dosexec']]);
});
