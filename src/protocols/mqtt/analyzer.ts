/**
 * Per-connection MQTT connection phase (TCP 1883 and by content): the
 * client's CONNECT and the broker's CONNACK, one mqtt_connect.log line;
 * after the CONNACK nothing more is read (publishes and subscriptions are
 * not logged). A CONNECT with a user name is a sign-in, reported as an
 * `auth` event: accepted is a success; "bad user name or password" and
 * "not authorized" (and their MQTT 5 reason codes) are failures; any other
 * refusal, or no answer, "unknown". Without TLS the password crosses in
 * clear (`cleartext`).
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import type { AuthOutcome } from '../../events/auth.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { startRecord } from '../zeek-record.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { MAX_PACKET, MqttAnomaly, PacketType, V3_RETURN_CODES, V5_REASON_CODES } from './consts.js';
import type { MqttConnectLogEvent, MqttConnectRecord } from './events.js';
import { fixedHeader, parseConnack, parseConnect, type MqttConnect } from './parser.js';

export type MqttLogSink = (event: MqttConnectLogEvent) => void;

const VERSIONS: Readonly<Record<number, string>> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };
/** CONNACK codes that refuse the credentials: 3.x return codes 4 and 5; MQTT 5 reasons 0x86 and 0x87. */
const REFUSED_V3 = new Set([4, 5]);
const REFUSED_V5 = new Set([0x86, 0x87, 0x8c]);

export class MqttAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: MqttLogSink;
  readonly #auth: AuthReporter;
  readonly #cli = new StreamBuffer(MAX_PACKET + 5);
  readonly #srv = new StreamBuffer(MAX_PACKET + 5);
  #connect: MqttConnect | undefined = undefined;
  #connectTs = 0;
  #done = false;

  constructor(ctx: AnalyzerContext, log: MqttLogSink) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'mqtt');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#done) return;
    // The client's CONNECT first; then only the broker's CONNACK matters.
    if (fromOrig !== (this.#connect === undefined)) return;
    const buf = fromOrig ? this.#cli : this.#srv;
    if (!buf.push(data)) return this.#fail(MqttAnomaly.TOO_LONG);
    const h = fixedHeader(buf.bytes, buf.offset, buf.offset + buf.length);
    if (h === null) return;
    if (h.body < 0) return this.#fail(MqttAnomaly.BAD_PACKET);
    if (h.length > MAX_PACKET) return this.#fail(MqttAnomaly.TOO_LONG);
    if (h.body + h.length > buf.offset + buf.length) return;
    if (fromOrig) {
      const c = h.type === PacketType.CONNECT ? parseConnect(buf.bytes, h.body, h.length) : null;
      if (c === null) return this.#fail(MqttAnomaly.BAD_PACKET);
      this.#connect = c;
      this.#connectTs = ts;
      this.#ctx.confirm('mqtt');
      buf.release();
      return;
    }
    const code = h.type === PacketType.CONNACK ? parseConnack(buf.bytes, h.body, h.length) : null;
    if (code === null) return this.#fail(MqttAnomaly.BAD_PACKET);
    this.#answered(code, ts);
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
    this.#done = true;
    if (this.#connect !== undefined) this.#finish(undefined, 'unknown', 'no CONNACK seen', ts);
  }

  #fail(anomaly: string): void {
    this.#ctx.anomaly(anomaly);
    const c = this.#connect;
    this.#done = true;
    this.#cli.release();
    this.#srv.release();
    if (c !== undefined) this.#finish(undefined, 'unknown', 'no CONNACK read', this.#connectTs);
  }

  #answered(code: number, ts: number): void {
    const c = this.#connect!;
    this.#done = true;
    this.#srv.release();
    const v5 = c.version === 5;
    const status = v5 ? (V5_REASON_CODES[code] ?? `reason 0x${code.toString(16)}`) : (V3_RETURN_CODES[code] ?? `Refused: return code ${code}`);
    const outcome: AuthOutcome = code === 0 ? 'success' : (v5 ? REFUSED_V5 : REFUSED_V3).has(code) ? 'failure' : 'unknown';
    this.#finish(status, outcome, status, ts, code === 0);
  }

  #finish(status: string | undefined, outcome: AuthOutcome, detail: string, ts: number, accepted = false): void {
    const c = this.#connect!;
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
