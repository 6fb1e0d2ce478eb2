/**
 * Per-connection SOCKS state: the handshake read message by message from
 * each direction (bounded: no message is longer than MAX_MESSAGE), then,
 * after a CONNECT the server granted, the rest of both directions fed to
 * the tunnel the pipeline gives (AnalyzerContext.tunnel), whose analyzer
 * is chosen by content: HTTPS through the proxy is read as TLS, an SSH
 * session as SSH, under this connection's uid (service "socks,ssl").
 *
 * v5: greeting (methods) -> the server's choice -> (username/password
 * sign-in -> its status) -> request -> reply. v4/4a: request -> reply.
 * One socks.log record per request, when its reply comes (or the
 * connection ends without one). A BIND (the proxy listens for a peer to
 * connect back, as active FTP or a reverse shell through a proxy wants)
 * has two replies: the first names where the proxy listens, the second
 * the peer that connected; each is a socks.log record, and after a granted
 * second one the stream is followed as a CONNECT's. A v5 sign-in is an `auth` event
 * (service "socks", user, outcome, password in clear, its secret tag); the
 * password itself is never kept. A method Picket cannot follow (GSSAPI)
 * ends parsing with the request unseen.
 */
import type { AnalyzerContext, Analyzer, TunnelledStream } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { authEvent } from '../auth-event.js';
import { secretTag } from '../secret-tag.js';
import { proxyTunnelEvent } from '../../events/proxy-tunnel.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { CMD_BIND, CMD_CONNECT, MAX_MESSAGE, METHOD_NONE, METHOD_REFUSED, METHOD_USERPASS, SocksAnomaly, V4_STATUS, V5_STATUS } from './consts.js';
import { INCOMPLETE, readChoice, readGreeting, readUserPass, readUserPassReply, readV4Reply, readV4Request, readV5Message, type Read, type SocksAddress } from './parser.js';
import type { SocksLogEvent, SocksRecord } from './events.js';
import { hostPort } from '../../util/host-port.js';

export type SocksLogSink = (event: SocksLogEvent) => void;

/** Whose message is awaited next. */
const S_GREETING = 0;
const S5_CHOICE = 1;
const S5_USERPASS = 2;
const S5_AUTH_REPLY = 3;
const S5_REQUEST = 4;
const S5_REPLY = 5;
const S4_REPLY = 6;
const S_TUNNEL = 7;
const S_DONE = 8;

/** States that wait on the client's bytes. */
const CLIENT_STATES: ReadonlySet<number> = new Set([S_GREETING, S5_USERPASS, S5_REQUEST]);

/** The bytes a direction's buffer holds (valid until it is next changed). */
function held(b: StreamBuffer): Uint8Array {
  return b.bytes.subarray(b.offset, b.offset + b.length);
}

function target(a: SocksAddress): string {
  return hostPort(a.name ?? a.host ?? '', a.port);
}

export class SocksAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: SocksLogSink;
  #state = S_GREETING;
  /** Each direction's bytes not yet read as a message (bounded by MAX_MESSAGE). */
  readonly #client = new StreamBuffer(MAX_MESSAGE);
  readonly #server = new StreamBuffer(MAX_MESSAGE);
  #version = 0;
  #ts = 0;
  #firstTs = -1;
  #user: string | undefined = undefined;
  #command = 0;
  /** A granted BIND's first reply came: the next reply (same form) names the peer that connected. */
  #bound = false;
  #request: SocksAddress | undefined = undefined;
  /** The sign-in waiting for its status. */
  #signIn: { ts: number; user: string; tag: number } | null = null;
  #logged = false;
  #confirmed = false;
  #inner: TunnelledStream | null = null;

  constructor(ctx: AnalyzerContext, log: SocksLogSink) {
    this.#ctx = ctx;
    this.#log = log;
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#ts = ts;
    if (this.#firstTs < 0) this.#firstTs = ts;
    if (this.#state === S_TUNNEL) {
      this.#toInner(fromOrig, data, ts);
      return;
    }
    if (this.#state === S_DONE) return;
    if (!(fromOrig ? this.#client : this.#server).push(data)) {
      this.#ctx.anomaly(SocksAnomaly.BAD_MESSAGE);
      this.#state = S_DONE;
      return;
    }
    this.#step(ts);
  }

  gap(fromOrig: boolean, len: number): void {
    if (this.#state === S_TUNNEL) this.#inner?.gap(fromOrig, len);
    else this.#state = S_DONE;
  }

  wants(fromOrig: boolean): boolean {
    if (this.#state === S_TUNNEL) return this.#inner !== null && this.#inner.wants(fromOrig);
    return this.#state !== S_DONE;
  }

  end(ts: number): void {
    if (this.#signIn !== null) this.#auth('unknown', 'no reply seen');
    if (!this.#logged && this.#request !== undefined) this.#emitLog(undefined, undefined);
    this.#inner?.end(ts);
    this.#state = S_DONE;
    this.#client.release();
    this.#server.release();
  }

  /** Reads every message the gathered bytes hold, in order. */
  #step(ts: number): void {
    for (;;) {
      const s = this.#state;
      if (s === S_TUNNEL || s === S_DONE) return;
      const from = CLIENT_STATES.has(s) ? this.#client : this.#server;
      if (from.length === 0) return;
      const b = held(from);
      const len = this.#read(s, b, ts);
      if (len === INCOMPLETE) return;
      if (len === null) {
        this.#ctx.anomaly(SocksAnomaly.BAD_MESSAGE);
        this.#state = S_DONE;
        return;
      }
      from.consume(len);
      if (this.#state === S_TUNNEL) {
        // What either side sent past the handshake is the tunnel's first bytes.
        this.#open(ts);
        return;
      }
    }
  }

  /** Reads one message in state `s`; its length, INCOMPLETE or null. */
  #read(s: number, b: Uint8Array, ts: number): number | typeof INCOMPLETE | null {
    switch (s) {
      case S_GREETING: {
        if (b[0] === 4) {
          const r = readV4Request(b, MAX_MESSAGE);
          if (!ok(r)) return r;
          this.#version = 4;
          this.#command = r.command;
          this.#request = r.address;
          if (r.user !== '') this.#user = r.user;
          this.#state = S4_REPLY;
          return r.len;
        }
        const r = readGreeting(b);
        if (!ok(r)) return r;
        this.#version = 5;
        this.#state = S5_CHOICE;
        return r.len;
      }
      case S5_CHOICE: {
        const r = readChoice(b);
        if (!ok(r)) return r;
        this.#confirm();
        if (r.method === METHOD_NONE) this.#state = S5_REQUEST;
        else if (r.method === METHOD_USERPASS) this.#state = S5_USERPASS;
        else {
          if (r.method !== METHOD_REFUSED) this.#ctx.anomaly(SocksAnomaly.UNSUPPORTED_METHOD);
          this.#state = S_DONE;
        }
        return r.len;
      }
      case S5_USERPASS: {
        const r = readUserPass(b);
        if (!ok(r)) return r;
        this.#user = r.user;
        this.#signIn = { ts, user: r.user, tag: secretTag(r.password) };
        r.password.fill(0);
        this.#state = S5_AUTH_REPLY;
        return r.len;
      }
      case S5_AUTH_REPLY: {
        const r = readUserPassReply(b);
        if (!ok(r)) return r;
        const accepted = r.status === 0;
        this.#auth(accepted ? 'success' : 'failure', `status ${r.status}`);
        this.#state = accepted ? S5_REQUEST : S_DONE;
        return r.len;
      }
      case S5_REQUEST: {
        const r = readV5Message(b);
        if (!ok(r)) return r;
        this.#command = r.code;
        this.#request = r.address;
        this.#state = S5_REPLY;
        return r.len;
      }
      case S5_REPLY: {
        const r = readV5Message(b);
        if (!ok(r)) return r;
        this.#emitLog(V5_STATUS[r.code] ?? String(r.code), r.address);
        this.#state = this.#afterReply(r.code === 0, S5_REPLY);
        return r.len;
      }
      case S4_REPLY: {
        const r = readV4Reply(b);
        if (!ok(r)) return r;
        this.#confirm();
        this.#emitLog(V4_STATUS[r.status] ?? String(r.status), r.address);
        this.#state = this.#afterReply(r.status === 90, S4_REPLY);
        return r.len;
      }
    }
    return null;
  }

  /**
   * What follows a reply: after a granted CONNECT, or a granted BIND's
   * second reply, the stream; after a granted BIND's first, its second
   * reply (in `reply`, the state that read this one); else nothing.
   */
  #afterReply(granted: boolean, reply: number): number {
    if (!granted) return S_DONE;
    if (this.#command === CMD_CONNECT || this.#bound) return S_TUNNEL;
    if (this.#command !== CMD_BIND) return S_DONE;
    this.#bound = true;
    return reply;
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('socks');
  }

  #auth(outcome: 'success' | 'failure' | 'unknown', detail: string): void {
    const s = this.#signIn;
    if (s === null) return;
    this.#signIn = null;
    const ev = authEvent(this.#ctx.conn, s.ts, 'socks', outcome);
    ev.user = s.user;
    ev.detail = detail;
    ev.cleartext = true;
    ev.secret_tag = s.tag;
    this.#ctx.emit(ev);
  }

  #emitLog(status: string | undefined, bound: SocksAddress | undefined): void {
    this.#logged = true;
    const rec = startRecord<SocksRecord>(this.#ctx.conn, this.#firstTs);
    rec.version = this.#version;
    if (this.#user !== undefined) rec.user = this.#user;
    if (status !== undefined) rec.status = status;
    const q = this.#request;
    if (q !== undefined) {
      if (q.host !== undefined) rec['request.host'] = q.host;
      if (q.name !== undefined) rec['request.name'] = q.name;
      rec.request_p = q.port;
    }
    if (bound !== undefined) {
      if (bound.host !== undefined) rec['bound.host'] = bound.host;
      if (bound.name !== undefined) rec['bound.name'] = bound.name;
      rec.bound_p = bound.port;
    }
    this.#log({ type: 'socks', log: 'socks', ts: rec.ts, uid: rec.uid, record: rec });
  }

  /** The CONNECT (or BIND) was granted: the tunnel starts with what either side already sent past the handshake. */
  #open(ts: number): void {
    this.#inner = this.#ctx.tunnel?.((protocol, at) => this.#tellTunnel(protocol, at)) ?? null;
    if (this.#client.length > 0) this.#toInner(true, held(this.#client), ts);
    if (this.#server.length > 0) this.#toInner(false, held(this.#server), ts);
    this.#client.release();
    this.#server.release();
  }

  #toInner(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const inner = this.#inner;
    if (inner === null || !inner.wants(fromOrig)) return;
    inner.data(fromOrig, data, ts);
  }

  /** Content named the protocol inside the granted CONNECT: one proxy.tunnel event. */
  #tellTunnel(protocol: string, ts: number): void {
    const via = this.#version === 4 ? 'socks4' : 'socks5';
    const ev = proxyTunnelEvent(this.#ctx.conn, ts, via, this.#request !== undefined ? target(this.#request) : '', protocol);
    if (this.#user !== undefined) ev.user = this.#user;
    this.#ctx.emit(ev);
  }
}

function ok<T>(r: Read<T>): r is T & { len: number } {
  return r !== null && r !== INCOMPLETE;
}
