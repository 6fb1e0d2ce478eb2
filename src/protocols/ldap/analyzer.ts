/**
 * LDAP analyzer for TCP 389/3268 (a stream of BER LDAPMessages, framed here
 * with a bound) and CLDAP on UDP 389 (whole messages per datagram).
 *
 * Requests open pending ldap.log / ldap_search.log records keyed by message
 * id; responses complete and emit them (searches count their result entries);
 * `end` flushes what is still open, as Zeek does. Bind outcomes become `auth`
 * events; NTLMSSP and Kerberos tokens inside SASL or Sicily binds go to a
 * `GssAuth`, which writes ntlm.log / kerberos.log lines.
 *
 * After a successful SASL bind the traffic may be wrapped by the SASL
 * security layer: a 4-byte length plus a mechanism token. Unsealed Kerberos
 * wrap tokens (RFC 4121 §4.2.6.2) still carry plaintext LDAP and are
 * unwrapped, and so are NTLM-signed buffers whose LDAP follows the
 * signature in clear. Sealed or unknown wrapping cannot be read (not an
 * anomaly: Windows seals by default): those buffers are only framed and
 * counted, never buffered, and `ldap.sealed` events report the counts (one
 * buffer is one LDAP message as Windows and OpenLDAP send them).
 *
 * After a successful StartTLS the rest of the connection is TLS: it goes to
 * the connection's tunnel (AnalyzerContext.tunnel), logged in ssl.log under
 * this connection's uid (service "ldap_tcp,ssl"); LDAP parsing stops.
 */
import type { Analyzer, AnalyzerContext, TunnelledStream } from '../analyzer.js';
import { authEvent } from '../auth-event.js';
import { startRecord } from '../zeek-record.js';
import { elementSize } from '../asn1/ber.js';
import { u32 } from '../../decode/bytes.js';
import { isNtlmssp } from '../asn1/spnego.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { GssAuth } from '../smb/gss-auth.js';
import {
  BindAuth,
  LdapOp,
  OID_STARTTLS,
  ResultCode,
  bindOpName,
  derefName,
  extendedName,
  isFinishing,
  opName,
  resultName,
  scopeName,
} from './consts.js';
import type { LdapRecord, LdapSearchEvent, LdapSearchRecord } from './events.js';
import { parseLdapMessage, peekOp, type LdapMessage } from './parser.js';
import { orderLdapRecord, orderSearchRecord } from './record.js';

/**
 * Largest LDAP message buffered whole. Requests and most responses are small;
 * a search result entry with certificates or big groups can reach MiBs, and
 * is then only counted (its first LDAP_PEEK_BYTES are read) and skipped.
 */
export const LDAP_MAX_MESSAGE = 256 * 1024;
/** Bytes needed to read the message id and operation of an oversized message. */
export const LDAP_PEEK_BYTES = 16;
/** Open requests remembered per connection (each table); clients pipeline a handful. */
export const LDAP_MAX_PENDING = 256;
/** Size of an RFC 4121 wrap token header. */
const KRB_WRAP_HEADER = 16;
/** RFC 4121 wrap token flag: the payload is encrypted. */
const KRB_WRAP_SEALED = 0x02;
/** Largest SASL security-layer buffer: the maximum a SASL exchange can negotiate is a 3-octet number (RFC 4422 §3.7). */
const SASL_MAX_BUFFER = 0xffffff;
/** An NTLM message signature (MS-NLMP 2.2.2.9.1): version, checksum, sequence number. */
const NTLM_SIGNATURE = 16;
/** #ntlmSigned verdicts. */
const OPAQUE = 0;
const SIGNED = 1;
const WAIT = 2;
/** Sealed buffers counted before an ldap.sealed event reports them (the rest at the connection's end). */
export const LDAP_SEALED_REPORT_EVERY = 256;

const Mode = {
  /** Plain LDAPMessages. */
  CLEAR: 0,
  /** After a SASL bind: plain or wrapped, decided by the next message's first bytes. */
  MAYBE_WRAPPED: 1,
  /** SASL layer with Kerberos wrap tokens (length + 0x0504 token). */
  KRB_WRAP: 2,
  /** SASL layer of other tokens: NTLM-signed buffers are read, encrypted ones framed and counted only. */
  SEALED: 3,
  /** Nothing more can be read in this direction. */
  STOPPED: 4,
} as const;
type ModeValue = (typeof Mode)[keyof typeof Mode];

interface PendingMessage {
  rec: LdapRecord;
  authType: number;
  mechanism: string;
  name: string;
  hasPassword: boolean;
}

export class LdapAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #tcp: boolean;
  readonly #bufs: [StreamBuffer, StreamBuffer];
  readonly #skip: [number, number] = [0, 0];
  readonly #mode: [ModeValue, ModeValue] = [Mode.CLEAR, Mode.CLEAR];
  readonly #gss: GssAuth;
  readonly #messages = new Map<number, PendingMessage>();
  readonly #searches = new Map<number, LdapSearchRecord>();
  #saslMechanism = '';
  /** Sealed buffers and their bytes per direction (client, server) since the last ldap.sealed event. */
  readonly #sealedBuffers: [number, number] = [0, 0];
  readonly #sealedBytes: [number, number] = [0, 0];
  #startTlsRequested = false;
  /** The TLS after a successful StartTLS (null before, or where tunnels are not followed). */
  #tls: TunnelledStream | null = null;
  #confirmed = false;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#tcp = ctx.conn.proto === 'tcp';
    this.#bufs = [new StreamBuffer(LDAP_MAX_MESSAGE), new StreamBuffer(LDAP_MAX_MESSAGE)];
    this.#gss = new GssAuth(ctx);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#tls !== null) {
      this.#tls.data(fromOrig, data, ts);
      return;
    }
    const d = fromOrig ? 0 : 1;
    if (this.#mode[d] === Mode.STOPPED) return;
    if (!this.#tcp) {
      this.#parseRun(d, data, 0, data.length, ts);
      return;
    }
    let p = 0;
    if (this.#skip[d] > 0) {
      const k = Math.min(this.#skip[d], data.length);
      this.#skip[d] -= k;
      p = k;
      if (p === data.length) return;
    }
    const buf = this.#bufs[d];
    // Feed in pieces no larger than the free space so an oversized message is peeked, then skipped.
    while (p < data.length) {
      if (this.#skip[d] > 0) {
        const k = Math.min(this.#skip[d], data.length - p);
        this.#skip[d] -= k;
        p += k;
        continue;
      }
      const room = buf.capacity - buf.length;
      const k = Math.min(room, data.length - p);
      buf.push(data, p, p + k);
      p += k;
      this.#drain(d, ts);
      if ((this.#mode[d] as ModeValue) === Mode.STOPPED) return;
      if (k === 0 && this.#skip[d] === 0) {
        // Buffer full and nothing consumable: cannot happen with the oversize rule; guard anyway.
        this.#ctx.anomaly('ldap_buffer_stuck');
        this.#stop(d);
        return;
      }
    }
  }

  /** Parses back-to-back LDAPMessages in [s, e) (a CLDAP datagram or an unwrapped SASL payload). */
  #parseRun(d: number, b: Uint8Array, s: number, e: number, ts: number): void {
    let p = s;
    while (p < e) {
      const size = elementSize(b, p, e);
      if (size < 0 || p + size > e) {
        this.#ctx.anomaly('ldap_truncated');
        return;
      }
      this.#message(d, b, p, p + size, ts);
      p += size;
    }
  }

  #drain(d: number, ts: number): void {
    const buf = this.#bufs[d];
    while (buf.length > 0) {
      const b = buf.bytes;
      const o = buf.offset;
      const n = buf.length;
      const mode = this.#mode[d];
      if (mode === Mode.STOPPED) return;
      if (mode === Mode.MAYBE_WRAPPED) {
        if (b[o] === 0x30) {
          this.#mode[d] = Mode.CLEAR;
          continue;
        }
        if (n < 6) return;
        if (b[o + 4] === 0x05 && b[o + 5] === 0x04) {
          this.#mode[d] = Mode.KRB_WRAP;
          continue;
        }
        this.#mode[d] = Mode.SEALED;
        continue;
      }
      if (mode === Mode.SEALED) {
        if (n < 4) return;
        const len = u32(b, o);
        if (len === 0 || len > SASL_MAX_BUFFER) {
          this.#ctx.anomaly('ldap_sasl_bad_length');
          this.#stop(d);
          return;
        }
        const signed = this.#ntlmSigned(b, o, n, len);
        if (signed === WAIT) return;
        if (signed === SIGNED) {
          this.#parseRun(d, b, o + 4 + NTLM_SIGNATURE, o + 4 + len, ts);
          buf.consume(4 + len);
          continue;
        }
        this.#countSealed(d, len, ts);
        if (n >= 4 + len) {
          buf.consume(4 + len);
          continue;
        }
        // The rest of the buffer is stepped over as it arrives, never held.
        this.#skip[d] = 4 + len - n;
        buf.clear();
        return;
      }
      if (mode === Mode.KRB_WRAP) {
        if (n < 4) return;
        const len = u32(b, o);
        if (len + 4 > buf.capacity || len < KRB_WRAP_HEADER) {
          this.#ctx.anomaly('ldap_sasl_bad_length');
          this.#stop(d);
          return;
        }
        if (n < 4 + len) return;
        const t = o + 4;
        if (b[t] !== 0x05 || b[t + 1] !== 0x04) {
          this.#mode[d] = Mode.SEALED;
          continue;
        }
        if ((b[t + 2]! & KRB_WRAP_SEALED) !== 0) {
          this.#mode[d] = Mode.SEALED;
          continue;
        }
        const ec = (b[t + 4]! << 8) | b[t + 5]!;
        const rrc = (b[t + 6]! << 8) | b[t + 7]!;
        if (rrc !== 0 && rrc !== ec) {
          this.#ctx.anomaly('ldap_sasl_rotation');
          this.#stop(d);
          return;
        }
        // RRC == EC: the checksum was rotated to the front; RRC == 0: it trails the payload.
        const ps = t + KRB_WRAP_HEADER + (rrc === ec ? ec : 0);
        const pe = t + len - (rrc === 0 ? ec : 0);
        if (pe > ps) this.#parseRun(d, b, ps, pe, ts);
        buf.consume(4 + len);
        continue;
      }
      // Plain LDAPMessage framing.
      const size = elementSize(b, o, o + n);
      if (size === -2) {
        this.#ctx.anomaly('ldap_bad_framing');
        this.#stop(d);
        return;
      }
      if (size === -1) return;
      if (size > buf.capacity) {
        if (n < LDAP_PEEK_BYTES) return;
        this.#oversized(d, peekOp(b, o, o + n), b, o, n, ts);
        this.#skip[d] = size - n;
        buf.clear();
        return;
      }
      if (n < size) return;
      this.#message(d, b, o, o + size, ts);
      buf.consume(size);
    }
  }

  /** A message too large to buffer: only a search result entry matters (it is counted). */
  #oversized(_d: number, op: number, b: Uint8Array, o: number, n: number, ts: number): void {
    this.#ctx.anomaly('ldap_message_too_large');
    if (op !== LdapOp.SEARCH_RESULT_ENTRY) return;
    // Message id: after the outer header, an INTEGER.
    const l = b[o + 1]!;
    const hdr = l < 0x80 ? 2 : 2 + (l & 0x7f);
    const idAt = o + hdr;
    if (idAt + 2 > o + n || b[idAt] !== 0x02) return;
    const idLen = b[idAt + 1]!;
    if (idLen < 1 || idLen > 4 || idAt + 2 + idLen > o + n) return;
    let id = 0;
    for (let i = 0; i < idLen; i++) id = id * 256 + b[idAt + 2 + i]!;
    this.#search(id, ts).result_count! += 1;
  }

  /**
   * Whether the SASL buffer at `o` (`n` bytes held, `len` announced) is
   * NTLM signing without sealing: a 16-byte NTLM signature (version 1),
   * then LDAP messages in clear that fill the buffer exactly (sealed bytes
   * only pass that test by chance). WAIT until a buffer that starts like
   * one is whole, when it fits the reader.
   */
  #ntlmSigned(b: Uint8Array, o: number, n: number, len: number): number {
    const t = o + 4;
    if (len < NTLM_SIGNATURE + 2 || len + 4 > this.#bufs[0].capacity) return OPAQUE;
    if (n < 4 + NTLM_SIGNATURE + 1) return WAIT;
    if (b[t] !== 1 || b[t + 1] !== 0 || b[t + 2] !== 0 || b[t + 3] !== 0 || b[t + NTLM_SIGNATURE] !== 0x30) return OPAQUE;
    if (n < 4 + len) return WAIT;
    let p = t + NTLM_SIGNATURE;
    const e = t + len;
    while (p < e) {
      const size = elementSize(b, p, e);
      if (size <= 0 || p + size > e || b[p] !== 0x30) return OPAQUE;
      p += size;
    }
    return SIGNED;
  }

  /** One sealed SASL buffer of `len` bytes in direction `d`; every LDAP_SEALED_REPORT_EVERY of them are reported. */
  #countSealed(d: number, len: number, ts: number): void {
    this.#sealedBuffers[d]++;
    this.#sealedBytes[d] += len;
    if (this.#sealedBuffers[0] + this.#sealedBuffers[1] >= LDAP_SEALED_REPORT_EVERY) this.#reportSealed(ts);
  }

  /** An ldap.sealed event with the buffers counted since the last one (none when there are none). */
  #reportSealed(ts: number): void {
    const [requests, responses] = this.#sealedBuffers;
    if (requests + responses === 0) return;
    const c = this.#ctx.conn;
    this.#ctx.emit({
      type: 'ldap.sealed',
      ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      mechanism: this.#saslMechanism,
      requests,
      responses,
      request_bytes: this.#sealedBytes[0],
      response_bytes: this.#sealedBytes[1],
    });
    this.#sealedBuffers[0] = this.#sealedBuffers[1] = 0;
    this.#sealedBytes[0] = this.#sealedBytes[1] = 0;
  }

  #stop(d: number): void {
    this.#mode[d] = Mode.STOPPED;
    this.#bufs[d]!.clear();
    this.#skip[d] = 0;
  }

  gap(fromOrig: boolean, len: number): void {
    if (this.#tls !== null) {
      this.#tls.gap(fromOrig, len);
      return;
    }
    // BER framing cannot be recovered reliably mid-stream.
    this.#ctx.anomaly('ldap_gap');
    this.#stop(fromOrig ? 0 : 1);
  }

  wants(fromOrig: boolean): boolean {
    if (this.#tls !== null) return this.#tls.wants(fromOrig);
    return this.#mode[fromOrig ? 0 : 1] !== Mode.STOPPED;
  }

  // ---- records ----

  #newRecord(id: number, ts: number): LdapRecord {
    const rec = startRecord<LdapRecord>(this.#ctx.conn, ts);
    rec.message_id = id;
    return rec;
  }

  #pendingMessage(id: number, ts: number): PendingMessage {
    let p = this.#messages.get(id);
    if (p === undefined) {
      if (this.#messages.size >= LDAP_MAX_PENDING) {
        this.#ctx.anomaly('ldap_too_many_pending');
        const oldest = this.#messages.keys().next();
        if (oldest.done !== true) this.#emitMessage(oldest.value);
      }
      p = { rec: this.#newRecord(id, ts), authType: -1, mechanism: '', name: '', hasPassword: false };
      this.#messages.set(id, p);
    }
    return p;
  }

  #search(id: number, ts: number): LdapSearchRecord {
    let s = this.#searches.get(id);
    if (s === undefined) {
      if (this.#searches.size >= LDAP_MAX_PENDING) {
        this.#ctx.anomaly('ldap_too_many_pending');
        const oldest = this.#searches.keys().next();
        if (oldest.done !== true) this.#emitSearch(oldest.value);
      }
      s = startRecord<LdapSearchRecord>(this.#ctx.conn, ts);
      s.message_id = id;
      s.result_count = 0;
      this.#searches.set(id, s);
    }
    return s;
  }

  #emitMessage(id: number): void {
    const p = this.#messages.get(id);
    if (p === undefined) return;
    this.#messages.delete(id);
    this.#ctx.emit({ type: 'ldap', log: 'ldap', ts: p.rec.ts, uid: p.rec.uid, record: orderLdapRecord(p.rec) });
  }

  #emitSearch(id: number): void {
    const s = this.#searches.get(id);
    if (s === undefined) return;
    this.#searches.delete(id);
    this.#ctx.emit({ type: 'ldap_search', log: 'ldap_search', ts: s.ts, uid: s.uid, record: orderSearchRecord(s) });
  }

  // ---- messages ----

  #message(d: number, b: Uint8Array, s: number, e: number, ts: number): void {
    const msg = parseLdapMessage(b, s, e);
    if ('malformed' in msg) {
      this.#ctx.anomaly(msg.malformed);
      return;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm(this.#tcp ? 'ldap_tcp' : 'ldap_udp');
    }
    const id = msg.messageId;
    switch (msg.op) {
      case LdapOp.BIND_REQUEST:
        this.#bindRequest(msg, b, ts);
        return;
      case LdapOp.BIND_RESPONSE:
        this.#bindResponse(msg, b, ts);
        return;
      case LdapOp.SEARCH_REQUEST:
        this.#searchRequest(msg, ts);
        return;
      case LdapOp.SEARCH_RESULT_ENTRY:
        this.#search(id, ts).result_count! += 1;
        return;
      case LdapOp.SEARCH_RESULT_DONE: {
        const sr = this.#search(id, ts);
        if (msg.resultCode !== undefined) sr.result = resultName(msg.resultCode);
        if (msg.diagnostic !== undefined && msg.diagnostic !== '') sr.diagnostic_message = msg.diagnostic;
        this.#emitSearch(id);
        return;
      }
      case LdapOp.SEARCH_RESULT_REFERENCE:
      case LdapOp.INTERMEDIATE_RESPONSE:
        return;
      default:
        break;
    }
    const p = this.#pendingMessage(id, ts);
    const rec = p.rec;
    rec.opcode = opName(msg.op);
    if (msg.resultCode !== undefined) rec.result = resultName(msg.resultCode);
    if (msg.diagnostic !== undefined && msg.diagnostic !== '') rec.diagnostic_message = msg.diagnostic;
    if (msg.op === LdapOp.ABANDON_REQUEST && msg.abandonId !== undefined) rec.object = String(msg.abandonId);
    else if (msg.object !== undefined && msg.object !== '') rec.object = msg.object;
    if (msg.op === LdapOp.EXTENDED_REQUEST && msg.oid !== undefined) {
      rec.object = `${msg.oid} (${extendedName(msg.oid)})`;
      if (msg.oid === OID_STARTTLS) this.#startTlsRequested = true;
    }
    if (isFinishing(msg.op)) this.#emitMessage(id);
    if (msg.op === LdapOp.EXTENDED_RESPONSE && this.#startTlsRequested && msg.resultCode === ResultCode.SUCCESS) {
      // Everything after a successful StartTLS is TLS (bytes of the same chunk after the response, rarely any, are dropped).
      this.#stop(0);
      this.#stop(1);
      if (this.#tcp) this.#tls = this.#ctx.tunnel?.() ?? null;
    }
    void d;
  }

  #bindRequest(msg: LdapMessage, b: Uint8Array, ts: number): void {
    const p = this.#pendingMessage(msg.messageId, ts);
    const rec = p.rec;
    const auth = msg.authType ?? -1;
    if (msg.version !== undefined && !Number.isNaN(msg.version)) rec.version = msg.version;
    rec.opcode = bindOpName(auth);
    if (msg.object !== undefined && msg.object !== '') rec.object = msg.object;
    p.authType = auth;
    p.name = msg.object ?? '';
    p.hasPassword = msg.hasPassword === true;
    if (auth === BindAuth.SIMPLE) {
      if (p.hasPassword) rec.argument = 'REDACTED';
    } else if (auth === BindAuth.SASL) {
      p.mechanism = msg.mechanism ?? '';
      if (p.mechanism !== '') rec.argument = p.mechanism;
      this.#saslMechanism = p.mechanism;
    } else if (msg.credStart >= 0 && isNtlmssp(b, msg.credStart, msg.credEnd)) {
      rec.argument = 'NTLMSSP';
    }
    if (auth !== BindAuth.SIMPLE && msg.credStart >= 0 && msg.credEnd > msg.credStart) {
      this.#gss.clientToken(b, msg.credStart, msg.credEnd, ts);
    }
  }

  #bindResponse(msg: LdapMessage, b: Uint8Array, ts: number): void {
    const id = msg.messageId;
    const p = this.#pendingMessage(id, ts);
    const rec = p.rec;
    if (rec.opcode === undefined) rec.opcode = 'bind';
    const code = msg.resultCode ?? -1;
    if (code >= 0) rec.result = resultName(code);
    if (msg.diagnostic !== undefined && msg.diagnostic !== '') rec.diagnostic_message = msg.diagnostic;
    if (msg.credStart >= 0 && msg.credEnd > msg.credStart) {
      this.#gss.serverToken(b, msg.credStart, msg.credEnd, ts);
    } else if (p.authType === BindAuth.SICILY_NEGOTIATE && msg.matchedStart >= 0 && isNtlmssp(b, msg.matchedStart, msg.matchedEnd)) {
      // Sicily returns the NTLM CHALLENGE in the matchedDN field.
      this.#gss.serverToken(b, msg.matchedStart, msg.matchedEnd, ts);
    }
    this.#emitMessage(id);
    const auth = p.authType;
    const final =
      auth === BindAuth.SIMPLE ||
      auth === BindAuth.SICILY_RESPONSE ||
      (auth === BindAuth.SASL && code !== ResultCode.SASL_BIND_IN_PROGRESS);
    if (!final || code < 0) return;
    const success = code === ResultCode.SUCCESS;
    const mech = auth === BindAuth.SIMPLE ? 'simple' : auth === BindAuth.SASL ? p.mechanism : 'sicily';
    const ev = authEvent(this.#ctx.conn, ts, 'ldap', success ? 'success' : 'failure');
    ev.detail = `${resultName(code)} (${mech})`;
    const user = this.#gss.user ?? (p.name !== '' ? p.name : undefined);
    if (user !== undefined) ev.user = user;
    // A simple bind carries its password as is (LDAPS would have hidden the whole bind).
    if (auth === BindAuth.SIMPLE && p.hasPassword) ev.cleartext = true;
    this.#ctx.emit(ev);
    if (auth !== BindAuth.SIMPLE) this.#gss.finish(success, resultName(code), ts);
    if (auth === BindAuth.SASL && success && this.#tcp && this.#saslMechanism !== '') {
      // The SASL security layer (if the mechanism negotiated one) starts now.
      if (this.#mode[0] === Mode.CLEAR) this.#mode[0] = Mode.MAYBE_WRAPPED;
      if (this.#mode[1] === Mode.CLEAR) this.#mode[1] = Mode.MAYBE_WRAPPED;
    }
  }

  #searchRequest(msg: LdapMessage, ts: number): void {
    const sr = this.#search(msg.messageId, ts);
    if (msg.scope !== undefined) sr.scope = scopeName(msg.scope);
    if (msg.deref !== undefined) sr.deref_aliases = derefName(msg.deref);
    if (msg.baseObject !== undefined && msg.baseObject !== '') sr.base_object = msg.baseObject;
    if (msg.filter !== undefined) sr.filter = msg.filter;
    if (msg.attributes !== undefined && msg.attributes.length > 0) sr.attributes = msg.attributes;
    const c = this.#ctx.conn;
    const ev: LdapSearchEvent = {
      type: 'ldap.search',
      ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      message_id: msg.messageId,
      base_object: msg.baseObject ?? '',
      scope: sr.scope ?? '',
      filter: msg.filter ?? '',
      attributes: msg.attributes ?? [],
      size_limit: msg.sizeLimit ?? 0,
    };
    this.#ctx.emit(ev);
  }

  end(ts: number): void {
    // Zeek skips message id 0 (unsolicited notifications) when flushing.
    for (const id of [...this.#messages.keys()]) {
      if (id > 0) this.#emitMessage(id);
      else this.#messages.delete(id);
    }
    for (const id of [...this.#searches.keys()]) {
      if (id > 0) this.#emitSearch(id);
      else this.#searches.delete(id);
    }
    this.#gss.flush();
    this.#reportSealed(ts);
    this.#tls?.end(ts);
  }
}
