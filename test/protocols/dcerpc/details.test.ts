/**
 * The analyzer's `details` on call events: stubs Impacket encoded
 * (rpc-exec.pcap, over TCP; samba-svcctl.pcap, made by
 * record-samba-svcctl.sh: Impacket's svcctl calls to Samba over an SMB2
 * named pipe, which Samba faults) replayed through the pipeline, and the
 * same stubs re-framed by hand (pdus.ts): in one fragment or many, at
 * auth level 5 (clear, signed) and 6 (packet privacy: nothing read), a
 * later fragment under packet privacy, a gap, an answer before the last
 * fragment, a stub past MAX_DETAIL_STUB, more calls gathering than
 * MAX_GATHERED_STUBS; buffers go back to the budget. A context bound to
 * NDR64 has its stubs read as NDR64 (ndr-writer.ts encodes them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DceRpcAnalyzer } from '../../../src/protocols/dcerpc/analyzer.js';
import { MAX_DETAIL_STUB, MAX_GATHERED_STUBS } from '../../../src/protocols/dcerpc/consts.js';
import { parserBuffers } from '../../../src/protocols/buffer-budget.js';
import type { DceRpcCallEvent } from '../../../src/protocols/dcerpc/events.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { concat, testContext } from '../asn1/helpers.js';
import { capturedRequests, CREATE_SERVICE_FIELDS, CREATE_SERVICE_REQUESTS, createServiceFields, tsharkFields, type CapturedRequest } from './captured.js';
import { NDR64, SVCCTL, bind, bindAck, fault, request, response, type PduOpts } from './pdus.js';
import { createServiceStub } from './ndr-writer.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc');
const RPC_EXEC = path.join(FIXTURES, 'rpc-exec.pcap');
const SAMBA_SVCCTL = path.join(FIXTURES, 'samba-svcctl.pcap');
const FIRST = 1;
const LAST = 2;

test('rpc-exec.pcap replayed: details on the calls that carry them, none on the others', async () => {
  const calls = ofType(await replayEvents([RPC_EXEC]), 'dce_rpc.call');
  assert.equal(calls.length, 26);
  const withDetails = calls.filter((c) => c.details !== undefined).map((c) => `${c.client} ${c.operation}`);
  assert.deepEqual(withDetails, [
    '127.0.0.2 CreateServiceW',
    '127.0.0.2 StartServiceW',
    '127.0.0.2 DeleteService',
    '127.0.0.3 CreateServiceW',
    '127.0.0.3 CreateServiceA',
    '127.0.0.4 OpenServiceW',
    '127.0.0.4 ChangeServiceConfigW',
    '127.0.0.4 StartServiceW',
    '127.0.0.4 ChangeServiceConfigW',
    '127.0.0.4 ChangeServiceConfigW',
    '127.0.0.4 ChangeServiceConfigA',
    '127.0.0.5 SchRpcRegisterTask',
    '127.0.0.5 SchRpcRun',
    '127.0.0.6 NetrJobAdd',
    '127.0.0.7 ExecMethod',
    '127.0.0.7 ExecMethodAsync',
    '127.0.0.8 CreateServiceW',
    '127.0.0.8 StartServiceW',
    '127.0.0.8 DeleteService',
  ]);
  const task = calls.find((c) => c.operation === 'SchRpcRegisterTask')!;
  assert.equal(task.details!.command, 'cmd.exe');
  // The smbexec-style request sent in 64-byte fragments reads like the one in one fragment.
  const [one, many] = calls.filter((c) => c.operation === 'CreateServiceW' && c.details?.service_name === 'BTOBTO');
  assert.deepEqual(many!.details, one!.details);
  assert.equal(many!.request_bytes, one!.request_bytes);
});

test('samba-svcctl.pcap: Impacket svcctl calls over an SMB2 pipe carry their details (as tshark decodes them), faulted by Samba', async () => {
  const calls = ofType(await replayEvents([SAMBA_SVCCTL]), 'dce_rpc.call');
  assert.deepEqual(
    calls.map((c) => [c.transport, c.named_pipe, c.operation, c.fault ?? null, c.details ?? null]),
    [
      ['smb', '\\pipe\\svcctl', 'OpenSCManagerW', null, null],
      [
        'smb',
        '\\pipe\\svcctl',
        'CreateServiceW',
        'nca_s_op_rng_error',
        {
          service_name: 'PKTSVC',
          display_name: 'PKTSVC',
          service_type: 'own_process',
          start_type: 'demand',
          binary_path: '%COMSPEC% /Q /c echo whoami ^> \\\\%COMPUTERNAME%\\C$\\__output 2^>^&1 > %TEMP%\\run.bat & %COMSPEC% /Q /c %TEMP%\\run.bat & del %TEMP%\\run.bat',
        },
      ],
      ['smb', '\\pipe\\svcctl', 'ChangeServiceConfigW', 'nca_s_op_rng_error', { binary_path: 'C:\\Windows\\qXwPzLmN.exe' }],
      // Its handle is the zero handle Impacket fell back to: it names no service.
      ['smb', '\\pipe\\svcctl', 'StartServiceW', 'nca_s_fault_context_mismatch', {}],
    ],
  );  const tshark = tsharkFields(SAMBA_SVCCTL, CREATE_SERVICE_REQUESTS, CREATE_SERVICE_FIELDS);
  if (tshark !== null) assert.deepEqual([createServiceFields(calls[1]!.details!)], tshark);
});

/** One svcctl (or other) association with `req` sent as the given fragments; the call events. */
function session(r: CapturedRequest, fragments: { bytes: Uint8Array; flags: number; opts?: PduOpts }[], then: 'response' | 'fault' = 'response'): DceRpcCallEvent[] {
  const ctx = testContext('tcp', 49670);
  const a = new DceRpcAnalyzer(ctx);
  a.data(true, bind(1, [{ ctx: 0, uuid: r.uuid }]), 1);
  a.data(false, bindAck(1, '49670', [0]), 1);
  for (const f of fragments) a.data(true, request(2, 0, r.opnum, f.bytes, { ...f.opts, flags: f.flags }), 2);
  a.data(false, then === 'response' ? response(2, 0, new Uint8Array(8)) : fault(2, 5), 3);
  a.end(4);
  return ofType(ctx.events, 'dce_rpc.call');
}

/** `stub` in pieces of `size` bytes, with first/last fragment flags. */
function split(stub: Uint8Array, size: number, opts?: PduOpts): { bytes: Uint8Array; flags: number; opts?: PduOpts }[] {
  const out: { bytes: Uint8Array; flags: number; opts?: PduOpts }[] = [];
  for (let at = 0; at < stub.length; at += size) {
    const flags = (at === 0 ? FIRST : 0) | (at + size >= stub.length ? LAST : 0);
    out.push({ bytes: stub.subarray(at, at + size), flags, ...(opts !== undefined ? { opts } : {}) });
  }
  return out;
}

async function registerTask(): Promise<CapturedRequest> {
  return (await capturedRequests(RPC_EXEC, [49670])).find((r) => r.opnum === 1 && r.fragments > 1)!;
}

test('one fragment or many, clear or signed (level 5): read; packet privacy (level 6): not read', async () => {
  const r = await registerTask();
  const whole = session(r, [{ bytes: r.stub, flags: FIRST | LAST }])[0]!;
  assert.equal(whole.details!.task_name, '\\tRxQpWvZ');
  for (const size of [1, 7, 100, 4264]) assert.deepEqual(session(r, split(r.stub, size))[0]!.details, whole.details, `fragments of ${size}`);
  const signed = session(r, split(r.stub, 1000, { auth: 16, level: 5 }))[0]!;
  assert.deepEqual(signed.details, whole.details);
  assert.equal(signed.auth_level, 5);
  const sealed = session(r, [{ bytes: r.stub, flags: FIRST | LAST, opts: { auth: 16, level: 6 } }])[0]!;
  assert.equal(sealed.details, undefined);
  assert.equal(sealed.auth_level, 6);
  assert.equal(session(r, split(r.stub, 1000, { auth: 16, level: 6 }))[0]!.details, undefined);
  // A later fragment under packet privacy: the gathered stub is no longer the clear one.
  const mixed = split(r.stub, 1000);
  mixed[2] = { ...mixed[2]!, opts: { auth: 16, level: 6 } };
  assert.equal(session(r, mixed)[0]!.details, undefined);
});

test('a context bound to NDR64 reads NDR64 stubs, in one fragment or many; one bound to NDR 2.0 reads NDR 2.0 stubs', () => {
  const fields = { name: 'Svc64', display: 'Svc 64', type: 0x10, start: 3, path: 'C:\\Windows\\Temp\\x64.exe -run', account: null };
  const want = { service_name: 'Svc64', display_name: 'Svc 64', service_type: 'own_process', start_type: 'demand', binary_path: 'C:\\Windows\\Temp\\x64.exe -run' };
  const run = (bound: string | undefined, stub: Uint8Array, size: number): DceRpcCallEvent => {
    const ctx = testContext('tcp', 49670);
    const a = new DceRpcAnalyzer(ctx);
    a.data(true, bind(1, [{ ctx: 0, uuid: SVCCTL, major: 2, ...(bound !== undefined ? { syntax: bound } : {}) }]), 1);
    a.data(false, bindAck(1, '49670', [0], bound !== undefined ? { syntax: bound } : {}), 1);
    for (const f of split(stub, size)) a.data(true, request(2, 0, 12, f.bytes, { flags: f.flags }), 2);
    a.data(false, response(2, 0, new Uint8Array(8)), 3);
    a.end(4);
    return ofType(ctx.events, 'dce_rpc.call')[0]!;
  };
  const ndr64 = createServiceStub('ndr64', fields);
  const ndr = createServiceStub('ndr', fields);
  for (const size of [ndr64.length, 7, 40]) {
    assert.deepEqual(run(NDR64, ndr64, size).details, want, `NDR64 in fragments of ${size}`);
    assert.deepEqual(run(undefined, ndr, size).details, want, `NDR 2.0 in fragments of ${size}`);
    assert.equal(run(NDR64, ndr, size).details, undefined, `NDR 2.0 stub on an NDR64 context, fragments of ${size}`);
    assert.equal(run(undefined, ndr64, size).details, undefined, `NDR64 stub on an NDR 2.0 context, fragments of ${size}`);
  }
});

test('a stub never completed, answered early, gapped or past MAX_DETAIL_STUB is not read; buffers go back', async () => {
  const r = await registerTask();
  const before = parserBuffers.held;
  const parts = split(r.stub, 1000);
  // The last fragment never comes: the fault ends the call, and with it the gathering.
  assert.equal(session(r, parts.slice(0, 3), 'fault')[0]!.details, undefined);
  assert.equal(parserBuffers.held, before);
  // A gap in the client's bytes between fragments.
  const ctx = testContext('tcp', 49670);
  const a = new DceRpcAnalyzer(ctx);
  a.data(true, bind(1, [{ ctx: 0, uuid: r.uuid }]), 1);
  a.data(false, bindAck(1, '49670', [0]), 1);
  a.data(true, request(2, 0, 1, parts[0]!.bytes, { flags: FIRST }), 2);
  a.gap(true, 1000);
  for (const p of parts.slice(2)) a.data(true, request(2, 0, 1, p.bytes, { flags: p.flags }), 2);
  a.data(false, response(2, 0, new Uint8Array(8)), 3);
  a.end(4);
  const [gapped] = ofType(ctx.events, 'dce_rpc.call');
  assert.equal(gapped!.details, undefined);
  // A stub one byte past the limit, in 4,000-byte fragments of a valid register-task stub padded at its end.
  const big = concat(r.stub, new Uint8Array(MAX_DETAIL_STUB + 1 - r.stub.length));
  assert.equal(session(r, split(big, 4000))[0]!.details, undefined);
  const fits = concat(r.stub, new Uint8Array(MAX_DETAIL_STUB - r.stub.length));
  assert.equal(session(r, split(fits, 4000))[0]!.details!.command, 'cmd.exe');
  assert.equal(parserBuffers.held, before);
});

test(`at most MAX_GATHERED_STUBS (${MAX_GATHERED_STUBS}) calls gather at a time; the one past it is not read`, async () => {
  const r = await registerTask();
  const ctx = testContext('tcp', 49670);
  const a = new DceRpcAnalyzer(ctx);
  a.data(true, bind(1, [{ ctx: 0, uuid: r.uuid }]), 1);
  a.data(false, bindAck(1, '49670', [0]), 1);
  const parts = split(r.stub, 2000);
  const n = MAX_GATHERED_STUBS + 1;
  // Every call's first fragment, then every call's rest: n calls gathering at once.
  for (let id = 10; id < 10 + n; id++) a.data(true, request(id, 0, 1, parts[0]!.bytes, { flags: FIRST }), 2);
  for (let id = 10; id < 10 + n; id++) for (const p of parts.slice(1)) a.data(true, request(id, 0, 1, p.bytes, { flags: p.flags }), 2);
  for (let id = 10; id < 10 + n; id++) a.data(false, response(id, 0, new Uint8Array(8)), 3);
  a.end(4);
  const calls = ofType(ctx.events, 'dce_rpc.call');
  assert.deepEqual(
    calls.map((c) => c.details?.command ?? null),
    [...new Array<string>(MAX_GATHERED_STUBS).fill('cmd.exe'), null],
  );
});
