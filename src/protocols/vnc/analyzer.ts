/**
 * Per-connection RFB handshake (RFC 6143 section 7): version lines, the
 * security type (chosen by the server in 3.3, by the client from the
 * server's list in 3.7 and later), the VNC challenge/response, the
 * SecurityResult, ClientInit's share flag and ServerInit's desktop size and
 * name. Each direction is buffered (bounded) and one step function advances
 * both sides, because what the server sends next depends on what the client
 * chose. Emits one rfb.log record per connection (at ServerInit, or at the
 * end as Zeek does) and one `auth` event: success/failure from the
 * SecurityResult, success for security type None, otherwise `unknown`.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { orderFields, startRecord, ZEEK_ID_COLUMNS } from '../zeek-record.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { logString } from '../wire-text.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { CHALLENGE_LENGTH, MAX_BUFFER, MAX_STRING, SecType, SERVER_INIT_FIXED, VERSION_LENGTH, VncAnomaly, secTypeName } from './consts.js';
import type { RfbLogEvent, RfbRecord } from './events.js';
import { parseVersion, protocolLevel, u16, u32 } from './parser.js';

/** Where rfb.log events go until the event union carries them (see index.ts). */
export type RfbLogSink = (event: RfbLogEvent) => void;

/** rfb.log columns in Zeek's order; fields are collected in handshake order. */
const RFB_COLUMNS: readonly (keyof RfbRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'client_major_version',
  'client_minor_version',
  'server_major_version',
  'server_minor_version',
  'authentication_method',
  'auth',
  'share_flag',
  'desktop_name',
  'width',
  'height',
];

// Server phases.
const S_VERSION = 0;
const S_SECURITY = 1;
const S_WAIT_CHOICE = 2;
const S_CHALLENGE = 3;
const S_RESULT = 4;
const S_INIT = 5;
const S_DONE = 6;
// Client phases.
const C_VERSION = 0;
const C_WAIT_LEVEL = 1;
const C_CHOICE = 2;
const C_WAIT_TYPE = 3;
const C_RESPONSE = 4;
const C_INIT = 5;
const C_DONE = 6;

export class VncAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: RfbLogSink | undefined;
  readonly #auth: AuthReporter;
  readonly #srv = new StreamBuffer(MAX_BUFFER);
  readonly #cli = new StreamBuffer(MAX_BUFFER);
  #sPhase = S_VERSION;
  #cPhase = C_VERSION;
  /** Handshake level from the client's version (3, 7 or 8); 0 until known. */
  #level = 0;
  /** Security type in use; -1 until known. */
  #type = -1;
  readonly #rec: RfbRecord;
  #ts = -1;
  #confirmed = false;
  #logged = false;
  #reason: string | undefined = undefined;

  constructor(ctx: AnalyzerContext, log: RfbLogSink | undefined) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'vnc');
    // Collected as the handshake goes; ts is set when the first version arrives.
    this.#rec = startRecord<RfbRecord>(ctx.conn, 0);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (fromOrig ? this.#cPhase === C_DONE : this.#sPhase === S_DONE) return;
    const buf = fromOrig ? this.#cli : this.#srv;
    if (!buf.push(data)) {
      this.#ctx.anomaly(VncAnomaly.BUFFER_FULL);
      this.#stop();
      return;
    }
    // Each step consumes one message; stop when neither side can move.
    while (this.#stepServer(ts) || this.#stepClient(ts)) {
      // keep going
    }
  }

  gap(_fromOrig: boolean, _len: number): void {
    // Without every byte the handshake's message boundaries are lost.
    this.#ctx.anomaly(VncAnomaly.CONTENT_GAP);
    this.#stop();
  }

  wants(fromOrig: boolean): boolean {
    return fromOrig ? this.#cPhase !== C_DONE : this.#sPhase !== S_DONE;
  }

  end(ts: number): void {
    this.#stop();
    if (this.#ts >= 0) this.#writeLog();
    this.#auth.finish(ts, this.#confirmed, undefined, this.#reason ?? this.#rec.authentication_method);
  }

  #stop(): void {
    this.#sPhase = S_DONE;
    this.#cPhase = C_DONE;
    this.#srv.clear();
    this.#cli.clear();
  }

  #started(ts: number): void {
    if (this.#ts < 0) {
      this.#ts = ts;
      this.#rec.ts = ts;
    }
  }

  /**
   * The ProtocolVersion line at the front of `b` (either side opens with one),
   * not yet consumed; null while incomplete, or when malformed: that is
   * counted and the connection's parsing stops.
   */
  #version(b: StreamBuffer, ts: number): { major: string; minor: string } | null {
    if (b.length < VERSION_LENGTH) return null;
    const v = parseVersion(b.bytes, b.offset);
    if (v === null) {
      this.#ctx.anomaly(VncAnomaly.BAD_VERSION);
      this.#stop();
      return null;
    }
    this.#started(ts);
    return v;
  }

  /** One server message if complete; true when something was consumed or the phase changed. */
  #stepServer(ts: number): boolean {
    const b = this.#srv;
    const d = b.bytes;
    const o = b.offset;
    const n = b.length;
    switch (this.#sPhase) {
      case S_VERSION: {
        const v = this.#version(b, ts);
        if (v === null) return false;
        this.#rec.server_major_version = v.major;
        this.#rec.server_minor_version = v.minor;
        if (!this.#confirmed) {
          this.#confirmed = true;
          this.#ctx.confirm('rfb');
        }
        b.consume(VERSION_LENGTH);
        this.#sPhase = S_SECURITY;
        return true;
      }
      case S_SECURITY: {
        if (this.#level === 0) return false;
        if (this.#level === 3) {
          // 3.3: the server names the one type (u32); 0 means failure with a reason.
          if (n < 4) return false;
          const t = u32(d, o);
          if (t === SecType.INVALID) return this.#refused(4);
          b.consume(4);
          this.#chosen(t, ts);
          return true;
        }
        if (n < 1) return false;
        const count = d[o]!;
        if (count === 0) return this.#refused(1);
        if (n < 1 + count) return false;
        b.consume(1 + count);
        this.#sPhase = S_WAIT_CHOICE;
        return true;
      }
      case S_WAIT_CHOICE:
        return false;
      case S_CHALLENGE:
        if (n < CHALLENGE_LENGTH) return false;
        b.consume(CHALLENGE_LENGTH);
        this.#sPhase = S_RESULT;
        return true;
      case S_RESULT: {
        if (n < 4) return false;
        const r = u32(d, o);
        if (r === 0) {
          b.consume(4);
          this.#rec.auth = true;
          this.#auth.report(ts, 'success', undefined, secTypeName(this.#type));
          this.#sPhase = S_INIT;
          return true;
        }
        // 3.8 adds a reason string to a failed SecurityResult.
        let reason: string | undefined;
        if (this.#level === 8) {
          const s = this.#string(4);
          if (s === null) return false;
          reason = s;
        } else {
          b.consume(4);
        }
        this.#rec.auth = false;
        this.#auth.report(ts, 'failure', undefined, reason ?? `SecurityResult ${r}`);
        this.#sPhase = S_DONE;
        return true;
      }
      case S_INIT: {
        if (n < SERVER_INIT_FIXED) return false;
        const len = u32(d, o + 20);
        if (len > MAX_STRING) {
          this.#ctx.anomaly(VncAnomaly.BAD_STRING);
        } else if (n < SERVER_INIT_FIXED + len) {
          return false;
        } else {
          this.#rec.desktop_name = logString(d, o + SERVER_INIT_FIXED, o + SERVER_INIT_FIXED + len);
        }
        this.#rec.width = u16(d, o);
        this.#rec.height = u16(d, o + 2);
        this.#writeLog();
        // The session proper (framebuffer updates) follows: nothing more to learn.
        this.#stop();
        return false;
      }
      default:
        return false;
    }
  }

  #stepClient(ts: number): boolean {
    const b = this.#cli;
    const d = b.bytes;
    const o = b.offset;
    const n = b.length;
    switch (this.#cPhase) {
      case C_VERSION: {
        const v = this.#version(b, ts);
        if (v === null) return false;
        this.#rec.client_major_version = v.major;
        this.#rec.client_minor_version = v.minor;
        this.#level = protocolLevel(v.minor);
        b.consume(VERSION_LENGTH);
        this.#cPhase = this.#level === 3 ? C_WAIT_TYPE : C_CHOICE;
        return true;
      }
      case C_CHOICE: {
        // The client answers only once the server's list has been read.
        if (this.#sPhase !== S_WAIT_CHOICE || n < 1) return false;
        const t = d[o]!;
        b.consume(1);
        this.#chosen(t, ts);
        return true;
      }
      case C_RESPONSE:
        if (n < CHALLENGE_LENGTH) return false;
        b.consume(CHALLENGE_LENGTH);
        this.#cPhase = C_INIT;
        return true;
      case C_INIT:
        if (n < 1) return false;
        this.#rec.share_flag = d[o] !== 0;
        b.consume(1);
        this.#cPhase = C_DONE;
        return true;
      default:
        return false;
    }
  }

  /** The security type is settled (by either side): set both phases for it. */
  #chosen(t: number, ts: number): void {
    this.#type = t;
    this.#rec.authentication_method = secTypeName(t);
    if (t === SecType.VNC) {
      this.#sPhase = S_CHALLENGE;
      this.#cPhase = C_RESPONSE;
    } else if (t === SecType.NONE) {
      // 3.8 confirms "None" with a SecurityResult; older versions go straight to the init messages.
      if (this.#level === 8) {
        this.#sPhase = S_RESULT;
      } else {
        this.#sPhase = S_INIT;
        this.#auth.report(ts, 'success', undefined, secTypeName(t));
      }
      this.#cPhase = C_INIT;
    } else {
      // Other types run their own exchanges (often encrypted): the outcome stays unknown.
      this.#sPhase = S_DONE;
      this.#cPhase = C_DONE;
    }
  }

  /** The server refused the connection (no security types): read its reason, then stop. */
  #refused(skip: number): boolean {
    const s = this.#string(skip);
    if (s === null) return false;
    this.#ctx.anomaly(VncAnomaly.NO_SECURITY_TYPES);
    this.#reason = s;
    this.#sPhase = S_DONE;
    this.#cPhase = C_DONE;
    return true;
  }

  /** A u32-length string after `skip` bytes, consuming all of it; null while incomplete. */
  #string(skip: number): string | null {
    const b = this.#srv;
    if (b.length < skip + 4) return null;
    const len = u32(b.bytes, b.offset + skip);
    if (len > MAX_STRING) {
      this.#ctx.anomaly(VncAnomaly.BAD_STRING);
      b.clear();
      return '';
    }
    if (b.length < skip + 4 + len) return null;
    const s = logString(b.bytes, b.offset + skip + 4, b.offset + skip + 4 + len);
    b.consume(skip + 4 + len);
    return s;
  }

  #writeLog(): void {
    if (this.#logged) return;
    this.#logged = true;
    if (this.#log === undefined) return;
    // Fields arrived in handshake order; the log line takes Zeek's order (insertion order is the key order).
    const out = orderFields(this.#rec, RFB_COLUMNS);
    this.#log({ type: 'rfb', log: 'rfb', ts: out.ts, uid: out.uid, record: out });
  }
}
