/**
 * Connection-oriented DCE/RPC wire values (The Open Group C706 chapter 12,
 * with Microsoft's additions in [MS-RPCE] 2.2), fault status names, the
 * anomaly codes of the analyzer and the bounds on its per-flow state.
 */

/** The endpoint mapper's port; other RPC servers listen on ports it hands out (content probe). */
export const DCE_RPC_PORTS = [135] as const;

/** Common header of every connection-oriented PDU (C706 12.6.1). */
export const HEADER_SIZE = 16;
/** RPC protocol version 5; minor 0 or 1 (C706 12.6.3.1). */
export const RPC_VERSION = 5;
/** The sec_trailer before an auth verifier: type, level, pad length, reserved, context id (C706 13.2.6.1). */
export const SEC_TRAILER_SIZE = 8;
/**
 * Largest PDU read: frag_length is 16 bits, so no fragment is longer.
 * Windows negotiates 5840 or 4280 bytes; Samba up to 4280.
 */
export const MAX_FRAG_BYTES = 0xffff;
/** Presentation contexts read from one bind: clients offer 1-3 (NDR, NDR64, bind-time features). */
export const MAX_CONTEXT_ITEMS = 16;
/** Transfer syntaxes read per context item: one or two in practice. */
export const MAX_TRANSFER_SYNTAXES = 8;
/** Contexts remembered per association: a client binds a handful of interfaces on one connection at most. */
export const MAX_CONTEXTS = 64;
/** Calls awaiting their response per association: clients keep very few in flight (the pipe is request/reply). */
export const MAX_PENDING_CALLS = 64;
/** A context handle on the wire ([MS-RPCE] 2.2.4.2): attributes and a GUID, 20 bytes in both transfer syntaxes. */
export const CONTEXT_HANDLE_BYTES = 20;
/** Longest name read from a request stub and kept (service, display, task, account, WMI object and method): characters. */
export const MAX_STUB_NAME = 256;
/** Longest command read from a request stub and kept (a service's binary path, a task's command or arguments, an AT job's command). */
export const MAX_STUB_COMMAND = 2048;
/**
 * Stub bytes of one request gathered across its fragments to read what it
 * asks for (a SchRpcRegisterTask's task XML runs to a few KiB, sent in
 * 4280- or 5840-byte fragments); a longer stub is not read.
 */
export const MAX_DETAIL_STUB = 65536;
/** Requests whose stubs one association gathers at a time (calls are sequential on a pipe; a few may overlap on TCP). */
export const MAX_GATHERED_STUBS = 4;
/** Named pipes with RPC followed per SMB connection: a management session opens a dozen at most. */
export const MAX_PIPES = 64;

/** PDU types (C706 12.6.4.1). */
export const PduType = {
  REQUEST: 0,
  PING: 1,
  RESPONSE: 2,
  FAULT: 3,
  BIND: 11,
  BIND_ACK: 12,
  BIND_NAK: 13,
  ALTER_CONTEXT: 14,
  ALTER_CONTEXT_RESP: 15,
  AUTH3: 16,
  SHUTDOWN: 17,
  CO_CANCEL: 18,
  ORPHANED: 19,
} as const;

/** auth_type values of a sec_trailer Picket reads ([MS-RPCE] 2.2.1.1.7). */
export const AuthType = {
  SPNEGO: 9,
  NTLMSSP: 10,
  KERBEROS: 16,
} as const;

/** auth_level values of a sec_trailer ([MS-RPCE] 2.2.1.1.8; 2 connect ... 5 packet integrity): under packet privacy the stub is encrypted. */
export const AuthLevel = {
  PKT_PRIVACY: 6,
} as const;

/** pfc_flags bits (C706 12.6.3.1). */
export const PfcFlags = {
  FIRST_FRAG: 0x01,
  LAST_FRAG: 0x02,
  PENDING_CANCEL: 0x04,
  CONC_MPX: 0x10,
  DID_NOT_EXECUTE: 0x20,
  MAYBE: 0x40,
  OBJECT_UUID: 0x80,
} as const;

/** Presentation context results of a bind_ack (C706 12.6.3.5; [MS-RPCE] 2.2.2.4 adds negotiate_ack). */
export const ContextResult = {
  ACCEPTANCE: 0,
  USER_REJECTION: 1,
  PROVIDER_REJECTION: 2,
  NEGOTIATE_ACK: 3,
} as const;

/**
 * The bind-time feature negotiation "transfer syntax" ([MS-RPCE] 3.3.1.5.3):
 * its first 8 bytes are this UUID prefix, the rest carries feature bits. A
 * context offering it is a negotiation, not an interface the client uses.
 */
export const BIND_TIME_FEATURE_PREFIX = '6cb71c2c-9812-4540';

/** Fault and reject status codes (C706 appendix E, [MS-RPCE] 3.1.1.5.5 and Win32 errors servers return). */
const FAULT_NAMES: Readonly<Record<number, string>> = {
  0x00000005: 'ACCESS_DENIED',
  0x00000006: 'INVALID_HANDLE',
  0x00000008: 'NOT_ENOUGH_MEMORY',
  0x00000057: 'ERROR_INVALID_PARAMETER',
  0x000006a6: 'RPC_S_INVALID_BINDING',
  0x000006d8: 'EPT_S_CANT_PERFORM_OP',
  0x000006f7: 'RPC_X_BAD_STUB_DATA',
  0x00000721: 'RPC_S_SEC_PKG_ERROR',
  0x1c000001: 'nca_s_fault_int_div_by_zero',
  0x1c000002: 'nca_s_fault_addr_error',
  0x1c000003: 'nca_s_fault_fp_div_zero',
  0x1c000004: 'nca_s_fault_fp_underflow',
  0x1c000005: 'nca_s_fault_fp_overflow',
  0x1c000006: 'nca_s_fault_invalid_tag',
  0x1c000007: 'nca_s_fault_invalid_bound',
  0x1c000008: 'nca_s_rpc_version_mismatch',
  0x1c000009: 'nca_s_unspec_reject',
  0x1c00000a: 'nca_s_bad_actid',
  0x1c00000b: 'nca_s_who_are_you_failed',
  0x1c00000c: 'nca_s_manager_not_entered',
  0x1c00000d: 'nca_s_fault_cancel',
  0x1c00000e: 'nca_s_fault_ill_inst',
  0x1c00000f: 'nca_s_fault_fp_error',
  0x1c000010: 'nca_s_fault_int_overflow',
  0x1c000012: 'nca_s_fault_unspec',
  0x1c000013: 'nca_s_fault_remote_comm_failure',
  0x1c000014: 'nca_s_fault_pipe_empty',
  0x1c000015: 'nca_s_fault_pipe_closed',
  0x1c000016: 'nca_s_fault_pipe_order',
  0x1c000017: 'nca_s_fault_pipe_discipline',
  0x1c000018: 'nca_s_fault_pipe_comm_error',
  0x1c000019: 'nca_s_fault_pipe_memory',
  0x1c00001a: 'nca_s_fault_context_mismatch',
  0x1c00001b: 'nca_s_fault_remote_no_memory',
  0x1c00001c: 'nca_s_invalid_pres_context_id',
  0x1c00001d: 'nca_s_unsupported_authn_level',
  0x1c00001f: 'nca_s_invalid_checksum',
  0x1c000020: 'nca_s_invalid_crc',
  0x1c000021: 'nca_s_fault_user_defined',
  0x1c000022: 'nca_s_fault_tx_open_failed',
  0x1c000023: 'nca_s_fault_codeset_conv_error',
  0x1c000024: 'nca_s_fault_object_not_found',
  0x1c000025: 'nca_s_fault_no_client_stub',
  0x1c010002: 'nca_s_op_rng_error',
  0x1c010003: 'nca_s_unk_if',
  0x1c010006: 'nca_s_wrong_boot_time',
  0x1c010009: 'nca_s_you_crashed',
  0x1c01000b: 'nca_s_proto_error',
  0x1c010013: 'nca_s_out_args_too_big',
  0x1c010014: 'nca_s_server_too_busy',
  0x1c010015: 'nca_s_fault_string_too_long',
  0x1c010017: 'nca_s_unsupported_type',
};

/** A fault status's name, e.g. "nca_s_op_rng_error"; unknown codes as "0x1c00ffff". */
export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? `0x${status.toString(16).padStart(8, '0')}`;
}

export const DceRpcAnomaly = {
  /** A PDU header that is not version 5.0/5.1 or whose lengths do not add up. */
  BAD_HEADER: 'dce_rpc_bad_header',
  /** A PDU body shorter than its type's fixed part, or a list running past the PDU. */
  TRUNCATED_PDU: 'dce_rpc_truncated_pdu',
  /** A PDU type C706 does not define. */
  UNKNOWN_PDU_TYPE: 'dce_rpc_unknown_pdu_type',
  /** A PDU longer than the buffer (cannot happen with 16-bit lengths unless the budget refuses). */
  PDU_TOO_LONG: 'dce_rpc_pdu_too_long',
  /** More contexts than MAX_CONTEXTS on one association: the oldest is forgotten. */
  TOO_MANY_CONTEXTS: 'dce_rpc_too_many_contexts',
  /** More calls awaiting answers than MAX_PENDING_CALLS: the oldest is logged unanswered. */
  TOO_MANY_PENDING: 'dce_rpc_too_many_pending_calls',
  /** A bind listing more context items than MAX_CONTEXT_ITEMS: the rest are not read. */
  TOO_MANY_CONTEXT_ITEMS: 'dce_rpc_too_many_context_items',
  /** More RPC named pipes open on one SMB connection than MAX_PIPES: the oldest is closed. */
  TOO_MANY_PIPES: 'dce_rpc_too_many_pipes',
  /** Bytes of a direction were lost (capture gap, SMB message cut): reading resumes at the next PDU start. */
  CONTENT_GAP: 'dce_rpc_content_gap',
} as const;
