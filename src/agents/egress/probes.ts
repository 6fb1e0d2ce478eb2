/**
 * The egress probes. Each tries one way out of the segment and answers
 * whether it got through, never throwing and never taking longer than its
 * timeout (every socket and child is closed or killed by then):
 * - dns-system: a name resolved through the system resolver;
 * - dns-direct: an answer from a public resolver on UDP 53;
 * - tcp: a completed TCP handshake;
 * - https: a completed TLS handshake (certificate validity is reported, not
 *   required: an intercepting proxy that completes it is a way out too);
 * - icmp: an echo reply, through the system's `ping` when it is installed.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { buildAQuery, isResponseTo, rcodeName } from './dns-query.js';
import { hostPort } from '../../util/host-port.js';
import { UNSPECIFIED_V4 } from '../../config/ip.js';

export type ProbeKind = 'dns-system' | 'dns-direct' | 'tcp' | 'https' | 'icmp';

export interface ProbeResult {
  /** Stable name, e.g. "tcp:1.1.1.1:443" (the alert's dedup key). */
  probe: string;
  kind: ProbeKind;
  reached: boolean;
  /** What happened, for people. */
  detail: string;
  /** Address and port the probe went to, when known. */
  targetIp?: string;
  targetPort?: number;
  /** The local address it left from, when known. */
  localIp?: string;
  elapsedMs: number;
}

function result(probe: string, kind: ProbeKind, started: number, reached: boolean, detail: string, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { probe, kind, reached, detail, elapsedMs: Date.now() - started, ...extra };
}

export async function probeSystemDns(name: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const id = `dns-system:${name}`;
  const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 1 });
  const servers = resolver.getServers().join(',') || 'none';
  try {
    const addrs = await resolver.resolve4(name);
    return result(id, 'dns-system', started, addrs.length > 0, `${name} resolved to ${addrs.slice(0, 4).join(', ')} via ${servers}`);
  } catch (err) {
    return result(id, 'dns-system', started, false, `${(err as NodeJS.ErrnoException).code ?? (err as Error).message} via ${servers}`);
  }
}

export function probeDirectDns(resolverIp: string, name: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const id = `dns-direct:${resolverIp}`;
  const base = { targetIp: resolverIp, targetPort: 53 };
  const qid = crypto.randomInt(0, 0x10000);
  const query = buildAQuery(qid, name);
  if (query === null) return Promise.resolve(result(id, 'dns-direct', started, false, `"${name}" is not a DNS name`, base));
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(resolverIp) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (reached: boolean, detail: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      let localIp: string | undefined;
      try {
        localIp = sock.address().address;
      } catch {
        localIp = undefined;
      }
      sock.close();
      resolve(result(id, 'dns-direct', started, reached, detail, { ...base, ...(localIp !== undefined && localIp !== UNSPECIFIED_V4 ? { localIp } : {}) }));
    };
    const timer = setTimeout(() => finish(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    sock.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
    sock.on('message', (msg, rinfo) => {
      // Only the resolver's own answer to this query counts.
      if (rinfo.address !== resolverIp || rinfo.port !== 53 || !isResponseTo(msg, qid)) return;
      finish(true, `${resolverIp} answered ${rcodeName(msg)} for ${name}`);
    });
    sock.send(query, 53, resolverIp, (err) => {
      if (err) finish(false, (err as NodeJS.ErrnoException).code ?? err.message);
    });
  });
}

/** "host:port" / "[v6]:port" split. */
export function splitHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const host = text.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(i + 1)) };
}

export function probeTcp(target: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const { host, port } = splitHostPort(target);
  const id = `tcp:${target}`;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const finish = settleStreamProbe(sock, { id, kind: 'tcp', started, host, port }, timeoutMs, `no handshake within ${timeoutMs} ms`, resolve);
    sock.on('connect', () => finish(true, `TCP handshake with ${hostPort(host, port)} completed`));
  });
}

/** A TCP or TLS probe under way: its name and kind, when it started and where it goes. */
interface StreamProbe {
  id: string;
  kind: ProbeKind;
  started: number;
  host: string;
  port: number;
}

/**
 * Settles a TCP or TLS probe once, on whichever comes first: the caller's
 * success event (through the returned function), a socket error, or
 * `timeoutMs` (a failure saying `timeoutDetail`). The socket is destroyed
 * then; the result names the address connected to (the target itself when it
 * is an address) and, when the probe got through, the local address it left from.
 */
function settleStreamProbe(
  sock: net.Socket,
  p: StreamProbe,
  timeoutMs: number,
  timeoutDetail: string,
  resolve: (r: ProbeResult) => void,
): (reached: boolean, detail: string) => void {
  let done = false;
  const finish = (reached: boolean, detail: string): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    const extra: Partial<ProbeResult> = { targetPort: p.port };
    if (sock.remoteAddress !== undefined) extra.targetIp = sock.remoteAddress;
    else if (net.isIP(p.host) !== 0) extra.targetIp = p.host;
    if (reached && sock.localAddress !== undefined) extra.localIp = sock.localAddress;
    sock.destroy();
    resolve(result(p.id, p.kind, p.started, reached, detail, extra));
  };
  const timer = setTimeout(() => finish(false, timeoutDetail), timeoutMs);
  sock.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
  return finish;
}

export function probeHttps(url: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const id = `https:${url}`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(result(id, 'https', started, false, 'bad URL'));
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? 443 : Number(u.port);
  return new Promise((resolve) => {
    const sock = tls.connect({
      host,
      port,
      // SNI only for names (RFC 6066 forbids addresses).
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      // Reported below; an intercepting proxy with its own certificate still lets traffic out.
      rejectUnauthorized: false,
    });
    const finish = settleStreamProbe(sock, { id, kind: 'https', started, host, port }, timeoutMs, `no TLS handshake within ${timeoutMs} ms`, resolve);
    sock.on('secureConnect', () => {
      const cert = sock.getPeerCertificate();
      const subject = cert?.subject?.CN ?? '?';
      finish(true, `TLS handshake with ${u.host} completed (${sock.getProtocol() ?? 'TLS'}, certificate CN=${subject}, ${sock.authorized ? 'trusted' : `untrusted: ${String(sock.authorizationError)}`})`);
    });
  });
}

/** The `ping` executable from PATH, or undefined. */
export function findPing(envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.join(dir, 'ping');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export function probeIcmp(ip: string, timeoutMs: number, ping = findPing()): Promise<ProbeResult> {
  const started = Date.now();
  const id = `icmp:${ip}`;
  if (ping === undefined) return Promise.resolve(result(id, 'icmp', started, false, 'ping is not installed; ICMP not probed', { targetIp: ip }));
  const waitS = Math.max(1, Math.ceil(timeoutMs / 1000));
  return new Promise((resolve) => {
    const child = spawn(ping, ['-n', '-c', '1', '-W', String(waitS), ip], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (reached: boolean, detail: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGKILL');
      resolve(result(id, 'icmp', started, reached, detail, { targetIp: ip }));
    };
    // ping's own -W bounds it; this is the backstop (one second of grace for process start-up).
    const timer = setTimeout(() => finish(false, `ping did not finish within ${timeoutMs} ms`), waitS * 1000 + 1000);
    child.stdout.on('data', (c: Buffer) => {
      if (out.length < 4096) out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      if (out.length < 4096) out += c.toString();
    });
    child.on('error', (err) => finish(false, err.message));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => /bytes from/.test(l));
      finish(code === 0, code === 0 ? `echo reply from ${ip}${line !== undefined ? `: ${line.trim()}` : ''}` : `no echo reply from ${ip}`);
    });
  });
}
