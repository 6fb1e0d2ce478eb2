/**
 * What an RPC operation returned: the 32-bit status that ends the response
 * stub of every operation of the interfaces listed here (a Win32 error
 * code, an NTSTATUS or an HRESULT, by interface), read when the response
 * is in clear. An RPC fault says the call never ran; this says how the
 * operation itself ended ("ERROR_ACCESS_DENIED" from CreateServiceW, an
 * HRESULT from SchRpcRegisterTask). Pure: never throws.
 */
import type { DceRpcCallResult } from './events.js';
import { CONTEXT_HANDLE_BYTES } from './consts.js';
import { u32 } from './parser.js';

/** How an interface's operations report their outcome. */
export type StatusKind = 'win32' | 'ntstatus' | 'hresult';

/**
 * Interfaces whose every remotely callable operation returns a 32-bit
 * status as its last output (by UUID; [MS-SRVS], [MS-WKST], [MS-SAMR],
 * [MS-LSAD]/[MS-LSAT], [MS-NRPC], [MS-SCMR], [MS-TSCH], [MS-RRP],
 * [MS-DRSR], [MS-RPRN], [MS-PAR], [MS-EVEN], [MS-DCOM], [MS-WMI], [MS-DSSP],
 * [MS-DNSP], [MS-EFSR], [MS-DFSNM], [MS-FSRVP]). epmapper is left out: its operations end with a
 * status parameter whose meaning differs per call.
 */
const KINDS: ReadonlyMap<string, StatusKind> = new Map<string, StatusKind>([
  ['4b324fc8-1670-01d3-1278-5a47bf6ee188', 'win32'], // srvsvc
  ['6bffd098-a112-3610-9833-46c3f87e345a', 'win32'], // wkssvc
  ['12345778-1234-abcd-ef00-0123456789ac', 'ntstatus'], // samr
  ['12345778-1234-abcd-ef00-0123456789ab', 'ntstatus'], // lsarpc
  ['12345678-1234-abcd-ef00-01234567cffb', 'ntstatus'], // netlogon
  ['3919286a-b10c-11d0-9ba8-00c04fd92ef5', 'win32'], // dssetup
  ['367abb81-9844-35f1-ad32-98f038001003', 'win32'], // svcctl
  ['1ff70682-0a51-30e8-076d-740be8cee98b', 'win32'], // atsvc
  ['378e52b0-c0a9-11cf-822d-00aa0051e40f', 'hresult'], // sasec
  ['86d35949-83c9-4044-b424-db363231fd0c', 'hresult'], // ITaskSchedulerService
  ['338cd001-2244-31f1-aaaa-900038001003', 'win32'], // winreg
  ['e3514235-4b06-11d1-ab04-00c04fc2dcd2', 'win32'], // drsuapi
  ['12345678-1234-abcd-ef00-0123456789ab', 'win32'], // spoolss
  ['76f03f96-cdfd-44fc-a22c-64950a001209', 'win32'], // IRemoteWinspool
  ['82273fdc-e32a-18c3-3f78-827929dc23ea', 'ntstatus'], // eventlog
  ['000001a0-0000-0000-c000-000000000046', 'hresult'], // IRemoteSCMActivator
  ['00000131-0000-0000-c000-000000000046', 'hresult'], // IRemUnknown
  ['00000143-0000-0000-c000-000000000046', 'hresult'], // IRemUnknown2
  ['00020400-0000-0000-c000-000000000046', 'hresult'], // IDispatch
  ['f309ad18-d86a-11d0-a075-00c04fb68820', 'hresult'], // IWbemLevel1Login
  ['9556dc99-828c-11cf-a37e-00aa003240c7', 'hresult'], // IWbemServices
  ['027947e1-d731-11ce-a357-000000000001', 'hresult'], // IEnumWbemClassObject
  ['50abc2a4-574d-40b3-9d66-ee4fd5fba076', 'win32'], // dnsserver
  ['4fc742e0-4a10-11cf-8273-00aa004ae673', 'win32'], // netdfs
  ['a8e0653c-2744-4389-a61d-7373df8b2292', 'hresult'], // FileServerVssAgent
  ['c681d488-d850-11d0-8c52-00c04fd90f7e', 'win32'], // efsrpc
  ['df1941c5-fe89-4e79-bf10-463657acf44d', 'win32'], // efsrpc
]);

/** The status kind of interface `uuid`'s operations; undefined when its returns are not read. */
export function statusKind(uuid: string | undefined): StatusKind | undefined {
  return uuid === undefined ? undefined : KINDS.get(uuid);
}

/** Win32 error codes ([MS-ERREF] 2.2) the remote-execution and reconnaissance calls return. */
const WIN32: ReadonlyMap<number, string> = new Map([
  [0, 'ERROR_SUCCESS'],
  [2, 'ERROR_FILE_NOT_FOUND'],
  [3, 'ERROR_PATH_NOT_FOUND'],
  [5, 'ERROR_ACCESS_DENIED'],
  [6, 'ERROR_INVALID_HANDLE'],
  [50, 'ERROR_NOT_SUPPORTED'],
  [53, 'ERROR_BAD_NETPATH'],
  [87, 'ERROR_INVALID_PARAMETER'],
  [122, 'ERROR_INSUFFICIENT_BUFFER'],
  [123, 'ERROR_INVALID_NAME'],
  [234, 'ERROR_MORE_DATA'],
  [259, 'ERROR_NO_MORE_ITEMS'],
  [1051, 'ERROR_DEPENDENT_SERVICES_RUNNING'],
  [1052, 'ERROR_INVALID_SERVICE_CONTROL'],
  [1053, 'ERROR_SERVICE_REQUEST_TIMEOUT'],
  [1054, 'ERROR_SERVICE_NO_THREAD'],
  [1055, 'ERROR_SERVICE_DATABASE_LOCKED'],
  [1056, 'ERROR_SERVICE_ALREADY_RUNNING'],
  [1057, 'ERROR_INVALID_SERVICE_ACCOUNT'],
  [1058, 'ERROR_SERVICE_DISABLED'],
  [1060, 'ERROR_SERVICE_DOES_NOT_EXIST'],
  [1061, 'ERROR_SERVICE_CANNOT_ACCEPT_CTRL'],
  [1062, 'ERROR_SERVICE_NOT_ACTIVE'],
  [1068, 'ERROR_SERVICE_DEPENDENCY_FAIL'],
  [1069, 'ERROR_SERVICE_LOGON_FAILED'],
  [1072, 'ERROR_SERVICE_MARKED_FOR_DELETE'],
  [1073, 'ERROR_SERVICE_EXISTS'],
  [1078, 'ERROR_DUPLICATE_SERVICE_NAME'],
  [1326, 'ERROR_LOGON_FAILURE'],
  [1722, 'RPC_S_SERVER_UNAVAILABLE'],
  [1753, 'EPT_S_NOT_REGISTERED'],
  [2114, 'NERR_ServerNotStarted'],
  [2221, 'NERR_UserNotFound'],
  [3502, 'NERR_JobNotFound'],
  [8453, 'ERROR_DS_DRA_ACCESS_DENIED'],
  [8439, 'ERROR_DS_DRA_BAD_DN'],
  [8440, 'ERROR_DS_DRA_BAD_NC'],
  [8446, 'ERROR_DS_DRA_OUT_OF_MEM'],
  [8452, 'ERROR_DS_DRA_BUSY'],
  [8463, 'ERROR_DS_DRA_NOT_SUPPORTED'],
  [8477, 'ERROR_DS_DRA_SCHEMA_MISMATCH'],
  [8594, 'ERROR_DS_DRA_SOURCE_DISABLED'],
]);

/** NTSTATUS values ([MS-ERREF] 2.3) the SAM, LSA, Netlogon and event log calls return. */
const NTSTATUS: ReadonlyMap<number, string> = new Map([
  [0x00000000, 'STATUS_SUCCESS'],
  [0x00000105, 'STATUS_MORE_ENTRIES'],
  [0x00000107, 'STATUS_SOME_NOT_MAPPED'],
  [0x8000001a, 'STATUS_NO_MORE_ENTRIES'],
  [0xc0000008, 'STATUS_INVALID_HANDLE'],
  [0xc000000d, 'STATUS_INVALID_PARAMETER'],
  [0xc0000022, 'STATUS_ACCESS_DENIED'],
  [0xc0000034, 'STATUS_OBJECT_NAME_NOT_FOUND'],
  [0xc0000064, 'STATUS_NO_SUCH_USER'],
  [0xc000006a, 'STATUS_WRONG_PASSWORD'],
  [0xc000006d, 'STATUS_LOGON_FAILURE'],
  [0xc0000073, 'STATUS_NONE_MAPPED'],
  [0xc00000bb, 'STATUS_NOT_SUPPORTED'],
  [0xc00000be, 'STATUS_BAD_NETWORK_PATH'],
  [0xc0000151, 'STATUS_NO_SUCH_ALIAS'],
]);

/** HRESULTs ([MS-ERREF] 2.1, [MS-WMI] 2.2.11, [MS-TSCH] 2.3.14) of the DCOM, WMI and task scheduler calls. */
const HRESULT: ReadonlyMap<number, string> = new Map([
  [0x00000000, 'S_OK'],
  [0x00000001, 'S_FALSE'],
  [0x80004001, 'E_NOTIMPL'],
  [0x80004002, 'E_NOINTERFACE'],
  [0x80004005, 'E_FAIL'],
  [0x80070005, 'E_ACCESSDENIED'],
  [0x80070057, 'E_INVALIDARG'],
  [0x80070002, 'HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)'],
  [0x800700b7, 'HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)'],
  [0x80020003, 'DISP_E_MEMBERNOTFOUND'],
  [0x80020006, 'DISP_E_UNKNOWNNAME'],
  [0x80020009, 'DISP_E_EXCEPTION'],
  [0x80040154, 'REGDB_E_CLASSNOTREG'],
  [0x80080005, 'CO_E_SERVER_EXEC_FAILURE'],
  [0x80041001, 'WBEM_E_FAILED'],
  [0x80041002, 'WBEM_E_NOT_FOUND'],
  [0x80041003, 'WBEM_E_ACCESS_DENIED'],
  [0x80041008, 'WBEM_E_INVALID_PARAMETER'],
  [0x80041010, 'WBEM_E_INVALID_CLASS'],
  [0x80041013, 'WBEM_E_PROVIDER_LOAD_FAILURE'],
  [0x80041017, 'WBEM_E_INVALID_QUERY'],
  [0x8004102e, 'WBEM_E_METHOD_NOT_IMPLEMENTED'],
  [0x80041055, 'WBEM_E_METHOD_DISABLED'],
  [0x80041087, 'WBEM_E_LOCAL_CREDENTIALS'],
  [0x80041318, 'SCHED_E_MALFORMEDXML'],
  [0x8004131f, 'SCHED_E_ALREADY_RUNNING'],
  [0x80041321, 'SCHED_E_SERVICE_NOT_AVAILABLE'],
  [0x80041326, 'SCHED_E_TASK_DISABLED'],
]);

const TABLES: Readonly<Record<StatusKind, ReadonlyMap<number, string>>> = { win32: WIN32, ntstatus: NTSTATUS, hresult: HRESULT };

/** Win32 codes that report success with more to come, not a failure. */
const WIN32_PARTIAL: ReadonlySet<number> = new Set([234, 259]);
/** HRESULT facility of a wrapped Win32 code (HRESULT_FROM_WIN32). */
const FACILITY_WIN32 = 0x8007_0000;

/** True when status `code` of kind `kind` says the operation did what it was asked (fully or in part). */
export function statusOk(kind: StatusKind, code: number): boolean {
  switch (kind) {
    case 'win32':
      return code === 0 || WIN32_PARTIAL.has(code);
    case 'ntstatus':
      // Severity in the top two bits: 0 success, 1 informational, 2 warning (STATUS_NO_MORE_ENTRIES ends an enumeration), 3 error.
      return code >>> 30 !== 3;
    case 'hresult':
      return code >>> 31 === 0;
  }
}

/** The name of status `code` ("ERROR_ACCESS_DENIED", "HRESULT_FROM_WIN32(ERROR_SERVICE_EXISTS)"), or its hex text. */
export function statusName(kind: StatusKind, code: number): string {
  const known = TABLES[kind].get(code);
  if (known !== undefined) return known;
  if (kind === 'hresult' && (code & 0xffff_0000) >>> 0 === FACILITY_WIN32) {
    const win32 = WIN32.get(code & 0xffff);
    if (win32 !== undefined) return `HRESULT_FROM_WIN32(${win32})`;
  }
  return `0x${code.toString(16).padStart(8, '0')}`;
}

/** The result of an operation of kind `kind` that returned `code` (an unsigned 32-bit value). */
export function callResult(kind: StatusKind, code: number): DceRpcCallResult {
  return { code, name: statusName(kind, code), ok: statusOk(kind, code) };
}

/** Bytes a response's tail keeps: a 20-byte context handle and the status after it. */
const STATUS_BYTES = 4;
export const TAIL_BYTES = CONTEXT_HANDLE_BYTES + STATUS_BYTES;

/**
 * The last TAIL_BYTES of one call's response stub, across its fragments:
 * the status, and the context handle just before it that an operation
 * opening something returns (svcctl OpenService and CreateService). A
 * fragment under packet privacy (its stub encrypted) makes the whole
 * response unreadable.
 */
export class ResponseTail {
  readonly #bytes = new Uint8Array(TAIL_BYTES);
  #length = 0;
  #hidden = false;
  #little = true;

  /** Adds one response fragment's stub `b[start, end)`, in byte order `little`; `encrypted` for a fragment under packet privacy. */
  add(b: Uint8Array, start: number, end: number, little: boolean, encrypted: boolean): void {
    if (encrypted) this.#hidden = true;
    if (this.#hidden || end <= start) return;
    this.#little = little;
    const t = this.#bytes;
    const n = end - start;
    if (n >= TAIL_BYTES) {
      t.set(b.subarray(end - TAIL_BYTES, end));
      this.#length = TAIL_BYTES;
      return;
    }
    const keep = Math.min(this.#length, TAIL_BYTES - n);
    t.copyWithin(0, this.#length - keep, this.#length);
    t.set(b.subarray(start, end), keep);
    this.#length = keep + n;
  }

  /** The status the stub ends with; undefined when the stub was encrypted or shorter than one. */
  status(): number | undefined {
    if (this.#hidden || this.#length < STATUS_BYTES) return undefined;
    return u32(this.#bytes, this.#length - STATUS_BYTES, this.#little);
  }

  /** The context handle before the status, as hex text; undefined when the stub was encrypted or too short. */
  handle(): string | undefined {
    if (this.#hidden || this.#length < TAIL_BYTES) return undefined;
    return handleText(this.#bytes, 0);
  }
}

/** A 20-byte context handle at `b[at]` as hex text (its bytes in wire order: handles are opaque). */
export function handleText(b: Uint8Array, at: number): string {
  return Buffer.from(b.buffer, b.byteOffset + at, CONTEXT_HANDLE_BYTES).toString('hex');
}
