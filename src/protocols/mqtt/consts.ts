/**
 * MQTT (3.1, 3.1.1 and 5.0) values the connection phase needs, and its
 * bounds.
 */

/** Brokers listen on 1883 (8883 is MQTT over TLS: encrypted, not read). */
export const MQTT_PORTS = [1883] as const;

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
} as const;

/** Longest CONNECT or CONNACK read (client id, will message, user and password included). */
export const MAX_PACKET = 65_536;

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
  /** A CONNECT or CONNACK that does not parse. */
  BAD_PACKET: 'mqtt.bad_packet',
  /** A CONNECT or CONNACK longer than MAX_PACKET. */
  TOO_LONG: 'mqtt.packet_too_long',
  /** Bytes lost before the connection phase ended. */
  CONTENT_GAP: 'mqtt.content_gap',
} as const;
