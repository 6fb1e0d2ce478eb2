/**
 * Events of the MQTT analyzer, with the columns of Zeek's MQTT logs: one
 * `mqtt_connect` log event per connection attempt, one `mqtt_publish` per
 * message published either way, one `mqtt_subscribe` per SUBSCRIBE or
 * UNSUBSCRIBE. A CONNECT with a user name also goes out as an `auth` event
 * (service "mqtt").
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

/** One mqtt_publish.jsonl line. */
export interface MqttPublishRecord {
  /** Time of the PUBLISH. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** True when the client published (to the broker); false for a message the broker delivered to the client. */
  from_client: boolean;
  /** The message is to be retained by the broker. */
  retain: boolean;
  /** "at most once", "at least once" or "exactly once" (QoS 0, 1, 2). */
  qos: string;
  /** "ok" when the exchange the QoS asks for was seen whole (none for QoS 0); else "incomplete_qos". */
  status: string;
  topic: string;
  /** The payload's first 100 bytes, as log text. */
  payload: string;
  /** The payload's whole length in bytes. */
  payload_len: number;
}

export interface MqttPublishLogEvent {
  type: 'mqtt_publish';
  log: 'mqtt_publish';
  ts: number;
  uid: string;
  record: MqttPublishRecord;
}

/** One mqtt_subscribe.jsonl line. Unset fields are omitted. */
export interface MqttSubscribeRecord {
  /** Time of the SUBSCRIBE or UNSUBSCRIBE. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** "MQTT::SUBSCRIBE" or "MQTT::UNSUBSCRIBE" (Zeek's enum names). */
  action: string;
  /** The topics or topic filters. */
  topics: string[];
  /** SUBSCRIBE: the QoS asked for each topic. */
  qos_levels?: number[];
  /** SUBACK: the broker's first return code (the QoS granted, or 128 / an MQTT 5 reason of 0x80 and above for a refusal). */
  granted_qos_level?: number;
  /** The broker acknowledged it (SUBACK or UNSUBACK seen). */
  ack: boolean;
}

export interface MqttSubscribeLogEvent {
  type: 'mqtt_subscribe';
  log: 'mqtt_subscribe';
  ts: number;
  uid: string;
  record: MqttSubscribeRecord;
}

export type MqttEvent = MqttConnectLogEvent | MqttPublishLogEvent | MqttSubscribeLogEvent;
