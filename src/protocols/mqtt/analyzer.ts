/**
 * Per-connection MQTT (TCP 1883 and by content), as Zeek's three MQTT logs
 * see it:
 * - the client's CONNECT and the broker's CONNACK: one mqtt_connect.log
 *   line. A CONNECT with a user name is a sign-in, reported as an `auth`
 *   event: accepted is a success; "bad user name or password" and "not
 *   authorized" (and their MQTT 5 reason codes) are failures; any other
 *   refusal, or no answer, "unknown". Without TLS the password crosses in
 *   clear (`cleartext`).
 * - every PUBLISH either way: one mqtt_publish.log line, at once for QoS 0,
 *   else when its acknowledgement exchange is complete (PUBACK; PUBREC,
 *   PUBREL, PUBCOMP), or unacknowledged after PENDING_SECONDS or at the end.
 *   A redelivery (DUP) of a message still pending is not logged twice.
 * - every SUBSCRIBE and UNSUBSCRIBE: one mqtt_subscribe.log line at its
 *   SUBACK or UNSUBACK, or unacknowledged after PENDING_SECONDS.
 * Each direction is framed on its own; a packet longer than MAX_PACKET is a
 * PUBLISH read from its head (the payload is cut anyway), anything else is
 * stepped over. A gap, or a packet that does not parse, ends the reading.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import type { AuthOutcome } from '../../events/auth.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { startRecord } from '../zeek-record.js';
import { logString } from '../wire-text.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import {
  MAX_LOGGED_PAYLOAD, MAX_PACKET, MAX_PENDING, MqttAnomaly, PENDING_SECONDS, PacketType, QOS_NAMES, V3_RETURN_CODES, V5_REASON_CODES,
} from './consts.js';
import type { MqttConnectRecord, MqttEvent, MqttPublishRecord, MqttSubscribeRecord } from './events.js';
import { fixedHeader, packetId, parseConnack, parseConnect, parsePublish, parseSuback, parseSubscription, type MqttConnect } from './parser.js';

export type MqttLogSink = (event: MqttEvent) => void;

const VERSIONS: Readonly<Record<number, string>> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };
/** CONNACK codes that refuse the credentials: 3.x return codes 4 and 5; MQTT 5 reasons 0x86 and 0x87. */
const REFUSED_V3 = new Set([4, 5]);
const REFUSED_V5 = new Set([0x86, 0x87, 0x8c]);
/** Largest fixed header: a type byte and a four-byte remaining length. */
const MAX_FIXED_HEADER = 5;

/** A QoS 1 or 2 message waiting for the rest of its exchange. */
interface PendingPublish {
  record: MqttPublishRecord;
  qos: number;
  rec: boolean;
  rel: boolean;
}

/** One direction's framing: its buffer and the bytes of an overlong packet still to step over. */
class Direction {
  readonly buf = new StreamBuffer(MAX_PACKET + MAX_FIXED_HEADER);
  skip = 0;
}

export class MqttAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: MqttLogSink;
  readonly #auth: AuthReporter;
  readonly #cli = new Direction();
  readonly #srv = new Direction();
  #connect: MqttConnect | undefined = undefined;
  #connectTs = 0;
  /** The connect line was written (CONNACK seen, or given up on). */
  #connectLogged = false;
  #done = false;
  /** Publishes awaiting their exchange, by sender ("c"/"s") and packet identifier, oldest first. */
  readonly #publishes = new Map<string, PendingPublish>();
  /** (Un)subscriptions awaiting their acknowledgement, by packet identifier, oldest first. */
  readonly #subscriptions = new Map<number, MqttSubscribeRecord>();

  constructor(ctx: AnalyzerContext, log: MqttLogSink) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'mqtt');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#done) return;
    // The client speaks first: nothing is read before its CONNECT.
    if (!fromOrig && this.#connect === undefined) return;
    const d = fromOrig ? this.#cli : this.#srv;
    let i = 0;
    while (i < data.length && !this.#done) {
      if (d.skip > 0) {
        const n = Math.min(d.skip, data.length - i);
        d.skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(d.buf.capacity - d.buf.length, data.length - i);
      if (!d.buf.push(data, i, i + n)) return this.#fail(MqttAnomaly.TOO_LONG);
      i += n;
      this.#frame(fromOrig, d, ts);
    }
    this.#expire(ts);
  }

  gap(_fromOrig: boolean, _len: number): void {
    if (this.#done) return;
    this.#fail(MqttAnomaly.CONTENT_GAP);
  }

  wants(_fromOrig: boolean): boolean {
    return !this.#done;
  }

  end(ts: number): void {
    if (this.#done) return;
    this.#stop(ts);
  }

  /** Reads every whole packet `d` holds. */
  #frame(fromOrig: boolean, d: Direction, ts: number): void {
    const buf = d.buf;
    while (!this.#done && buf.length > 0) {
      const h = fixedHeader(buf.bytes, buf.offset, buf.offset + buf.length);
      if (h === null) return;
      if (h.body < 0) return this.#fail(MqttAnomaly.BAD_PACKET);
      const size = h.body - buf.offset + h.length;
      const flags = buf.bytes[buf.offset]! & 0x0f;
      // The CONNECT and the CONNACK must fit whole.
      if (size > buf.capacity && (fromOrig ? this.#connect === undefined : !this.#connectLogged)) return this.#fail(MqttAnomaly.TOO_LONG);
      if (size <= buf.length) {
        this.#packet(fromOrig, h.type, flags, buf.bytes, h.body, h.length, h.length, ts);
        buf.consume(size);
        continue;
      }
      if (size <= buf.capacity || buf.length < buf.capacity) return; // wait for the rest
      // Longer than the buffer: a PUBLISH is read from its head, anything else stepped over.
      const held = buf.length;
      if (h.type === PacketType.PUBLISH) this.#packet(fromOrig, h.type, flags, buf.bytes, h.body, buf.offset + held - h.body, h.length, ts);
      else this.#ctx.anomaly(MqttAnomaly.TOO_LONG);
      buf.consume(held);
      d.skip = size - held;
      return;
    }
  }

  /**
   * One packet: its body is `b[body, body + held)`, `length` its whole
   * remaining length (more than `held` for a PUBLISH read from its head).
   */
  #packet(fromOrig: boolean, type: number, flags: number, b: Uint8Array, body: number, held: number, length: number, ts: number): void {
    if (this.#connect === undefined) {
      const c = type === PacketType.CONNECT ? parseConnect(b, body, held) : null;
      if (c === null) return this.#fail(MqttAnomaly.BAD_PACKET);
      this.#connect = c;
      this.#connectTs = ts;
      this.#ctx.confirm('mqtt');
      return;
    }
    if (!fromOrig && !this.#connectLogged) {
      const code = type === PacketType.CONNACK ? parseConnack(b, body, held) : null;
      if (code === null) return this.#fail(MqttAnomaly.BAD_PACKET);
      return this.#answered(code, ts);
    }
    const version = this.#connect.version;
    switch (type) {
      case PacketType.PUBLISH:
        return this.#publish(fromOrig, flags, b, body, held, length, version, ts);
      case PacketType.PUBACK:
      case PacketType.PUBREC:
      case PacketType.PUBREL:
      case PacketType.PUBCOMP:
        return this.#acknowledged(fromOrig, type, packetId(b, body, held), ts);
      case PacketType.SUBSCRIBE:
      case PacketType.UNSUBSCRIBE:
        if (fromOrig) return this.#subscribe(type === PacketType.SUBSCRIBE, b, body, held, version, ts);
        return;
      case PacketType.SUBACK:
        if (!fromOrig) {
          const a = parseSuback(b, body, held, version);
          if (a === null) return this.#fail(MqttAnomaly.BAD_PACKET);
          this.#subscribed(a.id, a.code);
        }
        return;
      case PacketType.UNSUBACK:
        if (!fromOrig) {
          const id = packetId(b, body, held);
          if (id === null) return this.#fail(MqttAnomaly.BAD_PACKET);
          this.#subscribed(id, undefined);
        }
        return;
      default:
        // PINGREQ, PINGRESP, DISCONNECT, AUTH, a second CONNECT: nothing logged.
        return;
    }
  }

  #publish(fromClient: boolean, flags: number, b: Uint8Array, body: number, held: number, length: number, version: number, ts: number): void {
    const p = parsePublish(b, flags, body, body + held, version);
    if (p === null) return this.#fail(MqttAnomaly.BAD_PACKET);
    const key = p.id === null ? '' : `${fromClient ? 'c' : 's'}${p.id}`;
    if (p.dup && this.#publishes.has(key)) return;
    const rec = startRecord<MqttPublishRecord>(this.#ctx.conn, ts);
    rec.from_client = fromClient;
    rec.retain = p.retain;
    rec.qos = QOS_NAMES[p.qos]!;
    rec.status = p.qos === 0 ? 'ok' : 'incomplete_qos';
    rec.topic = p.topic;
    rec.payload = logString(b, p.payload, Math.min(body + held, p.payload + MAX_LOGGED_PAYLOAD));
    rec.payload_len = body + length - p.payload;
    if (p.qos === 0) return this.#emitPublish(rec);
    const earlier = this.#publishes.get(key);
    if (earlier !== undefined) {
      // The identifier was reused before its exchange was seen to end.
      this.#publishes.delete(key);
      this.#emitPublish(earlier.record);
    }
    this.#publishes.set(key, { record: rec, qos: p.qos, rec: false, rel: false });
    if (this.#publishes.size > MAX_PENDING) this.#flushOldestPublish();
  }

  /** PUBACK / PUBREC / PUBCOMP come from the receiver, PUBREL from the sender. */
  #acknowledged(fromOrig: boolean, type: number, id: number | null, _ts: number): void {
    if (id === null) return this.#fail(MqttAnomaly.BAD_PACKET);
    const senderIsClient = type === PacketType.PUBREL ? fromOrig : !fromOrig;
    const key = `${senderIsClient ? 'c' : 's'}${id}`;
    const p = this.#publishes.get(key);
    if (p === undefined) return;
    if (type === PacketType.PUBREC) p.rec = true;
    else if (type === PacketType.PUBREL) p.rel = true;
    else {
      // PUBACK ends a QoS 1 exchange, PUBCOMP a QoS 2 one.
      if (type === PacketType.PUBACK ? p.qos === 1 : p.qos === 2 && p.rec && p.rel) p.record.status = 'ok';
      this.#publishes.delete(key);
      this.#emitPublish(p.record);
    }
  }

  #subscribe(subscribe: boolean, b: Uint8Array, body: number, held: number, version: number, ts: number): void {
    const s = parseSubscription(b, body, held, version, subscribe);
    if (s === null) return this.#fail(MqttAnomaly.BAD_PACKET);
    const rec = startRecord<MqttSubscribeRecord>(this.#ctx.conn, ts);
    rec.action = subscribe ? 'MQTT::SUBSCRIBE' : 'MQTT::UNSUBSCRIBE';
    rec.topics = s.topics;
    if (subscribe) rec.qos_levels = s.qos;
    const earlier = this.#subscriptions.get(s.id);
    if (earlier !== undefined) {
      this.#subscriptions.delete(s.id);
      this.#emitSubscription(earlier);
    }
    this.#subscriptions.set(s.id, rec);
    if (this.#subscriptions.size > MAX_PENDING) {
      const [id, oldest] = this.#subscriptions.entries().next().value!;
      this.#subscriptions.delete(id);
      this.#emitSubscription(oldest);
    }
  }

  #subscribed(id: number, code: number | undefined): void {
    const rec = this.#subscriptions.get(id);
    if (rec === undefined) return;
    this.#subscriptions.delete(id);
    if (code !== undefined && rec.action === 'MQTT::SUBSCRIBE') rec.granted_qos_level = code;
    this.#emitSubscription(rec, true);
  }

  /** Logs the exchanges that have waited PENDING_SECONDS (oldest first: both maps keep insertion order). */
  #expire(ts: number): void {
    const before = ts - PENDING_SECONDS;
    for (const [key, p] of this.#publishes) {
      if (p.record.ts > before) break;
      this.#publishes.delete(key);
      this.#emitPublish(p.record);
    }
    for (const [id, rec] of this.#subscriptions) {
      if (rec.ts > before) break;
      this.#subscriptions.delete(id);
      this.#emitSubscription(rec);
    }
  }

  #flushOldestPublish(): void {
    const [key, oldest] = this.#publishes.entries().next().value!;
    this.#publishes.delete(key);
    this.#emitPublish(oldest.record);
  }

  #emitPublish(rec: MqttPublishRecord): void {
    this.#log({ type: 'mqtt_publish', log: 'mqtt_publish', ts: rec.ts, uid: rec.uid, record: rec });
  }

  /** Logs `rec`; `ack` set last, as Zeek's columns have it after the QoS fields. */
  #emitSubscription(rec: MqttSubscribeRecord, acked = false): void {
    rec.ack = acked;
    this.#log({ type: 'mqtt_subscribe', log: 'mqtt_subscribe', ts: rec.ts, uid: rec.uid, record: rec });
  }

  #fail(anomaly: string): void {
    this.#ctx.anomaly(anomaly);
    this.#stop(this.#connectTs, 'no CONNACK read');
  }

  /** Nothing more is read: the connect line if still owed, then every pending exchange as it stands. */
  #stop(ts: number, noAnswer = 'no CONNACK seen'): void {
    this.#done = true;
    this.#cli.buf.release();
    this.#srv.buf.release();
    if (this.#connect !== undefined && !this.#connectLogged) this.#finish(undefined, 'unknown', noAnswer, ts);
    for (const p of this.#publishes.values()) this.#emitPublish(p.record);
    this.#publishes.clear();
    for (const rec of this.#subscriptions.values()) this.#emitSubscription(rec);
    this.#subscriptions.clear();
  }

  #answered(code: number, ts: number): void {
    const c = this.#connect!;
    const v5 = c.version === 5;
    const status = v5 ? (V5_REASON_CODES[code] ?? `reason 0x${code.toString(16)}`) : (V3_RETURN_CODES[code] ?? `Refused: return code ${code}`);
    const outcome: AuthOutcome = code === 0 ? 'success' : (v5 ? REFUSED_V5 : REFUSED_V3).has(code) ? 'failure' : 'unknown';
    this.#finish(status, outcome, status, ts, code === 0);
  }

  #finish(status: string | undefined, outcome: AuthOutcome, detail: string, ts: number, accepted = false): void {
    const c = this.#connect!;
    this.#connectLogged = true;
    const conn = this.#ctx.conn;
    // Zeek's column order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<MqttConnectRecord>(conn, this.#connectTs);
    rec.proto_name = c.protocolName;
    rec.proto_version = VERSIONS[c.version] ?? String(c.version);
    rec.client_id = c.clientId;
    if (status !== undefined) rec.connect_status = status;
    if (c.willTopic !== undefined) rec.will_topic = c.willTopic;
    if (c.willPayload !== undefined) rec.will_payload = c.willPayload;
    const anonymous = c.user === undefined && !c.hasPassword;
    this.#log({ type: 'mqtt_connect', log: 'mqtt_connect', ts: rec.ts, uid: conn.uid, record: rec, accepted, anonymous });
    // A sign-in only when the client named a user (anonymous CONNECTs test no password).
    if (c.user !== undefined) this.#auth.report(ts, outcome, c.user, detail, c.hasPassword);
  }
}
