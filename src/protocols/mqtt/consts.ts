/**
 * MQTT (3.1, 3.1.1 and 5.0) values the analyzer needs, and its bounds.
 */

/** Brokers listen on 1883 (8883 is MQTT over TLS: encrypted, not read). */
export const MQTT_PORTS = [1883] as const;

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
} as const;

/**
 * Longest packet read whole (a CONNECT with its client id, will message,
 * user and password; a SUBSCRIBE with its topics). A longer PUBLISH is read
 * from its first MAX_PACKET bytes (topic and the payload's head) and the
 * rest stepped over; any other longer packet is stepped over and counted.
 */
export const MAX_PACKET = 65_536;
/** Payload bytes kept in mqtt_publish.log (Zeek's MQTT::max_payload_size). */
export const MAX_LOGGED_PAYLOAD = 100;
/** Topics kept per mqtt_subscribe.log line. */
export const MAX_TOPICS = 64;
/** Unacknowledged publishes and subscriptions kept per connection; the oldest is logged as unacknowledged beyond it. */
export const MAX_PENDING = 64;
/** An exchange not completed within this many seconds (packet time) is logged as it stands (Zeek's 5 s). */
export const PENDING_SECONDS = 5;

/** QoS levels as Zeek's mqtt_publish.log names them. */
export const QOS_NAMES: readonly string[] = ['at most once', 'at least once', 'exactly once'];

/** CONNECT flags. */
export const Flag = {
  USERNAME: 0x80,
  PASSWORD: 0x40,
  WILL: 0x04,
} as const;

/** MQTT 3.1/3.1.1 CONNACK return codes, as Zeek's mqtt_connect.log words them. */
export const V3_RETURN_CODES: readonly string[] = [
  'Connection Accepted',
  'Refused: unacceptable protocol version',
  'Refused: identifier rejected',
  'Refused: server unavailable',
  'Refused: bad user name or password',
  'Refused: not authorized',
];

/** MQTT 5 CONNACK reason codes (OASIS MQTT 5.0, 3.2.2.2). */
export const V5_REASON_CODES: Readonly<Record<number, string>> = {
  0x00: 'Success',
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8c: 'Bad authentication method',
  0x90: 'Topic Name invalid',
  0x95: 'Packet too large',
  0x97: 'Quota exceeded',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9f: 'Connection rate exceeded',
};

export const MqttAnomaly = {
  /** A packet that does not parse (after the connection phase, the rest of the connection is not read). */
  BAD_PACKET: 'mqtt.bad_packet',
  /** A CONNECT or CONNACK longer than MAX_PACKET (the connection is not read further), or another packet but PUBLISH (stepped over). */
  TOO_LONG: 'mqtt.packet_too_long',
  /** Bytes lost: the rest of the connection is not read. */
  CONTENT_GAP: 'mqtt.content_gap',
} as const;
