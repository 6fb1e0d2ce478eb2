/**
 * Per-flow QUIC state. Reads each datagram's long-header packets (several
 * may be coalesced in one), removes the protection of Initial packets with
 * keys derived from the client's first Destination Connection ID, gathers
 * their CRYPTO frames and reads the ClientHello and ServerHello inside.
 * Logs one quic.log record per connection attempt (at the flow's end, or at
 * a Retry, a CONNECTION_CLOSE or an unfamiliar version, as Zeek does) and
 * the handshake as an ssl.log record, once both sides send 1-RTT packets or
 * at the end. After a few 1-RTT packets each way nothing more is readable,
 * and the analyzer stops reading the flow.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { u32 } from '../../decode/bytes.js';
import { startRecord } from '../zeek-record.js';
import { HandshakeType, alertName, historyLetter, isTls13 } from '../tls/consts.js';
import { ja3, ja3s, ja4 } from '../tls/fingerprint.js';
import { parseClientHello, parseServerHello, type ClientHello } from '../tls/parser.js';
import { buildSslRecord } from '../tls/ssl-record.js';
import {
  HANDSHAKE_HEADER,
  History,
  MAX_CRYPTO_BYTES,
  MAX_CRYPTO_FRAGMENTS,
  MAX_HISTORY,
  MAX_SHORT_PACKETS,
  MAX_UNREADABLE_INITIALS,
  PacketKind,
  QuicAnomaly,
  versionName,
  versionProfile,
  type VersionProfile,
} from './consts.js';
import { OffsetAssembler } from '../offset-assembler.js';
import type { QuicRecord } from './events.js';
import { readInitialFrames, type InitialFrameSink } from './frames.js';
import { deriveInitialKeys, openLongHeaderPacket, type InitialKeys } from './initial-protection.js';
import { cidHex, readLongHeader, type LongHeader } from './packet.js';

/** Datagrams without a readable long header after which a flow is taken for something else. */
const MAX_NOISE_DATAGRAMS = 16;
/** CONNECTION_CLOSE codes 0x0100-0x01ff carry a TLS alert (RFC 9001 section 4.8). */
const CRYPTO_ERROR_BASE = 0x100;

/** One direction's CRYPTO stream at the Initial level. */
function cryptoStream(): OffsetAssembler {
  return new OffsetAssembler(MAX_CRYPTO_BYTES, MAX_CRYPTO_FRAGMENTS);
}

/** One QUIC connection attempt on the flow (a Retry or a close starts the next). */
class QuicConnection {
  readonly ts: number;
  readonly version: string;
  clientInitialDcid: string | undefined;
  clientScid: string | undefined;
  serverScid: string | undefined;
  history = '';
  keys: InitialKeys | null = null;
  initialsRead = false;
  /** Per direction, client first. */
  readonly largestPn = [-1, -1];
  readonly shortPackets = [0, 0];
  readonly crypto: [OffsetAssembler | null, OffsetAssembler | null] = [cryptoStream(), cryptoStream()];
  /** Where the next handshake message starts in each CRYPTO stream. */
  readonly cryptoPos = [0, 0];
  hello: ClientHello | null = null;
  helloTs = -1;
  sslHistory = '';
  tlsVersion = -1;
  cipher = -1;
  curve = -1;
  resumed = false;
  ja3s: string | undefined;
  lastAlert: string | undefined;
  sslLogged = false;

  constructor(ts: number, version: number) {
    this.ts = ts;
    this.version = versionName(version);
  }

  addHistory(letter: string, fromClient: boolean): void {
    if (this.history.length < MAX_HISTORY) this.history += fromClient ? letter : letter.toLowerCase();
  }

  /** Stops reading one direction's CRYPTO stream. */
  dropCrypto(dir: number): void {
    this.crypto[dir]?.release();
    this.crypto[dir] = null;
  }
}

export class QuicAnalyzer implements Analyzer, InitialFrameSink {
  readonly #ctx: AnalyzerContext;
  #conn: QuicConnection | null = null;
  /** Reads nothing more: not QUIC, or a version Picket cannot read. */
  #done = false;
  #noise = 0;
  #unreadable = 0;
  /** Direction of the packet whose frames are being read (0 client, 1 server). */
  #dir = 0;
  #closing = false;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
  }

  data(fromOrig: boolean, d: Uint8Array, ts: number): void {
    let off = 0;
    while (off < d.length && !this.#done) {
      const first = d[off]!;
      if ((first & 0x80) === 0) {
        // A short header runs to the datagram's end; zero bytes after coalesced packets are padding.
        if ((first & 0x40) !== 0) this.#shortPacket(fromOrig);
        return;
      }
      if (off + 5 > d.length) {
        this.#malformed(QuicAnomaly.TRUNCATED_PACKET);
        return;
      }
      const version = u32(d, off + 1);
      const profile = versionProfile(version);
      const h = readLongHeader(d, off, profile);
      if (h === null) {
        this.#malformed(QuicAnomaly.TRUNCATED_PACKET);
        return;
      }
      if (version === 0) {
        this.#session(fromOrig, h, ts).addHistory(History.VERSION_NEGOTIATION, fromOrig);
        return;
      }
      if (profile === undefined) {
        this.#unfamiliar(fromOrig, h, ts);
        return;
      }
      this.#longPacket(fromOrig, h, profile, d, ts);
      off = h.end;
    }
  }

  wants(fromOrig: boolean): boolean {
    if (this.#done) return false;
    const c = this.#conn;
    return c === null || c.shortPackets[fromOrig ? 0 : 1]! < MAX_SHORT_PACKETS;
  }

  end(_ts: number): void {
    this.#finish();
  }

  // --- InitialFrameSink --------------------------------------------------------

  crypto(offset: number, data: Uint8Array): void {
    const c = this.#conn!;
    const stream = c.crypto[this.#dir];
    if (stream === null) return;
    if (!stream.add(offset, data)) {
      this.#ctx.anomaly(QuicAnomaly.CRYPTO_LIMIT);
      c.dropCrypto(this.#dir);
    }
  }

  close(errorCode: number, app: boolean): void {
    const c = this.#conn!;
    c.addHistory(History.CONNECTION_CLOSE, this.#dir === 0);
    if (!app && errorCode >= CRYPTO_ERROR_BASE && errorCode < CRYPTO_ERROR_BASE + 0x100) {
      c.lastAlert = alertName(errorCode - CRYPTO_ERROR_BASE);
    }
    this.#closing = true;
  }

  // --- internals -------------------------------------------------------------

  /** The current connection attempt, begun by this packet if none is under way. */
  #session(fromOrig: boolean, h: LongHeader, ts: number): QuicConnection {
    let c = this.#conn;
    if (c === null) c = this.#conn = new QuicConnection(ts, h.version);
    if (fromOrig) {
      if (c.clientInitialDcid === undefined && h.dcid.length > 0) c.clientInitialDcid = cidHex(h.dcid);
      if (h.scid.length > 0) c.clientScid = cidHex(h.scid);
    } else if (h.scid.length > 0) {
      c.serverScid = cidHex(h.scid);
    }
    return c;
  }

  #longPacket(fromOrig: boolean, h: LongHeader, profile: VersionProfile, d: Uint8Array, ts: number): void {
    const c = this.#session(fromOrig, h, ts);
    switch (h.kind) {
      case PacketKind.INITIAL:
        c.addHistory(History.INITIAL, fromOrig);
        this.#initial(c, fromOrig, h, profile, d, ts);
        break;
      case PacketKind.HANDSHAKE:
        c.addHistory(History.HANDSHAKE, fromOrig);
        break;
      case PacketKind.ZERO_RTT:
        c.addHistory(History.ZERO_RTT, fromOrig);
        break;
      case PacketKind.RETRY:
        // The client starts over with a new Destination Connection ID, hence new keys.
        c.addHistory(History.RETRY, fromOrig);
        this.#finish();
        break;
      default:
        break;
    }
  }

  #initial(c: QuicConnection, fromOrig: boolean, h: LongHeader, profile: VersionProfile, d: Uint8Array, ts: number): void {
    // Keys come from the client's first Destination Connection ID; later Initial packets
    // (to the server's chosen ID) keep them.
    if (c.keys === null) {
      if (!fromOrig) return; // the client's first Initial was not seen: nothing to derive them from
      c.keys = deriveInitialKeys(profile, h.dcid);
    }
    const dir = fromOrig ? 0 : 1;
    const opened = openLongHeaderPacket(d, h.start, h.pnOffset, h.end, fromOrig ? c.keys.client : c.keys.server, c.largestPn[dir]!);
    if (opened === null) {
      this.#ctx.anomaly(QuicAnomaly.DECRYPT_FAILED);
      if (c.initialsRead) c.addHistory(History.DISCARDED, fromOrig);
      else if (++this.#unreadable >= MAX_UNREADABLE_INITIALS) this.#giveUp();
      return;
    }
    if (opened.packetNumber > c.largestPn[dir]!) c.largestPn[dir] = opened.packetNumber;
    if (!c.initialsRead) {
      c.initialsRead = true;
      this.#ctx.confirm('quic');
    }
    this.#dir = dir;
    this.#closing = false;
    const bad = readInitialFrames(opened.payload, this);
    if (bad !== null) this.#ctx.anomaly(bad);
    this.#readHandshake(c, dir, ts);
    if (this.#closing) this.#finish();
  }

  /** Reads the hello messages the direction's CRYPTO stream now holds in order. */
  #readHandshake(c: QuicConnection, dir: number, ts: number): void {
    const stream = c.crypto[dir];
    if (stream === null) return;
    for (;;) {
      const pos = c.cryptoPos[dir]!;
      const have = stream.contiguous;
      if (have < pos + HANDSHAKE_HEADER) return;
      const head = stream.view(pos, pos + HANDSHAKE_HEADER);
      const type = head[0]!;
      const end = pos + HANDSHAKE_HEADER + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      const expected = dir === 0 ? HandshakeType.CLIENT_HELLO : HandshakeType.SERVER_HELLO;
      if (type !== expected) {
        this.#ctx.anomaly(QuicAnomaly.UNEXPECTED_HANDSHAKE);
        c.dropCrypto(dir);
        return;
      }
      if (end > MAX_CRYPTO_BYTES) {
        this.#ctx.anomaly(QuicAnomaly.CRYPTO_LIMIT);
        c.dropCrypto(dir);
        return;
      }
      if (have < end) return;
      const body = stream.view(pos + HANDSHAKE_HEADER, end);
      c.cryptoPos[dir] = end;
      c.addHistory(History.HELLO, dir === 0);
      if (c.helloTs < 0) c.helloTs = ts;
      c.sslHistory += historyLetter(type, dir === 0);
      // A HelloRetryRequest is followed by the real ServerHello in the same stream; anything
      // else ends what this direction has to say in clear.
      if (dir === 0 ? this.#clientHello(c, body) : this.#serverHello(c, body)) {
        c.dropCrypto(dir);
        return;
      }
    }
  }

  /** True: this direction's stream holds nothing more to read. */
  #clientHello(c: QuicConnection, body: Uint8Array): boolean {
    const h = parseClientHello(body);
    if (typeof h === 'string') {
      this.#ctx.anomaly(h);
      return true;
    }
    c.hello = h;
    this.#ctx.confirm('ssl');
    return true;
  }

  #serverHello(c: QuicConnection, body: Uint8Array): boolean {
    const sh = parseServerHello(body);
    if (typeof sh === 'string') {
      this.#ctx.anomaly(sh);
      return true;
    }
    c.tlsVersion = sh.version;
    c.cipher = sh.cipher;
    if (sh.keyShareGroup !== undefined) c.curve = sh.keyShareGroup;
    this.#ctx.confirm('ssl');
    if (sh.helloRetry) return false;
    c.ja3s = ja3s(sh).hash;
    if (isTls13(sh.version) && sh.pskAccepted) c.resumed = true;
    return true;
  }

  #shortPacket(fromOrig: boolean): void {
    const c = this.#conn;
    if (c === null) {
      // 1-RTT packets of a connection whose handshake was not captured, or not QUIC at all.
      if (++this.#noise >= MAX_NOISE_DATAGRAMS) this.#giveUp();
      return;
    }
    const dir = fromOrig ? 0 : 1;
    const n = ++c.shortPackets[dir]!;
    if ((n & (n - 1)) === 0 && n <= MAX_SHORT_PACKETS) c.addHistory(History.SHORT, fromOrig);
    if (!c.sslLogged && c.shortPackets[0]! > 0 && c.shortPackets[1]! > 0) this.#logSsl(c);
  }

  #unfamiliar(fromOrig: boolean, h: LongHeader, ts: number): void {
    this.#session(fromOrig, h, ts).addHistory(History.UNFAMILIAR_VERSION, fromOrig);
    this.#finish();
    this.#done = true;
  }

  #malformed(code: string): void {
    this.#ctx.anomaly(code);
    if (this.#conn === null && ++this.#noise >= MAX_NOISE_DATAGRAMS) this.#giveUp();
  }

  /** Not QUIC (or nothing readable): stop reading the flow; what was learnt is still logged at the end. */
  #giveUp(): void {
    this.#done = true;
    const c = this.#conn;
    if (c !== null) {
      c.dropCrypto(0);
      c.dropCrypto(1);
    }
  }

  /** The ssl.log record of the handshake, once: established when both sides sent 1-RTT packets. */
  #logSsl(c: QuicConnection): void {
    if (c.sslLogged || (c.hello === null && c.cipher < 0)) return;
    c.sslLogged = true;
    const h = c.hello;
    let ja3Hash: string | undefined;
    let ja3String: string | undefined;
    if (h !== null) {
      const j = ja3(h);
      ja3Hash = j.hash;
      ja3String = j.string;
    }
    const rec = buildSslRecord(this.#ctx.conn, {
      ts: c.helloTs,
      hello: h,
      version: c.tlsVersion,
      cipher: c.cipher,
      curve: c.curve,
      resumed: c.resumed,
      lastAlert: c.lastAlert,
      // The server's ALPN choice travels in EncryptedExtensions, out of sight.
      alpn: undefined,
      established: c.shortPackets[0]! > 0 && c.shortPackets[1]! > 0,
      history: c.sslHistory,
      // Certificates travel in Handshake packets, whose keys are not public.
      certChain: [],
      clientCertChain: [],
      sniMatchesCert: undefined,
      ja3: ja3Hash,
      ja3String,
      ja3s: c.ja3s,
      ja4: h === null ? undefined : ja4(h, 'q'),
    });
    this.#ctx.emit({ type: 'ssl', log: 'ssl', ts: rec.ts, uid: rec.uid, record: rec, transport: 'udp' });
  }

  /** Logs the current connection attempt (and its handshake) and forgets it. */
  #finish(): void {
    const c = this.#conn;
    if (c === null) return;
    this.#conn = null;
    c.dropCrypto(0);
    c.dropCrypto(1);
    this.#logSsl(c);
    const rec = startRecord<QuicRecord>(this.#ctx.conn, c.ts);
    rec.version = c.version;
    if (c.clientInitialDcid !== undefined) rec.client_initial_dcid = c.clientInitialDcid;
    if (c.clientScid !== undefined) rec.client_scid = c.clientScid;
    if (c.serverScid !== undefined) rec.server_scid = c.serverScid;
    const h = c.hello;
    if (h !== null && h.serverName !== undefined) rec.server_name = h.serverName;
    if (h !== null && h.alpn.length > 0) rec.client_protocol = h.alpn[0];
    rec.history = c.history;
    this.#ctx.emit({ type: 'quic', log: 'quic', ts: c.ts, uid: rec.uid, record: rec });
  }
}
