/**
 * Puts a kerberos.log record's fields in Zeek's column order (records are
 * filled as messages arrive, in whatever order that is); unset fields are
 * left out. Picket additions follow Zeek's fields.
 */
import { orderFields, ZEEK_ID_COLUMNS } from '../zeek-record.js';
import type { KerberosRecord } from './events.js';

const ORDER: readonly (keyof KerberosRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'request_type',
  'client',
  'service',
  'success',
  'error_msg',
  'from',
  'till',
  'cipher',
  'forwardable',
  'renewable',
  'error_code',
  'request_ciphers',
];

export function orderKerberosRecord(rec: KerberosRecord): KerberosRecord {
  return orderFields(rec, ORDER);
}
