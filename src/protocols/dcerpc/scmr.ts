/**
 * What the service control manager's requests that install or re-point a
 * service ask for ([MS-SCMR] 3.1.4), read from their NDR 2.0 or NDR64
 * stubs (ndr.ts: pointers and counts differ, the 20-byte context handle
 * does not):
 * - RCreateServiceW (opnum 12), RCreateServiceA (24), RCreateServiceWOW64A
 *   (44) and RCreateServiceWOW64W (45), which share one parameter list:
 *   the service's name, display name, type, start type, binary path and
 *   account (lpServiceStartName);
 * - RChangeServiceConfigW (11) and RChangeServiceConfigA (23): the new
 *   type, start type, binary path, account and display name, each absent
 *   when the request leaves it unchanged (SERVICE_NO_CHANGE, a null
 *   pointer). The service itself is named by a handle from an earlier
 *   OpenService, so its name is not in the call.
 * - ROpenServiceW (16) and ROpenServiceA (28): the service's name;
 * - RStartServiceW (19), RStartServiceA (31) and RDeleteService (2): only
 *   checked to hold their handle (the conversation names the service by
 *   it, service-handles.ts).
 * The A forms carry 8-bit strings, the others UTF-16. The parameters after
 * the last one read are not looked at. Text comes back raw
 * (request-details.ts makes it log text and drops what is empty).
 */
import type { DceRpcCallDetails } from './events.js';
import { CONTEXT_HANDLE_BYTES, MAX_STUB_COMMAND, MAX_STUB_NAME } from './consts.js';
import type { NdrReader } from './ndr.js';

/** Bounds of the IDL's [range] attributes ([MS-SCMR]'s constants): characters with the terminator, bytes for dependencies and the password. */
const SC_MAX_NAME_LENGTH = 257;
const SC_MAX_PATH_LENGTH = 32768;
const SC_MAX_DEPEND_SIZE = 4096;
const SC_MAX_ACCOUNT_NAME_LENGTH = 2048;
const SC_MAX_PWD_SIZE = 514;
/** dwServiceType, dwStartType, dwErrorControl: leave unchanged (ChangeServiceConfig). */
const SERVICE_NO_CHANGE = 0xffffffff;

/** dwServiceType values (RCreateServiceW, [MS-SCMR] 3.1.4.12). */
const SERVICE_TYPES: ReadonlyMap<number, string> = new Map([
  [0x1, 'kernel_driver'],
  [0x2, 'file_system_driver'],
  [0x10, 'own_process'],
  [0x20, 'share_process'],
]);
const SERVICE_INTERACTIVE_PROCESS = 0x100;
/** dwStartType values (the same section). */
const START_TYPES = ['boot', 'system', 'auto', 'demand', 'disabled'];

/** A dwServiceType as text; undefined for SERVICE_NO_CHANGE. */
export function serviceTypeText(v: number): string | undefined {
  if (v === SERVICE_NO_CHANGE) return undefined;
  const base = SERVICE_TYPES.get(v & ~SERVICE_INTERACTIVE_PROCESS);
  if (base === undefined) return `0x${v.toString(16)}`;
  return (v & SERVICE_INTERACTIVE_PROCESS) !== 0 ? `${base}+interactive` : base;
}

/** A dwStartType as text; undefined for SERVICE_NO_CHANGE. */
export function startTypeText(v: number): string | undefined {
  if (v === SERVICE_NO_CHANGE) return undefined;
  return START_TYPES[v] ?? `${v}`;
}

/** The lpdwTagId, lpDependencies and dwDependSize parameters between the load order group and the account. */
function skipTagAndDependencies(r: NdrReader): void {
  if (r.pointer() !== 0) r.u32();
  r.uniqueBytes(SC_MAX_DEPEND_SIZE);
  r.u32();
}

/** RCreateService(W|A|WOW64W|WOW64A): undefined when the stub is cut or inconsistent. */
export function createServiceDetails(r: NdrReader, wide: boolean): DceRpcCallDetails | undefined {
  r.skip(CONTEXT_HANDLE_BYTES);
  const name = r.string(wide, SC_MAX_NAME_LENGTH, MAX_STUB_NAME);
  const display = r.uniqueString(wide, SC_MAX_NAME_LENGTH, MAX_STUB_NAME);
  r.u32(); // dwDesiredAccess
  const type = r.u32();
  const start = r.u32();
  r.u32(); // dwErrorControl
  const path = r.string(wide, SC_MAX_PATH_LENGTH, MAX_STUB_COMMAND);
  r.uniqueString(wide, SC_MAX_NAME_LENGTH, 0); // lpLoadOrderGroup
  skipTagAndDependencies(r);
  const account = r.uniqueString(wide, SC_MAX_ACCOUNT_NAME_LENGTH, MAX_STUB_NAME);
  if (!r.ok) return undefined;
  return {
    service_name: name,
    display_name: display,
    service_type: serviceTypeText(type),
    start_type: startTypeText(start),
    binary_path: path,
    user: account,
  };
}

/** ROpenService(W|A): the service's name; undefined when the stub is cut or inconsistent. */
export function openServiceDetails(r: NdrReader, wide: boolean): DceRpcCallDetails | undefined {
  r.skip(CONTEXT_HANDLE_BYTES);
  const name = r.string(wide, SC_MAX_NAME_LENGTH, MAX_STUB_NAME);
  r.u32(); // dwDesiredAccess
  if (!r.ok) return undefined;
  return { service_name: name };
}

/** A call that names its service by handle only: nothing to read past the handle (undefined when even that is cut). */
export function serviceHandleDetails(r: NdrReader): DceRpcCallDetails | undefined {
  r.skip(CONTEXT_HANDLE_BYTES);
  return r.ok ? {} : undefined;
}

/** RChangeServiceConfig(W|A): undefined when the stub is cut or inconsistent. */
export function changeServiceConfigDetails(r: NdrReader, wide: boolean): DceRpcCallDetails | undefined {
  r.skip(CONTEXT_HANDLE_BYTES);
  const type = r.u32();
  const start = r.u32();
  r.u32(); // dwErrorControl
  const path = r.uniqueString(wide, SC_MAX_PATH_LENGTH, MAX_STUB_COMMAND);
  r.uniqueString(wide, SC_MAX_NAME_LENGTH, 0); // lpLoadOrderGroup
  skipTagAndDependencies(r);
  const account = r.uniqueString(wide, SC_MAX_ACCOUNT_NAME_LENGTH, MAX_STUB_NAME);
  r.uniqueBytes(SC_MAX_PWD_SIZE); // lpPassword (encrypted; never read)
  r.u32(); // dwPwSize
  const display = r.uniqueString(wide, SC_MAX_NAME_LENGTH, MAX_STUB_NAME);
  if (!r.ok) return undefined;
  return { service_type: serviceTypeText(type), start_type: startTypeText(start), binary_path: path, user: account, display_name: display };
}
