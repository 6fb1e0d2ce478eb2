/**
 * What remote-execution requests ask for, read from stubs Impacket encoded
 * (test/fixtures/dcerpc/rpc-exec.pcap, made by record-rpc-exec.sh: svcctl
 * CreateServiceW/A and ChangeServiceConfigW/A, ITaskSchedulerService
 * SchRpcRegisterTask in 4 fragments and SchRpcRun, atsvc NetrJobAdd,
 * IWbemServices ExecMethod and ExecMethodAsync), checked against tshark's
 * svcctl and atsvc dissectors where it has them; every cut of every stub,
 * lying counts at every position, random damage and noise (nothing, never
 * an exception); a big-endian stub; the caps on what is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readsDetails, requestDetails } from '../../../src/protocols/dcerpc/request-details.js';
import type { DceRpcCallDetails } from '../../../src/protocols/dcerpc/events.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { be32, concat, le32, mutate, rng, utf16 } from '../asn1/helpers.js';
import { capturedRequests, CREATE_SERVICE_FIELDS, CREATE_SERVICE_REQUESTS, createServiceFields, tsharkFields, type CapturedRequest } from './captured.js';
import { SVCCTL } from './pdus.js';

const RPC_EXEC = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-exec.pcap');
const ATSVC = '1ff70682-0a51-30e8-076d-740be8cee98b';
const TASKS = '86d35949-83c9-4044-b424-db363231fd0c';
const WBEM = '9556dc99-828c-11cf-a37e-00aa003240c7';
const SMBEXEC = '%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat';

const read = (r: CapturedRequest, end = r.stub.length): DceRpcCallDetails | undefined => requestDetails(r.uuid, r.opnum, r.stub, 0, end, true);

/** The requests of rpc-exec.pcap whose stubs are read. */
async function detailed(): Promise<CapturedRequest[]> {
  return (await capturedRequests(RPC_EXEC, [49670])).filter((r) => readsDetails(r.uuid, r.opnum));
}

test('rpc-exec.pcap: what each request asks for, as Impacket encoded it', async () => {
  const reqs = await detailed();
  assert.deepEqual(
    reqs.map((r) => [r.flow, r.opnum, r.fragments, read(r)]),
    [
      [0, 12, 1, { service_name: 'BTOBTO', display_name: 'BTOBTO', service_type: 'own_process', start_type: 'demand', binary_path: SMBEXEC }],
      // StartServiceW and DeleteService name their service by handle only (the conversation names it, service-handles.ts).
      [0, 19, 1, {}],
      [0, 2, 1, {}],
      [1, 12, 1, { service_name: 'RmXq', display_name: 'RmXq', service_type: 'own_process', start_type: 'auto', binary_path: '%systemroot%\\qZkWpLmN.exe', user: 'LocalSystem' }],
      [1, 24, 1, { service_name: 'UpdSvc', display_name: 'Update service', service_type: 'share_process', start_type: 'disabled', binary_path: 'C:\\Program Files\\Upd\\upd.exe' }],
      [2, 16, 1, { service_name: 'XblAuthManager' }],
      [2, 11, 1, { binary_path: 'C:\\windows\\system32\\cmd.exe /c powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=' }],
      [2, 19, 1, {}],
      [2, 11, 1, { binary_path: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p' }],
      [2, 11, 1, { start_type: 'demand' }],
      [2, 23, 1, { binary_path: 'C:\\Windows\\Temp\\svc.exe' }],
      [3, 1, 4, { task_name: '\\tRxQpWvZ', user: 'S-1-5-18', run_level: 'HighestAvailable', command: 'cmd.exe', arguments: '/C whoami /all > %windir%\\Temp\\tRxQpWvZ.tmp 2>&1' }],
      [3, 12, 1, { task_name: '\\tRxQpWvZ' }],
      [4, 0, 1, { command: 'cmd /c net user backup P@ss-1 /add', job_time: '12:30' }],
      [5, 24, 1, { object_path: 'Win32_Process', method: 'Create' }],
      [5, 25, 1, { object_path: 'StdRegProv', method: 'GetStringValue' }],
      [6, 12, 7, { service_name: 'BTOBTO', display_name: 'BTOBTO', service_type: 'own_process', start_type: 'demand', binary_path: SMBEXEC }],
      [6, 19, 1, {}],
      [6, 2, 1, {}],
    ],
  );
  assert.deepEqual([...new Set(reqs.map((r) => r.uuid))], [SVCCTL, TASKS, ATSVC, WBEM]);
});


test('rpc-exec.pcap: CreateServiceW and NetrJobAdd fields equal what tshark decodes', async (t) => {
  const svc = tsharkFields(RPC_EXEC, CREATE_SERVICE_REQUESTS, CREATE_SERVICE_FIELDS);
  const at = tsharkFields(RPC_EXEC, 'atsvc.opnum == 0 && dcerpc.pkt_type == 0', ['atsvc.atsvc_JobInfo.command', 'atsvc.atsvc_JobInfo.job_time']);
  if (svc === null || at === null) {
    t.skip('tshark is not installed');
    return;
  }
  const reqs = await detailed();
  const ours = reqs
    .filter((r) => r.uuid === SVCCTL && r.opnum === 12)
    .map((r) => createServiceFields(read(r)!));
  assert.equal(ours.length, 3);
  assert.deepEqual(ours, svc);
  const job = read(reqs.find((r) => r.uuid === ATSVC)!)!;
  const [hh, mm] = job.job_time!.split(':').map(Number);
  assert.deepEqual([[job.command, String((hh! * 60 + mm!) * 60_000)]], at);
});

test('every cut of every stub: nothing until the last field read is whole, then the same; never throws', async () => {
  for (const r of await detailed()) {
    const whole = read(r);
    let first = -1;
    for (let end = 0; end <= r.stub.length; end++) {
      const got = read(r, end);
      if (got !== undefined && first < 0) first = end;
      if (first < 0) assert.equal(got, undefined);
      else assert.deepEqual(got, whole, `opnum ${r.opnum} cut at ${end}`);
    }
    // Only the few fixed parameters after the last string read are not needed.
    assert.ok(first >= r.stub.length - 32, `opnum ${r.opnum}: read from ${first} of ${r.stub.length} bytes`);
  }
});

/** True when every field is a string within the caps (names 256, commands 2,048, plus "..."). */
function bounded(d: DceRpcCallDetails | undefined): boolean {
  if (d === undefined) return true;
  return Object.entries(d).every(([k, v]) => typeof v === 'string' && v.length <= (['binary_path', 'command', 'arguments'].includes(k) ? 2051 : 259));
}

test('lying counts at every position, random damage and noise: bounded text or nothing, never an exception', async () => {
  const reqs = await detailed();
  for (const r of reqs) {
    for (let at = 0; at + 4 <= r.stub.length; at += 4) {
      for (const lie of [0xffffffff, 0x80000000, 0x10000, r.stub.length, 0]) {
        const b = concat(r.stub.subarray(0, at), le32(lie), r.stub.subarray(at + 4));
        assert.ok(bounded(requestDetails(r.uuid, r.opnum, b, 0, b.length, true)));
      }
    }
  }
  const rand = rng(0x5c3d);
  for (let i = 0; i < 4000; i++) {
    const r = reqs[i % reqs.length]!;
    const m = mutate(r.stub, rand);
    assert.ok(bounded(requestDetails(r.uuid, r.opnum, m, 0, m.length + (i % 3) * 8, i % 5 !== 0)));
  }
  // What packet privacy leaves (random bytes) reads as nothing for every operation
  // (a call naming its service by handle reads as no field: its handle is opaque bytes anyway).
  for (const r of reqs) {
    const noise = new Uint8Array(r.stub.length).map(() => Math.floor(rand() * 256));
    const got = read({ ...r, stub: noise });
    assert.ok(got === undefined || Object.keys(got).length === 0, `opnum ${r.opnum}`);
  }
});

test('a string announcing more than its [range] allows, or a maximum count below its actual count, gives nothing', async () => {
  const create = (await detailed()).find((r) => r.uuid === SVCCTL && r.opnum === 12)!;
  // lpServiceName's counts follow the 20-byte handle: max count, offset, actual count.
  const over = concat(create.stub.subarray(0, 20), le32(258), create.stub.subarray(24));
  assert.equal(requestDetails(SVCCTL, 12, over, 0, over.length, true), undefined);
  const inverted = concat(create.stub.subarray(0, 28), le32(8), create.stub.subarray(32));
  assert.equal(requestDetails(SVCCTL, 12, inverted, 0, inverted.length, true), undefined);
  const offset = concat(create.stub.subarray(0, 24), le32(1), create.stub.subarray(28));
  assert.equal(requestDetails(SVCCTL, 12, offset, 0, offset.length, true), undefined);
});

/** A [string] wchar_t array in big-endian NDR, padded to 4 bytes. */
function wideBe(text: string): Uint8Array {
  const units = text.length + 1;
  const chars = new Uint8Array(2 * units);
  for (let i = 0; i < text.length; i++) {
    chars[2 * i] = text.charCodeAt(i) >> 8;
    chars[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return concat(be32(units), be32(0), be32(units), chars, new Uint8Array((4 - (chars.length % 4)) % 4));
}

test('a big-endian CreateServiceW stub (drep integer representation 0) reads the same', () => {
  const stub = concat(
    new Uint8Array(20), wideBe('Svc'), be32(0x20000), wideBe('My service'), be32(0xf01ff), be32(0x110), be32(2), be32(1),
    wideBe('C:\\Windows\\x.exe -k'), be32(0), be32(0), be32(0), be32(0), be32(0x20004), wideBe('.\\admin'), be32(0), be32(0),
  );
  assert.deepEqual(requestDetails(SVCCTL, 12, stub, 0, stub.length, false), {
    service_name: 'Svc',
    display_name: 'My service',
    service_type: 'own_process+interactive',
    start_type: 'auto',
    binary_path: 'C:\\Windows\\x.exe -k',
    user: '.\\admin',
  });
  // Read as little-endian, the same bytes make no sense.
  assert.equal(requestDetails(SVCCTL, 12, stub, 0, stub.length, true), undefined);
});

test('caps: a 5,000-character binary path is cut at 2,048 and marked, controls are escaped; other operations are not read', () => {
  const wide = (text: string): Uint8Array => {
    const units = text.length + 1;
    return concat(le32(units), le32(0), le32(units), utf16(`${text}\0`), new Uint8Array((4 - ((2 * units) % 4)) % 4));
  };
  const stub = concat(
    new Uint8Array(20), wide('a\tb'), le32(0), le32(0xf01ff), le32(0x10), le32(3), le32(1), wide('x'.repeat(5000)), le32(0), le32(0), le32(0), le32(0), le32(0), le32(0), le32(0),
  );
  const d = requestDetails(SVCCTL, 12, stub, 0, stub.length, true)!;
  assert.equal(d.service_name, 'a\\x09b');
  assert.equal(d.binary_path, `${'x'.repeat(2048)}...`);
  assert.equal(d.display_name, undefined);
  assert.equal(readsDetails(SVCCTL, 15), false);
  assert.equal(readsDetails(undefined, 12), false);
  assert.equal(requestDetails(SVCCTL, 15, stub, 0, stub.length, true), undefined);
});
