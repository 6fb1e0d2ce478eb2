import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmbAnalyzer } from '../../../src/protocols/smb/analyzer.js';
import { smbSpec } from '../../../src/protocols/smb/index.js';
import { parseSmb2 } from '../../../src/protocols/smb/smb2.js';
import { concat, le16, le32, ofType, testContext, utf16 } from '../asn1/helpers.js';
import {
  echoRequest,
  nbss,
  negotiateContext,
  negotiateRequest,
  negotiateResponse,
  ntlmAuthenticate,
  ntlmChallenge,
  ntlmNegotiate,
  sessionSetupRequest,
  sessionSetupResponse,
  smb1Header,
  spnegoInit,
  spnegoResp,
  treeConnectRequest,
  treeConnectResponse,
} from './messages.js';

const LOGON_FAILURE = 0xc000006d;
const MORE_PROCESSING = 0xc0000016;

test('SMB 3.1.1 negotiate: dialects and contexts (compression, preauth)', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const preauth = negotiateContext(1, concat(le16(1), le16(32), le16(1), new Uint8Array(32)));
  const compression = negotiateContext(3, concat(le16(1), le16(0), le32(0), le16(1)));
  a.data(true, nbss(negotiateRequest([0x0202, 0x0210, 0x0300, 0x0311], [preauth, compression])), 1);
  a.data(false, nbss(negotiateResponse(0x0300)), 2);
  a.end(3);
  const neg = ofType(ctx.events, 'smb.negotiate');
  assert.equal(neg.length, 1);
  assert.deepEqual(neg[0]!.client_dialects, ['2.02', '2.10', '3.00', '3.11']);
  assert.equal(neg[0]!.dialect, '3.00');
  assert.equal(neg[0]!.status, 'STATUS_SUCCESS');
  assert.equal(neg[0]!.client_contexts.length, 2);
  assert.deepEqual(neg[0]!.client_contexts[0], { type: 1, type_name: 'PREAUTH_INTEGRITY_CAPABILITIES', length: 38, salt_length: 32, hash_algorithms: [1] });
  assert.deepEqual(neg[0]!.client_contexts[1]!.compression_algorithms, ['LZNT1']);
  assert.deepEqual(ctx.services, ['smb']);
  assert.deepEqual(ctx.anomalies, []);
});

test('NTLM session setup failing with STATUS_LOGON_FAILURE: auth failure and ntlm record', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  a.data(true, nbss(sessionSetupRequest(spnegoInit(ntlmNegotiate()), 1)), 1);
  a.data(false, nbss(sessionSetupResponse(MORE_PROCESSING, spnegoResp(1, ntlmChallenge('DC01', 'dc01.corp.local', 'corp.local')), 1)), 2);
  assert.equal(ofType(ctx.events, 'auth').length, 0, 'MORE_PROCESSING_REQUIRED is not an outcome');
  a.data(true, nbss(sessionSetupRequest(spnegoResp(undefined, ntlmAuthenticate('CORP', 'alice', 'WKS1')), 2)), 3);
  a.data(false, nbss(sessionSetupResponse(LOGON_FAILURE, undefined, 2)), 4);
  a.end(5);
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.outcome, 'failure');
  assert.equal(auth[0]!.service, 'smb');
  assert.equal(auth[0]!.user, 'CORP\\alice');
  assert.equal(auth[0]!.detail, 'STATUS_LOGON_FAILURE (ntlm)');
  const ntlm = ofType(ctx.events, 'ntlm');
  assert.equal(ntlm.length, 1);
  assert.deepEqual(ntlm[0]!.record, {
    ts: 1,
    uid: 'Ctest',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 50000,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 445,
    username: 'alice',
    hostname: 'WKS1',
    domainname: 'CORP',
    server_nb_computer_name: 'DC01',
    server_dns_computer_name: 'dc01.corp.local',
    server_tree_name: 'corp.local',
    success: false,
    status: 'STATUS_LOGON_FAILURE',
  });
});

test('tree connect: mapping for success, event only for failure; compounded request', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  // A tree connect compounded with an echo (NextCommand = 8-aligned length of the first).
  const first = treeConnectRequest('\\\\SRV\\share', 3);
  const padded = first.length + ((8 - (first.length % 8)) % 8);
  const firstFixed = treeConnectRequest('\\\\SRV\\share', 3, padded);
  const compound = concat(firstFixed, new Uint8Array(padded - first.length), echoRequest(4));
  assert.equal(parseSmb2(compound, 0, compound.length)!.nextCommand, padded);
  a.data(true, nbss(compound), 1);
  a.data(false, nbss(treeConnectResponse(0, 1, 3)), 2);
  a.data(true, nbss(treeConnectRequest('\\\\SRV\\C$', 5)), 3);
  a.data(false, nbss(treeConnectResponse(0xc0000022, 0, 5)), 4);
  a.end(5);
  const maps = ofType(ctx.events, 'smb_mapping');
  assert.equal(maps.length, 1);
  assert.deepEqual(maps[0]!.record, {
    ts: 1,
    uid: 'Ctest',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 50000,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 445,
    path: '\\\\SRV\\share',
    share_type: 'DISK',
  });
  const trees = ofType(ctx.events, 'smb.tree_connect');
  assert.equal(trees.length, 2);
  assert.equal(trees[1]!.path, '\\\\SRV\\C$');
  assert.equal(trees[1]!.status, 'STATUS_ACCESS_DENIED');
  assert.deepEqual(ctx.anomalies, []);
});

test('frames split at every byte boundary parse the same', () => {
  const msg = concat(nbss(treeConnectRequest('\\\\SRV\\IPC$', 9)), nbss(echoRequest(10)));
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  for (let i = 0; i < msg.length; i++) a.data(true, msg.subarray(i, i + 1), 1);
  a.data(false, nbss(treeConnectResponse(0, 2, 9)), 2);
  const maps = ofType(ctx.events, 'smb_mapping');
  assert.equal(maps.length, 1);
  assert.equal(maps[0]!.record.share_type, 'PIPE');
});

test('encrypted (transform header) messages are counted and skipped', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const transform = concat(new Uint8Array([0xfd, 0x53, 0x4d, 0x42]), new Uint8Array(48), new Uint8Array(100));
  a.data(true, nbss(transform), 1);
  a.data(false, nbss(transform), 2);
  assert.equal(a.encryptedMessages, 2);
  assert.deepEqual(ctx.anomalies, []);
  assert.equal(ctx.events.length, 0);
});

test('port 139: NetBIOS session request/response, then SMB1 negotiate and a plain session setup', () => {
  const ctx = testContext('tcp', 139);
  const a = new SmbAnalyzer(ctx);
  a.data(true, nbss(new Uint8Array(68), 0x81), 1);
  a.data(false, nbss(new Uint8Array(0), 0x82), 1.1);
  const dialects = concat(new Uint8Array([2]), new TextEncoder().encode('PC NETWORK PROGRAM 1.0\0'), new Uint8Array([2]), new TextEncoder().encode('NT LM 0.12\0'));
  a.data(true, nbss(concat(smb1Header(0x72, false), new Uint8Array([0]), le16(dialects.length), dialects)), 2);
  a.data(false, nbss(concat(smb1Header(0x72, true), new Uint8Array([1]), le16(1), le16(0))), 3);
  // SESSION_SETUP_ANDX, 13 words (no extended security), Unicode account/domain after the passwords.
  const words = concat(new Uint8Array([0xff, 0]), le16(0), le16(4356), le16(2), le16(0), le32(0), le16(0), le16(0), le32(0), le32(0xd4));
  const hdr = smb1Header(0x73, false, 0, 2, 0xc001);
  // bytes start at 32+1+26+2 = 61 (odd): one pad byte before the Unicode strings.
  const strs = concat(new Uint8Array([0]), utf16('bob\0'), utf16('WORKGROUP\0'), utf16('Unix\0'), utf16('Samba\0'));
  a.data(true, nbss(concat(hdr, new Uint8Array([13]), words, le16(strs.length), strs)), 4);
  a.data(false, nbss(concat(smb1Header(0x73, true, LOGON_FAILURE, 2, 0xc001), new Uint8Array([0]), le16(0))), 5);
  a.end(6);
  const neg = ofType(ctx.events, 'smb.negotiate');
  assert.equal(neg.length, 1);
  assert.equal(neg[0]!.smb_version, 1);
  assert.deepEqual(neg[0]!.client_dialects, ['PC NETWORK PROGRAM 1.0', 'NT LM 0.12']);
  assert.equal(neg[0]!.dialect, 'NT LM 0.12');
  const auth = ofType(ctx.events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.user, 'WORKGROUP\\bob');
  assert.equal(auth[0]!.outcome, 'failure');
  assert.deepEqual(ctx.anomalies, []);
});

test('SMB1 tree connect andx: Unicode path, OEM service, native file system', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const words = concat(new Uint8Array([0xff, 0]), le16(0), le16(0x0008), le16(1));
  // bytes at 32+1+8+2 = 43: password (1 byte) -> 44 (even), path in UTF-16LE, then "?????\0".
  const bytes = concat(new Uint8Array([0]), utf16('\\\\SRV\\IPC$\0'), new TextEncoder().encode('?????\0'));
  a.data(true, nbss(concat(smb1Header(0x75, false, 0, 7), new Uint8Array([4]), words, le16(bytes.length), bytes)), 1);
  const rwords = concat(new Uint8Array([0xff, 0]), le16(0), le16(1));
  // bytes at 32+1+6+2 = 41: "IPC\0" (OEM) ends at 45, native FS Unicode aligned to 46.
  const rbytes = concat(new TextEncoder().encode('IPC\0'), new Uint8Array([0]), utf16('\0'));
  a.data(false, nbss(concat(smb1Header(0x75, true, 0, 7), new Uint8Array([3]), rwords, le16(rbytes.length), rbytes)), 2);
  const maps = ofType(ctx.events, 'smb_mapping');
  assert.equal(maps.length, 1);
  assert.equal(maps[0]!.record.path, '\\\\SRV\\IPC$');
  assert.equal(maps[0]!.record.service, 'IPC');
  assert.equal(maps[0]!.record.share_type, 'PIPE');
  assert.equal(maps[0]!.record.native_file_system, undefined);
});

test('garbage NBSS type triggers resynchronisation on the next SMB header', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  a.data(true, concat(new Uint8Array([0x42, 0x42, 0x42, 0x42, 0x42]), nbss(treeConnectRequest('\\\\S\\x', 1))), 1);
  a.data(false, nbss(treeConnectResponse(0, 1, 1)), 2);
  assert.deepEqual(ctx.anomalies, ['smb_bad_nbss_type']);
  assert.equal(ofType(ctx.events, 'smb_mapping').length, 1);
});

test('probe recognises SMB1 and SMB2 on other ports', () => {
  assert.ok(smbSpec.probe!(nbss(negotiateRequest([0x0202])), true, 'tcp'));
  assert.ok(smbSpec.probe!(nbss(smb1Header(0x72, false)), true, 'tcp'));
  assert.equal(smbSpec.probe!(new TextEncoder().encode('SSH-2.0-x\r\n'), true, 'tcp'), false);
});
