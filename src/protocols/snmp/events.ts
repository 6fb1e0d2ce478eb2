/**
 * Events of the SNMP analyzer: one `snmp` log event per flow with Zeek's
 * snmp.log field names in Zeek's order. Sign-ins (a community or a v3 user
 * an agent accepted, refused or never answered) go out as `auth` events
 * (service "snmp").
 */

/** One snmp.log line. Unset fields are omitted. */
export interface SnmpRecord {
  /** Time of the flow's first SNMP message. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Seconds between the first and the last SNMP message. */
  duration: number;
  /** "1", "2c" or "3". */
  version: string;
  /** The community of the first v1/v2c message (as Zeek logs it: it is the shared secret). */
  community?: string;
  /** Bindings in GetRequest and GetNextRequest PDUs. */
  get_requests: number;
  /** Bindings in GetBulkRequest PDUs. */
  get_bulk_requests: number;
  /** Bindings in Response PDUs. */
  get_responses: number;
  /** Bindings in SetRequest PDUs. */
  set_requests: number;
  /** sysDescr.0 from a response. */
  display_string?: string;
  /** When the responder says it came up (the message time less sysUpTime.0). */
  up_since?: number;
}

/** A v1/v2c community the agent answered on this flow. */
export interface SnmpAccepted {
  community: string;
  /** "1" or "2c". */
  version: string;
  /** A SetRequest with it was answered without error: it writes. */
  writes: boolean;
}

export interface SnmpLogEvent {
  type: 'snmp';
  log: 'snmp';
  ts: number;
  uid: string;
  record: SnmpRecord;
  /** The communities the agent answered (not logged: the log has the first community only, as Zeek's). */
  accepted?: SnmpAccepted[];
}

export type SnmpEvent = SnmpLogEvent;
