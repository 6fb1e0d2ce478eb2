/**
 * Per-flow SNMP (UDP 161 and 162): every datagram is one message
 * (parser.ts). snmp.log's line is built as Zeek builds it: the first
 * message's version and community, the bindings counted by PDU kind, the
 * responder's sysDescr and boot time from responses; written when the flow
 * ends.
 *
 * Sign-ins, as `auth` events (service "snmp") at the flow's end, one per
 * community (v1/v2c) or v3 user the client used:
 * - v1/v2c: an agent answers a request whose community it accepts and stays
 *   silent otherwise, so an answered community is a success and an
 *   unanswered one is "unknown"; both crossed in clear. When one flow tried
 *   several communities and some went unanswered (a community guesser such
 *   as onesixtyone), each unanswered one carries a keyed digest
 *   (`secret_tag`) so auth.bruteforce counts the different ones; a manager
 *   that polls a host that is down, with its one community, is not guessing.
 * - v3: a Response is a success; a Report of an unknown user or a wrong
 *   digest (RFC 3414) a failure; no answer "unknown". Discovery (no user) is
 *   not a sign-in. Not in clear: v3 authenticates with a keyed digest.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { authEvent } from '../auth-event.js';
import { orderFields, startRecord, ZEEK_ID_COLUMNS } from '../zeek-record.js';
import { secretTag } from '../secret-tag.js';
import { logString } from '../wire-text.js';
import type { AuthOutcome } from '../../events/auth.js';
import {
  MAX_COMMUNITY,
  MAX_PENDING,
  MAX_SECRETS_PER_FLOW,
  OID_SYS_DESCR,
  OID_SYS_UPTIME,
  OID_USM_UNKNOWN_USER,
  OID_USM_WRONG_DIGEST,
  PduType,
  SNMP_V3,
  SnmpAnomaly,
  isRequest,
  pduName,
  versionName,
} from './consts.js';
import type { SnmpAccepted, SnmpLogEvent, SnmpRecord } from './events.js';
import { parseSnmp, type SnmpMessage } from './parser.js';

const REFUSED_UNKNOWN_USER = 'unknown user';
/** Answered communities listed on the log event. */
const MAX_ACCEPTED_LISTED = 16;

/** Where snmp.log events go (the bus by default; tests pass their own). */
export type SnmpLogSink = (event: SnmpLogEvent) => void;

const SNMP_COLUMNS: readonly (keyof SnmpRecord)[] = [
  ...ZEEK_ID_COLUMNS,
  'duration',
  'version',
  'community',
  'get_requests',
  'get_bulk_requests',
  'get_responses',
  'set_requests',
  'display_string',
  'up_since',
];

/** One community or v3 user a client signed in with on this flow. */
interface SignIn {
  ts: number;
  version: number;
  /** v1/v2c: the community (kept only until its digest is taken at the end). */
  community?: Uint8Array;
  user?: string;
  /** First request kind sent with it. */
  request: string;
  answered: boolean;
  /** A SetRequest with it was answered without error. */
  writes: boolean;
  refused: string | undefined;
}

export class SnmpAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: SnmpLogSink;
  #rec: SnmpRecord | null = null;
  #last = 0;
  /** By "c:<community>" or "u:<user>". */
  readonly #signIns = new Map<string, SignIn>();
  /** Request id -> its sign-in's key and whether it was a SetRequest, until answered. */
  readonly #pending = new Map<number, { key: string; set: boolean }>();
  #confirmed = false;

  constructor(ctx: AnalyzerContext, log: SnmpLogSink) {
    this.#ctx = ctx;
    this.#log = log;
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const m = parseSnmp(data);
    if (m === null) {
      this.#ctx.anomaly(SnmpAnomaly.NOT_SNMP);
      return;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('snmp');
    }
    const rec = (this.#rec ??= this.#start(m, ts));
    this.#last = ts;
    if (rec.community === undefined && m.community !== undefined) rec.community = logString(m.community, 0, Math.min(m.community.length, MAX_COMMUNITY));
    this.#count(rec, m, ts);
    if (fromOrig && (isRequest(m.pdu) || (m.version === SNMP_V3 && m.encrypted))) this.#request(m, ts);
    else if (!fromOrig && m.pdu === -1 && m.version === SNMP_V3 && m.encrypted) this.#answer(m, undefined);
    else if (!fromOrig && (m.pdu === PduType.RESPONSE || m.pdu === PduType.REPORT)) this.#answer(m, m.pdu === PduType.REPORT ? refusal(m) : undefined);
  }

  end(ts: number): void {
    const rec = this.#rec;
    if (rec === null) return;
    this.#rec = null;
    rec.duration = Math.max(0, this.#last - rec.ts);
    const event: SnmpLogEvent = { type: 'snmp', log: 'snmp', ts: rec.ts, uid: this.#ctx.conn.uid, record: orderFields(rec, SNMP_COLUMNS) };
    const accepted: SnmpAccepted[] = [];
    for (const s of this.#signIns.values()) {
      if (s.community === undefined || !s.answered || accepted.length >= MAX_ACCEPTED_LISTED) continue;
      accepted.push({ community: logString(s.community, 0, Math.min(s.community.length, MAX_COMMUNITY)), version: versionName(s.version), writes: s.writes });
    }
    if (accepted.length > 0) event.accepted = accepted;
    this.#log(event);
    this.#reportSignIns(ts);
  }

  #start(m: SnmpMessage, ts: number): SnmpRecord {
    const rec = startRecord<SnmpRecord>(this.#ctx.conn, ts);
    rec.duration = 0;
    rec.version = versionName(m.version);
    rec.get_requests = 0;
    rec.get_bulk_requests = 0;
    rec.get_responses = 0;
    rec.set_requests = 0;
    return rec;
  }

  /** Zeek's counts: bindings per PDU kind, whichever side sent it; sysDescr and sysUpTime from responses. */
  #count(rec: SnmpRecord, m: SnmpMessage, ts: number): void {
    switch (m.pdu) {
      case PduType.GET:
      case PduType.GET_NEXT:
        rec.get_requests += m.bindingCount;
        break;
      case PduType.GET_BULK:
        rec.get_bulk_requests += m.bindingCount;
        break;
      case PduType.SET:
        rec.set_requests += m.bindingCount;
        break;
      case PduType.RESPONSE:
        rec.get_responses += m.bindingCount;
        for (const b of m.bindings) {
          if (b.oid === OID_SYS_DESCR && b.octets !== undefined) rec.display_string = b.octets;
          else if (b.oid === OID_SYS_UPTIME && b.ticks !== undefined) rec.up_since = ts - b.ticks / 100;
        }
        break;
      default:
        break;
    }
  }

  #request(m: SnmpMessage, ts: number): void {
    let key: string;
    if (m.community !== undefined) key = `c:${logString(m.community, 0, m.community.length)}`;
    else if (m.user !== undefined && m.user !== '') key = `u:${m.user}`;
    else return; // v3 discovery: no user yet
    if (!this.#signIns.has(key)) {
      if (this.#signIns.size >= MAX_SECRETS_PER_FLOW) {
        this.#ctx.anomaly(SnmpAnomaly.TOO_MANY_SECRETS);
        return;
      }
      const s: SignIn = { ts, version: m.version, request: m.pdu === -1 ? 'encrypted request' : pduName(m.pdu), answered: false, writes: false, refused: undefined };
      if (m.community !== undefined) s.community = m.community.slice();
      if (m.user !== undefined) s.user = m.user;
      this.#signIns.set(key, s);
    }
    if (m.pdu === -1) return;
    if (this.#pending.size >= MAX_PENDING) {
      this.#ctx.anomaly(SnmpAnomaly.TOO_MANY_PENDING);
      const oldest = this.#pending.keys().next();
      if (oldest.done !== true) this.#pending.delete(oldest.value);
    }
    this.#pending.set(m.requestId, { key, set: m.pdu === PduType.SET });
  }

  /** The agent answered (`refused`: a v3 report that turns the user away). */
  #answer(m: SnmpMessage, refused: string | undefined): void {
    const asked = m.pdu !== -1 ? this.#pending.get(m.requestId) : undefined;
    let key: string | undefined;
    if (m.community !== undefined) key = `c:${logString(m.community, 0, m.community.length)}`;
    else key = asked?.key;
    if (key === undefined && m.user !== undefined && m.user !== '') key = `u:${m.user}`;
    if (m.pdu !== -1) this.#pending.delete(m.requestId);
    if (key === undefined) return;
    const s = this.#signIns.get(key);
    if (s === undefined) return;
    // A v3 report that is not a refusal (an engine-time resync) says nothing of the user.
    if (m.pdu === PduType.REPORT && refused === undefined) return;
    if (refused !== undefined) {
      s.refused = refused;
      return;
    }
    s.answered = true;
    if (asked?.set === true && asked.key === key && m.pdu === PduType.RESPONSE && m.errorStatus === 0) s.writes = true;
  }

  #reportSignIns(ts: number): void {
    let communities = 0;
    for (const s of this.#signIns.values()) if (s.community !== undefined) communities++;
    // Several communities with some unanswered: guessing, each guess told apart by its digest.
    const guessing = communities > 1;
    for (const s of this.#signIns.values()) {
      const v3 = s.version === SNMP_V3;
      let outcome: AuthOutcome;
      if (s.answered) outcome = 'success';
      else if (s.refused !== undefined) outcome = 'failure';
      else outcome = 'unknown';
      const e = authEvent(this.#ctx.conn, s.ts || ts, 'snmp', outcome);
      if (s.user !== undefined) e.user = s.user;
      if (!v3) e.cleartext = true;
      if (s.refused === REFUSED_UNKNOWN_USER) e.unknown_user = true;
      if (outcome === 'unknown' && guessing && s.community !== undefined) e.secret_tag = secretTag(s.community);
      const version = `SNMPv${versionName(s.version)}`;
      e.detail = s.refused !== undefined ? `${version} ${s.request}: ${s.refused}` : `${version} ${s.request} ${s.answered ? 'answered' : 'not answered'}`;
      s.community?.fill(0);
      this.#ctx.emit(e);
    }
    this.#signIns.clear();
    this.#pending.clear();
  }
}

/** What a v3 Report says of the user: unknown, or a wrong digest (the password); undefined for other reports. */
function refusal(m: SnmpMessage): string | undefined {
  for (const b of m.bindings) {
    if (b.oid === OID_USM_UNKNOWN_USER) return REFUSED_UNKNOWN_USER;
    if (b.oid === OID_USM_WRONG_DIGEST) return 'wrong digest (password)';
  }
  return undefined;
}
