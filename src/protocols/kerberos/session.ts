/**
 * Per-connection Kerberos exchange tracking, shared by the Kerberos analyzer
 * (port 88) and by SMB and LDAP, which see Kerberos AP-REQ/AP-REP inside
 * SPNEGO. A request opens a pending kerberos.log record; the reply or error
 * completes and emits it; `flush` emits whatever is still open (a request
 * never answered is logged at connection end, as Zeek does). Also publishes
 * `auth` events for AS outcomes.
 *
 * Semantics follow Zeek's kerberos script: an unanswered request repeated
 * (UDP retransmission) updates the same record; errors whose text is the
 * routine "pre-authentication needed" drop the record.
 *
 * Every answered AS/TGS request is also published as a `kerberos.kdc` event
 * (offered and chosen encryption types, pre-authentication), the dropped
 * pre-authentication prompts included: detectors of Kerberoasting and AS-REP
 * roasting need what the log line leaves out.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { authEvent } from '../auth-event.js';
import { startRecord } from '../zeek-record.js';
import type { AuthOutcome } from '../../events/auth.js';
import { KrbMsgType, cipherName, errorName, hasPreauth, IGNORED_ERROR_TEXTS, KrbErrorCode } from './consts.js';
import type { ApReply, ApRequest, KdcReply, KdcRequest, KrbErrorMessage } from './parser.js';
import type { KerberosKdcEvent, KerberosRecord } from './events.js';
import { orderKerberosRecord } from './record.js';

/**
 * AS errors that are an authentication failure of the client: a wrong
 * password (PREAUTH_FAILED; MIT KDCs answer a bad encrypted timestamp with
 * BAD_INTEGRITY), an unknown account, a disabled or locked one, policy.
 * Not failures: PREAUTH_REQUIRED (the normal first round trip),
 * RESPONSE_TOO_BIG (a transport retry) and KEY_EXPIRED (the password was
 * right, only due for a change).
 */
const CLIENT_FAILURE_CODES: ReadonlySet<number> = new Set([
  KrbErrorCode.C_PRINCIPAL_UNKNOWN,
  KrbErrorCode.POLICY,
  KrbErrorCode.CLIENT_REVOKED,
  KrbErrorCode.PREAUTH_FAILED,
  KrbErrorCode.BAD_INTEGRITY,
]);

/** Offered etypes of an exchange whose request the capture does not hold. */
const NO_ETYPES: readonly number[] = Object.freeze([]);

export class KrbSession {
  readonly #ctx: AnalyzerContext;
  #pending: KerberosRecord | null = null;
  /** The KDC request awaiting its answer (for the `kerberos.kdc` event). */
  #request: KdcRequest | null = null;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
  }

  #open(ts: number): KerberosRecord {
    if (this.#pending !== null) return this.#pending;
    const rec = startRecord<KerberosRecord>(this.#ctx.conn, ts);
    this.#pending = rec;
    return rec;
  }

  /** AS-REQ / TGS-REQ seen. */
  kdcRequest(msg: KdcRequest, ts: number): void {
    const rec = this.#open(ts);
    this.#request = msg;
    if (msg.msgType === KrbMsgType.AS_REQ) {
      rec.request_type = 'AS';
      rec.client = `${msg.cname ?? ''}/${msg.realm}`;
    } else {
      rec.request_type = 'TGS';
    }
    if (msg.sname !== undefined) rec.service = msg.sname;
    if (msg.from !== undefined) rec.from = msg.from;
    if (msg.till !== undefined) rec.till = msg.till;
    rec.forwardable = msg.forwardable;
    rec.renewable = msg.renewable;
    const names: string[] = [];
    for (let i = 0; i < msg.etypes.length; i++) names.push(cipherName(msg.etypes[i]!));
    rec.request_ciphers = names;
  }

  /** AS-REP / TGS-REP seen: completes the exchange. */
  kdcReply(msg: KdcReply, ts: number): void {
    const rec = this.#open(ts);
    if (rec.client === undefined && (msg.cname !== '' || msg.crealm !== '')) rec.client = `${msg.cname}/${msg.crealm}`;
    if (rec.request_type === undefined) rec.request_type = msg.msgType === KrbMsgType.AS_REP ? 'AS' : 'TGS';
    rec.service = msg.ticket.sname;
    rec.cipher = cipherName(msg.ticket.etype);
    rec.success = true;
    const kdc = this.#kdcEvent(ts, msg.msgType === KrbMsgType.AS_REP ? 'AS' : 'TGS', true);
    kdc.principal = msg.cname !== '' ? msg.cname : kdc.principal;
    if (msg.crealm !== '') kdc.realm = msg.crealm;
    kdc.service = msg.ticket.sname;
    kdc.ticket_etype = msg.ticket.etype;
    kdc.reply_etype = Number.isNaN(msg.encPartEtype) ? -1 : msg.encPartEtype;
    this.#ctx.emit(kdc);
    if (msg.msgType === KrbMsgType.AS_REP) this.#auth(ts, rec.client, 'success', 'AS-REP');
    this.#emit();
  }

  /** KRB-ERROR seen: completes (or, for routine pre-auth prompts, drops) the exchange. */
  error(msg: KrbErrorMessage, ts: number): void {
    const req = this.#request;
    if (req !== null) {
      const kdc = this.#kdcEvent(ts, req.msgType === KrbMsgType.AS_REQ ? 'AS' : 'TGS', false);
      if (kdc.principal === '' && msg.cname !== undefined) kdc.principal = msg.cname;
      if (kdc.service === '' && msg.sname !== undefined) kdc.service = msg.sname;
      kdc.error_code = msg.errorCode;
      this.#ctx.emit(kdc);
    }
    if (msg.eText !== undefined && IGNORED_ERROR_TEXTS.has(msg.eText)) {
      this.#pending = null;
      return;
    }
    const rec = this.#open(ts);
    if (rec.client === undefined && (msg.cname !== undefined || msg.crealm !== undefined)) {
      rec.client = `${msg.cname !== undefined ? `${msg.cname}/` : ''}${msg.crealm ?? ''}`;
    }
    if (msg.sname !== undefined) rec.service = msg.sname;
    rec.success = false;
    rec.error_msg = msg.eText !== undefined && msg.eText !== '' ? msg.eText : errorName(msg.errorCode);
    rec.error_code = msg.errorCode;
    if (rec.request_type === 'AS' && CLIENT_FAILURE_CODES.has(msg.errorCode)) {
      this.#auth(ts, rec.client, 'failure', errorName(msg.errorCode), msg.errorCode === KrbErrorCode.C_PRINCIPAL_UNKNOWN);
    }
    this.#emit();
  }

  /** AP-REQ seen inside a GSS token (SMB, LDAP). */
  apRequest(msg: ApRequest, ts: number): void {
    const rec = this.#open(ts);
    rec.request_type = 'AP';
    rec.client = `/${msg.ticket.realm}`;
    rec.service = msg.ticket.sname;
    rec.cipher = cipherName(msg.ticket.etype);
  }

  /** AP-REP seen: the service accepted the ticket. */
  apReply(_msg: ApReply, ts: number): void {
    if (this.#pending === null) return;
    this.#pending.success = true;
    void ts;
    this.#emit();
  }

  /**
   * The `kerberos.kdc` event of the exchange the reply or error `ts`
   * completes, filled from its request when seen (the caller adds the
   * answer's facts); the request is then done with.
   */
  #kdcEvent(ts: number, requestType: 'AS' | 'TGS', success: boolean): KerberosKdcEvent {
    const c = this.#ctx.conn;
    const req = this.#request;
    this.#request = null;
    return {
      type: 'kerberos.kdc',
      ts,
      uid: c.uid,
      client: c.orig_h,
      client_port: c.orig_p,
      kdc: c.resp_h,
      kdc_port: c.resp_p,
      transport: c.proto === 'tcp' ? 'tcp' : 'udp',
      request_type: requestType,
      principal: req?.cname ?? '',
      realm: req?.realm ?? '',
      service: req?.sname ?? '',
      request_seen: req !== null,
      request_etypes: req !== null ? req.etypes : NO_ETYPES,
      preauth: req !== null && hasPreauth(req.padataTypes),
      success,
      ticket_etype: -1,
      reply_etype: -1,
      error_code: -1,
    };
  }

  /** Emits the open record, if any (connection end, or the caller knows no reply will come). */
  flush(): void {
    if (this.#pending !== null) this.#emit();
  }

  /** True while a record is open. */
  get pending(): boolean {
    return this.#pending !== null;
  }

  #emit(): void {
    const rec = this.#pending;
    if (rec === null) return;
    this.#pending = null;
    this.#ctx.emit({ type: 'kerberos', log: 'kerberos', ts: rec.ts, uid: rec.uid, record: orderKerberosRecord(rec) });
  }

  #auth(ts: number, user: string | undefined, outcome: AuthOutcome, detail: string, unknownUser = false): void {
    const ev = authEvent(this.#ctx.conn, ts, 'kerberos', outcome);
    ev.detail = detail;
    if (user !== undefined) ev.user = user;
    if (unknownUser) ev.unknown_user = true;
    this.#ctx.emit(ev);
  }
}
