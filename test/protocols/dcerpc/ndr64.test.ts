/**
 * NDR64 stubs ([MS-RPCE] 2.2.5.3): the reader's NDR64 mode on hand-laid
 * bytes (8-byte referent ids and counts, their alignment, counts of 2^32 and
 * more), then the requests of rpc-exec.pcap (Impacket, NDR 2.0) encoded
 * again field by field in NDR64 (ndr-writer.ts) and read to the same
 * details; the writer's NDR 2.0 output reads the same as Impacket's
 * stubs, so the two encodings differ only by the syntax's rules. Each
 * syntax read as the other does not give the details; every cut and lying 8-byte counts
 * (over 2^32, over what is left) give nothing, never an exception. And a
 * capture (ndr64-capture.ts) whose bind_ack accepts NDR64: tshark decodes
 * its CreateServiceW as NDR64 to the fields the pipeline reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NdrReader, type NdrSyntax } from '../../../src/protocols/dcerpc/ndr.js';
import { readsDetails, requestDetails } from '../../../src/protocols/dcerpc/request-details.js';
import type { DceRpcCallDetails } from '../../../src/protocols/dcerpc/events.js';
import { REPO_ROOT, tempDir } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { concat, hex, le32, mutate, rng } from '../asn1/helpers.js';
import { capturedRequests, CREATE_SERVICE_FIELDS, CREATE_SERVICE_REQUESTS, createServiceFields, tsharkFields, type CapturedRequest } from './captured.js';
import { ndr64Session, writeSession } from './ndr64-capture.js';
import { changeServiceStub, createServiceStub, execMethodStub, jobAddStub, registerTaskStub, runTaskStub } from './ndr-writer.js';
import { SVCCTL } from './pdus.js';

const RPC_EXEC = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-exec.pcap');
const ATSVC = '1ff70682-0a51-30e8-076d-740be8cee98b';
const TASKS = '86d35949-83c9-4044-b424-db363231fd0c';
const WBEM = '9556dc99-828c-11cf-a37e-00aa003240c7';
const SMBEXEC = '%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat';
const NO_CHANGE = 0xffffffff;

/** An 8-byte little-endian value. */
function le64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

test('NDR64 reader: referent ids and counts are 8 bytes aligned to 8; other primitives as in NDR 2.0', () => {
  const b = hex(`
    01                        # u8
    ee ee ee ee ee ee ee      # pad to 8 (not checked)
    00 00 02 00 00 00 00 00   # referent id 0x20000 (8 bytes, 2.2.5.3.5)
    04 00 00 00 00 00 00 00   # max count 4 (64-bit, 2.2.5.3.3.2)
    00 00 00 00 00 00 00 00   # offset 0
    04 00 00 00 00 00 00 00   # actual count 4
    53 00 76 00 63 00 00 00   # "Svc\\0"
    00 00 00 00 01 00 00 00   # referent id 2^32 (non-null although its low half is 0)
    2a 00 00 00               # u32, at its NDR 2.0 alignment
  `);
  const r = new NdrReader(b, 0, b.length, true, 'ndr64');
  assert.equal(r.pointerSize, 8);
  assert.equal(r.u8(), 1);
  assert.equal(r.uniqueString(true, 10, 10), 'Svc');
  assert.notEqual(r.pointer(), 0);
  assert.equal(r.u32(), 42);
  assert.equal(r.ok, true);
  // The same bytes read as NDR 2.0 make no sense.
  const ndr = new NdrReader(b, 0, b.length);
  assert.equal(ndr.pointerSize, 4);
  ndr.u8();
  assert.notEqual(ndr.uniqueString(true, 10, 10), 'Svc');
});

test('NDR64 reader: a count of 2^32 or more fails, as does one over its limit or over what is left; the failure sticks', () => {
  const str = (max: bigint, offset: bigint, actual: bigint): Uint8Array => concat(le64(max), le64(offset), le64(actual), [0x41, 0, 0, 0]);
  const read = (b: Uint8Array, limit = 100): string | undefined => {
    const r = new NdrReader(b, 0, b.length, true, 'ndr64');
    const s = r.wideString(limit, 100);
    return r.ok ? s : undefined;
  };
  assert.equal(read(str(2n, 0n, 2n)), 'A');
  for (const lie of [1n << 32n, (1n << 32n) + 2n, 1n << 63n, 0xffffffffffffffffn]) {
    assert.equal(read(str(lie, 0n, 2n)), undefined, `max ${lie}`);
    assert.equal(read(str(2n, lie, 2n)), undefined, `offset ${lie}`);
    assert.equal(read(str(2n, 0n, lie)), undefined, `actual ${lie}`);
    const r = new NdrReader(le64(lie), 0, 8, true, 'ndr64');
    assert.equal(r.count(), 0);
    assert.equal(r.ok, false);
    assert.equal(r.u8(), 0);
  }
  assert.equal(read(str(0xffffffffn, 0n, 0xffffffffn), 0xffffffff), undefined, 'more than is left');
  assert.equal(read(str(200n, 0n, 2n)), undefined, 'over the limit');
  // Byte arrays and BSTRs take 8-byte conformances too.
  const bytes = concat(le64(0x20000n), le64(3n), [1, 2, 3]);
  assert.equal(new NdrReader(bytes, 0, bytes.length, true, 'ndr64').uniqueBytes(10), 3);
  const blob = concat(le64(0x20000n), le64(2n), le32(4), le32(2), [0x4f, 0, 0x4b, 0]);
  assert.equal(new NdrReader(blob, 0, blob.length, true, 'ndr64').bstr(10, 10), 'OK');
  const lyingBlob = concat(le64(0x20000n), le64((1n << 32n) + 2n), le32(4), le32(2), [0x4f, 0, 0x4b, 0]);
  const r = new NdrReader(lyingBlob, 0, lyingBlob.length, true, 'ndr64');
  assert.equal(r.bstr(10, 10), undefined);
  assert.equal(r.ok, false);
});

/** One request in both syntaxes, and what it asks for. */
interface Case {
  label: string;
  uuid: string;
  opnum: number;
  stub: (syntax: NdrSyntax) => Uint8Array;
  want: DceRpcCallDetails;
}

/** The task XML that rpc-exec.pcap's SchRpcRegisterTask sends, taken from its (NDR 2.0) stub. */
async function taskXml(): Promise<string> {
  const r = (await capturedRequests(RPC_EXEC, [49670])).find((c) => c.uuid === TASKS && c.opnum === 1)!;
  const reader = new NdrReader(r.stub, 0, r.stub.length);
  reader.uniqueString(true, 100_000, 100);
  const xml = reader.wideString(100_000, 100_000);
  assert.ok(reader.ok && xml !== undefined && xml.includes('<Exec>'));
  return xml;
}

/** The requests of rpc-exec.pcap (request-details.test.ts lists what Impacket sent). */
async function cases(): Promise<Case[]> {
  const xml = await taskXml();
  return [
    {
      label: 'CreateServiceW (smbexec)',
      uuid: SVCCTL,
      opnum: 12,
      stub: (s) => createServiceStub(s, { name: 'BTOBTO', display: 'BTOBTO', type: 0x10, start: 3, path: SMBEXEC, account: null }),
      want: { service_name: 'BTOBTO', display_name: 'BTOBTO', service_type: 'own_process', start_type: 'demand', binary_path: SMBEXEC },
    },
    {
      label: 'CreateServiceW (psexec, account)',
      uuid: SVCCTL,
      opnum: 12,
      stub: (s) => createServiceStub(s, { name: 'RmXq', display: 'RmXq', type: 0x10, start: 2, path: '%systemroot%\\qZkWpLmN.exe', account: 'LocalSystem' }),
      want: { service_name: 'RmXq', display_name: 'RmXq', service_type: 'own_process', start_type: 'auto', binary_path: '%systemroot%\\qZkWpLmN.exe', user: 'LocalSystem' },
    },
    {
      label: 'CreateServiceA',
      uuid: SVCCTL,
      opnum: 24,
      stub: (s) => createServiceStub(s, { name: 'UpdSvc', display: 'Update service', type: 0x20, start: 4, path: 'C:\\Program Files\\Upd\\upd.exe', account: null }, false),
      want: { service_name: 'UpdSvc', display_name: 'Update service', service_type: 'share_process', start_type: 'disabled', binary_path: 'C:\\Program Files\\Upd\\upd.exe' },
    },
    {
      label: 'ChangeServiceConfigW (path)',
      uuid: SVCCTL,
      opnum: 11,
      stub: (s) => changeServiceStub(s, { type: NO_CHANGE, start: NO_CHANGE, path: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', account: null, display: null }),
      want: { binary_path: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p' },
    },
    {
      label: 'ChangeServiceConfigW (start type only)',
      uuid: SVCCTL,
      opnum: 11,
      stub: (s) => changeServiceStub(s, { type: NO_CHANGE, start: 3, path: null, account: null, display: null }),
      want: { start_type: 'demand' },
    },
    {
      label: 'ChangeServiceConfigA',
      uuid: SVCCTL,
      opnum: 23,
      stub: (s) => changeServiceStub(s, { type: NO_CHANGE, start: NO_CHANGE, path: 'C:\\Windows\\Temp\\svc.exe', account: '.\\svc', display: 'Svc' }, false),
      want: { binary_path: 'C:\\Windows\\Temp\\svc.exe', user: '.\\svc', display_name: 'Svc' },
    },
    {
      label: 'SchRpcRegisterTask',
      uuid: TASKS,
      opnum: 1,
      stub: (s) => registerTaskStub(s, '\\tRxQpWvZ', xml),
      want: { task_name: '\\tRxQpWvZ', user: 'S-1-5-18', run_level: 'HighestAvailable', command: 'cmd.exe', arguments: '/C whoami /all > %windir%\\Temp\\tRxQpWvZ.tmp 2>&1' },
    },
    { label: 'SchRpcRun', uuid: TASKS, opnum: 12, stub: (s) => runTaskStub(s, '\\tRxQpWvZ'), want: { task_name: '\\tRxQpWvZ' } },
    {
      label: 'NetrJobAdd',
      uuid: ATSVC,
      opnum: 0,
      stub: (s) => jobAddStub(s, 'cmd /c net user backup P@ss-1 /add', 45_000_000),
      want: { command: 'cmd /c net user backup P@ss-1 /add', job_time: '12:30' },
    },
    {
      // A server name of 5 characters ends at 4 past a multiple of 8 in NDR64: AT_INFO starts after 4 bytes of padding.
      label: 'NetrJobAdd (server named)',
      uuid: ATSVC,
      opnum: 0,
      stub: (s) => jobAddStub(s, 'cmd /c net user backup P@ss-1 /add', 45_000_000, '\\\\SRV'),
      want: { command: 'cmd /c net user backup P@ss-1 /add', job_time: '12:30' },
    },
    {
      label: 'ExecMethod',
      uuid: WBEM,
      opnum: 24,
      stub: (s) => execMethodStub(s, 'Win32_Process\0', 'Create'),
      want: { object_path: 'Win32_Process', method: 'Create' },
    },
    {
      label: 'ExecMethodAsync (ORPCTHIS with an extension)',
      uuid: WBEM,
      opnum: 25,
      stub: (s) => execMethodStub(s, 'StdRegProv', 'GetStringValue', true),
      want: { object_path: 'StdRegProv', method: 'GetStringValue' },
    },
  ];
}

const read = (c: Case, stub: Uint8Array, syntax: NdrSyntax, end = stub.length): DceRpcCallDetails | undefined =>
  requestDetails(c.uuid, c.opnum, stub, 0, end, true, syntax);

test('the writer in NDR 2.0 reads as Impacket\'s stubs of rpc-exec.pcap do', async () => {
  const captured = (await capturedRequests(RPC_EXEC, [49670])).filter((r) => readsDetails(r.uuid, r.opnum));
  const impacket = captured.map((r: CapturedRequest) => JSON.stringify(requestDetails(r.uuid, r.opnum, r.stub, 0, r.stub.length, true)));
  for (const c of await cases()) {
    const ours = read(c, c.stub('ndr'), 'ndr');
    assert.deepEqual(ours, c.want, c.label);
    if (c.label !== 'ChangeServiceConfigA') assert.ok(impacket.includes(JSON.stringify(ours)), `${c.label}: as in the capture`);
  }
});

test('NDR64 encodings of the same requests read to the same details', async () => {
  for (const c of await cases()) {
    const stub = c.stub('ndr64');
    assert.notDeepEqual(stub, c.stub('ndr'), c.label);
    assert.deepEqual(read(c, stub, 'ndr64'), c.want, c.label);
  }
});

test('NDR64 stubs read as NDR 2.0, and NDR 2.0 stubs read as NDR64, do not give the request\'s details', async () => {
  for (const c of await cases()) {
    if (c.label === 'ChangeServiceConfigW (start type only)') {
      // Only null pointers and 32-bit numbers: 4 zero bytes or 8 read alike, so both syntaxes agree (and are right).
      assert.deepEqual(read(c, c.stub('ndr64'), 'ndr'), c.want);
      continue;
    }
    assert.notDeepEqual(read(c, c.stub('ndr64'), 'ndr'), c.want, `${c.label} NDR64 as NDR 2.0`);
    assert.notDeepEqual(read(c, c.stub('ndr'), 'ndr64'), c.want, `${c.label} NDR 2.0 as NDR64`);
  }
});

test('NDR64 CreateServiceW: the layout the spec gives, byte by byte at the start', () => {
  const stub = createServiceStub('ndr64', { name: 'Svc', display: null, type: 0x10, start: 3, path: 'x', account: null }, true, 0xcc);
  const want = hex(`
    00000000 0101010101010101 0101010101010101   # hSCManager: 20 bytes, as in NDR 2.0
    cccccccc                                     # pad to 8 for the 64-bit counts
    0400000000000000 0000000000000000 0400000000000000  # lpServiceName [ref, string]: max, offset, actual
    5300 7600 6300 0000                          # "Svc\\0" (8 bytes: already aligned)
    0000000000000000                             # lpDisplayName: null unique pointer, 8 bytes
    ff010f00 10000000 03000000 00000000          # access, type (own_process), start (demand), error control
    0200000000000000 0000000000000000 0200000000000000  # lpBinaryPathName counts
    7800 0000                                    # "x\\0"
    cccccccc                                     # pad to 8
    0000000000000000 0000000000000000            # lpLoadOrderGroup, lpdwTagId: null
    0400020000000000 0400000000000000 41000000   # lpDependencies: referent, 64-bit conformance, 4 bytes
    04000000                                     # dwDependSize
    0000000000000000                             # lpServiceStartName: null
    0000000000000000 00000000                    # lpPassword, dwPwSize
  `);
  assert.deepEqual(stub, want);
  // Padding is skipped, whatever it holds.
  assert.deepEqual(requestDetails(SVCCTL, 12, stub, 0, stub.length, true, 'ndr64'), {
    service_name: 'Svc',
    service_type: 'own_process',
    start_type: 'demand',
    binary_path: 'x',
  });
});

test('every cut of every NDR64 stub: nothing until the last field read is whole, then the same; never throws', async () => {
  for (const c of await cases()) {
    const stub = c.stub('ndr64');
    let first = -1;
    for (let end = 0; end <= stub.length; end++) {
      const got = read(c, stub, 'ndr64', end);
      if (got !== undefined && first < 0) first = end;
      if (first < 0) assert.equal(got, undefined, `${c.label} cut at ${end}`);
      else assert.deepEqual(got, c.want, `${c.label} cut at ${end}`);
    }
    assert.ok(first > 0 && first >= stub.length - 48, `${c.label}: read from ${first} of ${stub.length} bytes`);
  }
});

/** True when every field is a string within the caps (names 256, commands 2,048, plus "..."). */
function bounded(d: DceRpcCallDetails | undefined): boolean {
  if (d === undefined) return true;
  return Object.entries(d).every(([k, v]) => typeof v === 'string' && v.length <= (['binary_path', 'command', 'arguments'].includes(k) ? 2051 : 259));
}

test('lying 8-byte counts and referent ids at every aligned position, random damage: bounded text or nothing, never an exception', async () => {
  const all = await cases();
  for (const c of all) {
    const stub = c.stub('ndr64');
    for (let at = 0; at + 8 <= stub.length; at += 8) {
      for (const lie of [1n << 32n, (1n << 32n) | 5n, 1n << 63n, 0xffffffffffffffffn, BigInt(stub.length - at), 0n]) {
        const b = concat(stub.subarray(0, at), le64(lie), stub.subarray(at + 8));
        assert.ok(bounded(read(c, b, 'ndr64')), `${c.label} at ${at}`);
      }
    }
  }
  // The first string's counts sit at 24 in a CreateServiceW (after the 20-byte handle and 4 bytes of padding).
  const create = all[0]!;
  const stub = create.stub('ndr64');
  for (const field of [24, 32, 40]) {
    for (const lie of [(1n << 32n) + 7n, 1n << 40n, BigInt(stub.length)]) {
      const b = concat(stub.subarray(0, field), le64(lie), stub.subarray(field + 8));
      assert.equal(read(create, b, 'ndr64'), undefined, `count at ${field} = ${lie}`);
    }
  }
  const rand = rng(0x6464);
  for (let i = 0; i < 3000; i++) {
    const c = all[i % all.length]!;
    const m = mutate(c.stub('ndr64'), rand);
    assert.ok(bounded(requestDetails(c.uuid, c.opnum, m, 0, m.length + (i % 3) * 8, true, 'ndr64')));
  }
});

test('a capture with a bind accepting NDR64 and an NDR64 CreateServiceW: tshark decodes the fields we read; the pipeline gives the details', async (t) => {
  const dir = tempDir('picket-ndr64-');
  try {
    const file = path.join(dir, 'svcctl-ndr64.pcap');
    await writeSession(ndr64Session(), file);
    const calls = ofType(await replayEvents([file]), 'dce_rpc.call');
    assert.deepEqual(
      calls.map((c) => [c.operation, c.details]),
      [['CreateServiceW', { service_name: 'WinUpd64', display_name: 'Windows Update Helper', service_type: 'own_process', start_type: 'demand', binary_path: 'C:\\Windows\\Temp\\upd64.exe -silent', user: 'LocalSystem' }]],
    );
    const tshark = tsharkFields(file, CREATE_SERVICE_REQUESTS, [...CREATE_SERVICE_FIELDS, 'svcctl.service_start_name', 'dcerpc.referent_id64']);
    if (tshark === null) {
      t.skip('tshark is not installed');
      return;
    }
    const d = calls[0]!.details!;
    // tshark took the context as NDR64 from the bind_ack: its referent ids are 8-byte ones (dcerpc.referent_id64).
    assert.deepEqual(tshark, [[...createServiceFields(d), d.user, '0x0000000000020000']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
