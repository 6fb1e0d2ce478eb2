/**
 * Puts smb_mapping.log and ntlm.log records' fields in Zeek's column order
 * (they are filled as messages arrive); unset fields are left out, Picket
 * additions follow Zeek's fields.
 */
import { orderFields, ZEEK_ID_COLUMNS } from '../zeek-record.js';
import type { NtlmRecord, SmbMappingRecord } from './events.js';

const MAPPING_ORDER: readonly (keyof SmbMappingRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'path',
  'service',
  'native_file_system',
  'share_type',
];

const NTLM_ORDER: readonly (keyof NtlmRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'username',
  'hostname',
  'domainname',
  'server_nb_computer_name',
  'server_dns_computer_name',
  'server_tree_name',
  'success',
  'status',
];

export function orderMappingRecord(rec: SmbMappingRecord): SmbMappingRecord {
  return orderFields(rec, MAPPING_ORDER);
}

export function orderNtlmRecord(rec: NtlmRecord): NtlmRecord {
  return orderFields(rec, NTLM_ORDER);
}
