/**
 * Random damage to real DCE/RPC traffic: the chunks each analyzer was given
 * when replaying kerberos135_auth (TCP 135), the Impacket-encoded DCOM and
 * WMI capture, the Impacket-encoded remote-execution requests (whose stubs
 * are read and gathered across fragments), the Samba captures (SMB2 named
 * pipes), and a hand-built session, are flipped, cut, given lying
 * lengths and spliced, then fed again. Nothing may throw, and
 * the reader's buffers must hold only bytes that arrived and go back to the
 * parser buffer budget when the flow ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Analyzer } from '../../../src/protocols/analyzer.js';
import { DceRpcAnalyzer } from '../../../src/protocols/dcerpc/analyzer.js';
import { SmbAnalyzer } from '../../../src/protocols/smb/analyzer.js';
import { parserBuffers } from '../../../src/protocols/buffer-budget.js';
import { concat, mutate, rng, testContext } from '../asn1/helpers.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import { bind, bindAck, request, response, LSARPC } from './pdus.js';
import { recordChunks, type Chunk } from './captured.js';

function feed(a: Analyzer, chunks: readonly Chunk[], rand: () => number): void {
  for (const [orig, data] of chunks) a.data(orig, rand() < 0.3 ? mutate(data, rand) : data, 1);
  a.end(2);
}

test('damaged TCP 135 traffic: never throws; buffers hold what arrived and are given back at the end', { skip: !fs.existsSync(path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego')) }, async () => {
  const flows = await recordChunks(path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego', 'kerberos135_auth.pcapng'), 'dce_rpc', [135]);
  assert.equal(flows.length, 1);
  // The hand-built session too, in one chunk per direction.
  const built: Chunk[] = [
    [true, concat(bind(1, [{ ctx: 0, uuid: LSARPC }]), request(2, 0, 44, new Uint8Array(64)))],
    [false, concat(bindAck(1, '135', [0]), response(2, 0, new Uint8Array(64)))],
  ];
  const rand = rng(0xdce);
  const before = parserBuffers.held;
  for (let i = 0; i < 2000; i++) {
    const ctx = testContext('tcp', 135);
    const a = new DceRpcAnalyzer(ctx);
    feed(a, i % 2 === 0 ? flows[0]! : built, rand);
    assert.equal(parserBuffers.held, before, `iteration ${i}: buffers not given back`);
  }
});

test('damaged DCOM activations, WMI and IDispatch calls (Impacket-encoded): never throws; buffers given back', async () => {
  const flows = await recordChunks(path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'dcom-wmi.pcap'), 'dce_rpc', [135, 49667]);
  assert.equal(flows.length, 10);
  const rand = rng(0xd0c);
  const before = parserBuffers.held;
  for (let i = 0; i < 1000; i++) {
    const a = new DceRpcAnalyzer(testContext('tcp', 135));
    feed(a, flows[i % flows.length]!, rand);
    assert.equal(parserBuffers.held, before, `iteration ${i}: buffers not given back`);
  }
});

test('damaged remote-execution requests (Impacket-encoded, stubs read and gathered): never throws; buffers given back', async () => {
  const flows = await recordChunks(path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-exec.pcap'), 'dce_rpc', [49670]);
  assert.equal(flows.length, 7);
  const rand = rng(0xe7ec);
  const before = parserBuffers.held;
  let read = 0;
  for (let i = 0; i < 1400; i++) {
    const ctx = testContext('tcp', 49670);
    const a = new DceRpcAnalyzer(ctx);
    feed(a, flows[i % flows.length]!, rand);
    assert.equal(parserBuffers.held, before, `iteration ${i}: buffers not given back`);
    for (const e of ctx.events) {
      if (e.type !== 'dce_rpc.call' || e.details === undefined) continue;
      read++;
      for (const v of Object.values(e.details)) assert.ok(typeof v === 'string' && v.length <= 2051);
    }
  }
  // Most flows come through whole or damaged elsewhere: details are still read from them.
  assert.ok(read > 1000, `${read} calls with details`);
});

test('a header announcing 65535 bytes holds only the bytes that came', () => {
  const ctx = testContext('tcp', 135);
  const a = new DceRpcAnalyzer(ctx);
  const before = parserBuffers.held;
  const head = bind(1, [{ ctx: 0, uuid: LSARPC }]).slice(0, 40);
  head[8] = 0xff;
  head[9] = 0xff;
  a.data(true, head, 1);
  assert.ok(parserBuffers.held - before <= 256, `held ${parserBuffers.held - before} bytes for 40`);
  a.end(2);
  assert.equal(parserBuffers.held, before);
});

test('damaged SMB2 named-pipe traffic (Samba: rpcclient, and Impacket svcctl calls): never throws', async () => {
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc');
  const flows = await recordChunks(path.join(fixtures, 'samba-rpc.pcap'), 'smb', [445]);
  assert.equal(flows.length, 5);
  const svcctl = await recordChunks(path.join(fixtures, 'samba-svcctl.pcap'), 'smb', [445]);
  assert.equal(svcctl.length, 1);
  flows.push(...svcctl, ...svcctl);
  const rand = rng(0x5b2);
  for (let i = 0; i < 400; i++) {
    const a = new SmbAnalyzer(testContext('tcp', 445));
    feed(a, flows[i % flows.length]!, rand);
  }
});
