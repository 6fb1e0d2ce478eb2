/**
 * Per-connection TLS state: reads both directions' records until the
 * handshake is over, fills one ssl.log record (version, cipher, curve, SNI,
 * ALPN, resumption, history, JA3/JA3S/JA4, certificate fingerprints) and
 * emits it, with the server's certificates beside it, once both sides have
 * switched to encrypted traffic — then asks for no more data — or when the
 * connection ends.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import {
  ContentType,
  HISTORY_ALERT,
  HISTORY_CCS,
  HISTORY_HEARTBEAT,
  HandshakeType,
  MAX_HISTORY,
  TlsAnomaly,
  alertName,
  historyLetter,
  isEcdheCipher,
  isTls13,
} from './consts.js';
import { buildSslRecord, buildX509Record } from './ssl-record.js';
import { certificateFacts, type CertificateLogTimes } from './certificate-cache.js';
import { certificateCoversHost, type CertificateFacts } from './x509.js';
import { ja3, ja3s, ja4 } from './fingerprint.js';
import { parseCertificateList, parseClientHello, parseServerHello, serverKeyExchangeCurve, type ClientHello } from './parser.js';
import { TlsRecordReader, type TlsRecordHandler } from './records.js';
import { DtlsRecordReader, startsDtlsHandshake } from './dtls-records.js';
import type { ChainCertificate, SslLogEvent, TlsHeartbeat } from './events.js';

/** Heartbeat messages kept per connection for the ssl event (an exploit sends a few; a flood need not be kept whole). */
const MAX_HEARTBEATS = 16;

/** TLS over TCP, or DTLS over UDP (datagrams of whole records). */
export type TlsTransport = 'tcp' | 'dtls';

export class TlsAnalyzer implements Analyzer, TlsRecordHandler {
  readonly #ctx: AnalyzerContext;
  readonly #transport: TlsTransport;
  #rolesKnown = false;
  /** DTLS only: the flow's responder sent the ClientHello. */
  #clientIsResponder = false;
  readonly #client: TlsRecordReader | DtlsRecordReader;
  readonly #server: TlsRecordReader | DtlsRecordReader;
  #ts = -1;
  #history = '';
  #hello: ClientHello | null = null;
  #ja3: string | undefined = undefined;
  #ja3String: string | undefined = undefined;
  #ja4: string | undefined = undefined;
  #ja3s: string | undefined = undefined;
  #version = -1;
  #cipher = -1;
  #curve = -1;
  #alpn: string | undefined = undefined;
  #resumed = false;
  #lastAlert: string | undefined = undefined;
  #clientKeyExchange = false;
  #clientEncrypted = false;
  #serverEncrypted = false;
  #established = false;
  #confirmed = false;
  #logged = false;
  readonly #certChain: string[] = [];
  /** The server's certificates for the ssl event (its `certificates`), in chain order. */
  readonly #serverCertificates: ChainCertificate[] = [];
  readonly #clientCertChain: string[] = [];
  /** Plaintext heartbeat messages, the first MAX_HEARTBEATS (for the ssl event); made on the first (most flows have none). */
  #heartbeats: TlsHeartbeat[] | null = null;
  #leaf: CertificateFacts | null = null;
  readonly #certLog: CertificateLogTimes;

  constructor(ctx: AnalyzerContext, certLog: CertificateLogTimes, transport: TlsTransport = 'tcp') {
    this.#ctx = ctx;
    this.#certLog = certLog;
    this.#transport = transport;
    this.#client = transport === 'dtls' ? new DtlsRecordReader(true, this) : new TlsRecordReader(true, this);
    this.#server = transport === 'dtls' ? new DtlsRecordReader(false, this) : new TlsRecordReader(false, this);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#logged) return;
    // DTLS peers are symmetric (WebRTC): the client is whoever sends the first ClientHello,
    // which need not be the side that sent the flow's first datagram.
    if (this.#transport === 'dtls' && !this.#rolesKnown && startsDtlsHandshake(data, HandshakeType.CLIENT_HELLO)) {
      this.#rolesKnown = true;
      this.#clientIsResponder = !fromOrig;
    }
    if (fromOrig !== this.#clientIsResponder) this.#client.feed(data, ts);
    else this.#server.feed(data, ts);
  }

  gap(fromOrig: boolean, _len: number): void {
    if (fromOrig) this.#client.gap();
    else this.#server.gap();
  }

  wants(fromOrig: boolean): boolean {
    if (this.#logged) return false;
    return fromOrig !== this.#clientIsResponder ? !this.#client.dead : !this.#server.dead;
  }

  end(ts: number): void {
    // Messages held behind one that never completed (a datagram the sensor missed) still count.
    this.#client.flush(ts);
    this.#server.flush(ts);
    // Only flows that showed a TLS handshake get an ssl.log line.
    if (!this.#logged && this.#confirmed) this.#log();
  }

  // --- TlsRecordHandler ------------------------------------------------------

  wantsBody(fromClient: boolean, type: number): boolean {
    if (type === HandshakeType.CERTIFICATE) return (fromClient ? this.#clientCertChain : this.#certChain).length === 0;
    if (fromClient) return type === HandshakeType.CLIENT_HELLO && this.#hello === null;
    return type === HandshakeType.SERVER_HELLO || type === HandshakeType.SERVER_KEY_EXCHANGE;
  }

  handshake(fromClient: boolean, type: number, body: Uint8Array | null, ts: number): void {
    this.#touch(ts);
    this.#addHistory(historyLetter(type, fromClient));
    if (type === HandshakeType.CERTIFICATE && body !== null) {
      this.#certificates(fromClient, body, ts);
      return;
    }
    if (fromClient) {
      if (type === HandshakeType.CLIENT_HELLO && body !== null) this.#clientHello(body);
      else if (type === HandshakeType.CLIENT_KEY_EXCHANGE) this.#clientKeyExchange = true;
      return;
    }
    if (type === HandshakeType.SERVER_HELLO && body !== null) this.#serverHello(body);
    else if (type === HandshakeType.SERVER_KEY_EXCHANGE && body !== null && isEcdheCipher(this.#cipher)) {
      const c = serverKeyExchangeCurve(body);
      if (c >= 0) this.#curve = c;
    }
  }

  changeCipherSpec(fromClient: boolean, ts: number): void {
    this.#touch(ts);
    this.#addHistory(fromClient ? HISTORY_CCS : HISTORY_CCS.toLowerCase());
    // An abbreviated (resumed) TLS 1.2 handshake has no ClientKeyExchange before the client's CCS.
    if (fromClient && !this.#clientKeyExchange && this.#version >= 0 && !isTls13(this.#version)) this.#resumed = true;
    if (fromClient) this.#clientEncrypted = true;
    else this.#serverEncrypted = true;
  }

  alert(fromClient: boolean, _level: number, description: number, ts: number): void {
    this.#touch(ts);
    this.#addHistory(fromClient ? HISTORY_ALERT : HISTORY_ALERT.toLowerCase());
    this.#lastAlert = alertName(description);
  }

  heartbeat(fromClient: boolean, ts: number, recordLength: number, messageType: number, payloadLength: number): void {
    this.#touch(ts);
    this.#addHistory(fromClient ? HISTORY_HEARTBEAT : HISTORY_HEARTBEAT.toLowerCase());
    const beats = (this.#heartbeats ??= []);
    if (beats.length < MAX_HEARTBEATS) beats.push({ ts, from_client: fromClient, record_length: recordLength, message_type: messageType, payload_length: payloadLength });
  }

  ciphertext(fromClient: boolean, contentType: number, _ts: number): void {
    if (!this.#confirmed) {
      // Encrypted records before any hello: the capture began mid-connection. Nothing to
      // learn here; stop once both directions showed it.
      if (fromClient) this.#clientEncrypted = true;
      else this.#serverEncrypted = true;
      if (this.#clientEncrypted && this.#serverEncrypted) {
        this.#client.stop();
        this.#server.stop();
      }
      return;
    }
    // TLS 1.3 without middlebox-compatibility CCS: application data itself shows the switch.
    const bothBefore = this.#clientEncrypted && this.#serverEncrypted;
    if (contentType === ContentType.APPLICATION_DATA) {
      if (fromClient) this.#clientEncrypted = true;
      else this.#serverEncrypted = true;
    }
    if (!this.#established && (bothBefore || (this.#clientEncrypted && this.#serverEncrypted && contentType === ContentType.APPLICATION_DATA))) {
      this.#established = true;
      // The handshake is over: log now and stop reassembly of both directions.
      this.#log();
      this.#client.stop();
      this.#server.stop();
    }
  }

  anomaly(code: string): void {
    this.#ctx.anomaly(code);
  }

  // --- internals -------------------------------------------------------------

  /**
   * The log's `ts`: when the first TLS message was complete (Zeek's
   * set_session at network_time of its first ssl event), not when its first
   * byte arrived: a post-quantum ClientHello spans two segments, and Zeek
   * stamps the record with the second.
   */
  #touch(ts: number): void {
    if (this.#ts < 0) this.#ts = ts;
  }

  #clientHello(body: Uint8Array): void {
    const h = parseClientHello(body);
    if (typeof h === 'string') {
      this.#ctx.anomaly(h);
      return;
    }
    this.#hello = h;
    const j = ja3(h);
    this.#ja3 = j.hash;
    this.#ja3String = j.string;
    this.#ja4 = ja4(h, this.#transport === 'dtls' ? 'd' : 't');
    this.#confirm();
  }

  #serverHello(body: Uint8Array): void {
    const sh = parseServerHello(body);
    if (typeof sh === 'string') {
      this.#ctx.anomaly(sh);
      return;
    }
    this.#version = sh.version;
    this.#cipher = sh.cipher;
    if (sh.keyShareGroup !== undefined) this.#curve = sh.keyShareGroup;
    if (sh.alpn !== undefined) this.#alpn = sh.alpn;
    if (sh.helloRetry) return;
    this.#ja3s = ja3s(sh).hash;
    const hello = this.#hello;
    if (isTls13(sh.version)) {
      if (sh.pskAccepted) this.#resumed = true;
    } else if (hello !== null && hello.sessionId.length > 0 && equalBytes(hello.sessionId, sh.sessionId)) {
      this.#resumed = true;
    }
    this.#confirm();
  }

  /** A Certificate message in clear (TLS 1.2 and earlier): fingerprints for ssl.log and its event, each certificate for x509.log. */
  #certificates(fromClient: boolean, body: Uint8Array, ts: number): void {
    const list = parseCertificateList(body);
    if (typeof list === 'string') {
      this.#ctx.anomaly(list);
      return;
    }
    const chain = fromClient ? this.#clientCertChain : this.#certChain;
    for (let i = 0; i < list.length; i++) {
      const { sha256, facts, summary } = certificateFacts(list[i]!);
      chain.push(sha256);
      if (!fromClient) this.#serverCertificates.push(summary);
      if (facts === null) {
        this.#ctx.anomaly(TlsAnomaly.BAD_CERTIFICATE);
        continue;
      }
      if (i === 0 && !fromClient) this.#leaf = facts;
      if (this.#certLog.shouldLog(sha256, ts)) {
        this.#ctx.emit({ type: 'x509', log: 'x509', ts, uid: this.#ctx.conn.uid, record: buildX509Record(facts, ts, i === 0, fromClient) });
      }
    }
  }

  #addHistory(letter: string): void {
    if (this.#history.length < MAX_HISTORY) this.#history += letter;
  }

  #sniMatchesCert(): boolean | undefined {
    const name = this.#hello?.serverName;
    if (name === undefined || this.#leaf === null) return undefined;
    return certificateCoversHost(this.#leaf, name);
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm(this.#transport === 'dtls' ? 'dtls' : 'ssl');
  }

  #log(): void {
    if (this.#logged) return;
    this.#logged = true;
    const c = this.#ctx.conn;
    const rec = buildSslRecord(c, {
      ts: this.#ts,
      hello: this.#hello,
      version: this.#version,
      cipher: this.#cipher,
      curve: this.#curve,
      resumed: this.#resumed,
      lastAlert: this.#lastAlert,
      alpn: this.#alpn,
      established: this.#established,
      history: this.#history,
      certChain: this.#certChain,
      clientCertChain: this.#clientCertChain,
      sniMatchesCert: this.#sniMatchesCert(),
      ja3: this.#ja3,
      ja3String: this.#ja3String,
      ja3s: this.#ja3s,
      ja4: this.#ja4,
    });
    const e: SslLogEvent = { type: 'ssl', log: 'ssl', ts: this.#ts, uid: c.uid, record: rec };
    if (this.#serverCertificates.length > 0) e.certificates = this.#serverCertificates;
    if (this.#transport === 'dtls') e.transport = 'udp';
    if (this.#heartbeats !== null) e.heartbeats = this.#heartbeats;
    this.#ctx.emit(e);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
