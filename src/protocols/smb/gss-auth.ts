/**
 * Follows one GSS-API authentication (SPNEGO-wrapped or bare NTLMSSP, or a
 * Kerberos AP exchange) across the security blobs of a connection: SMB
 * session setup and LDAP SASL/Sicily binds both feed it. It builds ntlm.log
 * records (client names from AUTHENTICATE, server names from CHALLENGE,
 * success from the outcome the caller reports) and, for Kerberos tokens,
 * kerberos.log "AP" records through a `KrbSession`.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { unwrapMechToken, KrbTokId, NegState } from '../asn1/spnego.js';
import { parseKrbMessage } from '../kerberos/parser.js';
import { KrbMsgType } from '../kerberos/consts.js';
import { KrbSession } from '../kerberos/session.js';
import { parseNtlm, NtlmType } from './ntlm.js';
import type { NtlmRecord } from './events.js';
import { orderNtlmRecord } from './record.js';

export type GssMechanism = 'ntlm' | 'kerberos' | '';

export class GssAuth {
  readonly #ctx: AnalyzerContext;
  readonly krb: KrbSession;
  #ntlm: NtlmRecord | null = null;
  #sawAuthenticate = false;
  /** Mechanism of the exchange in progress ('' before the first recognised token). */
  mechanism: GssMechanism = '';
  /** "DOMAIN\\user" from the last NTLM AUTHENTICATE of the exchange in progress. */
  user: string | undefined = undefined;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.krb = new KrbSession(ctx);
  }

  /** True once the client sent credentials (NTLM AUTHENTICATE or Kerberos AP-REQ) in this exchange. */
  get sentCredentials(): boolean {
    return this.#sawAuthenticate;
  }

  #record(ts: number): NtlmRecord {
    if (this.#ntlm !== null) return this.#ntlm;
    this.#ntlm = startRecord<NtlmRecord>(this.#ctx.conn, ts);
    return this.#ntlm;
  }

  /** A security blob from the client. */
  clientToken(buf: Uint8Array, start: number, end: number, ts: number): void {
    const tok = unwrapMechToken(buf, start, end);
    if (tok.kind === 'ntlmssp') {
      this.mechanism = 'ntlm';
      const msg = parseNtlm(buf, tok.innerStart, tok.innerEnd);
      if (msg === null) {
        this.#ctx.anomaly('ntlm_malformed');
        return;
      }
      const rec = this.#record(ts);
      if (msg.type === NtlmType.AUTHENTICATE) {
        this.#sawAuthenticate = true;
        if (msg.domain !== undefined) rec.domainname = msg.domain;
        if (msg.workstation !== undefined) rec.hostname = msg.workstation;
        if (msg.user !== undefined) rec.username = msg.user;
        // DOMAIN\user as Windows writes it; just the user when no domain was sent.
        const u = msg.user ?? '';
        this.user = msg.domain !== undefined && msg.domain !== '' ? `${msg.domain}\\${u}` : u !== '' ? u : undefined;
      }
    } else if (tok.kind === 'krb5' && tok.krbTokId === KrbTokId.AP_REQ) {
      this.mechanism = 'kerberos';
      const msg = parseKrbMessage(buf, tok.innerStart, tok.innerEnd);
      if (msg.msgType === KrbMsgType.AP_REQ) {
        this.#sawAuthenticate = true;
        this.krb.apRequest(msg, ts);
      } else {
        this.#ctx.anomaly(msg.msgType === -1 ? msg.reason : 'krb_unexpected_in_gss');
      }
    }
  }

  /**
   * A security blob from the server. Returns the SPNEGO negState it carried
   * (-1 when none): 0 accept-completed, 1 accept-incomplete, 2 reject.
   */
  serverToken(buf: Uint8Array, start: number, end: number, ts: number): number {
    const tok = unwrapMechToken(buf, start, end);
    if (tok.kind === 'ntlmssp') {
      const msg = parseNtlm(buf, tok.innerStart, tok.innerEnd);
      if (msg === null) {
        this.#ctx.anomaly('ntlm_malformed');
      } else if (msg.type === NtlmType.CHALLENGE) {
        const rec = this.#record(ts);
        if (msg.nbComputerName !== undefined) rec.server_nb_computer_name = msg.nbComputerName;
        if (msg.dnsComputerName !== undefined) rec.server_dns_computer_name = msg.dnsComputerName;
        if (msg.dnsTreeName !== undefined) rec.server_tree_name = msg.dnsTreeName;
      }
    } else if (tok.kind === 'krb5') {
      const msg = parseKrbMessage(buf, tok.innerStart, tok.innerEnd);
      if (msg.msgType === KrbMsgType.AP_REP) this.krb.apReply(msg, ts);
      else if (msg.msgType === KrbMsgType.ERROR) this.krb.error(msg, ts);
    }
    if (tok.negState === NegState.REJECT && this.krb.pending) {
      // Rejected without a Kerberos error token: still close the AP record as failed.
      this.krb.flush();
    }
    return tok.negState;
  }

  /**
   * The exchange ended with a known outcome (`success` undefined when the
   * protocol does not say): emits the ntlm.log record and resets for the
   * next authentication on the connection.
   */
  finish(success: boolean | undefined, status: string, _ts: number): void {
    const rec = this.#ntlm;
    if (rec !== null && this.#sawAuthenticate) {
      if (success !== undefined) rec.success = success;
      if (status !== '') rec.status = status;
      this.#ctx.emit({ type: 'ntlm', log: 'ntlm', ts: rec.ts, uid: rec.uid, record: orderNtlmRecord(rec) });
      this.#ntlm = null;
    } else if (rec !== null && success !== undefined) {
      // Failed before AUTHENTICATE (e.g. rejected NEGOTIATE): keep nothing from it.
      this.#ntlm = null;
    }
    this.krb.flush();
    this.#sawAuthenticate = false;
    this.mechanism = '';
    this.user = undefined;
  }

  /** Connection end: log what is still open, as Zeek does. */
  flush(): void {
    const rec = this.#ntlm;
    if (rec !== null && this.#sawAuthenticate) {
      this.#ctx.emit({ type: 'ntlm', log: 'ntlm', ts: rec.ts, uid: rec.uid, record: orderNtlmRecord(rec) });
    }
    this.#ntlm = null;
    this.krb.flush();
  }
}
