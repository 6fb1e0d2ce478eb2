/**
 * What the calls that make a server open a path or call a host back ask it
 * to reach, read from their NDR 2.0 or NDR64 stubs (ndr.ts). Each of them
 * makes the server connect, and authenticate as its machine account, to the
 * host the path names, which is why intrusion tools use them to coerce
 * authentication (T1187):
 * - EFSRPC ([MS-EFSR] 3.1.4.2, both interface UUIDs): the operations whose
 *   first parameter is FileName, a [string] wchar_t* (EfsRpcOpenFileRaw 0,
 *   EfsRpcEncryptFileSrv 4, EfsRpcDecryptFileSrv 5, EfsRpcQueryUsersOnFile
 *   6, EfsRpcQueryRecoveryAgents 7, EfsRpcRemoveUsersFromFile 8,
 *   EfsRpcAddUsersToFile 9, EfsRpcFileKeyInfo 12,
 *   EfsRpcDuplicateEncryptionInfoFile 13 (its source file),
 *   EfsRpcGetEncryptedFileMetadata 18, EfsRpcSetEncryptedFileMetadata 19,
 *   EfsRpcEncryptFileExSrv 21): PetitPotam;
 * - the print spooler ([MS-RPRN] 3.1.4.10.3, 3.1.4.10.4):
 *   RpcRemoteFindFirstPrinterChangeNotification (62) and its Ex form (65),
 *   whose pszLocalMachine is the host the spooler calls back with change
 *   notifications: PrinterBug / SpoolSample;
 * - DFS namespace management ([MS-DFSNM] 3.1.4.4.1, 3.1.4.4.2):
 *   NetrDfsAddStdRoot (12) and NetrDfsRemoveStdRoot (13), ServerName and
 *   RootShare: DFSCoerce;
 * - the file server VSS agent ([MS-FSRVP] 3.1.4.8, 3.1.4.9):
 *   IsPathSupported (8) and IsPathShadowCopied (9), ShareName:
 *   ShadowCoerce;
 * - the event log ([MS-EVEN] 3.1.4.2, 3.1.4.3, 3.1.4.5, 3.1.4.6):
 *   ElfrBackupELFW (1) and ElfrOpenBELW (9), BackupFileName, an
 *   RPC_UNICODE_STRING (2.2.11), and their ANSI forms ElfrBackupELFA (13)
 *   and ElfrOpenBELA (16), an RPC_STRING (2.2.12): the CheeseOunce method
 *   of Coercer.
 * Text comes back raw (request-details.ts makes it log text).
 */
import type { DceRpcCallDetails } from './events.js';
import { CONTEXT_HANDLE_BYTES, MAX_STUB_NAME } from './consts.js';
import type { NdrReader } from './ndr.js';

export const EFSRPC_UUIDS: readonly string[] = ['c681d488-d850-11d0-8c52-00c04fd90f7e', 'df1941c5-fe89-4e79-bf10-463657acf44d'];
export const SPOOLSS_UUID = '12345678-1234-abcd-ef00-0123456789ab';
export const NETDFS_UUID = '4fc742e0-4a10-11cf-8273-00aa004ae673';
export const FSRVP_UUID = 'a8e0653c-2744-4389-a61d-7373df8b2292';
export const EVENTLOG_UUID = '82273fdc-e32a-18c3-3f78-827929dc23ea';

/** EFSRPC operations whose first parameter is FileName. */
export const EFS_FILE_OPNUMS: readonly number[] = [0, 4, 5, 6, 7, 8, 9, 12, 13, 18, 19, 21];
/** RpcRemoteFindFirstPrinterChangeNotification and its Ex form. */
export const PRINTER_NOTIFY_OPNUMS: readonly number[] = [62, 65];
/** NetrDfsAddStdRoot, NetrDfsRemoveStdRoot. */
export const DFS_ROOT_OPNUMS: readonly number[] = [12, 13];
/** IsPathSupported, IsPathShadowCopied. */
export const SHADOW_PATH_OPNUMS: readonly number[] = [8, 9];
/** ElfrBackupELFW and ElfrBackupELFA (a log handle first), ElfrOpenBELW and ElfrOpenBELA (a server name first). */
export const EVENTLOG_BACKUP_OPNUM = 1;
export const EVENTLOG_OPEN_BACKUP_OPNUM = 9;
export const EVENTLOG_BACKUP_A_OPNUM = 13;
export const EVENTLOG_OPEN_BACKUP_A_OPNUM = 16;

/** Characters a path may announce (Windows' long-path limit). */
const MAX_PATH_UNITS = 32768;

/** An EFSRPC call naming a file: its FileName. */
export function efsFileDetails(r: NdrReader): DceRpcCallDetails | undefined {
  const path = r.wideString(MAX_PATH_UNITS, MAX_STUB_NAME);
  return r.ok ? { path } : undefined;
}

/** A change-notification registration: the host the spooler is to call back (pszLocalMachine; '' when null). */
export function printerNotifyDetails(r: NdrReader): DceRpcCallDetails | undefined {
  r.skip(CONTEXT_HANDLE_BYTES);
  r.u32(); // fdwFlags
  r.u32(); // fdwOptions
  const host = r.uniqueString(true, MAX_PATH_UNITS, MAX_STUB_NAME);
  return r.ok ? { notify_host: host } : undefined;
}

/** A stand-alone DFS root added or removed: "\\ServerName\RootShare". */
export function dfsRootDetails(r: NdrReader): DceRpcCallDetails | undefined {
  const server = r.wideString(MAX_PATH_UNITS, MAX_STUB_NAME);
  const share = r.wideString(MAX_PATH_UNITS, MAX_STUB_NAME);
  if (!r.ok || server === undefined || share === undefined) return undefined;
  return { path: `\\\\${server}\\${share}` };
}

/** A file share path asked about: its ShareName. */
export function shadowPathDetails(r: NdrReader): DceRpcCallDetails | undefined {
  const path = r.wideString(MAX_PATH_UNITS, MAX_STUB_NAME);
  return r.ok ? { path } : undefined;
}

/**
 * An RPC_UNICODE_STRING ([MS-DTYP] 2.3.10) or, not `wide`, an RPC_STRING
 * ([MS-EVEN] 2.2.12): byte lengths, then a unique pointer to its characters
 * (read as its referent follows).
 */
function countedString(r: NdrReader, wide: boolean): string | undefined {
  r.u16(); // Length
  r.u16(); // MaximumLength
  if (r.pointer() === 0) return r.ok ? '' : undefined;
  return r.string(wide, MAX_PATH_UNITS, MAX_STUB_NAME);
}

/** ElfrBackupELFW / ElfrBackupELFA (not `wide`): the backup file the log is written to. */
export function backupLogDetails(r: NdrReader, wide: boolean): DceRpcCallDetails | undefined {
  r.skip(CONTEXT_HANDLE_BYTES);
  r.align(r.pointerSize);
  const path = countedString(r, wide);
  return r.ok && path !== undefined ? { path } : undefined;
}

/** ElfrOpenBELW / ElfrOpenBELA (not `wide`): the backup log file opened. */
export function openBackupLogDetails(r: NdrReader, wide: boolean): DceRpcCallDetails | undefined {
  r.uniqueString(wide, MAX_PATH_UNITS, 0); // UNCServerName
  r.align(r.pointerSize);
  const path = countedString(r, wide);
  return r.ok && path !== undefined ? { path } : undefined;
}
