/**
 * What a remote-execution request asks for, read from its stub: which
 * operations are read (by interface UUID and opnum) and by which extractor
 * (scmr.ts for svcctl, tsch.ts for atsvc and ITaskSchedulerService, wmi.ts
 * for IWbemServices, coerce.ts for the calls that make a server reach a path
 * or host, printer-driver.ts for printer driver installations, netlogon.ts
 * for secure-channel setup), each walking the stub with the bounded NDR reader
 * (ndr.ts) in the context's transfer syntax (NDR 2.0 or NDR64); their raw text is made log text here (wire-text.ts's
 * `printableText`: names cut at MAX_STUB_NAME characters, commands at
 * MAX_STUB_COMMAND) and empty fields are dropped. The conversation calls it
 * once per request whose stub is in clear and whole; a stub that is cut or
 * inconsistent gives undefined. Pure: never throws.
 */
import type { DceRpcCallDetails } from './events.js';
import { MAX_STUB_COMMAND, MAX_STUB_NAME } from './consts.js';
import { NdrReader, type NdrSyntax } from './ndr.js';
import { changeServiceConfigDetails, createServiceDetails, openServiceDetails, serviceHandleDetails } from './scmr.js';
import { jobAddDetails, registerTaskDetails, runTaskDetails } from './tsch.js';
import { execMethodDetails } from './wmi.js';
import {
  DFS_ROOT_OPNUMS,
  dfsRootDetails,
  EFS_FILE_OPNUMS,
  EFSRPC_UUIDS,
  efsFileDetails,
  backupLogDetails,
  EVENTLOG_BACKUP_A_OPNUM,
  EVENTLOG_BACKUP_OPNUM,
  EVENTLOG_OPEN_BACKUP_A_OPNUM,
  EVENTLOG_OPEN_BACKUP_OPNUM,
  EVENTLOG_UUID,
  FSRVP_UUID,
  NETDFS_UUID,
  openBackupLogDetails,
  PRINTER_NOTIFY_OPNUMS,
  printerNotifyDetails,
  SHADOW_PATH_OPNUMS,
  shadowPathDetails,
  SPOOLSS_UUID,
} from './coerce.js';
import { AUTHENTICATE_OPNUMS, authenticateDetails, NETLOGON_UUID, PASSWORD_SET2_OPNUM, passwordSet2Details } from './netlogon.js';
import { addPrinterDriverDetails, ASYNC_PRINTER_DRIVER_OPNUMS, PRINTER_DRIVER_OPNUMS, REMOTE_WINSPOOL_UUID } from './printer-driver.js';
import { printableText } from '../wire-text.js';

type Extractor = (r: NdrReader) => DceRpcCallDetails | undefined;

const wideService = (r: NdrReader) => createServiceDetails(r, true);
const ansiService = (r: NdrReader) => createServiceDetails(r, false);

/** One extractor for each of `opnums`. */
function byOpnum(opnums: readonly number[], extract: Extractor): ReadonlyMap<number, Extractor> {
  return new Map(opnums.map((n) => [n, extract]));
}

/** Interface UUID -> opnum -> extractor. */
const EXTRACTORS: ReadonlyMap<string, ReadonlyMap<number, Extractor>> = new Map<string, ReadonlyMap<number, Extractor>>([
  [
    // svcctl ([MS-SCMR] 3.1.4): DeleteService, ChangeServiceConfigW, CreateServiceW, OpenServiceW, StartServiceW,
    // ChangeServiceConfigA, CreateServiceA, OpenServiceA, StartServiceA, CreateServiceWOW64A/W.
    '367abb81-9844-35f1-ad32-98f038001003',
    new Map<number, Extractor>([
      [2, serviceHandleDetails],
      [11, (r) => changeServiceConfigDetails(r, true)],
      [12, wideService],
      [16, (r) => openServiceDetails(r, true)],
      [19, serviceHandleDetails],
      [23, (r) => changeServiceConfigDetails(r, false)],
      [24, ansiService],
      [28, (r) => openServiceDetails(r, false)],
      [31, serviceHandleDetails],
      [44, ansiService],
      [45, wideService],
    ]),
  ],
  // atsvc ([MS-TSCH] 3.2.5.2): NetrJobAdd.
  ['1ff70682-0a51-30e8-076d-740be8cee98b', new Map([[0, jobAddDetails]])],
  // ITaskSchedulerService ([MS-TSCH] 3.2.5.4): SchRpcRegisterTask, SchRpcRun.
  ['86d35949-83c9-4044-b424-db363231fd0c', new Map([[1, registerTaskDetails], [12, runTaskDetails]])],
  // IWbemServices ([MS-WMI] 3.1.4.3): ExecMethod, ExecMethodAsync.
  ['9556dc99-828c-11cf-a37e-00aa003240c7', new Map([[24, execMethodDetails], [25, execMethodDetails]])],
  // The calls that make a server reach a path or host (coerce.ts): EFSRPC, the print spooler, DFS roots, the VSS agent, the event log.
  ...EFSRPC_UUIDS.map((uuid): [string, ReadonlyMap<number, Extractor>] => [uuid, byOpnum(EFS_FILE_OPNUMS, efsFileDetails)]),
  // The print spooler's change-notification registrations (coerce.ts) and driver installations (printer-driver.ts).
  [SPOOLSS_UUID, new Map([...byOpnum(PRINTER_NOTIFY_OPNUMS, printerNotifyDetails), ...byOpnum(PRINTER_DRIVER_OPNUMS, addPrinterDriverDetails)])],
  [REMOTE_WINSPOOL_UUID, byOpnum(ASYNC_PRINTER_DRIVER_OPNUMS, addPrinterDriverDetails)],
  // Netlogon secure-channel setup (netlogon.ts): NetrServerAuthenticate*, NetrServerPasswordSet2.
  [NETLOGON_UUID, new Map([...byOpnum(AUTHENTICATE_OPNUMS, authenticateDetails), [PASSWORD_SET2_OPNUM, passwordSet2Details]])],
  [NETDFS_UUID, byOpnum(DFS_ROOT_OPNUMS, dfsRootDetails)],
  [FSRVP_UUID, byOpnum(SHADOW_PATH_OPNUMS, shadowPathDetails)],
  [
    EVENTLOG_UUID,
    new Map([
      [EVENTLOG_BACKUP_OPNUM, (r) => backupLogDetails(r, true)],
      [EVENTLOG_OPEN_BACKUP_OPNUM, (r) => openBackupLogDetails(r, true)],
      [EVENTLOG_BACKUP_A_OPNUM, (r) => backupLogDetails(r, false)],
      [EVENTLOG_OPEN_BACKUP_A_OPNUM, (r) => openBackupLogDetails(r, false)],
    ]),
  ],
]);

/** Fields holding commands (longer cap); the others are names. */
const COMMAND_FIELDS: ReadonlySet<keyof DceRpcCallDetails> = new Set(['binary_path', 'command', 'arguments', 'driver_path', 'data_file', 'config_file']);

/** True when opnum `opnum` of interface `uuid` is a request whose stub says what it runs. */
export function readsDetails(uuid: string | undefined, opnum: number): boolean {
  return uuid !== undefined && EXTRACTORS.get(uuid)?.has(opnum) === true;
}

/**
 * What request `opnum` of `uuid` with stub `b[start, end)` (in the PDU's
 * byte order and the transfer syntax its context was bound to) asks for;
 * undefined when it cannot be read.
 */
export function requestDetails(
  uuid: string | undefined,
  opnum: number,
  b: Uint8Array,
  start: number,
  end: number,
  little: boolean,
  syntax: NdrSyntax = 'ndr',
): DceRpcCallDetails | undefined {
  const extract = uuid === undefined ? undefined : EXTRACTORS.get(uuid)?.get(opnum);
  if (extract === undefined) return undefined;
  const raw = extract(new NdrReader(b, start, end, little, syntax));
  if (raw === undefined) return undefined;
  const out: DceRpcCallDetails = {};
  for (const key of Object.keys(raw) as (keyof DceRpcCallDetails)[]) {
    const text = raw[key];
    if (text === undefined || text === '') continue;
    out[key] = printableText(text, COMMAND_FIELDS.has(key) ? MAX_STUB_COMMAND : MAX_STUB_NAME);
  }
  return out;
}
