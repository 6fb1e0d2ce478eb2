/**
 * What printer driver installations ask the spooler to load
 * (printer-driver.ts): rpc-driver.pcap (made by record-rpc-driver.sh:
 * RpcAddPrinterDriverEx requests Impacket encoded, PrintNightmare's and a
 * driver deployment's) replayed through the pipeline; a level-3
 * structure, which Impacket does not encode, built with the tests' NDR
 * writer from [MS-RPRN] 2.2.1.5.3 after its level-2 twin was checked to
 * lay out as Impacket's; every cut of every stub, lying counts and noise
 * (nothing or bounded text, never an exception).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readsDetails, requestDetails } from '../../../src/protocols/dcerpc/request-details.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { concat, le32 } from '../asn1/helpers.js';
import { capturedRequests, checkStubRobustness } from './captured.js';
import { NdrWriter } from './ndr-writer.js';

const DRIVER = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-driver.pcap');
const SPOOLSS = '12345678-1234-abcd-ef00-0123456789ab';
const UNIDRV = 'C:\\Windows\\System32\\DriverStore\\FileRepository\\ntprint.inf_amd64_83aa9aebf5dffc96\\Amd64\\UNIDRV.DLL';
const STORE = 'C:\\Windows\\System32\\DriverStore\\FileRepository\\hpcu250u.inf_amd64_1c3b3f2ab1f4c5d1\\Amd64\\';
const SHARED_DLL = '\\\\127.0.0.2\\share\\nightmare.dll';

test('rpc-driver.pcap: the driver, its environment and its three files, and what each call returned', async () => {
  const calls = ofType(await replayEvents([DRIVER]), 'dce_rpc.call');
  const base = { driver_name: '1234', environment: 'Windows x64', driver_path: UNIDRV, data_file: SHARED_DLL };
  assert.deepEqual(
    calls.map((c) => [c.client, c.operation, c.result?.name, c.details]),
    [
      ['127.0.0.2', 'RpcAddPrinterDriverEx', 'ERROR_SUCCESS', { ...base, config_file: 'C:\\Windows\\System32\\winhttp.dll' }],
      ['127.0.0.2', 'RpcAddPrinterDriverEx', 'ERROR_SUCCESS', { ...base, config_file: 'C:\\Windows\\System32\\spool\\drivers\\x64\\3\\old\\1\\nightmare.dll' }],
      ['127.0.0.3', 'RpcAddPrinterDriverEx', 'ERROR_ACCESS_DENIED', { ...base, config_file: 'C:\\Windows\\System32\\winhttp.dll' }],
      [
        '127.0.0.4',
        'RpcAddPrinterDriverEx',
        'ERROR_SUCCESS',
        { driver_name: 'HP Universal Printing PCL 6', environment: 'Windows x64', driver_path: `${STORE}unidrv.dll`, data_file: `${STORE}hpcu250u.gpd`, config_file: `${STORE}unidrvui.dll` },
      ],
    ],
  );
});

/** RpcAddPrinterDriverEx's stub at `level` (2 or 3) with the strings of DRIVER_INFO_2 and, for 3, the help file and no dependent files. */
function driverStub(level: 2 | 3, files: { name: string; env: string; driver: string; data: string; config: string; help?: string }): Uint8Array {
  const w = new NdrWriter('ndr');
  w.uniqueString('\\\\127.0.0.1', 0x20000);
  w.u32(level).u32(level).pointer(0x20004);
  w.u32(3);
  for (let i = 0; i < 5; i++) w.pointer(0x20008 + 4 * i);
  if (level === 3) w.pointer(0x2001c).pointer(0).pointer(0).u32(0).pointer(0);
  for (const text of [files.name, files.env, files.driver, files.data, files.config]) w.wide(text);
  if (level === 3) w.wide(files.help ?? '');
  return w.u32(0x8014).bytes();
}

test('a level-2 stub built from the specification equals Impacket\'s; a level-3 one reads the same five strings', async () => {
  const reqs = (await capturedRequests(DRIVER, [49673])).filter((r) => readsDetails(r.uuid, r.opnum));
  const files = { name: '1234', env: 'Windows x64', driver: UNIDRV, data: SHARED_DLL, config: 'C:\\Windows\\System32\\winhttp.dll' };
  // Referent ids are the encoder's choice: the layout must agree, byte count and reading.
  const two = driverStub(2, files);
  assert.equal(two.length, reqs[0]!.stub.length);
  assert.deepEqual(requestDetails(SPOOLSS, 89, two, 0, two.length, true), requestDetails(SPOOLSS, 89, reqs[0]!.stub, 0, reqs[0]!.stub.length, true));
  const three = driverStub(3, { ...files, help: 'C:\\Windows\\help.chm' });
  assert.deepEqual(requestDetails(SPOOLSS, 89, three, 0, three.length, true), {
    driver_name: '1234',
    environment: 'Windows x64',
    driver_path: UNIDRV,
    data_file: SHARED_DLL,
    config_file: 'C:\\Windows\\System32\\winhttp.dll',
  });
  // A level whose arm does not match its discriminant is inconsistent; an unknown level reads nothing.
  // The server name takes 40 bytes (pointer, three counts, 12 UTF-16 units); the level and the discriminant follow.
  const lying = concat(three.subarray(0, 44), le32(2), three.subarray(48));
  assert.equal(requestDetails(SPOOLSS, 89, lying, 0, lying.length, true), undefined);
  const unknown = concat(three.subarray(0, 40), le32(5), le32(5), three.subarray(48));
  assert.deepEqual(requestDetails(SPOOLSS, 89, unknown, 0, unknown.length, true), {});
});

test('every cut of every stub gives nothing until the last string is whole; lying counts and noise give bounded text or nothing', async () => {
  const reqs = (await capturedRequests(DRIVER, [49673])).filter((r) => readsDetails(r.uuid, r.opnum));
  assert.equal(reqs.length, 4);
  const firsts = checkStubRobustness(reqs, { maxText: 2051, seed: 0xd21e, noiseRounds: 50, lies: [0xffffffff, 0x80000000, 0x10000, 0, 1, 8] });
  // Only the flags after the last string are not needed.
  reqs.forEach((r, i) => assert.ok(firsts[i]! >= r.stub.length - 4, `read from ${firsts[i]} of ${r.stub.length}`));
});
