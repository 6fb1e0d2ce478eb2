/**
 * SMB wire values (MS-SMB, MS-SMB2, RFC 1002 NetBIOS session service) and
 * their names. Name lookups fall back to a readable form of the number
 * (`0xc0000001`, `cmd-0x99`, `dialect-0x0399`), never an empty string.
 */

/** NetBIOS session service packet types (RFC 1002 §4.3.1); direct TCP (445) uses only SESSION_MESSAGE. */
export const NbssType = {
  SESSION_MESSAGE: 0x00,
  SESSION_REQUEST: 0x81,
  POSITIVE_RESPONSE: 0x82,
  NEGATIVE_RESPONSE: 0x83,
  RETARGET_RESPONSE: 0x84,
  KEEPALIVE: 0x85,
} as const;

/** Protocol identifiers: first byte of an SMB message after the 4-byte framing. */
export const SmbProtocol = {
  SMB1: 0xff,
  SMB2: 0xfe,
  TRANSFORM: 0xfd,
  COMPRESSED: 0xfc,
} as const;

export const Smb1Command = {
  CLOSE: 0x04,
  READ_ANDX: 0x2e,
  WRITE_ANDX: 0x2f,
  TREE_DISCONNECT: 0x71,
  NEGOTIATE: 0x72,
  SESSION_SETUP_ANDX: 0x73,
  LOGOFF_ANDX: 0x74,
  TREE_CONNECT_ANDX: 0x75,
  NT_CREATE_ANDX: 0xa2,
  TRANSACTION: 0x25,
  NO_ANDX: 0xff,
} as const;

export const Smb1Flags2 = {
  EXTENDED_SECURITY: 0x0800,
  NT_STATUS: 0x4000,
  UNICODE: 0x8000,
} as const;

/** SMB1 header FLAGS bit set on responses (SMB_FLAGS_REPLY). */
export const SMB1_FLAGS_REPLY = 0x80;

export const Smb2Command = {
  NEGOTIATE: 0,
  SESSION_SETUP: 1,
  LOGOFF: 2,
  TREE_CONNECT: 3,
  TREE_DISCONNECT: 4,
  CREATE: 5,
  CLOSE: 6,
  FLUSH: 7,
  READ: 8,
  WRITE: 9,
  LOCK: 10,
  IOCTL: 11,
  CANCEL: 12,
  ECHO: 13,
  QUERY_DIRECTORY: 14,
  CHANGE_NOTIFY: 15,
  QUERY_INFO: 16,
  SET_INFO: 17,
  OPLOCK_BREAK: 18,
} as const;

export const Smb2Flags = {
  SERVER_TO_REDIR: 0x00000001,
  ASYNC_COMMAND: 0x00000002,
  /** This message of a compound acts on the file of the one before (MS-SMB2 §3.2.4.1.4). */
  RELATED_OPERATIONS: 0x00000004,
} as const;

/** CREATE / NT_CREATE_ANDX CreateOptions bits Picket reads (MS-SMB2 §2.2.13, MS-CIFS §2.2.4.64.1). */
export const CreateOptions = {
  DIRECTORY_FILE: 0x00000001,
  DELETE_ON_CLOSE: 0x00001000,
} as const;

/** FileAttributes bit of a directory (MS-FSCC §2.6). */
export const FILE_ATTRIBUTE_DIRECTORY = 0x10;

/** SET_INFO InfoType of file information (MS-SMB2 §2.2.39). */
export const SMB2_INFO_FILE = 0x01;

/** File information classes of SET_INFO that rename or delete (MS-FSCC §2.4). */
export const FileInfoClass = {
  RENAME: 10,
  DISPOSITION: 13,
  DISPOSITION_EX: 64,
  RENAME_EX: 65,
} as const;

/** CreateDisposition (MS-SMB2 §2.2.13): what to do when the file does or does not exist. */
export function createDispositionName(d: number): string {
  switch (d) {
    case 0:
      return 'FILE_SUPERSEDE';
    case 1:
      return 'FILE_OPEN';
    case 2:
      return 'FILE_CREATE';
    case 3:
      return 'FILE_OPEN_IF';
    case 4:
      return 'FILE_OVERWRITE';
    case 5:
      return 'FILE_OVERWRITE_IF';
    default:
      return `disposition-${d}`;
  }
}

export const NtStatus = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  BUFFER_OVERFLOW: 0x80000005,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  ACCESS_DENIED: 0xc0000022,
  LOGON_FAILURE: 0xc000006d,
} as const;

const STATUS_NAMES: Record<number, string> = {
  0x00000000: 'STATUS_SUCCESS',
  0x00000103: 'STATUS_PENDING',
  0x0000010c: 'STATUS_NOTIFY_ENUM_DIR',
  0x80000005: 'STATUS_BUFFER_OVERFLOW',
  0x80000006: 'STATUS_NO_MORE_FILES',
  0xc0000001: 'STATUS_UNSUCCESSFUL',
  0xc0000002: 'STATUS_NOT_IMPLEMENTED',
  0xc0000008: 'STATUS_INVALID_HANDLE',
  0xc000000d: 'STATUS_INVALID_PARAMETER',
  0xc000000f: 'STATUS_NO_SUCH_FILE',
  0xc0000010: 'STATUS_INVALID_DEVICE_REQUEST',
  0xc0000011: 'STATUS_END_OF_FILE',
  0xc0000016: 'STATUS_MORE_PROCESSING_REQUIRED',
  0xc0000022: 'STATUS_ACCESS_DENIED',
  0xc0000034: 'STATUS_OBJECT_NAME_NOT_FOUND',
  0xc0000035: 'STATUS_OBJECT_NAME_COLLISION',
  0xc000003a: 'STATUS_OBJECT_PATH_NOT_FOUND',
  0xc0000043: 'STATUS_SHARING_VIOLATION',
  0xc0000064: 'STATUS_NO_SUCH_USER',
  0xc000006a: 'STATUS_WRONG_PASSWORD',
  0xc000006d: 'STATUS_LOGON_FAILURE',
  0xc000006e: 'STATUS_ACCOUNT_RESTRICTION',
  0xc000006f: 'STATUS_INVALID_LOGON_HOURS',
  0xc0000070: 'STATUS_INVALID_WORKSTATION',
  0xc0000071: 'STATUS_PASSWORD_EXPIRED',
  0xc0000072: 'STATUS_ACCOUNT_DISABLED',
  0xc000009a: 'STATUS_INSUFFICIENT_RESOURCES',
  0xc00000ba: 'STATUS_FILE_IS_A_DIRECTORY',
  0xc00000bb: 'STATUS_NOT_SUPPORTED',
  0xc00000c9: 'STATUS_NETWORK_NAME_DELETED',
  0xc00000ca: 'STATUS_NETWORK_ACCESS_DENIED',
  0xc00000cb: 'STATUS_BAD_DEVICE_TYPE',
  0xc00000cc: 'STATUS_BAD_NETWORK_NAME',
  0xc0000120: 'STATUS_CANCELLED',
  0xc0000128: 'STATUS_FILE_CLOSED',
  0xc0000193: 'STATUS_ACCOUNT_EXPIRED',
  0xc0000203: 'STATUS_USER_SESSION_DELETED',
  0xc0000224: 'STATUS_PASSWORD_MUST_CHANGE',
  0xc0000225: 'STATUS_NOT_FOUND',
  0xc0000234: 'STATUS_ACCOUNT_LOCKED_OUT',
  0xc000035c: 'STATUS_NETWORK_SESSION_EXPIRED',
};

/** NT status name, e.g. "STATUS_LOGON_FAILURE"; unknown codes as "0xc0001234". */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `0x${status.toString(16).padStart(8, '0')}`;
}

/** SMB2 dialect revision as Suricata writes it ("2.02", "3.00", "3.11"; 0x02ff is the wildcard "2.??"). */
export function smb2DialectName(d: number): string {
  switch (d) {
    case 0x0202:
      return '2.02';
    case 0x0210:
      return '2.10';
    case 0x0222:
      return '2.22';
    case 0x0224:
      return '2.24';
    case 0x02ff:
      return '2.??';
    case 0x0300:
      return '3.00';
    case 0x0302:
      return '3.02';
    case 0x0310:
      return '3.10';
    case 0x0311:
      return '3.11';
    default:
      return `dialect-0x${d.toString(16).padStart(4, '0')}`;
  }
}

/** SMB2 TREE_CONNECT response ShareType -> Zeek's share_type. */
export function smb2ShareTypeName(t: number): string {
  switch (t) {
    case 1:
      return 'DISK';
    case 2:
      return 'PIPE';
    case 3:
      return 'PRINT';
    default:
      return `share-${t}`;
  }
}

/** SMB1 TREE_CONNECT_ANDX service string -> Zeek's share_type ('' when not a known service). */
export function smb1ShareTypeName(service: string): string {
  switch (service) {
    case 'A:':
      return 'DISK';
    case 'LPT1:':
      return 'PRINT';
    case 'IPC':
      return 'PIPE';
    case 'COMM':
      return 'COMM';
    default:
      return '';
  }
}

/** SMB 3.1.1 negotiate context types (MS-SMB2 §2.2.3.1). */
export const NegotiateContextType = {
  PREAUTH_INTEGRITY: 1,
  ENCRYPTION: 2,
  COMPRESSION: 3,
  NETNAME: 5,
  TRANSPORT: 6,
  RDMA_TRANSFORM: 7,
  SIGNING: 8,
} as const;

export function contextTypeName(t: number): string {
  switch (t) {
    case 1:
      return 'PREAUTH_INTEGRITY_CAPABILITIES';
    case 2:
      return 'ENCRYPTION_CAPABILITIES';
    case 3:
      return 'COMPRESSION_CAPABILITIES';
    case 5:
      return 'NETNAME_NEGOTIATE_CONTEXT_ID';
    case 6:
      return 'TRANSPORT_CAPABILITIES';
    case 7:
      return 'RDMA_TRANSFORM_CAPABILITIES';
    case 8:
      return 'SIGNING_CAPABILITIES';
    default:
      return `context-${t}`;
  }
}

export function compressionName(a: number): string {
  switch (a) {
    case 0:
      return 'NONE';
    case 1:
      return 'LZNT1';
    case 2:
      return 'LZ77';
    case 3:
      return 'LZ77+Huffman';
    case 4:
      return 'Pattern_V1';
    case 5:
      return 'LZ4';
    default:
      return `compression-${a}`;
  }
}

export function cipherName(c: number): string {
  switch (c) {
    case 1:
      return 'AES-128-CCM';
    case 2:
      return 'AES-128-GCM';
    case 3:
      return 'AES-256-CCM';
    case 4:
      return 'AES-256-GCM';
    default:
      return `cipher-${c}`;
  }
}
