/**
 * Events of the RFB (VNC) analyzer: one `rfb` log event per connection with
 * Zeek's rfb.log field names in Zeek's order. The authentication outcome
 * also goes out as an `auth` event (service "vnc").
 */

/** One rfb.log line. Unset fields are omitted. */
export interface RfbRecord {
  /** Time of the first version line. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Version fields as sent, e.g. "003" and "008". */
  client_major_version?: string;
  client_minor_version?: string;
  server_major_version?: string;
  server_minor_version?: string;
  /** Name of the security type in use, e.g. "VNC", "None", "Apple Remote Desktop". */
  authentication_method?: string;
  /** True when the server's SecurityResult said OK. */
  auth?: boolean;
  /** ClientInit's shared-desktop flag. */
  share_flag?: boolean;
  desktop_name?: string;
  width?: number;
  height?: number;
}

export interface RfbLogEvent {
  type: 'rfb';
  log: 'rfb';
  ts: number;
  uid: string;
  record: RfbRecord;
}

export type VncEvent = RfbLogEvent;
