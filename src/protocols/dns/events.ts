/**
 * Events of the dns analyzer (also produced by the nbns analyzer, which logs
 * NetBIOS name service traffic to dns.log as Zeek does).
 *
 * `dns` is the log event: one per query/response pair, with Zeek's dns.log
 * field names in Zeek's order. `dns.answer` is for detectors: the addresses
 * a response resolved, without re-parsing the log's answer strings.
 */

/** One dns.log line (Zeek's DNS::Info; unset fields are omitted). */
export interface DnsRecord {
  /** Time of the first message of the transaction (query, or the reply when no query was seen). */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  proto: 'tcp' | 'udp';
  /** DNS message ID. */
  trans_id: number;
  /** Seconds from the query to the first answer record; absent without answers (as Zeek). */
  rtt?: number;
  /** Queried name, ASCII lower-cased (NBNS: the decoded NetBIOS name). */
  query?: string;
  qclass?: number;
  qclass_name?: string;
  qtype?: number;
  qtype_name?: string;
  rcode?: number;
  rcode_name?: string;
  /** Authoritative answer (set from responses that carried answers). */
  AA: boolean;
  /** Truncated (from the query). */
  TC: boolean;
  /** Recursion desired (from the query). */
  RD: boolean;
  /** Recursion available (set from responses that carried answers). */
  RA: boolean;
  /** The three reserved/AD/CD bits of the query. */
  Z: number;
  /** Answer section rendered as Zeek does: addresses, names, "TXT <len> <text>", ... */
  answers?: string[];
  /** TTL in seconds of each entry of `answers`. */
  TTLs?: number[];
  /** The server rejected the query (error without questions, or a response without any records). */
  rejected: boolean;
  opcode?: number;
  opcode_name?: string;
}

export interface DnsLogEvent {
  type: 'dns';
  log: 'dns';
  ts: number;
  uid: string;
  record: DnsRecord;
}

/** A response that resolved addresses (A/AAAA in its answer section). */
export interface DnsAnswerEvent {
  type: 'dns.answer';
  ts: number;
  uid: string;
  /** The querier (the side that did not send the response). */
  client: string;
  /** The responder. */
  server: string;
  /** Question name (lower-cased), or the first answer's owner when there was no question. */
  query: string;
  qtype_name: string;
  /** Every A/AAAA address of the answer section, in order. */
  addrs: string[];
  /** TTL in seconds of each address. */
  ttls: number[];
  /** Names of the CNAME chain, in order (lower-cased). */
  cnames: string[];
}

export type DnsEvent = DnsLogEvent | DnsAnswerEvent;

/**
 * True when a dns.log `answers` entry is a name (a CNAME or PTR target), not
 * an address or a rendered record such as "TXT 20 v=spf1 ..." or an MX.
 */
export function isAnswerName(answer: string): boolean {
  return answer.indexOf(' ') < 0 && answer.indexOf(':') < 0 && !/^[0-9.]+$/.test(answer);
}
