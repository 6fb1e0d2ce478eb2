/**
 * Per-flow DNS state: frames TCP messages (2-byte length prefix, RFC 1035
 * §4.2.2), pairs queries with responses and writes one dns.log record per
 * pair, as Zeek's base/protocols/dns/main.zeek does:
 *
 * - a response pairs with the oldest pending query of the same message ID
 *   (preferring one with the same question name), a query with the oldest
 *   pending unmatched response of that ID (responses seen first);
 * - a pair is logged when both halves were seen; anything still pending is
 *   logged on `end` (or when it has waited PENDING_TIMEOUT_S, or is pushed
 *   out by the MAX_PENDING bound);
 * - only standard queries, NOTIFY and dynamic updates are tracked (Zeek's rule).
 *
 * The same class serves mDNS (5353) and LLMNR (5355), which also yield
 * `hostname` events, and NBNS (137) through the nbns analyzer, which
 * subclasses it.
 */
import { growBuffer, parserBuffers, type BufferClaim } from '../buffer-budget.js';
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import type { HostnameEvent } from '../../events/hostname.js';
import type { NameAnswerEvent } from '../../events/name-answer.js';
import { DnsPort, Opcode, RRType, opcodeName, qclassName, qtypeName, rcodeName } from './consts.js';
import { DnsParseFlag, parseDnsMessage, type DnsMessage, type DnsResourceRecord } from './parser.js';
import { asciiLower, renderAnswer } from './render.js';
import type { DnsAnswerEvent, DnsRecord } from './events.js';
import { elapsedSeconds } from '../../util/elapsed.js';

/**
 * Pending (unpaired) queries, and separately responses, kept per flow. Zeek
 * gives up at 50 per message ID; a flow with more than this many
 * outstanding messages is a flood or a broken resolver: the oldest is logged
 * unanswered to make room.
 */
export const MAX_PENDING = 100;
/**
 * A query still unanswered after this long (packet time) is logged as such
 * even if the flow stays alive; 60 s is past any resolver's retry timeout.
 */
export const PENDING_TIMEOUT_S = 60;
/** Longest DNS-over-TCP message (the 2-byte length prefix caps it). */
export const MAX_TCP_MESSAGE = 65535;
/** (name, address) pairs remembered per flow to announce each hostname once. */
export const MAX_HOSTNAMES_PER_FLOW = 64;

const TRACKED_OPCODES = (1 << Opcode.QUERY) | (1 << Opcode.NOTIFY) | (1 << Opcode.UPDATE);

/** Anomaly codes by DnsParseFlag bit. */
const FLAG_CODES: readonly [number, string][] = [
  [DnsParseFlag.SHORT_HEADER, 'short_message'],
  [DnsParseFlag.TRUNCATED, 'truncated_message'],
  [DnsParseFlag.BAD_POINTER, 'bad_compression_pointer'],
  [DnsParseFlag.NAME_TOO_LONG, 'name_too_long'],
  [DnsParseFlag.BAD_LABEL, 'bad_label'],
  [DnsParseFlag.BAD_RDATA, 'bad_rdata'],
  [DnsParseFlag.TOO_MANY_QUESTIONS, 'too_many_questions'],
  [DnsParseFlag.TOO_MANY_RECORDS, 'too_many_records'],
];

/** One query/response pair being assembled (Zeek's DNS::Info plus bookkeeping). */
class DnsTxn {
  ts: number;
  transId: number;
  /** Question name as on the wire, lower-cased: used to prefer the right pending query. */
  question = '';
  query: string | undefined = undefined;
  qclass = -1;
  qtype = -1;
  qtypeName = '';
  rcode = -1;
  AA = false;
  TC = false;
  RD = false;
  RA = false;
  Z = 0;
  answers: string[] | null = null;
  TTLs: number[] | null = null;
  rejected = false;
  rtt = -1;
  opcode = -1;
  opcodeName = '';
  sawQuery = false;
  sawReply = false;

  constructor(ts: number, transId: number) {
    this.ts = ts;
    this.transId = transId;
  }
}

/** Reassembly of one TCP direction: the part of a message that straddles chunks. */
class TcpFramer {
  /**
   * The message being collected; grows (by doubling, up to the prefix's
   * length) with the bytes that arrive, not to the length announced: a
   * 2-byte prefix of 65,535 used to allocate 64 KiB per direction at once,
   * 128 KB for a flow of two tiny segments.
   */
  buf: Uint8Array | null = null;
  /** Bytes held in `buf` (length prefix included). */
  fill = 0;
  /** Message length from the prefix once 2 bytes are held, else -1. */
  need = -1;
  /** Set after a gap: framing is lost for the rest of the direction. */
  lost = false;
  /** What `buf` takes from the parser buffer budget (buffer-budget.ts), once it grew. */
  claim: BufferClaim | null = null;
}

/** Decode a NetBIOS first-level encoded name (RFC 1001 §14.1); "" when not one. */
export function decodeNetbiosName(encoded: string): { name: string; suffix: number } {
  const dot = encoded.indexOf('.');
  const first = dot < 0 ? encoded : encoded.slice(0, dot);
  if (first.length !== 32) return { name: '', suffix: -1 };
  let name = '';
  let suffix = -1;
  for (let i = 0; i < 32; i += 2) {
    const hi = (first.charCodeAt(i) | 0x20) - 0x61;
    const lo = (first.charCodeAt(i + 1) | 0x20) - 0x61;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return { name: '', suffix: -1 };
    const b = (hi << 4) | lo;
    if (i === 30) suffix = b;
    else name += String.fromCharCode(b);
  }
  // Names are padded to 15 characters with spaces (some stacks use NULs).
  let e = name.length;
  while (e > 0 && (name.charCodeAt(e - 1) === 0x20 || name.charCodeAt(e - 1) === 0)) e--;
  return { name: name.slice(0, e), suffix };
}

export interface DnsAnalyzerOptions {
  /** NBNS semantics: NetBIOS names, opcodes and record types. */
  netbios: boolean;
  /** conn.log service to confirm. */
  service: string;
}

export class DnsAnalyzer implements Analyzer {
  protected readonly ctx: AnalyzerContext;
  protected readonly netbios: boolean;
  readonly #service: string;
  readonly #tcp: boolean;
  /** 'mdns' / 'llmnr' when this flow announces hostnames, else null. */
  readonly #hostnameSource: 'mdns' | 'llmnr' | null;
  #confirmed = false;
  readonly #pendingQueries: DnsTxn[] = [];
  readonly #pendingReplies: DnsTxn[] = [];
  /** Message framing per direction, over TCP only (over UDP a datagram is a message). */
  readonly #orig: TcpFramer | null;
  readonly #resp: TcpFramer | null;
  #announced: Set<string> | null = null;

  constructor(ctx: AnalyzerContext, opts: DnsAnalyzerOptions) {
    this.ctx = ctx;
    this.netbios = opts.netbios;
    this.#service = opts.service;
    this.#tcp = ctx.conn.proto === 'tcp';
    this.#orig = this.#tcp ? new TcpFramer() : null;
    this.#resp = this.#tcp ? new TcpFramer() : null;
    const c = ctx.conn;
    this.#hostnameSource =
      this.#tcp || opts.netbios
        ? null
        : c.resp_p === DnsPort.MDNS || c.orig_p === DnsPort.MDNS
          ? 'mdns'
          : c.resp_p === DnsPort.LLMNR || c.orig_p === DnsPort.LLMNR
            ? 'llmnr'
            : null;
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#expire(ts);
    const f = fromOrig ? this.#orig : this.#resp;
    if (f === null) {
      this.#message(fromOrig, data, 0, data.length, ts);
      return;
    }
    if (f.lost) return;
    let pos = 0;
    const n = data.length;
    while (pos < n) {
      if (f.fill === 0 && n - pos >= 2) {
        // Fast path: a whole message inside this chunk is parsed in place.
        const mlen = (data[pos]! << 8) | data[pos + 1]!;
        if (mlen === 0) {
          this.ctx.anomaly('empty_tcp_message');
          pos += 2;
          continue;
        }
        if (n - pos - 2 >= mlen) {
          this.#message(fromOrig, data, pos + 2, mlen, ts);
          pos += 2 + mlen;
          continue;
        }
      }
      // Slow path: collect the prefix, then the message, across chunks.
      if (f.need < 0) {
        if (f.buf === null || f.buf.length < 2) f.buf = new Uint8Array(512);
        f.buf[f.fill++] = data[pos++]!;
        if (f.fill === 2) {
          f.need = (f.buf[0]! << 8) | f.buf[1]!;
          if (f.need === 0) {
            this.ctx.anomaly('empty_tcp_message');
            f.fill = 0;
            f.need = -1;
          }
        }
        continue;
      }
      const take = Math.min(2 + f.need - f.fill, n - pos);
      if (f.buf!.length < f.fill + take) {
        f.claim ??= parserBuffers.claim(f);
        const grown = growBuffer(f.claim, f.buf!, f.fill, f.fill + take, 2 + f.need);
        if (grown === null) {
          // The thread's parsers hold all the buffer memory they may: give up on this direction.
          this.ctx.anomaly('tcp_message_over_budget');
          this.#lose(f);
          return;
        }
        f.buf = grown;
      }
      f.buf!.set(data.subarray(pos, pos + take), f.fill);
      f.fill += take;
      pos += take;
      if (f.fill === 2 + f.need) {
        this.#message(fromOrig, f.buf!, 2, f.need, ts);
        f.fill = 0;
        f.need = -1;
        // Do not pin a large buffer for the rest of the flow.
        if (f.buf!.length > 4096) {
          f.buf = null;
          f.claim?.release();
        }
      }
    }
  }

  gap(fromOrig: boolean, _len: number): void {
    // Message boundaries after a hole cannot be found again reliably.
    const f = fromOrig ? this.#orig : this.#resp;
    if (f !== null) this.#lose(f);
    this.ctx.anomaly('content_gap');
  }

  /** Framing of this direction is lost for good: its buffer goes. */
  #lose(f: TcpFramer): void {
    f.lost = true;
    f.buf = null;
    f.fill = 0;
    f.need = -1;
    f.claim?.release();
  }

  wants(fromOrig: boolean): boolean {
    const f = fromOrig ? this.#orig : this.#resp;
    return f === null || !f.lost;
  }

  end(_ts: number): void {
    for (let i = 0; i < this.#pendingQueries.length; i++) this.#log(this.#pendingQueries[i]!);
    for (let i = 0; i < this.#pendingReplies.length; i++) this.#log(this.#pendingReplies[i]!);
    this.#pendingQueries.length = 0;
    this.#pendingReplies.length = 0;
  }

  /** Hook for subclasses: a parsed message (after the dns.log bookkeeping). */
  protected onMessage(_msg: DnsMessage, _fromOrig: boolean, _ts: number): void {}

  #message(fromOrig: boolean, buf: Uint8Array, off: number, len: number, ts: number): void {
    const msg = parseDnsMessage(buf, off, len, this.netbios ? NETBIOS_OPTS : undefined);
    if (msg.flags !== 0) {
      for (let i = 0; i < FLAG_CODES.length; i++) if ((msg.flags & FLAG_CODES[i]![0]) !== 0) this.ctx.anomaly(FLAG_CODES[i]![1]);
      if ((msg.flags & (DnsParseFlag.SHORT_HEADER | DnsParseFlag.TOO_MANY_QUESTIONS)) !== 0) return;
    }
    const h = msg.header;
    if (!this.#confirmed && msg.questions.length === h.qdcount) {
      this.#confirmed = true;
      this.ctx.confirm(this.#service);
    }
    if (((1 << h.opcode) & TRACKED_OPCODES) !== 0) this.#track(msg, ts);
    if (h.qr) {
      if (this.#hostnameSource !== null) this.#hostnames(msg, fromOrig, ts);
      if (!this.netbios) this.#answerEvent(msg, fromOrig, ts);
    }
    this.onMessage(msg, fromOrig, ts);
  }

  /** Zeek's set_session / dns_request / do_reply / dns_end for one message. */
  #track(msg: DnsMessage, ts: number): void {
    const h = msg.header;
    const isQuery = !h.qr;
    const question = msg.questions.length > 0 ? asciiLower(msg.questions[msg.questions.length - 1]!.name) : '';
    let txn: DnsTxn;
    if (isQuery) {
      const i = indexOfId(this.#pendingReplies, h.id, question);
      if (i >= 0) {
        txn = this.#pendingReplies[i]!;
        this.#pendingReplies.splice(i, 1);
      } else {
        txn = new DnsTxn(ts, h.id);
        this.#enqueue(this.#pendingQueries, txn);
      }
    } else {
      const i = indexOfId(this.#pendingQueries, h.id, question);
      if (i >= 0) {
        txn = this.#pendingQueries[i]!;
        this.#pendingQueries.splice(i, 1);
      } else {
        txn = new DnsTxn(ts, h.id);
        this.ctx.anomaly('unmatched_reply');
        this.#enqueue(this.#pendingReplies, txn);
      }
      txn.rcode = h.rcode;
      if (h.rcode !== 0 && h.qdcount === 0) txn.rejected = true;
    }
    txn.opcode = h.opcode;
    txn.opcodeName = opcodeName(h.opcode, this.netbios);

    for (let i = 0; i < msg.questions.length; i++) {
      const q = msg.questions[i]!;
      if (isQuery) {
        txn.RD = h.rd;
        txn.TC = h.tc;
        txn.qclass = q.qclass;
        txn.qtype = q.qtype;
        txn.qtypeName = qtypeName(q.qtype);
        txn.Z = h.z;
        let query = asciiLower(q.name);
        txn.question = query;
        if (this.netbios) {
          const decoded = decodeNetbiosName(q.name).name;
          if (decoded.length !== 0) query = decoded;
          // RFC 1002 reused 33 (later SRV) for node status requests.
          if (q.qtype === RRType.SRV) txn.qtypeName = 'NBSTAT';
        }
        txn.query = query;
      } else if (h.ancount === 0 && h.nscount === 0 && h.arcount === 0) {
        txn.rejected = true;
      }
    }

    if (!isQuery) {
      this.#replies(txn, msg, msg.answers, ts, false);
      if (h.opcode === Opcode.UPDATE) this.#replies(txn, msg, msg.authority, ts, true);
      txn.sawReply = true;
    } else {
      txn.sawQuery = true;
    }
    if (txn.sawQuery && txn.sawReply) this.#log(txn);
  }

  /** Zeek's do_reply for each record of a response section. */
  #replies(txn: DnsTxn, msg: DnsMessage, rrs: DnsResourceRecord[], ts: number, update: boolean): void {
    const h = msg.header;
    for (let i = 0; i < rrs.length; i++) {
      const rr = rrs[i]!;
      let s = renderAnswer(rr, h.opcode, this.netbios);
      if (s === null) continue;
      if (txn.query === undefined) txn.query = asciiLower(rr.name);
      // AA/RA come only from responses carrying a record Zeek reports.
      txn.AA = h.aa;
      txn.RA = h.ra;
      if (txn.rtt < 0) {
        const rtt = elapsedSeconds(txn.ts, ts);
        // A zero rtt means only the reply was seen (Zeek leaves rtt unset then).
        if (rtt > 0) txn.rtt = rtt;
      }
      if (s !== '') {
        if (update && !s.startsWith('del:')) s = `add: ${s}`;
        if (txn.answers === null) {
          txn.answers = [];
          txn.TTLs = [];
        }
        txn.answers.push(s);
        txn.TTLs!.push(rr.ttl);
      }
    }
  }

  #enqueue(list: DnsTxn[], txn: DnsTxn): void {
    if (list.length >= MAX_PENDING) {
      this.ctx.anomaly('too_many_pending');
      this.#log(list.shift()!);
    }
    list.push(txn);
  }

  /** Log queries (and lone replies) that waited longer than PENDING_TIMEOUT_S. */
  #expire(ts: number): void {
    const q = this.#pendingQueries;
    while (q.length > 0 && ts - q[0]!.ts > PENDING_TIMEOUT_S) this.#log(q.shift()!);
    const r = this.#pendingReplies;
    while (r.length > 0 && ts - r[0]!.ts > PENDING_TIMEOUT_S) this.#log(r.shift()!);
  }

  #log(t: DnsTxn): void {
    const rec = startRecord<DnsRecord>(this.ctx.conn, t.ts);
    rec.proto = this.#tcp ? 'tcp' : 'udp';
    rec.trans_id = t.transId;
    if (t.rtt >= 0) rec.rtt = t.rtt;
    if (t.query !== undefined) rec.query = t.query;
    if (t.qclass >= 0) {
      rec.qclass = t.qclass;
      rec.qclass_name = qclassName(t.qclass);
      rec.qtype = t.qtype;
      rec.qtype_name = t.qtypeName;
    }
    if (t.rcode >= 0) {
      rec.rcode = t.rcode;
      rec.rcode_name = rcodeName(t.rcode);
    }
    rec.AA = t.AA;
    rec.TC = t.TC;
    rec.RD = t.RD;
    rec.RA = t.RA;
    rec.Z = t.Z;
    if (t.answers !== null) {
      rec.answers = t.answers;
      rec.TTLs = t.TTLs!;
    }
    rec.rejected = t.rejected;
    if (t.opcode >= 0) {
      rec.opcode = t.opcode;
      rec.opcode_name = t.opcodeName;
    }
    this.ctx.emit({ type: 'dns', log: 'dns', ts: t.ts, uid: rec.uid, record: rec });
  }

  #answerEvent(msg: DnsMessage, fromOrig: boolean, ts: number): void {
    let addrs: string[] | null = null;
    let ttls: number[] | null = null;
    const cnames: string[] = [];
    for (let i = 0; i < msg.answers.length; i++) {
      const rr = msg.answers[i]!;
      if (rr.rdata.kind === 'addr') {
        if (addrs === null) {
          addrs = [];
          ttls = [];
        }
        addrs.push(rr.rdata.addr);
        ttls!.push(rr.ttl);
      } else if (rr.rdata.kind === 'name' && rr.type === RRType.CNAME) {
        cnames.push(asciiLower(rr.rdata.name));
      }
    }
    if (addrs === null) return;
    const c = this.ctx.conn;
    const q = msg.questions.length > 0 ? msg.questions[0]! : null;
    const ev: DnsAnswerEvent = {
      type: 'dns.answer',
      ts,
      uid: c.uid,
      client: fromOrig ? c.resp_h : c.orig_h,
      server: fromOrig ? c.orig_h : c.resp_h,
      query: asciiLower(q !== null ? q.name : msg.answers[0]!.name),
      qtype_name: q !== null ? qtypeName(q.qtype) : qtypeName(msg.answers[0]!.type),
      addrs,
      ttls: ttls!,
      cnames,
    };
    this.ctx.emit(ev);
  }

  /** mDNS / LLMNR responders announce their own names in A/AAAA records. */
  #hostnames(msg: DnsMessage, fromOrig: boolean, ts: number): void {
    const mdns = this.#hostnameSource === 'mdns';
    const answered = new Map<string, string[]>();
    this.#hostnameSection(msg.answers, mdns, fromOrig, ts, answered);
    // mDNS responders put their address records in the additional section too (RFC 6763 §12).
    if (mdns) this.#hostnameSection(msg.additional, mdns, fromOrig, ts, answered);
    // One name.answer per name of the response, with its addresses from both sections.
    for (const [name, addrs] of answered) this.answered(mdns ? 'mdns' : 'llmnr', name, addrs, fromOrig, ts);
  }

  /** Announces the host names of `rrs` and adds them, with their addresses, to `answered`. */
  #hostnameSection(rrs: DnsResourceRecord[], mdns: boolean, fromOrig: boolean, ts: number, answered: Map<string, string[]>): void {
    const source = mdns ? 'mdns' : 'llmnr';
    for (let i = 0; i < rrs.length; i++) {
      const rr = rrs[i]!;
      if (rr.rdata.kind !== 'addr') continue;
      let name = rr.name;
      if (mdns) {
        // Only "<host>.local" names are host announcements (RFC 6762 §3).
        if (name.length <= 6 || asciiLower(name.slice(name.length - 6)) !== '.local') continue;
        name = name.slice(0, name.length - 6);
      }
      if (name.length === 0) continue;
      this.announce(name, rr.rdata.addr, source, fromOrig, ts);
      const addrs = answered.get(name);
      if (addrs === undefined) answered.set(name, [rr.rdata.addr]);
      else if (!addrs.includes(rr.rdata.addr)) addrs.push(rr.rdata.addr);
    }
  }

  /** A responder answered that `name` is at `addrs` (a name.answer event; see events/name-answer.ts). */
  protected answered(protocol: NameAnswerEvent['protocol'], name: string, addrs: string[], fromOrig: boolean, ts: number): void {
    const c = this.ctx.conn;
    this.ctx.emit({
      type: 'name.answer',
      ts,
      uid: c.uid,
      protocol,
      responder: fromOrig ? c.orig_h : c.resp_h,
      to: fromOrig ? c.resp_h : c.orig_h,
      name,
      addrs,
    });
  }

  /** Emit a hostname event once per (name, address) per flow. */
  protected announce(name: string, ip: string, source: HostnameEvent['source'], fromOrig: boolean, ts: number): void {
    const key = `${name}\u0000${ip}`;
    if (this.#announced === null) this.#announced = new Set();
    if (this.#announced.has(key)) return;
    if (this.#announced.size >= MAX_HOSTNAMES_PER_FLOW) this.#announced.clear();
    this.#announced.add(key);
    const c = this.ctx.conn;
    const sender = fromOrig ? c.orig_h : c.resp_h;
    const mac = fromOrig ? c.orig_mac : c.resp_mac;
    const ev: HostnameEvent = { type: 'hostname', ts, ip, name, source };
    // The sender's MAC belongs to the name only when it announces its own address.
    if (mac !== undefined && ip === sender) ev.mac = mac;
    this.ctx.emit(ev);
  }
}

const NETBIOS_OPTS = { netbios: true };

/** First pending entry for `id`, preferring one whose question matches. */
function indexOfId(list: DnsTxn[], id: number, question: string): number {
  let first = -1;
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (t.transId !== id) continue;
    if (question === '' || t.question === '' || t.question === question) return i;
    if (first < 0) first = i;
  }
  return first;
}
