/**
 * The conn.jsonl line of a ConnRecord, written field by field in Zeek's
 * column order straight into bytes, instead of through JSON.stringify or
 * string concatenation. Every ended flow makes one line, so with many short
 * flows serialisation is one of the largest per-flow costs: building the
 * line as a string and then encoding it measured about 2 µs a record,
 * writing the bytes directly about a third of that.
 *
 * The bytes parse to the same object JSON.stringify would write, and for
 * every record JSON.stringify can write they are the same text; key order
 * is Zeek's, so `service` and the enrichment fields sit in their columns
 * even when they were set after the record was built. Strings the tracker
 * builds itself (uid, addresses, proto, conn_state, history, MACs,
 * community_id) are plain ASCII, and so are nearly all others (`service`,
 * the enrichment fields): printable ASCII is copied a character at a time,
 * and a string with any other character (or a quote or backslash) goes
 * through JSON.stringify. Properties outside the ConnRecord interface are
 * not written.
 */
import type { ConnRecord } from './conn-record.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes a line needs at most, apart from its free-text fields. */
const FIXED_MAX_BYTES = 1024;
/** JSON text of a free-text string takes at most six bytes per UTF-16 unit (\uXXXX) plus quotes. */
const ESCAPED_BYTES_PER_UNIT = 6;

/** Room `writeConnRecordJson` may need for `r` (an upper bound). */
export function connRecordJsonMaxBytes(r: ConnRecord): number {
  let free = (r.service?.length ?? 0) + (r.orig_as_org?.length ?? 0) + (r.resp_as_org?.length ?? 0);
  free += (r.orig_cc?.length ?? 0) + (r.resp_cc?.length ?? 0);
  // The tracker's own strings fall back to escaping only when they hold odd characters; count them too.
  free += r.uid.length + r['id.orig_h'].length + r['id.resp_h'].length + r.history.length + r.conn_state.length;
  free += (r.orig_l2_addr?.length ?? 0) + (r.resp_l2_addr?.length ?? 0) + r.community_id.length;
  free += (r.tunnel?.length ?? 0);
  // Each tunnel parent: its uid, its quotes and a comma.
  for (const t of r.tunnel_parents ?? []) free += t.length + 3;
  return FIXED_MAX_BYTES + ESCAPED_BYTES_PER_UNIT * free;
}

/** ASCII bytes of the constant parts, made once. */
const K = {
  ts: encoder.encode('{"ts":'),
  uid: encoder.encode(',"uid":'),
  origH: encoder.encode(',"id.orig_h":'),
  origP: encoder.encode(',"id.orig_p":'),
  respH: encoder.encode(',"id.resp_h":'),
  respP: encoder.encode(',"id.resp_p":'),
  proto: encoder.encode(',"proto":'),
  service: encoder.encode(',"service":'),
  duration: encoder.encode(',"duration":'),
  origBytes: encoder.encode(',"orig_bytes":'),
  respBytes: encoder.encode(',"resp_bytes":'),
  connState: encoder.encode(',"conn_state":'),
  localOrig: encoder.encode(',"local_orig":'),
  localResp: encoder.encode(',"local_resp":'),
  missed: encoder.encode(',"missed_bytes":'),
  history: encoder.encode(',"history":'),
  origPkts: encoder.encode(',"orig_pkts":'),
  origIpBytes: encoder.encode(',"orig_ip_bytes":'),
  respPkts: encoder.encode(',"resp_pkts":'),
  respIpBytes: encoder.encode(',"resp_ip_bytes":'),
  tunnelParents: encoder.encode(',"tunnel_parents":['),
  ipProto: encoder.encode(',"ip_proto":'),
  origL2: encoder.encode(',"orig_l2_addr":'),
  respL2: encoder.encode(',"resp_l2_addr":'),
  vlan: encoder.encode(',"vlan":'),
  innerVlan: encoder.encode(',"inner_vlan":'),
  tunnel: encoder.encode(',"tunnel":'),
  tunnelId: encoder.encode(',"tunnel_id":'),
  communityId: encoder.encode(',"community_id":'),
  origAsn: encoder.encode(',"orig_asn":'),
  origAsOrg: encoder.encode(',"orig_as_org":'),
  origCc: encoder.encode(',"orig_cc":'),
  respAsn: encoder.encode(',"resp_asn":'),
  respAsOrg: encoder.encode(',"resp_as_org":'),
  respCc: encoder.encode(',"resp_cc":'),
  true: encoder.encode('true'),
  false: encoder.encode('false'),
  null: encoder.encode('null'),
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const MINUS = 0x2d;
const CLOSE = 0x7d;
const DOT = 0x2e;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
/** Below 2^32 doubles are spaced finer than a microsecond. */
const MICRO_EXACT_BELOW = 2 ** 32;
/** Below 2^22 doubles are spaced finer than a nanosecond. */
const NANO_EXACT_BELOW = 2 ** 22;
/** The smallest number JavaScript writes without an exponent. */
const MIN_PLAIN_FRACTION = 1e-6;
/** Integers up to this are written digit by digit (beyond it JavaScript's own text is used). */
const MAX_DIGITS_INT = Number.MAX_SAFE_INTEGER;

function put(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[pos + i] = bytes[i]!;
  return pos + bytes.length;
}

/** Free text as JSON (escaped by JSON.stringify), UTF-8 encoded. */
function putEscaped(out: Uint8Array, pos: number, s: string): number {
  return pos + encoder.encodeInto(JSON.stringify(s), out.subarray(pos)).written;
}

/** A string known to be plain ASCII without quotes or backslashes; anything else is escaped. */
function putPlain(out: Uint8Array, pos: number, s: string): number {
  out[pos] = QUOTE;
  let p = pos + 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return putEscaped(out, pos, s);
    out[p++] = c;
  }
  out[p] = QUOTE;
  return p + 1;
}

/** A number as JSON.stringify writes it (null when not finite). */
function putNum(out: Uint8Array, pos: number, n: number): number {
  if ((n | 0) === n && n >= 0) {
    // Small non-negative integers (ports, counts): 32-bit arithmetic. -0 lands here too and prints as 0, as in JSON.
    if (n < 10) {
      out[pos] = ZERO + n;
      return pos + 1;
    }
    let digits = 2;
    for (let t = (n / 100) | 0; t > 0; t = (t / 10) | 0) digits++;
    let v = n;
    let p = pos + digits;
    while (v > 0) {
      const q = (v / 10) | 0;
      out[--p] = ZERO + (v - q * 10);
      v = q;
    }
    return pos + digits;
  }
  if (Number.isInteger(n) && n <= MAX_DIGITS_INT && n >= -MAX_DIGITS_INT) {
    let v = n;
    if (v < 0) {
      out[pos++] = MINUS;
      v = -v;
    }
    if (v === 0) {
      out[pos] = ZERO;
      return pos + 1;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = pos + digits;
    while (v > 0) {
      const q = Math.floor(v / 10);
      out[--p] = ZERO + (v - q * 10);
      v = q;
    }
    return pos + digits;
  }
  if (!Number.isFinite(n)) return put(out, pos, K.null);
  // Times of microsecond captures, and durations (which elapsedSeconds rounds
  // to nanoseconds): when six or nine decimals give the number back exactly,
  // they (less trailing zeros) are its shortest text, because below the
  // bound neighbouring doubles are closer together than one unit of the last
  // decimal, so no other text of as few decimals maps to the same number.
  // Below 1e-6 JavaScript writes an exponent; those take the general path.
  if (n >= MIN_PLAIN_FRACTION && n < MICRO_EXACT_BELOW) {
    const micros = Math.round(n * 1e6);
    if (micros / 1e6 === n) return putFixed(out, pos, micros, 1e6, 6);
    if (n < NANO_EXACT_BELOW) {
      const nanos = Math.round(n * 1e9);
      if (nanos / 1e9 === n) return putFixed(out, pos, nanos, 1e9, 9);
    }
  }
  // Fractions and huge integers: JavaScript's shortest round-trip text, which is JSON's.
  const s = '' + n;
  for (let i = 0; i < s.length; i++) out[pos + i] = s.charCodeAt(i);
  return pos + s.length;
}

/**
 * `units / scale` (units a non-negative integer, scale 10^decimals) in
 * decimal, trailing zeros of the fraction dropped, as JavaScript writes a
 * number whose shortest text it is (an integral value gets no fraction).
 */
function putFixed(out: Uint8Array, pos: number, units: number, scale: number, decimals: number): number {
  const whole = Math.floor(units / scale);
  let frac = units - whole * scale;
  let p = putNum(out, pos, whole);
  if (frac === 0) return p;
  out[p++] = DOT;
  let digits = decimals;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  for (let i = digits - 1; i >= 0; i--) {
    const q = (frac / 10) | 0;
    out[p + i] = ZERO + (frac - q * 10);
    frac = q;
  }
  return p + digits;
}

/**
 * Writes the record's line (without the newline) into `out` at `pos` and
 * returns the position after it. `out` must have connRecordJsonMaxBytes(r)
 * bytes of room from `pos`.
 */
export function writeConnRecordJson(r: ConnRecord, out: Uint8Array, pos: number): number {
  let p = put(out, pos, K.ts);
  p = putNum(out, p, r.ts);
  p = putPlain(out, put(out, p, K.uid), r.uid);
  p = putPlain(out, put(out, p, K.origH), r['id.orig_h']);
  p = putNum(out, put(out, p, K.origP), r['id.orig_p']);
  p = putPlain(out, put(out, p, K.respH), r['id.resp_h']);
  p = putNum(out, put(out, p, K.respP), r['id.resp_p']);
  p = putPlain(out, put(out, p, K.proto), r.proto);
  if (r.service !== undefined) p = putPlain(out, put(out, p, K.service), r.service);
  if (r.duration !== undefined) p = putNum(out, put(out, p, K.duration), r.duration);
  if (r.orig_bytes !== undefined) p = putNum(out, put(out, p, K.origBytes), r.orig_bytes);
  if (r.resp_bytes !== undefined) p = putNum(out, put(out, p, K.respBytes), r.resp_bytes);
  p = putPlain(out, put(out, p, K.connState), r.conn_state);
  if (r.local_orig !== undefined) p = put(out, put(out, p, K.localOrig), r.local_orig ? K.true : K.false);
  if (r.local_resp !== undefined) p = put(out, put(out, p, K.localResp), r.local_resp ? K.true : K.false);
  p = putNum(out, put(out, p, K.missed), r.missed_bytes);
  p = putPlain(out, put(out, p, K.history), r.history);
  p = putNum(out, put(out, p, K.origPkts), r.orig_pkts);
  p = putNum(out, put(out, p, K.origIpBytes), r.orig_ip_bytes);
  p = putNum(out, put(out, p, K.respPkts), r.resp_pkts);
  p = putNum(out, put(out, p, K.respIpBytes), r.resp_ip_bytes);
  const parents = r.tunnel_parents;
  if (parents !== undefined) {
    p = put(out, p, K.tunnelParents);
    for (let i = 0; i < parents.length; i++) {
      if (i > 0) out[p++] = COMMA;
      p = putPlain(out, p, parents[i]!);
    }
    out[p++] = CLOSE_BRACKET;
  }
  p = putNum(out, put(out, p, K.ipProto), r.ip_proto);
  if (r.orig_l2_addr !== undefined) p = putPlain(out, put(out, p, K.origL2), r.orig_l2_addr);
  if (r.resp_l2_addr !== undefined) p = putPlain(out, put(out, p, K.respL2), r.resp_l2_addr);
  if (r.vlan !== undefined) p = putNum(out, put(out, p, K.vlan), r.vlan);
  if (r.inner_vlan !== undefined) p = putNum(out, put(out, p, K.innerVlan), r.inner_vlan);
  if (r.tunnel !== undefined) p = putPlain(out, put(out, p, K.tunnel), r.tunnel);
  if (r.tunnel_id !== undefined) p = putNum(out, put(out, p, K.tunnelId), r.tunnel_id);
  p = putPlain(out, put(out, p, K.communityId), r.community_id);
  // Enrichment: organisation names may hold any text; putPlain escapes whatever needs it.
  if (r.orig_asn !== undefined) p = putNum(out, put(out, p, K.origAsn), r.orig_asn);
  if (r.orig_as_org !== undefined) p = putPlain(out, put(out, p, K.origAsOrg), r.orig_as_org);
  if (r.orig_cc !== undefined) p = putPlain(out, put(out, p, K.origCc), r.orig_cc);
  if (r.resp_asn !== undefined) p = putNum(out, put(out, p, K.respAsn), r.resp_asn);
  if (r.resp_as_org !== undefined) p = putPlain(out, put(out, p, K.respAsOrg), r.resp_as_org);
  if (r.resp_cc !== undefined) p = putPlain(out, put(out, p, K.respCc), r.resp_cc);
  out[p] = CLOSE;
  return p + 1;
}

let scratch = new Uint8Array(4096);

/** The record as one line of JSON text (without the newline). */
export function connRecordToJson(r: ConnRecord): string {
  const need = connRecordJsonMaxBytes(r);
  if (scratch.length < need) scratch = new Uint8Array(need);
  return decoder.decode(scratch.subarray(0, writeConnRecordJson(r, scratch, 0)));
}
