/**
 * Puts a kerberos.log record's fields in Zeek's column order (records are
 * filled as messages arrive, in whatever order that is); unset fields are
 * left out. Picket additions follow Zeek's fields.
 */
import type { KerberosRecord } from './events.js';

const ORDER: readonly (keyof KerberosRecord)[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
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
  const out: Record<string, unknown> = {};
  for (let i = 0; i < ORDER.length; i++) {
    const k = ORDER[i]!;
    if (rec[k] !== undefined) out[k] = rec[k];
  }
  return out as unknown as KerberosRecord;
}
