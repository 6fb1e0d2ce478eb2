/**
 * The paths and callback hosts of the calls that make a server reach out
 * (coerce.ts), read from rpc-coerce.pcap (made by record-rpc-coerce.sh:
 * PetitPotam's EFSRPC calls, PrinterBug's change-notification registration,
 * DFSCoerce, ShadowCoerce, CheeseOunce in both character forms and ordinary calls of the same
 * operations, all
 * encoded by Impacket) and checked against what tshark's dissectors decode;
 * every cut of every stub, lying counts and noise (nothing, never an
 * exception).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readsDetails } from '../../../src/protocols/dcerpc/request-details.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { capturedRequests, checkStubRobustness, tsharkFields } from './captured.js';

const COERCE = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-coerce.pcap');

test('rpc-coerce.pcap: the path or callback host each call names, and what each returned', async () => {
  const calls = ofType(await replayEvents([COERCE]), 'dce_rpc.call');
  assert.deepEqual(
    calls.map((c) => [c.client, c.endpoint, c.operation, c.details ?? null, c.result?.name ?? null]),
    [
      ['127.0.0.2', 'efsrpc', 'EfsRpcOpenFileRaw', { path: '\\\\127.0.0.2\\test\\Settings.ini' }, 'ERROR_BAD_NETPATH'],
      ['127.0.0.2', 'efsrpc', 'EfsRpcEncryptFileSrv', { path: '\\\\kali@80/test\\Settings.ini' }, 'ERROR_BAD_NETPATH'],
      ['127.0.0.3', 'spoolss', 'RpcOpenPrinter', null, 'ERROR_SUCCESS'],
      ['127.0.0.3', 'spoolss', 'RpcRemoteFindFirstPrinterChangeNotificationEx', { notify_host: '\\\\198.51.100.7' }, 'RPC_S_SERVER_UNAVAILABLE'],
      ['127.0.0.4', 'spoolss', 'RpcOpenPrinter', null, 'ERROR_SUCCESS'],
      ['127.0.0.4', 'spoolss', 'RpcRemoteFindFirstPrinterChangeNotificationEx', { notify_host: '\\\\PC-0042' }, 'ERROR_SUCCESS'],
      ['127.0.0.5', 'netdfs', 'NetrDfsRemoveStdRoot', { path: '\\\\127.0.0.5\\test' }, 'ERROR_BAD_NETPATH'],
      ['127.0.0.6', 'FileServerVssAgent', 'IsPathSupported', { path: '\\\\127.0.0.6\\share\\' }, '0x8004230c'],
      ['127.0.0.7', 'efsrpc', 'EfsRpcQueryUsersOnFile', { path: 'C:\\Users\\Public\\report.docx' }, 'ERROR_ACCESS_DENIED'],
      ['127.0.0.8', 'efsrpc', 'EfsRpcOpenFileRaw', { path: '\\\\127.0.0.1\\share\\report.docx' }, 'ERROR_ACCESS_DENIED'],
      ['127.0.0.9', 'eventlog', 'ElfrOpenBELW', { path: '\\\\127.0.0.9\\share\\Security.evtx' }, 'STATUS_BAD_NETWORK_PATH'],
      ['127.0.0.10', 'eventlog', 'ElfrBackupELFW', { path: 'C:\\Windows\\Temp\\Security.evtx' }, 'STATUS_SUCCESS'],
      ['127.0.0.11', 'eventlog', 'ElfrOpenBELA', { path: '\\\\198.51.100.8\\logs\\Application.evt' }, 'STATUS_BAD_NETWORK_PATH'],
      ['127.0.0.11', 'eventlog', 'ElfrBackupELFA', { path: 'C:\\Windows\\Temp\\Application.evt' }, 'STATUS_SUCCESS'],
    ],
  );
});

// tshark's event log dissector takes BackupFileName for a unique pointer ([MS-EVEN] 3.1.4.2, 3.1.4.3 and Impacket make it a
// reference) and does not decode the ANSI forms' stubs: the event log calls are left out.
test('rpc-coerce.pcap: the names equal what tshark decodes', async (t) => {
  const fields = [
    'efs.EfsRpcOpenFileRaw.FileName',
    'efs.EfsRpcEncryptFileSrv.Filename',
    'efs.EfsRpcQueryUsersOnFile.FileName',
    'netdfs.dfs_RemoveStdRoot.servername',
    'netdfs.dfs_RemoveStdRoot.rootshare',
    'fsrvp.fsrvp_IsPathSupported.ShareName',
  ];
  const theirs = tsharkFields(COERCE, 'dcerpc.pkt_type == 0 && !(spoolss.opnum == 1) && !eventlog', [...fields, 'spoolss.servername']);
  if (theirs === null) {
    t.skip('tshark is not installed');
    return;
  }
  const decoded = theirs.map((row) => {
    const [open, encrypt, query, dfsServer, dfsShare, share, spooler] = row;
    if (dfsServer) return `\\\\${dfsServer}\\${dfsShare!}`;
    return open || encrypt || query || share || spooler;
  });
  const ours = ofType(await replayEvents([COERCE]), 'dce_rpc.call')
    .filter((c) => c.details !== undefined && c.endpoint !== 'eventlog')
    .map((c) => c.details!.path ?? c.details!.notify_host);
  assert.equal(ours.length, 8);
  assert.deepEqual(ours, decoded);
});

test('every cut of every stub gives nothing until the name is whole; lying counts and noise give bounded text or nothing, never an exception', async () => {
  const reqs = (await capturedRequests(COERCE, [49672])).filter((r) => readsDetails(r.uuid, r.opnum));
  assert.equal(reqs.length, 12);
  checkStubRobustness(reqs, { maxText: 259, seed: 0xc0e5, noiseRounds: 1, lies: [0xffffffff, 0x80000000, 0x10000, 0] });
});
