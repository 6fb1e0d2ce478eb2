/**
 * SNMP wire values (RFC 3416 PDU tags, RFC 3414 USM report counters), the
 * names snmp.log gives versions (Zeek's), and the bounds on per-flow state.
 */

/** Agents listen on 161, trap receivers on 162. */
export const SNMP_PORTS = [161, 162] as const;

export const SNMP_V1 = 0;
export const SNMP_V2C = 1;
export const SNMP_V3 = 3;

/** snmp.log's `version` for each wire version (Zeek's names). */
export function versionName(v: number): string {
  return v === SNMP_V1 ? '1' : v === SNMP_V2C ? '2c' : v === SNMP_V3 ? '3' : 'unknown';
}

/** PDU kinds: their context tags. */
export const PduType = {
  GET: 0,
  GET_NEXT: 1,
  RESPONSE: 2,
  SET: 3,
  TRAP_V1: 4,
  GET_BULK: 5,
  INFORM: 6,
  TRAP_V2: 7,
  REPORT: 8,
} as const;

const PDU_NAMES = ['GetRequest', 'GetNextRequest', 'Response', 'SetRequest', 'Trap', 'GetBulkRequest', 'InformRequest', 'SNMPv2-Trap', 'Report'];

export function pduName(tag: number): string {
  return PDU_NAMES[tag] ?? `PDU ${tag}`;
}

/** Requests an agent answers with a Response when it accepts the community or user. */
export function isRequest(tag: number): boolean {
  return tag === PduType.GET || tag === PduType.GET_NEXT || tag === PduType.SET || tag === PduType.GET_BULK;
}

/** TimeTicks: [APPLICATION 3]. */
export const TIMETICKS_TAG = 3;

/** sysDescr.0 and sysUpTime.0 (RFC 3418), which snmp.log reports from responses. */
export const OID_SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const OID_SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
/** USM report counters that refuse a user (RFC 3414 section 5): unknown user, wrong digest. */
export const OID_USM_UNKNOWN_USER = '1.3.6.1.6.3.15.1.1.3.0';
export const OID_USM_WRONG_DIGEST = '1.3.6.1.6.3.15.1.1.5.0';

/** Response error-status values that refuse the request's rights (RFC 3416): noAccess, authorizationError. */
export const ERROR_NO_ACCESS = 6;
export const ERROR_AUTHORIZATION = 16;

/** Bindings read per PDU (all are counted). */
export const MAX_BINDINGS = 64;
/** Longest string value read (sysDescr is at most 255 octets). */
export const MAX_TEXT = 512;
/** Distinct communities or v3 users followed per flow; more are counted as an anomaly. */
export const MAX_SECRETS_PER_FLOW = 256;
/** Requests awaiting their response per flow. */
export const MAX_PENDING = 1024;
/** Longest community kept in snmp.log (RFC 3584 limits it to 255 octets). */
export const MAX_COMMUNITY = 255;

export const SnmpAnomaly = {
  NOT_SNMP: 'snmp.not_snmp',
  TOO_MANY_SECRETS: 'snmp.too_many_communities',
  TOO_MANY_PENDING: 'snmp.too_many_pending',
} as const;
