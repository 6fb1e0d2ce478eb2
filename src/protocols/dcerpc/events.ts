/**
 * Events of the DCE/RPC analyzer (TCP, and SMB named pipes through the SMB
 * analyzer):
 * - `dce_rpc`: one dce_rpc.log line per call (request and its response or
 *   fault; a request never answered by the end of the flow is logged
 *   without `rtt`), except the operations Zeek's default leaves out
 *   (`ignoredOperation` in interfaces.ts);
 * - `dce_rpc.call`: one per call, those included, with what detectors need
 *   (interface UUID and version, opnum, fault, transport, auth level, and
 *   the class a DCOM activation names when its stub is in clear);
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
