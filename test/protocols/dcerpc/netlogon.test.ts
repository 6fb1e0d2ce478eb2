/**
 * Netlogon secure-channel setup (netlogon.ts) read from rpc-zerologon.pcap
 * (made by record-rpc-zerologon.sh: the Zerologon proof of concept's
 * NetrServerAuthenticate3 and NetrServerPasswordSet2 calls and a member
 * server's setup, encoded by Impacket), checked against tshark's netlogon
 * dissector for NetrServerAuthenticate3 (its NetrServerPasswordSet2
 * dissection takes AccountName for a unique pointer and fails; [MS-NRPC]
 * 3.5.4.4.5 and Impacket make it a reference); every cut of every stub,
 * lying counts and noise (nothing or bounded text, never an exception).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readsDetails } from '../../../src/protocols/dcerpc/request-details.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { capturedRequests, checkStubRobustness, tsharkFields } from './captured.js';

const ZEROLOGON = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-zerologon.pcap');
const ZERO = '0000000000000000';

test('rpc-zerologon.pcap: the account, computer and credential of each setup; the zeroed password reset; what each returned', async () => {
  const calls = ofType(await replayEvents([ZEROLOGON]), 'dce_rpc.call').filter((c) => c.operation !== 'NetrServerReqChallenge');
  assert.equal(calls.length, 14);
  const zero = { user: 'DC01$', computer_name: 'DC01', client_credential: ZERO };
  for (const c of calls.slice(0, 11)) assert.deepEqual([c.operation, c.details, c.result?.name], ['NetrServerAuthenticate3', zero, 'STATUS_ACCESS_DENIED']);
  assert.deepEqual([calls[11]!.details, calls[11]!.result?.name], [zero, 'STATUS_SUCCESS']);
  assert.deepEqual([calls[12]!.operation, calls[12]!.details], ['NetrServerPasswordSet2', { ...zero, new_password: 'all_zero' }]);
  assert.deepEqual(calls[13]!.details, { user: 'FS01$', computer_name: 'FS01', client_credential: '8e2107c45d93aa60' });
});

test('rpc-zerologon.pcap: NetrServerAuthenticate3 accounts and credentials equal what tshark decodes', async (t) => {
  const theirs = tsharkFields(ZEROLOGON, 'netlogon.opnum == 26 && dcerpc.pkt_type == 0', ['netlogon.acct_name', 'netlogon.clientcred']);
  if (theirs === null) {
    t.skip('tshark is not installed');
    return;
  }
  const ours = ofType(await replayEvents([ZEROLOGON]), 'dce_rpc.call')
    .filter((c) => c.operation === 'NetrServerAuthenticate3')
    .map((c) => [c.details!.user, c.details!.client_credential]);
  assert.equal(ours.length, 13);
  assert.deepEqual(ours, theirs);
});

test('every cut of every stub gives nothing until it is whole; lying counts and noise give bounded text or nothing', async () => {
  const all = (await capturedRequests(ZEROLOGON, [49674])).filter((r) => readsDetails(r.uuid, r.opnum));
  // One of each: the zero-credential setup, the password reset, the member's setup.
  const reqs = [all[0]!, all.find((r) => r.opnum === 30)!, all[all.length - 1]!];
  checkStubRobustness(reqs, { maxText: 259, seed: 0x2e70, noiseRounds: 50, lies: [0xffffffff, 0x80000000, 0x10000, 0, 1] });
});
