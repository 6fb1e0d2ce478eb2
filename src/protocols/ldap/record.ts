/**
 * Puts ldap.log and ldap_search.log records' fields in Zeek's column order
 * (requests and responses fill them in arrival order); unset fields are left
 * out.
 */
import { orderFields, ZEEK_ID_COLUMNS } from '../zeek-record.js';
import type { LdapRecord, LdapSearchRecord } from './events.js';

const LDAP_ORDER: readonly (keyof LdapRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'message_id',
  'version',
  'opcode',
  'result',
  'diagnostic_message',
  'object',
  'argument',
];

const SEARCH_ORDER: readonly (keyof LdapSearchRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'message_id',
  'scope',
  'deref_aliases',
  'base_object',
  'result_count',
  'result',
  'diagnostic_message',
  'filter',
  'attributes',
];

export function orderLdapRecord(rec: LdapRecord): LdapRecord {
  return orderFields(rec, LDAP_ORDER);
}

export function orderSearchRecord(rec: LdapSearchRecord): LdapSearchRecord {
  return orderFields(rec, SEARCH_ORDER);
}
