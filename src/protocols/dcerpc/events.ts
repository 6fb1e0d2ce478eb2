/**
 * Events of the DCE/RPC analyzer (TCP, and SMB named pipes through the SMB
 * analyzer):
 * - `dce_rpc`: one dce_rpc.log line per call (request and its response or
 *   fault; a request never answered by the end of the flow is logged
 *   without `rtt`), except the operations Zeek's default leaves out
 *   (`ignoredOperation` in interfaces.ts);
 * - `dce_rpc.call`: one per call, those included, with what detectors need
 *   (interface UUID and version, opnum, fault, transport, auth level, and
 *   when the stub is in clear the class a DCOM activation names and what a
 *   remote-execution request asks for: service, program, task, command);
 * - `dce_rpc.bind`: one per interface a bind or alter_context offered, once
 *   the server answered (accepted or rejected), so a bind with no call after
 *   it is still seen. Bind-time feature negotiation contexts are not
 *   interfaces and are left out.
 */

/** One dce_rpc.log line (Zeek's fields; unset fields omitted). */
export interface DceRpcRecord {
  /** Time of the request (its last fragment). */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Seconds from the request to the response (its last fragment) or fault; absent when none was seen. */
  rtt?: number;
  /** The bind_ack's secondary address ("135", "\\PIPE\\srvsvc"); failing that the SMB pipe's name or the server port. */
  named_pipe?: string;
  /** Interface name ("samr", "svcctl", ...), or its UUID when not a known one. */
  endpoint?: string;
  /** Operation name ("CreateServiceW"), or the opnum as text when not known. */
  operation?: string;
}

export interface DceRpcLogEvent {
  type: 'dce_rpc';
  log: 'dce_rpc';
  ts: number;
  uid: string;
  record: DceRpcRecord;
}

/** How the RPC travelled: its own TCP connection, or an SMB named pipe. */
export type DceRpcTransport = 'tcp' | 'smb';

/** Facts common to call and bind events. */
interface DceRpcEventBase {
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  transport: DceRpcTransport;
  /** As in dce_rpc.log (secondary address, pipe name or port). */
  named_pipe?: string;
  /** Interface UUID (lower-case text); absent when the call's context was never bound in the capture. */
  interface_uuid?: string;
  /** Interface version "major.minor". */
  interface_version?: string;
  /** Interface name, or the UUID when unknown; absent with `interface_uuid`. */
  endpoint?: string;
}

/**
 * What a remote-execution request asks for, read from its stub when the
 * stub is in clear (request-details.ts): only the fields the operation
 * carries and the stub set are present. Text is log text (wire-text.ts's
 * `printableText`), names cut at 256 characters and commands at 2,048,
 * marked "..." when cut.
 */
export interface DceRpcCallDetails {
  /**
   * svcctl: the service's name. CreateService* and OpenService* carry it;
   * the calls that act on an opened service (ChangeServiceConfig*,
   * StartService*, ControlService, DeleteService) name it by a handle,
   * so it is set there when the same association's OpenService or
   * CreateService returned that handle (service-handles.ts).
   */
  service_name?: string;
  /** svcctl: the display name, when set. */
  display_name?: string;
  /** svcctl: "own_process", "share_process", "kernel_driver", "file_system_driver", "+interactive" appended; other values in hex. Absent when unchanged. */
  service_type?: string;
  /** svcctl: "boot", "system", "auto", "demand" or "disabled"; absent when unchanged. */
  start_type?: string;
  /** svcctl: the program and its arguments the service runs (ChangeServiceConfig: absent when the path is unchanged). */
  binary_path?: string;
  /** ITaskSchedulerService: the task's path ("\Name", "\Folder\Name"). */
  task_name?: string;
  /** The program a task runs (its first Exec action's Command) or an AT job's command line. */
  command?: string;
  /** The first Exec action's Arguments. */
  arguments?: string;
  /** The account: a service's lpServiceStartName, a task principal's UserId, a Netlogon secure channel's account ("DC01$"). */
  user?: string;
  /** The task principal's RunLevel ("HighestAvailable", "LeastPrivilege"). */
  run_level?: string;
  /** AT job: the time of day it runs, "HH:MM". */
  job_time?: string;
  /**
   * A path the call asks the server to open (coerce.ts): an EFSRPC
   * FileName, a DFS root "\\ServerName\RootShare", a VSS agent ShareName.
   */
  path?: string;
  /** A print change-notification registration: the host the spooler is to call back (pszLocalMachine). */
  notify_host?: string;
  /** Netlogon secure-channel setup (netlogon.ts): the client's computer name. */
  computer_name?: string;
  /** Its client credential (NetrServerAuthenticate*) or authenticator credential (NetrServerPasswordSet2), 16 hex digits. */
  client_credential?: string;
  /** NetrServerPasswordSet2: "all_zero" when the new password blob is all zeros (Zerologon's reset), else "set". */
  new_password?: string;
  /** A printer driver installation (printer-driver.ts): the driver's name and environment ("Windows x64"). */
  driver_name?: string;
  environment?: string;
  /** Its driver, data and configuration files; the configuration file is the DLL the spooler loads. */
  driver_path?: string;
  data_file?: string;
  config_file?: string;
  /** IWbemServices ExecMethod(Async): the object path ("Win32_Process") and the method ("Create"). */
  object_path?: string;
  method?: string;
}

/**
 * The status an operation returned, the last output of its response stub
 * (call-result.ts): a Win32 error code, an NTSTATUS or an HRESULT, as the
 * interface defines.
 */
export interface DceRpcCallResult {
  /** The value, unsigned. */
  code: number;
  /** Its name ("ERROR_ACCESS_DENIED", "STATUS_SUCCESS", "E_ACCESSDENIED"), or "0x" and its eight hex digits. */
  name: string;
  /** True when it reports success (warnings and "more data" included), false for an error. */
  ok: boolean;
}

/** One RPC call: a request and its outcome. */
export interface DceRpcCallEvent extends DceRpcEventBase {
  type: 'dce_rpc.call';
  opnum: number;
  /** Operation name, or the opnum as text. */
  operation: string;
  /** Seconds from request to response or fault; absent when unanswered. */
  rtt?: number;
  /** Fault status name ("nca_s_op_rng_error", "ACCESS_DENIED", "0x..."), when the server faulted. */
  fault?: string;
  /**
   * What the operation returned, when the server answered without a fault,
   * the response was in clear (below packet privacy) and the interface's
   * operations all end with a status (call-result.ts lists them).
   */
  result?: DceRpcCallResult;
  /** The request's object UUID (DCOM calls carry the IPID here). */
  object_uuid?: string;
  /**
   * The request's auth level ([MS-RPCE] 2.2.1.1.8: 5 packet integrity, 6
   * packet privacy, whose stub is encrypted); absent when the request
   * carried no auth verifier (no authentication, or connect level).
   */
  auth_level?: number;
  /**
   * DCOM activations (IRemoteSCMActivator RemoteCreateInstance,
   * RemoteGetClassObject): the CLSID of the class asked for, read from the
   * request's first fragment when its stub is in clear.
   */
  clsid?: string;
  /**
   * What a remote-execution request asks for (svcctl CreateService* and
   * ChangeServiceConfig*, atsvc NetrJobAdd, ITaskSchedulerService
   * SchRpcRegisterTask and SchRpcRun, IWbemServices ExecMethod and
   * ExecMethodAsync), when its stub was read: in clear (below packet
   * privacy), in either transfer syntax (NDR 2.0 or NDR64, as its context
   * was bound), whole (every fragment seen, at most 64 KiB) and consistent.
   * Present, possibly empty, whenever the stub was read.
   */
  details?: DceRpcCallDetails;
  /** Stub data bytes of the request and of the response (all fragments). */
  request_bytes: number;
  response_bytes: number;
}

/** An interface a client asked to bind, and the server's answer. */
export interface DceRpcBindEvent extends DceRpcEventBase {
  type: 'dce_rpc.bind';
  interface_uuid: string;
  interface_version: string;
  endpoint: string;
  /** Presentation context id. */
  context_id: number;
  /** True when the server accepted the context. */
  accepted: boolean;
  /** True for an alter_context (a further interface on an existing association). */
  alter: boolean;
}

export type DceRpcEvent = DceRpcLogEvent | DceRpcCallEvent | DceRpcBindEvent;
