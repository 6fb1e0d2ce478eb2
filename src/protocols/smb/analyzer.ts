/**
 * SMB analyzer for TCP 445 (direct) and 139 (NetBIOS session service).
 * Frames messages (`framing.ts`), parses SMB1 and SMB2/3 (`smb1.ts`,
 * `smb2.ts`, compounded SMB2 via NextCommand), pairs requests with responses
 * (bounded pending tables) and publishes:
 * - smb_mapping.log records for successful tree connects, and
 *   `smb.tree_connect` events for every tree connect outcome;
 * - `smb.negotiate` events (offered/chosen dialects, 3.1.1 contexts);
 * - ntlm.log records and kerberos.log "AP" records via `GssAuth`;
 * - `auth` events for session setup outcomes (service "smb").
 * Encrypted (0xFD transform) and compressed (0xFC) messages are counted and
 * skipped: their content cannot be read.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { authEvent } from '../auth-event.js';
import { startRecord } from '../zeek-record.js';
import {
  NbssType,
  NtStatus,
  Smb1Command,
  Smb1Flags2,
  Smb2Command,
  SmbProtocol,
  smb1ShareTypeName,
  smb2DialectName,
  smb2ShareTypeName,
  statusName,
} from './consts.js';
import type { SmbMappingRecord, SmbNegotiateContext, SmbNegotiateEvent, SmbTreeConnectEvent } from './events.js';
import { NbssFramer, type FrameSink } from './framing.js';
import { GssAuth } from './gss-auth.js';
import { orderMappingRecord } from './record.js';
import { parseSmb1, type Smb1Message } from './smb1.js';
import { parseSmb2, SMB2_HEADER_SIZE, type Smb2Message } from './smb2.js';
import { u32 } from './wire.js';

/**
 * Bytes of one SMB message kept for parsing. Negotiate, session setup and
 * tree connect messages are a few KiB at most (a Kerberos ticket with a big
 * PAC is the largest); READ/WRITE payloads beyond this are skipped.
 */
export const SMB_KEEP_BYTES = 64 * 1024;
/** Outstanding requests remembered per connection; clients keep at most a few dozen in flight. */
export const SMB_MAX_PENDING = 256;
/** Compounded SMB2 messages followed in one frame: Windows chains 2-5; this bounds a loop. */
export const SMB2_MAX_COMPOUND = 32;

interface Pending {
  ts: number;
  command: number;
  smbVersion: 1 | 2;
  dialects?: string[];
  contexts?: SmbNegotiateContext[];
  path?: string;
  service?: string;
  /** SMB1 plain session setup: "DOMAIN\\account". */
  plainUser?: string;
}

export class SmbAnalyzer implements Analyzer, FrameSink {
  readonly #ctx: AnalyzerContext;
  readonly #framers: [NbssFramer, NbssFramer];
  readonly #gss: GssAuth;
  readonly #pending2 = new Map<number, Pending>();
  readonly #pending1 = new Map<number, Pending>();
  #confirmed = false;
  /** Messages skipped because they were encrypted (SMB3 transform header). */
  encryptedMessages = 0;
  /** Messages skipped because they were compressed (SMB 3.1.1 compression transform). */
  compressedMessages = 0;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#framers = [new NbssFramer(true, SMB_KEEP_BYTES), new NbssFramer(false, SMB_KEEP_BYTES)];
    this.#gss = new GssAuth(ctx);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#framers[fromOrig ? 0 : 1].feed(data, ts, this);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#framers[fromOrig ? 0 : 1].gap();
  }

  framingError(_fromOrig: boolean, code: string): void {
    this.#ctx.anomaly(code);
  }

  frame(fromOrig: boolean, type: number, b: Uint8Array, s: number, e: number, truncated: boolean, ts: number): void {
    if (type !== NbssType.SESSION_MESSAGE) {
      // Session request/response and keepalives carry no SMB; a negative response ends the session attempt.
      if (type === NbssType.NEGATIVE_RESPONSE) this.#ctx.anomaly('smb_nbss_negative_response');
      return;
    }
    if (e - s < 4 || b[s + 1] !== 0x53 || b[s + 2] !== 0x4d || b[s + 3] !== 0x42) {
      if (e - s > 0) this.#ctx.anomaly('smb_not_smb');
      return;
    }
    const proto = b[s]!;
    if (proto === SmbProtocol.TRANSFORM) {
      this.encryptedMessages++;
      return;
    }
    if (proto === SmbProtocol.COMPRESSED) {
      this.compressedMessages++;
      return;
    }
    // A truncated frame (large READ/WRITE) still has a usable header; bodies Picket reads are small.
    void truncated;
    if (proto === SmbProtocol.SMB2) {
      this.#smb2Frame(fromOrig, b, s, e, ts);
    } else if (proto === SmbProtocol.SMB1) {
      const msg = parseSmb1(b, s, e);
      if (msg === null) {
        this.#ctx.anomaly('smb1_truncated');
        return;
      }
      this.#confirm();
      if (msg.malformed !== undefined) this.#ctx.anomaly(msg.malformed);
      if (msg.isReply) this.#smb1Response(msg, b, ts);
      else this.#smb1Request(msg, b, ts);
    } else {
      this.#ctx.anomaly('smb_unknown_protocol');
    }
  }

  #confirm(): void {
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('smb');
    }
  }

  #smb2Frame(fromOrig: boolean, b: Uint8Array, s: number, e: number, ts: number): void {
    let p = s;
    for (let i = 0; i < SMB2_MAX_COMPOUND; i++) {
      // Fast path for the bulk of traffic (READ/WRITE/CREATE...): only the
      // command and NextCommand are needed, so skip building a message object.
      if (e - p >= SMB2_HEADER_SIZE) {
        const cmd = b[p + 12]! | (b[p + 13]! << 8);
        if (cmd !== Smb2Command.NEGOTIATE && cmd !== Smb2Command.SESSION_SETUP && cmd !== Smb2Command.TREE_CONNECT) {
          this.#confirm();
          const next = u32(b, p + 20);
          if (next === 0) return;
          if (next < SMB2_HEADER_SIZE || (next & 7) !== 0 || p + next >= e) {
            this.#ctx.anomaly('smb2_bad_next_command');
            return;
          }
          p += next;
          continue;
        }
      }
      const msg = parseSmb2(b, p, e);
      if (msg === null) {
        this.#ctx.anomaly('smb2_truncated');
        return;
      }
      this.#confirm();
      if (msg.malformed !== undefined) this.#ctx.anomaly(msg.malformed);
      if (msg.isReply) this.#smb2Response(msg, b, ts);
      else this.#smb2Request(msg, b, ts);
      if (msg.isReply === fromOrig) this.#ctx.anomaly('smb2_direction_mismatch');
      if (msg.nextCommand === 0) return;
      // NextCommand must move forward by at least a header and stay 8-byte aligned.
      if (msg.nextCommand < SMB2_HEADER_SIZE || (msg.nextCommand & 7) !== 0 || p + msg.nextCommand >= e) {
        this.#ctx.anomaly('smb2_bad_next_command');
        return;
      }
      p += msg.nextCommand;
    }
    this.#ctx.anomaly('smb2_compound_too_long');
  }

  #remember(map: Map<number, Pending>, key: number, p: Pending): void {
    if (map.size >= SMB_MAX_PENDING && !map.has(key)) {
      this.#ctx.anomaly('smb_too_many_pending');
      const oldest = map.keys().next();
      if (oldest.done !== true) this.#expire(map, oldest.value);
    }
    map.set(key, p);
  }

  /** Drops a pending request that will never be answered, reporting what it was. */
  #expire(map: Map<number, Pending>, key: number): void {
    const p = map.get(key);
    map.delete(key);
    if (p === undefined) return;
    if (p.dialects !== undefined) this.#negotiateEvent(p, p.ts, undefined, undefined, []);
    if (p.path !== undefined) this.#treeEvent(p, undefined, undefined);
  }

  // ---- SMB2 ----

  #smb2Request(msg: Smb2Message, b: Uint8Array, ts: number): void {
    switch (msg.command) {
      case Smb2Command.NEGOTIATE: {
        const dialects: string[] = [];
        const ds = msg.dialects ?? [];
        for (let i = 0; i < ds.length; i++) dialects.push(smb2DialectName(ds[i]!));
        this.#remember(this.#pending2, msg.messageId, {
          ts,
          command: msg.command,
          smbVersion: 2,
          dialects,
          contexts: msg.contexts ?? [],
        });
        break;
      }
      case Smb2Command.SESSION_SETUP:
        if (msg.blobStart >= 0) this.#gss.clientToken(b, msg.blobStart, msg.blobEnd, ts);
        this.#remember(this.#pending2, msg.messageId, { ts, command: msg.command, smbVersion: 2 });
        break;
      case Smb2Command.TREE_CONNECT:
        if (msg.path !== undefined) {
          this.#remember(this.#pending2, msg.messageId, { ts, command: msg.command, smbVersion: 2, path: msg.path });
        }
        break;
      default:
        break;
    }
  }

  #smb2Response(msg: Smb2Message, b: Uint8Array, ts: number): void {
    // Interim "pending" responses announce an async reply; the real one comes later.
    if (msg.status === NtStatus.PENDING && msg.isAsync) return;
    const key = msg.messageId;
    switch (msg.command) {
      case Smb2Command.NEGOTIATE: {
        let p = this.#pending2.get(key);
        if (p !== undefined) this.#pending2.delete(key);
        else p = this.#takeSmb1Negotiate();
        if (p !== undefined) {
          const dialect = msg.dialect !== undefined ? smb2DialectName(msg.dialect) : undefined;
          this.#negotiateEvent(p, p.ts, dialect, statusName(msg.status), msg.contexts ?? []);
        }
        break;
      }
      case Smb2Command.SESSION_SETUP: {
        this.#pending2.delete(key);
        if (msg.blobStart >= 0) this.#gss.serverToken(b, msg.blobStart, msg.blobEnd, ts);
        this.#sessionSetupOutcome(msg.status, undefined, ts);
        break;
      }
      case Smb2Command.TREE_CONNECT: {
        const p = this.#pending2.get(key);
        if (p === undefined) return;
        this.#pending2.delete(key);
        const share = msg.shareType !== undefined ? smb2ShareTypeName(msg.shareType) : undefined;
        this.#treeEvent(p, statusName(msg.status), share);
        if (msg.status === NtStatus.SUCCESS) {
          const rec = this.#mappingRecord(p);
          if (share !== undefined) rec.share_type = share;
          this.#emitMapping(rec);
        }
        break;
      }
      default:
        break;
    }
  }

  // ---- SMB1 ----

  #smb1Key(msg: Smb1Message): number {
    return msg.pid * 0x10000 + msg.mid;
  }

  #takeSmb1Negotiate(): Pending | undefined {
    for (const [k, p] of this.#pending1) {
      if (p.command === Smb1Command.NEGOTIATE) {
        this.#pending1.delete(k);
        return p;
      }
    }
    return undefined;
  }

  #smb1Request(msg: Smb1Message, b: Uint8Array, ts: number): void {
    const key = this.#smb1Key(msg);
    if (msg.dialects !== undefined) {
      this.#remember(this.#pending1, key, { ts, command: Smb1Command.NEGOTIATE, smbVersion: 1, dialects: msg.dialects, contexts: [] });
      return;
    }
    let p: Pending | undefined;
    const ss = msg.sessionSetup;
    if (ss !== undefined) {
      p = { ts, command: Smb1Command.SESSION_SETUP_ANDX, smbVersion: 1 };
      if (ss.blobStart >= 0 && ss.blobEnd > ss.blobStart) this.#gss.clientToken(b, ss.blobStart, ss.blobEnd, ts);
      else if (ss.account !== undefined || ss.domain !== undefined) p.plainUser = `${ss.domain ?? ''}\\${ss.account ?? ''}`;
    }
    const tc = msg.treeConnect;
    if (tc !== undefined && tc.path !== undefined) {
      if (p === undefined) p = { ts, command: Smb1Command.TREE_CONNECT_ANDX, smbVersion: 1 };
      p.path = tc.path;
      if (tc.service !== undefined) p.service = tc.service;
    }
    if (p !== undefined) this.#remember(this.#pending1, key, p);
  }

  #smb1Response(msg: Smb1Message, b: Uint8Array, ts: number): void {
    const key = this.#smb1Key(msg);
    const p = this.#pending1.get(key);
    if (p === undefined) return;
    this.#pending1.delete(key);
    const ntStatus = (msg.flags2 & Smb1Flags2.NT_STATUS) !== 0;
    const status = ntStatus ? statusName(msg.status) : `DOS-0x${msg.status.toString(16).padStart(8, '0')}`;
    if (p.command === Smb1Command.NEGOTIATE) {
      let dialect: string | undefined;
      const idx = msg.dialectIndex;
      if (idx !== undefined && p.dialects !== undefined && idx < p.dialects.length) dialect = p.dialects[idx];
      this.#negotiateEvent(p, p.ts, dialect, status, []);
      return;
    }
    if (p.command === Smb1Command.SESSION_SETUP_ANDX) {
      const ss = msg.sessionSetup;
      if (ss !== undefined && ss.blobStart >= 0 && ss.blobEnd > ss.blobStart) this.#gss.serverToken(b, ss.blobStart, ss.blobEnd, ts);
      this.#sessionSetupOutcome(msg.status, p.plainUser, ts);
    }
    if (p.path !== undefined) {
      const tc = msg.treeConnect;
      const share = tc?.service !== undefined ? smb1ShareTypeName(tc.service) : '';
      this.#treeEvent(p, status, share === '' ? undefined : share);
      if (msg.status === NtStatus.SUCCESS && tc !== undefined) {
        const rec = this.#mappingRecord(p);
        if (tc.service !== undefined) rec.service = tc.service;
        if (tc.nativeFs !== undefined && tc.nativeFs !== '') rec.native_file_system = tc.nativeFs;
        if (share !== '') rec.share_type = share;
        this.#emitMapping(rec);
      }
    }
  }

  // ---- shared ----

  /** A session setup response: intermediate (more processing) or final (auth outcome). */
  #sessionSetupOutcome(status: number, plainUser: string | undefined, ts: number): void {
    if (status === NtStatus.MORE_PROCESSING_REQUIRED) return;
    const gss = this.#gss;
    const success = status === NtStatus.SUCCESS;
    const name = statusName(status);
    const mech = gss.mechanism;
    const user = plainUser ?? gss.user;
    if (gss.sentCredentials || plainUser !== undefined || !success) {
      const ev = authEvent(this.#ctx.conn, ts, 'smb', success ? 'success' : 'failure');
      ev.detail = mech === '' ? name : `${name} (${mech})`;
      if (user !== undefined && user !== '\\') ev.user = user;
      this.#ctx.emit(ev);
    }
    gss.finish(success, name, ts);
  }

  #mappingRecord(p: Pending): SmbMappingRecord {
    const rec = startRecord<SmbMappingRecord>(this.#ctx.conn, p.ts);
    if (p.path !== undefined) rec.path = p.path;
    return rec;
  }

  #emitMapping(rec: SmbMappingRecord): void {
    this.#ctx.emit({ type: 'smb_mapping', log: 'smb_mapping', ts: rec.ts, uid: rec.uid, record: orderMappingRecord(rec) });
  }

  #negotiateEvent(
    p: Pending,
    ts: number,
    dialect: string | undefined,
    status: string | undefined,
    serverContexts: SmbNegotiateContext[],
  ): void {
    const c = this.#ctx.conn;
    const ev: SmbNegotiateEvent = {
      type: 'smb.negotiate',
      ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      smb_version: p.smbVersion,
      client_dialects: p.dialects ?? [],
      client_contexts: p.contexts ?? [],
      server_contexts: serverContexts,
    };
    if (dialect !== undefined) ev.dialect = dialect;
    if (status !== undefined) ev.status = status;
    this.#ctx.emit(ev);
  }

  #treeEvent(p: Pending, status: string | undefined, share: string | undefined): void {
    const c = this.#ctx.conn;
    const ev: SmbTreeConnectEvent = {
      type: 'smb.tree_connect',
      ts: p.ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      path: p.path ?? '',
    };
    if (share !== undefined) ev.share_type = share;
    if (status !== undefined) ev.status = status;
    this.#ctx.emit(ev);
  }

  end(_ts: number): void {
    for (const k of [...this.#pending2.keys()]) this.#expire(this.#pending2, k);
    for (const k of [...this.#pending1.keys()]) this.#expire(this.#pending1, k);
    this.#gss.flush();
  }
}
