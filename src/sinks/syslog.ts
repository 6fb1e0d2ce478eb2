/**
 * The syslog sink: RFC 5424 messages over UDP (RFC 5426, one message per
 * datagram), TCP (RFC 6587, octet-counting or LF framing) or TLS (RFC 5425).
 * The connection is opened lazily and reopened after any error, so a
 * collector restart costs one failed attempt and a retry. A message longer
 * than `max_message_bytes` is shortened to fit (counted in `truncated`).
 *
 * Syslog has no acknowledgements, so "delivered" means the kernel accepted
 * the bytes and the connection was still up one event-loop turn later: a FIN
 * or RST the collector sent before our write (it closed or died) shows up by
 * then, and the batch is sent again on a new connection. Over UDP a collector
 * that is down is noticed the same way, from the ICMP port unreachable that
 * comes back on the connected socket; a lossy network beyond that is not.
 */
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import tls from 'node:tls';
import type { Alert } from '../alerts/alert.js';
import { readSinkTlsFile } from './tls-files.js';
import { SYSLOG_FACILITIES, type Frozen, type SyslogSinkConfig } from './config.js';
import { fitSyslogMessage, frameSyslogMessage, type SyslogHeader } from './syslog-format.js';
import { DeliveryError, RejectedError, type SinkTransport } from './transport.js';
import { hostPort } from '../util/host-port.js';

/** Messages per write on a stream: a few hundred KB at most, one syscall. */
const STREAM_BATCH = 100;
/** Event-loop turns waited after a write for a FIN/RST/ICMP error to surface. */
const SETTLE_TURNS = 2;
/** TLS 1.3: longest wait after the handshake for the collector's verdict on our certificate. */
const TLS13_VERDICT_MS = 1000;

const DEFAULT_PORT = { udp: 514, tcp: 514, tls: 6514 } as const;

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await nextTurn();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      onTimeout();
      reject(new DeliveryError(`${what} timed out after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function header(cfg: Frozen<SyslogSinkConfig>): SyslogHeader {
  return {
    facility: SYSLOG_FACILITIES[cfg.facility] ?? SYSLOG_FACILITIES['local0']!,
    hostname: cfg.hostname ?? os.hostname(),
    appName: cfg.app_name,
    procId: String(process.pid),
  };
}

/** TCP or TLS with octet-counted or LF-terminated frames. */
class StreamSyslog implements SinkTransport {
  readonly batchSize = STREAM_BATCH;
  /** Messages shortened to fit max_message_bytes. */
  truncated = 0;
  readonly #cfg: Frozen<SyslogSinkConfig>;
  readonly #header: SyslogHeader;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #ca: Buffer | undefined;
  readonly #cert: Buffer | undefined;
  readonly #key: Buffer | undefined;
  #socket: net.Socket | null = null;
  /** Why the last connection went away (reported with the next failure). */
  #lastError: string | null = null;
  #closed = false;

  constructor(cfg: Frozen<SyslogSinkConfig>) {
    this.#cfg = cfg;
    this.#header = header(cfg);
    this.#port = cfg.port ?? DEFAULT_PORT[cfg.transport];
    this.#timeoutMs = Math.max(1, Math.round(cfg.timeout * 1000));
    if (cfg.transport === 'tls') {
      this.#ca = readSinkTlsFile(cfg.name, cfg.ca, 'CA');
      this.#cert = readSinkTlsFile(cfg.name, cfg.cert, 'certificate');
      this.#key = readSinkTlsFile(cfg.name, cfg.key, 'key');
    }
  }

  #connect(): Promise<net.Socket> {
    const cfg = this.#cfg;
    let sock: net.Socket;
    const ready = new Promise<net.Socket>((resolve, reject) => {
      if (cfg.transport === 'tls') {
        const opts: tls.ConnectionOptions = {
          host: cfg.host,
          port: this.#port,
          rejectUnauthorized: cfg.tls_reject_unauthorized,
        };
        const sni = cfg.server_name ?? (net.isIP(cfg.host) === 0 ? cfg.host : undefined);
        if (sni !== undefined) opts.servername = sni;
        if (this.#ca !== undefined) opts.ca = this.#ca;
        if (this.#cert !== undefined && this.#key !== undefined) {
          opts.cert = this.#cert;
          opts.key = this.#key;
        }
        // TLS 1.3: our handshake ends before the collector has checked our certificate. Its
        // verdict comes next: a session ticket (accepted) or an alert (refused, an 'error').
        // Data written before it would be counted as delivered and thrown away. The listener
        // must be there before the handshake: Node enables session callbacks when it is added.
        let ticket = false;
        let waiting: (() => void) | null = null;
        const onTicket = () => {
          ticket = true;
          // Not from inside the callback: OpenSSL is still reading the ticket, and a write
          // made from there (the awaiting send, run as a microtask) corrupts the record stream.
          if (waiting !== null) setImmediate(waiting);
        };
        const t = tls.connect(opts, () => {
          if (t.getProtocol() !== 'TLSv1.3' || ticket) {
            t.removeListener('session', onTicket);
            resolve(t);
            return;
          }
          const verdict = (ok: boolean) => {
            clearTimeout(timer);
            waiting = null;
            t.removeListener('session', onTicket);
            t.removeListener('close', onClose);
            if (ok) resolve(t);
            else reject(new DeliveryError('the collector closed the TLS connection after the handshake (is a client certificate required?)'));
          };
          const onClose = () => verdict(false);
          // A collector that sends no session ticket: go on after a moment.
          const timer = setTimeout(() => verdict(true), Math.min(TLS13_VERDICT_MS, this.#timeoutMs));
          waiting = () => verdict(true);
          t.once('close', onClose);
        });
        t.on('session', onTicket);
        sock = t;
      } else {
        sock = net.connect({ host: cfg.host, port: this.#port }, () => resolve(sock));
      }
      sock.once('error', reject);
    });
    return withTimeout(ready, this.#timeoutMs, `connect to ${hostPort(cfg.host, this.#port)}`, () => sock.destroy()).then((s) => {
      s.removeAllListeners('error');
      s.setNoDelay(true);
      const gone = (why: string) => {
        if (this.#socket === s) {
          this.#socket = null;
          this.#lastError = why;
        }
        s.destroy();
      };
      s.on('error', (e: Error) => gone(e.message));
      s.on('end', () => gone('connection closed by the collector'));
      s.on('close', () => gone('connection closed'));
      // Collectors send nothing; reading keeps EOF and resets visible.
      s.resume();
      this.#socket = s;
      return s;
    });
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    if (this.#closed) throw new DeliveryError('sink closed');
    const sock = this.#socket ?? (await this.#connect());
    const frames: Buffer[] = [];
    let truncated = 0;
    for (const a of alerts) {
      const m = fitSyslogMessage(a, this.#header, this.#cfg.format, this.#cfg.max_message_bytes);
      if (m.truncated) truncated++;
      frames.push(frameSyslogMessage(m.bytes, this.#cfg.framing));
    }
    const data = Buffer.concat(frames);
    const written = new Promise<void>((resolve, reject) => {
      sock.write(data, (err) => (err ? reject(err) : resolve()));
    });
    await withTimeout(written, this.#timeoutMs, 'syslog write', () => sock.destroy());
    await settle();
    if (this.#socket !== sock) {
      throw new DeliveryError(`syslog connection lost during the write (${this.#lastError ?? 'closed'})`);
    }
    this.truncated += truncated;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const s = this.#socket;
    this.#socket = null;
    if (s === null) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), this.#timeoutMs).unref();
    });
  }
}

/** One message per datagram on a connected UDP socket. */
class UdpSyslog implements SinkTransport {
  /** One alert per send, so a datagram the kernel refuses is rejected alone. */
  readonly batchSize = 1;
  /** Messages shortened to fit max_message_bytes. */
  truncated = 0;
  readonly #cfg: Frozen<SyslogSinkConfig>;
  readonly #header: SyslogHeader;
  readonly #port: number;
  readonly #timeoutMs: number;
  #socket: dgram.Socket | null = null;
  #error: Error | null = null;
  #closed = false;

  constructor(cfg: Frozen<SyslogSinkConfig>) {
    this.#cfg = cfg;
    this.#header = header(cfg);
    this.#port = cfg.port ?? DEFAULT_PORT.udp;
    this.#timeoutMs = Math.max(1, Math.round(cfg.timeout * 1000));
  }

  async #open(): Promise<dgram.Socket> {
    const host = this.#cfg.host;
    let family = net.isIP(host);
    let address = host;
    if (family === 0) {
      const r = await dns.lookup(host);
      address = r.address;
      family = r.family;
    }
    const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const ready = new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(this.#port, address, () => {
        s.removeListener('error', reject);
        resolve();
      });
    });
    await withTimeout(ready, this.#timeoutMs, `udp connect to ${hostPort(host, this.#port)}`, () => s.close());
    // ICMP port unreachable from a collector that is down arrives as ECONNREFUSED here.
    s.on('error', (e: Error) => {
      this.#error = e;
      if (this.#socket === s) this.#socket = null;
      s.close();
    });
    s.unref();
    this.#socket = s;
    return s;
  }

  /** The error seen since the last call (set by the socket's error event while we awaited). */
  #takeError(): Error | null {
    const e = this.#error;
    this.#error = null;
    return e;
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    if (this.#closed) throw new DeliveryError('sink closed');
    for (const a of alerts) {
      const m = fitSyslogMessage(a, this.#header, this.#cfg.format, this.#cfg.max_message_bytes);
      this.#takeError();
      const s = this.#socket ?? (await this.#open());
      try {
        await new Promise<void>((resolve, reject) => s.send(m.bytes, (err) => (err ? reject(err) : resolve())));
      } catch (e) {
        // A kernel with a smaller datagram limit than max_message_bytes (macOS: 9216) refuses it every time.
        if ((e as { code?: unknown }).code === 'EMSGSIZE') {
          throw new RejectedError(`syslog message of ${m.bytes.length} bytes is larger than this system sends over UDP (lower max_message_bytes)`, { cause: e });
        }
        throw e;
      }
      await settle();
      const err = this.#takeError();
      if (err !== null || this.#socket !== s) throw new DeliveryError(`syslog over UDP: ${err?.message ?? 'socket closed'}`);
      if (m.truncated) this.truncated++;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const s = this.#socket;
    this.#socket = null;
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export function createSyslogTransport(cfg: Frozen<SyslogSinkConfig>): SinkTransport {
  return cfg.transport === 'udp' ? new UdpSyslog(cfg) : new StreamSyslog(cfg);
}
