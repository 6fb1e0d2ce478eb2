/**
 * Test helpers for the sinks: alerts built the way the engine builds them,
 * real receivers on 127.0.0.1 (HTTP, syslog over UDP/TCP/TLS, SMTP) that can
 * be stopped and restarted on the same port, a self-signed certificate, and a
 * poll that waits for a condition (with a generous cap so a bug fails the
 * test instead of hanging it; no assertion depends on how long it took).
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { buildAlert, type Alert, type Severity } from '../../src/alerts/alert.js';

/** Upper bound for waitFor: only reached when something is broken. */
const WAIT_CAP_MS = 20_000;

export async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > WAIT_CAP_MS) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** An alert as the engine emits it; `n` makes each one distinguishable (evidence.n, dedup key). */
export function makeAlert(n: number, opts: { rule?: string; severity?: Severity; src?: string; dst?: string; network?: string } = {}): Alert {
  const rule = opts.rule ?? 'scan.port.vertical';
  const severity = opts.severity ?? 3;
  return buildAlert(
    {
      rule: { id: rule, name: 'Vertical port scan', severity, category: ['network', 'intrusion_detection'], technique: 'T1046' },
      key: `${opts.src ?? '10.77.2.20'}>${opts.dst ?? '10.77.1.5'}#${n}`,
      severity,
      source: { ip: opts.src ?? '10.77.2.20', mac: '08:00:27:aa:bb:cc' },
      destination: { ip: opts.dst ?? '10.77.1.5' },
      transport: 'tcp',
      networkName: opts.network ?? 'workstations',
      message: `${opts.src ?? '10.77.2.20'} probed 1,000 ports on ${opts.dst ?? '10.77.1.5'} in 12 s`,
      evidence: { n, ports_count: 1000, sample_ports: [22, 80, 443], window: '60s', note: 'a <b> & "c"' },
      count: 1,
      firstSeen: 1_700_000_000 + n,
      lastSeen: 1_700_000_012 + n,
    },
    'sensor-1',
  );
}

/** A TCP port free right now (bind to 0, read it, close). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface Receiver<T> {
  port: number;
  received: T[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Splits an octet-counted stream (RFC 6587 3.4.1) into messages; returns what is left over. */
export function deframe(buf: Buffer, out: string[]): Buffer {
  let off = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.toString('ascii', off, sp));
    if (!Number.isInteger(len) || len <= 0) throw new Error(`bad frame length at ${off}: ${buf.toString('ascii', off, sp)}`);
    if (sp + 1 + len > buf.length) break;
    out.push(buf.toString('utf8', sp + 1, sp + 1 + len));
    off = sp + 1 + len;
  }
  return buf.subarray(off);
}

/** Splits an LF-terminated stream (RFC 6587 3.4.2, non-transparent framing) into messages; returns what is left over. */
export function splitLines(buf: Buffer, out: string[]): Buffer {
  let off = 0;
  for (let nl = buf.indexOf(0x0a, off); nl >= 0; nl = buf.indexOf(0x0a, off)) {
    out.push(buf.toString('utf8', off, nl));
    off = nl + 1;
  }
  return buf.subarray(off);
}

/**
 * A syslog collector over TCP or TLS that records every framed message:
 * octet-counted frames, or with `framing: 'lf'` one message per line (how
 * Logstash's syslog input and syslog-ng's network() source read a stream).
 */
export function streamSyslogReceiver(port: number, tlsOpts?: tls.TlsOptions, framing: 'octet' | 'lf' = 'octet'): Receiver<string> {
  const received: string[] = [];
  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  const onConn = (sock: net.Socket) => {
    sockets.add(sock);
    let rest: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      rest = framing === 'lf' ? splitLines(Buffer.concat([rest, d]), received) : deframe(Buffer.concat([rest, d]), received);
    });
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
  };
  return {
    port,
    received,
    async start() {
        server = tlsOpts === undefined ? net.createServer(onConn) : tls.createServer(tlsOpts, onConn);
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    },
    async stop() {
      const s = server;
      server = null;
      if (s === null) return;
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const sock of sockets) sock.destroy();
      await closed;
    },
  };
}

export function udpSyslogReceiver(port: number): Receiver<string> {
  const received: string[] = [];
  let sock: dgram.Socket | null = null;
  return {
    port,
    received,
    async start() {
      sock = dgram.createSocket('udp4');
      sock.on('message', (m) => received.push(m.toString('utf8')));
      await new Promise<void>((r) => sock!.bind(port, '127.0.0.1', () => r()));
    },
    async stop() {
      const s = sock;
      sock = null;
      if (s !== null) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

export interface HttpHit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** What the receiver answers: a status, or a status with headers (Retry-After, Location). */
export type HttpAnswer = number | { status: number; headers?: Record<string, string> };

/**
 * An HTTP receiver (HTTPS with `tlsOpts`); `status` decides the answer for
 * each request (default 200). `requests` holds every request, `received` the
 * ones answered 2xx.
 */
export function httpReceiver(
  port: number,
  status: (hit: HttpHit) => HttpAnswer = () => 200,
  tlsOpts?: { key: Buffer; cert: Buffer },
): Receiver<HttpHit> & { requests: HttpHit[] } {
  const received: HttpHit[] = [];
  const requests: HttpHit[] = [];
  let server: http.Server | null = null;
  return {
    port,
    received,
    requests,
    async start() {
      const handler: http.RequestListener = (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const hit: HttpHit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text === '' ? undefined : JSON.parse(text) };
          requests.push(hit);
          const a = status(hit);
          const code = typeof a === 'number' ? a : a.status;
          if (code < 0) return; // never answer (a hung receiver)
          if (code >= 200 && code < 300) received.push(hit);
          res.writeHead(code, { 'content-type': 'text/plain', connection: 'close', ...(typeof a === 'number' ? {} : a.headers) });
          res.end(code >= 300 ? 'nope' : 'ok');
        });
      };
      server = tlsOpts === undefined ? http.createServer(handler) : https.createServer(tlsOpts, handler);
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    },
    async stop() {
      const s = server;
      server = null;
      if (s === null) return;
      const closed = new Promise<void>((r) => s.close(() => r()));
      s.closeAllConnections();
      await closed;
    },
  };
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  /** The session was encrypted (STARTTLS or implicit TLS) when the message came. */
  secure: boolean;
}

/** An SMTP server (the smtp-server package) without TLS or auth, recording raw messages. */
/**
 * With `tls`, the server offers STARTTLS with that certificate (or, with
 * `implicitTls`, speaks TLS from the first byte, as on port 465).
 */
export function smtpReceiver(
  port: number,
  opts: { rejectRcpt?: string; tls?: { key: Buffer; cert: Buffer }; implicitTls?: boolean } = {},
): Receiver<Mail> {
  const received: Mail[] = [];
  let server: SMTPServer | null = null;
  return {
    port,
    received,
    async start() {
      server = new SMTPServer({
        secure: opts.tls !== undefined && opts.implicitTls === true,
        ...(opts.tls !== undefined ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
        authOptional: true,
        disabledCommands: opts.tls === undefined ? ['STARTTLS', 'AUTH'] : ['AUTH'],
        logger: false,
        onRcptTo(address, _session, cb) {
          if (opts.rejectRcpt !== undefined && address.address === opts.rejectRcpt) {
            const err = new Error('mailbox unavailable') as Error & { responseCode: number };
            err.responseCode = 550;
            cb(err);
            return;
          }
          cb();
        },
        onData(stream, session, cb) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            received.push({
              from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks).toString('utf8'),
              secure: session.secure,
            });
            cb();
          });
        },
      });
      server.on('error', () => {});
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    },
    async stop() {
      const s = server;
      server = null;
      if (s !== null) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

/** A self-signed certificate for 127.0.0.1/localhost: openssl when present, else null. */
export function selfSignedCert(dir: string): { key: Buffer; cert: Buffer; certFile: string } | null {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
  } catch {
    return null;
  }
  return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), certFile };
}

/** The JSON MSG of an RFC 5424 line ("<pri>1 ts host app pid msgid - {json}"). */
export function syslogParts(line: string): { pri: number; version: string; timestamp: string; host: string; app: string; procid: string; msgid: string; sd: string; msg: string } {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) (.*)$/s.exec(line);
  if (m === null) throw new Error(`not RFC 5424: ${line.slice(0, 120)}`);
  return { pri: Number(m[1]), version: m[2]!, timestamp: m[3]!, host: m[4]!, app: m[5]!, procid: m[6]!, msgid: m[7]!, sd: m[8]!, msg: m[9]! };
}
