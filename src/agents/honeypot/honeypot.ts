/**
 * The honeypot agent's listeners: TCP and UDP sockets on ports nothing real
 * uses, so any touch is worth an alert (`honeypot.tcp` / `honeypot.udp`, in
 * the ECS alert shape of src/alerts/alert.ts). It records who, which port,
 * when, and the first bytes received (bounded, rendered hex-safe).
 *
 * What it will never do: run or interpret input, send input back, or answer
 * UDP at all (no reflection, no amplification). The only bytes it sends are
 * the configured static TCP banners. Memory is bounded: a cap on open
 * connections, on bytes kept per connection, and on sources remembered.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import type { SiteConfig } from '../../config/schema.js';
import { buildAlert, type Alert } from '../../alerts/alert.js';
import type { NetworkDirection } from '../../alerts/direction.js';
import { Site } from '../../config/site.js';
import { HONEYPOT_TCP_RULE, HONEYPOT_UDP_RULE } from '../agent-rules.js';
import { IgnoreList, SourceRateLimiter, type HoneypotProto } from './limits.js';
import { plainAddress, toHex, toSafeText } from './payload.js';

export type HoneypotSettings = SiteConfig['honeypot'];

export interface HoneypotOptions {
  config: HoneypotSettings;
  /** observer.name of the alerts. */
  observerName: string;
  /**
   * The site's networks (picket.yaml `networks:`), which name the source's
   * network and say whether it is inside; default: none configured (only
   * the built-in private and special ranges are inside).
   */
  site?: Site;
  onAlert(alert: Alert): void;
  /** Wall clock in ms (tests may pin it). */
  now?: () => number;
}

export interface BoundPort {
  /** The port as configured (0 = any free port). */
  configured: number;
  /** The port actually listened on. */
  port: number;
}

export interface HoneypotListening {
  tcp: BoundPort[];
  udp: BoundPort[];
  /** Ports that could not be opened (in use, no permission for < 1024, ...). */
  failed: { proto: HoneypotProto; port: number; error: string }[];
}

export interface HoneypotStats {
  tcpConnections: number;
  udpDatagrams: number;
  alerts: number;
  /** Touches not alerted because of a rate limit. */
  suppressed: number;
  /** Touches matching the ignore list. */
  ignored: number;
  /** TCP connections closed at once because max_connections were open. */
  overCapacity: number;
  openConnections: number;
  sourcesTracked: number;
  bytesCaptured: number;
  /** Socket errors after listening started (counted, never fatal). */
  socketErrors: number;
}

export function createHoneypot(opts: HoneypotOptions): Honeypot {
  return new Honeypot(opts);
}

export class Honeypot {
  readonly #cfg: HoneypotSettings;
  readonly #opts: HoneypotOptions;
  readonly #now: () => number;
  readonly #site: Site;
  readonly #ignore: IgnoreList;
  readonly #limiter: SourceRateLimiter;
  readonly #banners = new Map<number, Buffer>();
  readonly #tcp: net.Server[] = [];
  readonly #udp: dgram.Socket[] = [];
  readonly #sockets = new Set<net.Socket>();
  #stats: HoneypotStats = {
    tcpConnections: 0,
    udpDatagrams: 0,
    alerts: 0,
    suppressed: 0,
    ignored: 0,
    overCapacity: 0,
    openConnections: 0,
    sourcesTracked: 0,
    bytesCaptured: 0,
    socketErrors: 0,
  };

  constructor(opts: HoneypotOptions) {
    this.#opts = opts;
    this.#cfg = opts.config;
    this.#now = opts.now ?? Date.now;
    this.#site = opts.site ?? new Site([]);
    this.#ignore = new IgnoreList(this.#cfg.ignore);
    this.#limiter = new SourceRateLimiter({
      perSource: this.#cfg.rate_limit.per_source,
      windowMs: this.#cfg.rate_limit.window * 1000,
      globalPerSecond: this.#cfg.rate_limit.global_per_second,
      maxSources: this.#cfg.max_sources,
    });
    for (const [port, text] of Object.entries(this.#cfg.banners)) {
      if (text !== '') this.#banners.set(Number(port), Buffer.from(text, 'utf8'));
    }
  }

  async start(): Promise<HoneypotListening> {
    const out: HoneypotListening = { tcp: [], udp: [], failed: [] };
    const bind = this.#cfg.bind;
    for (const port of new Set(this.#cfg.tcp)) {
      const server = net.createServer((sock) => this.#onTcp(sock));
      const err = await new Promise<Error | null>((resolve) => {
        server.once('error', resolve);
        server.listen({ host: bind, port, exclusive: true }, () => resolve(null));
      });
      if (err !== null) {
        out.failed.push({ proto: 'tcp', port, error: (err as NodeJS.ErrnoException).code ?? err.message });
        continue;
      }
      server.on('error', () => this.#stats.socketErrors++);
      this.#tcp.push(server);
      out.tcp.push({ configured: port, port: (server.address() as net.AddressInfo).port });
    }
    for (const port of new Set(this.#cfg.udp)) {
      const sock = dgram.createSocket({ type: net.isIPv6(bind) ? 'udp6' : 'udp4', reuseAddr: false });
      const err = await new Promise<Error | null>((resolve) => {
        sock.once('error', resolve);
        sock.bind({ address: bind, port, exclusive: true }, () => resolve(null));
      });
      if (err !== null) {
        out.failed.push({ proto: 'udp', port, error: (err as NodeJS.ErrnoException).code ?? err.message });
        sock.close();
        continue;
      }
      sock.on('error', () => this.#stats.socketErrors++);
      sock.on('message', (msg, rinfo) => this.#onUdp(msg, rinfo, sock));
      this.#udp.push(sock);
      out.udp.push({ configured: port, port: sock.address().port });
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await Promise.all(this.#tcp.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await Promise.all(this.#udp.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.#tcp.length = 0;
    this.#udp.length = 0;
  }

  stats(): HoneypotStats {
    return {
      ...this.#stats,
      suppressed: this.#limiter.suppressed,
      openConnections: this.#sockets.size,
      sourcesTracked: this.#limiter.sources,
    };
  }

  #onTcp(sock: net.Socket): void {
    this.#stats.tcpConnections++;
    const src = plainAddress(sock.remoteAddress);
    const srcPort = sock.remotePort ?? 0;
    const dst = plainAddress(sock.localAddress);
    const port = sock.localPort ?? 0;
    sock.on('error', () => this.#stats.socketErrors++);
    if (this.#ignore.matches(src, port, 'tcp')) {
      this.#stats.ignored++;
      sock.destroy();
      return;
    }
    const started = this.#now();
    if (this.#sockets.size >= this.#cfg.max_connections) {
      // Counted here only: the source's alert budget is for connections the honeypot could take.
      this.#stats.overCapacity++;
      sock.destroy();
      return;
    }
    if (this.#limiter.exhausted(src, started)) {
      // Over its limit: counted (carried into its next alert), no banner, no reading.
      this.#limiter.check(src, started);
      sock.destroy();
      return;
    }
    this.#sockets.add(sock);
    const cap = this.#cfg.capture_bytes;
    const kept = Buffer.alloc(cap);
    let len = 0;
    let total = 0;
    let done = false;
    const banner = this.#banners.get(port);
    const finish = (ended: string): void => {
      if (done) return;
      done = true;
      this.#sockets.delete(sock);
      sock.destroy();
      this.#raise('tcp', src, srcPort, dst, port, kept, len, total, ended, banner !== undefined, started);
    };
    sock.setTimeout(this.#cfg.first_bytes_wait * 1000, () => finish('timeout'));
    sock.on('data', (chunk: Buffer) => {
      total += chunk.length;
      const n = Math.min(chunk.length, cap - len);
      if (n > 0) {
        chunk.copy(kept, len, 0, n);
        len += n;
      }
      if (len >= cap) finish('captured');
    });
    sock.on('end', () => finish('closed'));
    sock.on('close', () => finish('closed'));
    if (banner !== undefined) sock.write(banner);
  }

  #onUdp(msg: Buffer, rinfo: dgram.RemoteInfo, sock: dgram.Socket): void {
    this.#stats.udpDatagrams++;
    const src = plainAddress(rinfo.address);
    const addr = sock.address();
    if (this.#ignore.matches(src, addr.port, 'udp')) {
      this.#stats.ignored++;
      return;
    }
    const len = Math.min(msg.length, this.#cfg.capture_bytes);
    // Nothing is ever sent from a UDP socket: no reflection, no amplification.
    this.#raise('udp', src, rinfo.port, plainAddress(addr.address), addr.port, msg, len, msg.length, 'datagram', false, this.#now());
  }

  #raise(
    proto: HoneypotProto,
    src: string,
    srcPort: number,
    dst: string,
    port: number,
    bytes: Buffer,
    len: number,
    total: number,
    ended: string,
    bannerSent: boolean,
    startedMs: number,
  ): void {
    const d = this.#limiter.check(src, startedMs);
    if (!d.alert) return;
    this.#stats.alerts++;
    this.#stats.bytesCaptured += len;
    const rule = proto === 'tcp' ? HONEYPOT_TCP_RULE : HONEYPOT_UDP_RULE;
    const what = total === 0 ? 'sent nothing' : `sent ${total} byte${total === 1 ? '' : 's'}`;
    const message =
      proto === 'tcp'
        ? `${src} connected to honeypot TCP port ${port} and ${what}`
        : `${src} sent a ${total}-byte datagram to honeypot UDP port ${port}`;
    const evidence: Alert['evidence'] = {
      bytes_received: total,
      bytes_kept: len,
      truncated: total > len,
      payload_hex: toHex(bytes, len),
      payload_text: toSafeText(bytes, len),
    };
    if (proto === 'tcp') {
      evidence.banner_sent = bannerSent;
      evidence.ended = ended;
    }
    if (d.suppressedBefore > 0) evidence.suppressed_before = d.suppressedBefore;
    const ts = startedMs / 1000;
    const alert = buildAlert(
      {
        rule,
        key: `${src}|${proto}/${port}`,
        severity: rule.severity,
        source: { ip: src, port: srcPort },
        destination: dst === '' ? { port } : { ip: dst, port },
        transport: proto,
        networkName: this.#site.networkOf(src)?.name,
        direction: this.#direction(src),
        message,
        evidence,
        count: 1,
        firstSeen: ts,
        lastSeen: this.#now() / 1000,
      },
      this.#opts.observerName,
    );
    this.#opts.onAlert(alert);
  }

  /** The honeypot is the site's own host, whatever its address: a touch from inside is internal, any other inbound. */
  #direction(src: string): NetworkDirection {
    return this.#site.isInternal(src) ? 'internal' : 'inbound';
  }
}
