/**
 * Registration of the MQTT analyzer: TCP 1883, and on other ports a
 * content probe (a client's first packet is a CONNECT naming "MQTT" or
 * "MQIsdp"). The conn.log service is "mqtt".
 */
import type { ProtocolSpec } from '../analyzer.js';
import { MqttAnalyzer, type MqttLogSink } from './analyzer.js';
import { MQTT_PORTS } from './consts.js';
import { looksLikeConnect } from './parser.js';

export interface MqttSpecOptions {
  /** Receives each connection attempt's mqtt_connect.log event. */
  log?: MqttLogSink;
}

export function createMqttSpec(opts: MqttSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'mqtt',
    transports: ['tcp'],
    ports: MQTT_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && fromOrig && looksLikeConnect(data),
    create: (ctx) => new MqttAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

export const mqttSpec: ProtocolSpec = createMqttSpec();

export type { MqttConnectLogEvent, MqttConnectRecord, MqttEvent } from './events.js';
