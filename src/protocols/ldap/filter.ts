/**
 * Renders an LDAP search Filter (RFC 4511 §4.5.1) as RFC 4515 text, e.g.
 * "(&(objectClass=user)(sAMAccountName=adm*))". Assertion values are escaped
 * as RFC 4515 requires ('*', '(', ')', '\\' and NUL as \\xx, and other control
 * bytes too, so log lines stay printable); values that are
 * not valid UTF-8 (binary SIDs, GUIDs) are written byte by byte as \\xx.
 * Nesting is bounded by the BER reader's depth limit and output by
 * LDAP_MAX_FILTER_CHARS; malformed filters render as "FILTER_PARSING_ERROR"
 * (Zeek's marker), never a throw.
 */
import { BerReader, TagClass } from '../asn1/ber.js';

/** Longest rendered filter kept; enumeration tools stay well under 2 KiB. */
export const LDAP_MAX_FILTER_CHARS = 8192;
export const FILTER_PARSING_ERROR = 'FILTER_PARSING_ERROR';

const FilterTag = {
  AND: 0,
  OR: 1,
  NOT: 2,
  EQUALITY: 3,
  SUBSTRINGS: 4,
  GREATER_OR_EQUAL: 5,
  LESS_OR_EQUAL: 6,
  PRESENT: 7,
  APPROX: 8,
  EXTENSIBLE: 9,
} as const;

const HEX = '0123456789abcdef';
const utf8 = new TextDecoder('utf-8', { fatal: false });

function validUtf8(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e) {
    const c = b[i]!;
    let n: number;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return false;
    for (let k = 1; k <= n; k++) {
      if (i + k >= e) return false;
      const d = b[i + k]!;
      if ((d & 0xc0) !== 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

/** RFC 4515 assertion value escaping of the bytes [s, e). */
export function escapeValue(b: Uint8Array, s: number, e: number): string {
  const text = validUtf8(b, s, e);
  if (text) {
    let plain = true;
    for (let i = s; i < e; i++) {
      const c = b[i]!;
      if (c === 0x2a || c === 0x28 || c === 0x29 || c === 0x5c || c < 0x20 || c === 0x7f) {
        plain = false;
        break;
      }
    }
    if (plain) return utf8.decode(b.subarray(s, e));
  }
  let out = '';
  let run = s;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    // RFC 4515 specials, plus control bytes so log lines stay printable.
    const special = c === 0x2a || c === 0x28 || c === 0x29 || c === 0x5c || c < 0x20 || c === 0x7f;
    if (special || (!text && c > 0x7e)) {
      if (run < i) out += utf8.decode(b.subarray(run, i));
      out += `\\${HEX[c >> 4]}${HEX[c & 15]}`;
      run = i + 1;
    }
  }
  if (run < e) out += utf8.decode(b.subarray(run, e));
  return out;
}

/** Renders the Filter element the reader is positioned on. */
export function renderFilter(r: BerReader): string {
  const st = { out: '', error: false };
  render(r, st);
  if (st.error) return FILTER_PARSING_ERROR;
  if (st.out.length > LDAP_MAX_FILTER_CHARS) return `${st.out.slice(0, LDAP_MAX_FILTER_CHARS)}...`;
  return st.out;
}

interface RenderState {
  out: string;
  error: boolean;
}

/**
 * Opens an assertion (AttributeValueAssertion, SubstringFilter: a SEQUENCE
 * starting with the attribute description): writes "(" and the attribute and
 * returns the reader on the element after it, or null with st.error set when
 * the SEQUENCE or either element is missing. Writing before the rest is read
 * is safe: any later error discards the whole output.
 */
function openAssertion(r: BerReader, b: Uint8Array, st: RenderState): BerReader | null {
  const inner = r.enter();
  if (inner === null || !inner.next()) {
    st.error = true;
    return null;
  }
  st.out += `(${escapeValue(b, inner.valueStart, inner.valueEnd)}`;
  if (!inner.next()) {
    st.error = true;
    return null;
  }
  return inner;
}

function render(r: BerReader, st: RenderState): void {
  if (st.error || st.out.length > LDAP_MAX_FILTER_CHARS) return;
  if (r.cls !== TagClass.CONTEXT) {
    st.error = true;
    return;
  }
  const b = r.buf;
  switch (r.tag) {
    case FilterTag.AND:
    case FilterTag.OR:
    case FilterTag.NOT: {
      const inner = r.enter();
      if (inner === null) {
        st.error = true;
        return;
      }
      st.out += r.tag === FilterTag.AND ? '(&' : r.tag === FilterTag.OR ? '(|' : '(!';
      let n = 0;
      while (inner.next()) {
        render(inner, st);
        n++;
        if (st.error) return;
      }
      if (inner.error !== null || (r.tag === FilterTag.NOT && n !== 1)) {
        st.error = true;
        return;
      }
      st.out += ')';
      return;
    }
    case FilterTag.PRESENT:
      st.out += `(${escapeValue(b, r.valueStart, r.valueEnd)}=*)`;
      return;
    case FilterTag.EQUALITY:
    case FilterTag.GREATER_OR_EQUAL:
    case FilterTag.LESS_OR_EQUAL:
    case FilterTag.APPROX: {
      const inner = openAssertion(r, b, st);
      if (inner === null) return;
      const op = r.tag === FilterTag.EQUALITY ? '=' : r.tag === FilterTag.GREATER_OR_EQUAL ? '>=' : r.tag === FilterTag.LESS_OR_EQUAL ? '<=' : '~=';
      st.out += `${op}${escapeValue(b, inner.valueStart, inner.valueEnd)})`;
      return;
    }
    case FilterTag.SUBSTRINGS: {
      const inner = openAssertion(r, b, st);
      if (inner === null) return;
      const subs = inner.enter();
      if (subs === null) {
        st.error = true;
        return;
      }
      let initial = '';
      let middle = '';
      let final = '';
      while (subs.next()) {
        const v = escapeValue(b, subs.valueStart, subs.valueEnd);
        if (subs.tag === 0) initial = v;
        else if (subs.tag === 1) middle += `${v}*`;
        else if (subs.tag === 2) final = v;
      }
      if (subs.error !== null) {
        st.error = true;
        return;
      }
      st.out += `=${initial}*${middle}${final})`;
      return;
    }
    case FilterTag.EXTENSIBLE: {
      const inner = r.enter();
      if (inner === null) {
        st.error = true;
        return;
      }
      let rule = '';
      let type = '';
      let value = '';
      let dn = false;
      while (inner.next()) {
        if (inner.tag === 1) rule = escapeValue(b, inner.valueStart, inner.valueEnd);
        else if (inner.tag === 2) type = escapeValue(b, inner.valueStart, inner.valueEnd);
        else if (inner.tag === 3) value = escapeValue(b, inner.valueStart, inner.valueEnd);
        else if (inner.tag === 4) dn = inner.bool();
      }
      if (inner.error !== null) {
        st.error = true;
        return;
      }
      st.out += `(${type}${dn ? ':dn' : ''}${rule !== '' ? `:${rule}` : ''}:=${value})`;
      return;
    }
    default:
      st.error = true;
      return;
  }
}
