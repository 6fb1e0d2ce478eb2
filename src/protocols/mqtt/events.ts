/**
 * Events of the MQTT analyzer: one `mqtt_connect` log event per connection
 * attempt, with the columns of Zeek's mqtt_connect.log. A CONNECT with a
 * user name also goes out as an `auth` event (service "mqtt").
 */

/** One mqtt_connect.jsonl line. Unset fields are omitted. */
export interface MqttConnectRecord {
  /** Time of the CONNECT. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** "MQTT" (3.1.1, 5.0) or "MQIsdp" (3.1). */
  proto_name: string;
  /** "3.1", "3.1.1" or "5.0". */
  proto_version: string;
  client_id: string;
  /** The broker's answer ("Connection Accepted", "Refused: bad user name or password", an MQTT 5 reason); absent without one. */
  connect_status?: string;
  will_topic?: string;
  will_payload?: string;
}

export interface MqttConnectLogEvent {
  type: 'mqtt_connect';
  log: 'mqtt_connect';
  ts: number;
  uid: string;
  record: MqttConnectRecord;
  /** The broker accepted the connection (CONNACK code 0). Not logged. */
  accepted: boolean;
  /** The CONNECT carried neither a user name nor a password. Not logged. */
  anonymous: boolean;
}

export type MqttEvent = MqttConnectLogEvent;
