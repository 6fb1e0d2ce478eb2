/**
 * Per-connection SSH state: both identification lines, both KEXINITs (to
 * name the negotiated algorithms and fingerprint each side: HASSH), the
 * server host key, and the authentication guess from encrypted segment
 * sizes (heuristic.ts). Emits one `ssh` log event and one `auth` event per
 * connection: at once when a success is seen (then asks for no more data,
 * like Zeek), otherwise when the connection ends.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { authEvent } from '../auth-event.js';
import type { AuthOutcome } from '../../events/auth.js';
import { Msg, SIZE_HIDING_COMPRESSION, SshAnomaly } from './consts.js';
import { loginDirection } from './direction.js';
import { hasshOf, type Hassh } from './hassh.js';
import type { SshRecord } from './events.js';
import { AuthGuess, AuthSizeHeuristic } from './heuristic.js';
import { agreedVersion, hostKeyFingerprint, negotiate, negotiateBoth, parseKexInit, type KexInit } from './parser.js';
import { SshStream, type SshStreamHandler } from './stream.js';

export interface SshAnalyzerOptions {
  /** Decides which addresses are local, for `direction`. */
  isLocal: (ip: string) => boolean;
}

export class SshAnalyzer implements Analyzer, SshStreamHandler {
  readonly #ctx: AnalyzerContext;
  readonly #opts: SshAnalyzerOptions;
  readonly #client: SshStream;
  readonly #server: SshStream;
  readonly #heuristic = new AuthSizeHeuristic();
  #ts = -1;
  #clientBanner: string | undefined = undefined;
  #serverBanner: string | undefined = undefined;
  #version: number | undefined = undefined;
  #clientKex: KexInit | null = null;
  #serverKex: KexInit | null = null;
  #cipher: string | undefined = undefined;
  #mac: string | undefined = undefined;
  #compression: string | undefined = undefined;
  #kexAlg: string | undefined = undefined;
  #hostKeyAlg: string | undefined = undefined;
  #hostKey: string | undefined = undefined;
  #hassh: Hassh | null = null;
  #hasshServer: Hassh | null = null;
  #authSuccess: boolean | undefined = undefined;
  #authAttempts = 0;
  #hadGap = false;
  #confirmed = false;
  #logged = false;

  constructor(ctx: AnalyzerContext, opts: SshAnalyzerOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.#client = new SshStream(true, this);
    this.#server = new SshStream(false, this);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#logged) return;
    const enc = (fromOrig ? this.#client : this.#server).feed(data, ts);
    if (enc > 0) this.#encryptedSegment(fromOrig, enc);
  }

  gap(fromOrig: boolean, _len: number): void {
    // Sizes after a gap say nothing about messages (Zeek stops the same way).
    if (!this.#hadGap) this.#ctx.anomaly(SshAnomaly.CONTENT_GAP);
    this.#hadGap = true;
    (fromOrig ? this.#client : this.#server).stop();
  }

  wants(fromOrig: boolean): boolean {
    if (this.#logged || this.#hadGap) return false;
    return (fromOrig ? this.#client : this.#server).active;
  }

  end(_ts: number): void {
    if (!this.#logged && this.#confirmed) this.#log();
  }

  // --- SshStreamHandler ------------------------------------------------------

  banner(fromClient: boolean, text: string, ts: number): void {
    if (this.#ts < 0) this.#ts = ts;
    if (fromClient) this.#clientBanner = text;
    else this.#serverBanner = text;
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('ssh');
    }
    if (this.#clientBanner !== undefined && this.#serverBanner !== undefined) {
      this.#version = agreedVersion(this.#clientBanner, this.#serverBanner);
      if (this.#version === undefined) this.#ctx.anomaly(SshAnomaly.VERSION_MISMATCH);
      if (this.#version !== 2) {
        // SSH-1 packets have another format; nothing more is read in clear.
        this.#client.stop();
        this.#server.stop();
      }
    }
  }

  wantsPacket(fromClient: boolean, msg: number): boolean {
    if (msg === Msg.KEXINIT) return fromClient ? this.#clientKex === null : this.#serverKex === null;
    if (fromClient || this.#hostKey !== undefined) return false;
    const gex = this.#kexAlg !== undefined && this.#kexAlg.startsWith('diffie-hellman-group-exchange');
    return msg === (gex ? Msg.KEX_DH_GEX_REPLY : Msg.KEX_31);
  }

  packet(fromClient: boolean, payload: Uint8Array, _ts: number): void {
    if (payload[0] === Msg.KEXINIT) {
      const k = parseKexInit(payload);
      if (k === null) {
        this.#ctx.anomaly(SshAnomaly.BAD_KEXINIT);
        return;
      }
      // The lists above are cut at MAX_NAMES; the fingerprint needs them whole, as sent.
      const fp = hasshOf(payload, fromClient);
      if (fromClient) {
        this.#clientKex = k;
        this.#hassh = fp;
      } else {
        this.#serverKex = k;
        this.#hasshServer = fp;
      }
      this.#negotiated();
      return;
    }
    const fp = hostKeyFingerprint(payload);
    if (fp !== null) this.#hostKey = fp;
  }

  newKeys(_fromClient: boolean, _ts: number): void {
    // Nothing to do: the stream counts encrypted bytes from here on.
  }

  anomaly(code: string): void {
    this.#ctx.anomaly(code);
  }

  // --- internals -------------------------------------------------------------

  #negotiated(): void {
    const c = this.#clientKex;
    const s = this.#serverKex;
    if (c === null || s === null) return;
    this.#cipher = negotiateBoth(c.encC2S, s.encC2S, c.encS2C, s.encS2C);
    this.#mac = negotiateBoth(c.macC2S, s.macC2S, c.macS2C, s.macS2C);
    this.#compression = negotiateBoth(c.compC2S, s.compC2S, c.compS2C, s.compS2C);
    this.#kexAlg = negotiate(c.kex, s.kex);
    this.#hostKeyAlg = negotiate(c.hostKey, s.hostKey);
  }

  #encryptedSegment(fromClient: boolean, len: number): void {
    if (this.#hadGap || !this.#speaksSsh2()) return;
    const g = this.#heuristic.segment(fromClient, len);
    if (g === AuthGuess.NONE) return;
    // Compressed streams hide message sizes (Zeek ignores its guesses there too).
    if (this.#compression !== undefined && SIZE_HIDING_COMPRESSION.includes(this.#compression)) return;
    if (this.#authSuccess === true) return;
    this.#authSuccess = g === AuthGuess.SUCCESS;
    this.#authAttempts++;
    if (g === AuthGuess.SUCCESS) {
      this.#log();
      this.#client.stop();
      this.#server.stop();
    }
  }

  /** SSH-2 as far as the banners seen so far tell (the other banner may still be on its way). */
  #speaksSsh2(): boolean {
    if (this.#clientBanner !== undefined && this.#serverBanner !== undefined) return this.#version === 2;
    const one = this.#clientBanner ?? this.#serverBanner;
    return one !== undefined && (one.startsWith('SSH-2.') || one.startsWith('SSH-1.99'));
  }

  #log(): void {
    if (this.#logged) return;
    this.#logged = true;
    const c = this.#ctx.conn;
    // Filled in Zeek's field order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<SshRecord>(c, this.#ts);
    if (this.#version !== undefined) rec.version = this.#version;
    if (this.#authSuccess !== undefined) rec.auth_success = this.#authSuccess;
    rec.auth_attempts = this.#authAttempts;
    const dir = loginDirection(c.orig_h, c.resp_h, this.#opts.isLocal);
    if (dir !== undefined) rec.direction = dir;
    if (this.#clientBanner !== undefined) rec.client = this.#clientBanner;
    if (this.#serverBanner !== undefined) rec.server = this.#serverBanner;
    if (this.#cipher !== undefined) rec.cipher_alg = this.#cipher;
    if (this.#mac !== undefined) rec.mac_alg = this.#mac;
    if (this.#compression !== undefined) rec.compression_alg = this.#compression;
    if (this.#kexAlg !== undefined) rec.kex_alg = this.#kexAlg;
    if (this.#hostKeyAlg !== undefined) rec.host_key_alg = this.#hostKeyAlg;
    if (this.#hostKey !== undefined) rec.host_key = this.#hostKey;
    if (this.#hassh !== null) rec.hassh = this.#hassh.hash;
    if (this.#hasshServer !== null) rec.hasshServer = this.#hasshServer.hash;
    if (this.#hassh !== null) rec.hasshAlgorithms = this.#hassh.algorithms;
    if (this.#hasshServer !== null) rec.hasshServerAlgorithms = this.#hasshServer.algorithms;
    this.#ctx.emit({ type: 'ssh', log: 'ssh', ts: this.#ts, uid: c.uid, record: rec });
    // One authentication outcome per connection that got as far as a client identification.
    if (this.#clientBanner === undefined) return;
    const outcome: AuthOutcome = this.#authSuccess === undefined ? 'unknown' : this.#authSuccess ? 'success' : 'failure';
    const ev = authEvent(c, this.#ts, 'ssh', outcome);
    // Password guessers reuse a connection for as many guesses as the server allows.
    if (outcome === 'failure' && this.#authAttempts > 1) ev.attempts = this.#authAttempts;
    ev.detail = `size heuristic, ${this.#authAttempts} attempt${this.#authAttempts === 1 ? '' : 's'}`;
    this.#ctx.emit(ev);
  }
}
