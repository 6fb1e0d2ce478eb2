/**
 * Puts smb_mapping.log and ntlm.log records' fields in Zeek's column order
 * (they are filled as messages arrive); unset fields are left out, Picket
 * additions follow Zeek's fields.
 */
import type { NtlmRecord, SmbMappingRecord } from './events.js';

const MAPPING_ORDER: readonly (keyof SmbMappingRecord)[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'path',
  'service',
  'native_file_system',
  'share_type',
];

const NTLM_ORDER: readonly (keyof NtlmRecord)[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'username',
  'hostname',
  'domainname',
  'server_nb_computer_name',
  'server_dns_computer_name',
  'server_tree_name',
  'success',
  'status',
];

function order<T extends object>(rec: T, keys: readonly (keyof T)[]): T {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (rec[k] !== undefined) out[k as string] = rec[k];
  }
  return out as T;
}

export function orderMappingRecord(rec: SmbMappingRecord): SmbMappingRecord {
  return order(rec, MAPPING_ORDER);
}

export function orderNtlmRecord(rec: NtlmRecord): NtlmRecord {
  return order(rec, NTLM_ORDER);
}
