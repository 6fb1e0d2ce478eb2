/**
 * What a printer driver installation asks the print spooler to load, read
 * from its NDR 2.0 or NDR64 stub (ndr.ts): RpcAddPrinterDriver (opnum 9)
 * and RpcAddPrinterDriverEx (89) of the print spooler ([MS-RPRN] 3.1.4.4.1,
 * 3.1.4.4.8), RpcAsyncAddPrinterDriver (39) of its asynchronous interface
 * ([MS-PAR] 3.1.4.2.2), which share their first two parameters: the server
 * name (a unique [string] pointer) and a DRIVER_CONTAINER (2.2.1.5.1), a
 * level and a union of pointers to driver structures. Read from levels 2,
 * 3, 4, 6 and 8 alike, whose first six members are the same
 * (DRIVER_INFO_2, 2.2.1.5.2, and the RPC_DRIVER_INFO_* that extend it):
 * the version and the pointers to the driver's name, environment, driver
 * file, data file and configuration file, whose strings follow in that
 * order as deferred referents. The members after them are not read (their
 * referents come after these five strings). Level 1 names the driver only.
 *
 * The configuration file is the DLL the spooler loads: PrintNightmare
 * (CVE-2021-1675, CVE-2021-34527) names a DLL on the attacker's share there.
 * Text comes back raw (request-details.ts makes it log text).
 */
import type { DceRpcCallDetails } from './events.js';
import { MAX_STUB_COMMAND, MAX_STUB_NAME } from './consts.js';
import type { NdrReader } from './ndr.js';

export const PRINTER_DRIVER_OPNUMS: readonly number[] = [9, 89];
export const ASYNC_PRINTER_DRIVER_OPNUMS: readonly number[] = [39];
/** [MS-PAR]'s interface. */
export const REMOTE_WINSPOOL_UUID = '76f03f96-cdfd-44fc-a22c-64950a001209';

/** Characters a server name or path may announce. */
const MAX_PATH_UNITS = 32768;
/** Levels whose structure starts with DRIVER_INFO_2's members. */
const LEVELS_WITH_FILES: ReadonlySet<number> = new Set([2, 3, 4, 6, 8]);

/** One of the driver structure's string pointers, read when set ('' for a null pointer). */
function deferred(r: NdrReader, present: boolean, keep: number): string | undefined {
  return present ? r.wideString(MAX_PATH_UNITS, keep) : '';
}

/** RpcAddPrinterDriver(Ex) and RpcAsyncAddPrinterDriver: undefined when the stub is cut or inconsistent. */
export function addPrinterDriverDetails(r: NdrReader): DceRpcCallDetails | undefined {
  r.uniqueString(true, MAX_PATH_UNITS, 0); // pName, the server
  // DRIVER_CONTAINER (a top-level ref pointer: inline): the level, the union's discriminant, its arm (a pointer).
  // The union is aligned as its most aligned arm (a pointer), its discriminant first.
  r.align(r.pointerSize);
  const level = r.u32();
  r.align(r.pointerSize);
  const tag = r.u32();
  if (!r.ok || tag !== level) return undefined;
  if (r.pointer() === 0 || !r.ok) return r.ok ? {} : undefined;
  r.align(r.pointerSize);
  if (level === 1) {
    // DRIVER_INFO_1: the name alone.
    const name = deferred(r, r.pointer() !== 0, MAX_STUB_NAME);
    return r.ok ? { driver_name: name } : undefined;
  }
  if (!LEVELS_WITH_FILES.has(level)) return {};
  r.u32(); // cVersion
  const present: boolean[] = [];
  for (let i = 0; i < 5; i++) present.push(r.pointer() !== 0);
  if (!r.ok) return undefined;
  // The members after the five read here hold no referent before theirs: the five strings come next.
  skipLevelMembers(r, level);
  const name = deferred(r, present[0]!, MAX_STUB_NAME);
  const environment = deferred(r, present[1]!, MAX_STUB_NAME);
  const driver = deferred(r, present[2]!, MAX_STUB_COMMAND);
  const data = deferred(r, present[3]!, MAX_STUB_COMMAND);
  const config = deferred(r, present[4]!, MAX_STUB_COMMAND);
  if (!r.ok) return undefined;
  return { driver_name: name, environment, driver_path: driver, data_file: data, config_file: config };
}

/**
 * The fixed members of the level-3/4/6/8 structures after the five string
 * pointers, before any referent ([MS-RPRN] 2.2.1.5.3-2.2.1.5.6): their
 * pointers and counts, so the deferred strings that follow line up.
 */
function skipLevelMembers(r: NdrReader, level: number): void {
  if (level === 2) return;
  // pHelpFile, pMonitorName, pDefaultDataType, cchDependentFiles, pDependentFiles.
  r.pointer();
  r.pointer();
  r.pointer();
  r.u32();
  r.pointer();
  if (level === 3) return;
  // Level 4: cchPreviousNames, pszzPreviousNames.
  r.u32();
  r.pointer();
  if (level === 4) return;
  // Level 6: ftDriverDate (two DWORDs), dwlDriverVersion (8 bytes), pMfgName, pOEMUrl, pHardwareID, pProvider.
  r.u32();
  r.u32();
  r.align(8);
  r.u32();
  r.u32();
  for (let i = 0; i < 4; i++) r.pointer();
  if (level === 6) return;
  // Level 8: pPrintProcessor, pVendorSetup, cchColorProfiles, pszzColorProfiles, pInfPath, dwPrinterDriverAttributes,
  // cchCoreDependencies, pszzCoreDriverDependencies, ftMinInboxDriverVerDate, dwlMinInboxDriverVerVersion.
  r.pointer();
  r.pointer();
  r.u32();
  r.pointer();
  r.pointer();
  r.u32();
  r.u32();
  r.pointer();
  r.u32();
  r.u32();
  r.align(8);
  r.u32();
  r.u32();
}
