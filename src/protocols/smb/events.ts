/**
 * Events of the SMB analyzer: smb_mapping.log lines (one per successful tree
 * connect, as Zeek logs them), smb_files.log lines (files opened, read,
 * written, renamed and deleted on disk shares),
 * ntlm.log lines (one per NTLM authentication, also produced by LDAP binds),
 * and non-log events for detectors: `smb.negotiate` (dialects offered and
 * chosen, SMB 3.1.1 negotiate contexts), `smb.tree_connect` (share path
 * and outcome) and `smb.file` (one per smb_files.log line). Session setup
 * outcomes are published as `auth` events.
 */

/** One smb_mapping.log line (Zeek's fields; unset fields omitted). */
export interface SmbMappingRecord {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** UNC path of the share, e.g. "\\\\SERVER\\IPC$". */
  path?: string;
  /** SMB1 service string from the response ("A:", "IPC", ...). */
  service?: string;
  /** SMB1 native file system from the response (e.g. "NTFS"). */
  native_file_system?: string;
  /** "DISK", "PIPE", "PRINT" or "COMM". */
  share_type?: string;
}

export interface SmbMappingLogEvent {
  type: 'smb_mapping';
  log: 'smb_mapping';
  ts: number;
  uid: string;
  record: SmbMappingRecord;
}

/** Zeek's SMB::Action names of the file actions Picket logs (closes are not logged, as in Zeek). */
export type SmbFileAction = 'SMB::FILE_OPEN' | 'SMB::FILE_READ' | 'SMB::FILE_WRITE' | 'SMB::FILE_DELETE' | 'SMB::FILE_RENAME';

/** One smb_files.log line (Zeek's fields without `fuid`; unset fields omitted). */
export interface SmbFilesRecord {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  action: SmbFileAction;
  /** UNC path of the share the file is on, when its tree connect was seen. */
  path?: string;
  /** File name relative to the share ("<share_root>" for the share itself). */
  name?: string;
  /** End-of-file size in bytes from the open. */
  size?: number;
  /** A rename's old name. */
  prev_name?: string;
  'times.modified'?: number;
  'times.accessed'?: number;
  'times.created'?: number;
  'times.changed'?: number;
}

export interface SmbFilesLogEvent {
  type: 'smb_files';
  log: 'smb_files';
  ts: number;
  uid: string;
  record: SmbFilesRecord;
}

/** Who did something on an SMB connection, for the events about files and pipes. */
export interface SmbActionHead {
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  smb_version: 1 | 2;
}

/**
 * A named pipe asked for on a pipe share (IPC$), with the server's answer
 * (`ts` is the answer's): one per create request that got a response. Not
 * logged (Zeek leaves pipe actions out of smb_files.log by default);
 * smb.named_pipe reads it.
 */
export interface SmbPipeEvent extends SmbActionHead {
  type: 'smb.pipe';
  /** The pipe's name without leading backslashes ("srvsvc", "PSEXESVC"). */
  name: string;
  /** The answer's status name ("STATUS_SUCCESS", "STATUS_OBJECT_NAME_NOT_FOUND"). */
  status: string;
  /** The pipe was opened. */
  opened: boolean;
}

/** A file opened, read, written, renamed or deleted on a share: one per smb_files.log line. */
export interface SmbFileEvent extends SmbActionHead {
  type: 'smb.file';
  action: 'open' | 'read' | 'write' | 'rename' | 'delete';
  /** UNC path of the share, when its tree connect was seen. */
  path?: string;
  /** File name relative to the share; after a rename, the new name. */
  name: string;
  /** A rename's old name. */
  prev_name?: string;
  /** End-of-file size in bytes when the file was opened. */
  size: number;
  directory: boolean;
  /** The create request's CreateDisposition ("FILE_OPEN", "FILE_CREATE", "FILE_OVERWRITE_IF", ...). */
  disposition: string;
  /** A write: the type of the bytes written at the file's start, when the first write began there ("application/x-dosexec"). */
  mime_type?: string;
}

/** One ntlm.log line (Zeek's fields; unset fields omitted). */
export interface NtlmRecord {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  username?: string;
  /** Client workstation name. */
  hostname?: string;
  domainname?: string;
  server_nb_computer_name?: string;
  server_dns_computer_name?: string;
  server_tree_name?: string;
  success?: boolean;
  /** Picket: the status that decided `success` (SMB NT status name or SPNEGO state). */
  status?: string;
}

export interface NtlmLogEvent {
  type: 'ntlm';
  log: 'ntlm';
  ts: number;
  uid: string;
  record: NtlmRecord;
}

/** One SMB 3.1.1 negotiate context, decoded where Picket knows the type. */
export interface SmbNegotiateContext {
  type: number;
  type_name: string;
  length: number;
  hash_algorithms?: number[];
  salt_length?: number;
  ciphers?: string[];
  compression_algorithms?: string[];
  /** NETNAME context: the server name the client asked for. */
  netname?: string;
}

/** A protocol negotiation: what the client offered and what the server chose. */
export interface SmbNegotiateEvent {
  type: 'smb.negotiate';
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  /** 1 for an SMB1 NEGOTIATE request, 2 for SMB2/3. */
  smb_version: 1 | 2;
  /** Dialects the client offered ("NT LM 0.12", "SMB 2.002" for SMB1; "2.02"..."3.11" for SMB2). */
  client_dialects: string[];
  /** Dialect the server selected, when its response was seen. */
  dialect?: string;
  /** NT status of the response, when seen. */
  status?: string;
  client_contexts: SmbNegotiateContext[];
  server_contexts: SmbNegotiateContext[];
}

/** A tree connect (share mapping) and its outcome. */
export interface SmbTreeConnectEvent {
  type: 'smb.tree_connect';
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  path: string;
  share_type?: string;
  /** NT status name of the response, when seen. */
  status?: string;
}

export type SmbEvent =
  | SmbMappingLogEvent
  | SmbFilesLogEvent
  | NtlmLogEvent
  | SmbNegotiateEvent
  | SmbTreeConnectEvent
  | SmbFileEvent
  | SmbPipeEvent;
