/**
 * Puts ldap.log and ldap_search.log records' fields in Zeek's column order
 * (requests and responses fill them in arrival order); unset fields are left
 * out.
 */
import type { LdapRecord, LdapSearchRecord } from './events.js';

const LDAP_ORDER: readonly (keyof LdapRecord)[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'message_id',
  'version',
  'opcode',
  'result',
  'diagnostic_message',
  'object',
  'argument',
];

const SEARCH_ORDER: readonly (keyof LdapSearchRecord)[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
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

function order<T extends object>(rec: T, keys: readonly (keyof T)[]): T {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (rec[k] !== undefined) out[k as string] = rec[k];
  }
  return out as T;
}

export function orderLdapRecord(rec: LdapRecord): LdapRecord {
  return order(rec, LDAP_ORDER);
}

export function orderSearchRecord(rec: LdapSearchRecord): LdapSearchRecord {
  return order(rec, SEARCH_ORDER);
}
