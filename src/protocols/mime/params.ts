/**
 * Parameters of a MIME header value (Content-Disposition, Content-Type):
 * `filename="a.pdf"`, a token, the RFC 2231 forms mailers use for long and
 * non-ASCII names (`filename*=UTF-8''%E2%82%AC.pdf`, and continuations
 * `filename*0*=...; filename*1*=...`), and RFC 2047 encoded words inside a
 * plain value (`filename="=?UTF-8?B?aW52b2ljZS5leGU=?="`, as Outlook and
 * webmail send them). A name hidden in one of these forms must still be
 * read: an attachment's extension is evidence. Never throws.
 */

/** Continuation sections read per parameter (RFC 2231 section 3); more are ignored. */
const MAX_SECTIONS = 64;
/** Longest decoded value kept. */
const MAX_VALUE = 1024;

interface Raw {
  attr: string;
  value: string;
  quoted: boolean;
}

/** The `attr=value` pairs after the first ';' of a header value, attributes lower-cased. */
function rawParams(header: string): Raw[] {
  const out: Raw[] = [];
  let i = header.indexOf(';');
  if (i < 0) i = header.length;
  const n = header.length;
  while (i < n) {
    i++; // past ';'
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
    const eq = header.indexOf('=', i);
    const semi = header.indexOf(';', i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      if (semi < 0) break;
      i = semi;
      continue;
    }
    const attr = header.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (j < n && (header[j] === ' ' || header[j] === '\t')) j++;
    if (header[j] === '"') {
      let v = '';
      j++;
      while (j < n && header[j] !== '"') {
        if (header[j] === '\\' && j + 1 < n) j++;
        v += header[j];
        j++;
      }
      out.push({ attr, value: v, quoted: true });
      const next = header.indexOf(';', j);
      i = next < 0 ? n : next;
    } else {
      const end = header.indexOf(';', j);
      out.push({ attr, value: header.slice(j, end < 0 ? n : end).trim(), quoted: false });
      i = end < 0 ? n : end;
    }
  }
  return out;
}

/** Text of `bytes` in `charset`; undefined when the charset is not one this runtime knows. */
function decodeCharset(bytes: Uint8Array, charset: string): string | undefined {
  try {
    return new TextDecoder(charset.trim() === '' ? 'utf-8' : charset.trim().toLowerCase(), { fatal: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Percent-escapes to bytes (RFC 2231 extended values); null when an escape is broken. */
function percentBytes(s: string): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (!/^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) return null;
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) out.push(b);
    }
  }
  return Uint8Array.from(out);
}

/**
 * RFC 2047 encoded words in `text` decoded (`=?charset?B|Q?...?=`; the
 * blanks between two adjacent encoded words dropped, as the RFC says); a
 * word in an unknown charset or malformed stays as sent.
 */
export function decodeEncodedWords(text: string): string {
  if (!text.includes('=?')) return text;
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  let out = '';
  let last = 0;
  let lastWasWord = false;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) {
    const between = text.slice(last, m.index);
    const charset = m[1]!.split('*')[0]!; // RFC 2231 section 5: a language may follow the charset
    let bytes: Uint8Array;
    if (m[2] === 'B' || m[2] === 'b') {
      bytes = Buffer.from(m[3]!, 'base64');
    } else {
      // Q: "_" is a space, "=XX" a byte; a lone "%" is itself.
      bytes = percentBytes(m[3]!.replace(/%/g, '%25').replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, '%$1')) ?? new Uint8Array(0);
    }
    const decoded = decodeCharset(bytes, charset);
    if (decoded === undefined) {
      out += between + m[0];
      lastWasWord = false;
    } else {
      out += lastWasWord && /^[ \t\r\n]*$/.test(between) ? '' : between;
      out += decoded;
      lastWasWord = true;
    }
    last = m.index + m[0].length;
  }
  return (out + text.slice(last)).slice(0, MAX_VALUE);
}

/**
 * Parameter `name` of a MIME header value, decoded: the RFC 2231 extended
 * or continued form when present (it is the precise one), else the plain
 * value with any encoded words decoded; undefined when absent or empty.
 */
export function headerParam(header: string, name: string): string | undefined {
  const params = rawParams(header);
  const key = name.toLowerCase();
  // RFC 2231: name*=charset'lang'value, or sections name*0[*], name*1[*], ...
  const single = params.find((p) => p.attr === `${key}*`);
  const sections: { n: number; value: string; extended: boolean }[] = [];
  for (const p of params) {
    const m = /^(.+)\*(\d{1,3})(\*?)$/.exec(p.attr);
    if (m === null || m[1] !== key) continue;
    const n = Number(m[2]);
    if (n < MAX_SECTIONS) sections.push({ n, value: p.value, extended: m[3] === '*' });
  }
  if (single !== undefined || sections.length > 0) {
    let charset = 'utf-8';
    const parts: Uint8Array[] = [];
    let raw = '';
    let broken = false;
    const pieces = single !== undefined ? [{ n: 0, value: single.value, extended: true }] : sections.sort((a, b) => a.n - b.n);
    for (const s of pieces) {
      let v = s.value;
      if (s.n === 0 && s.extended) {
        const m = /^([^']*)'[^']*'(.*)$/.exec(v);
        if (m !== null) {
          if (m[1] !== '') charset = m[1]!;
          v = m[2]!;
        }
      }
      raw += v;
      const bytes = s.extended ? percentBytes(v) : Buffer.from(v, 'utf8');
      if (bytes === null) broken = true;
      else parts.push(bytes);
    }
    if (!broken) {
      const text = decodeCharset(Buffer.concat(parts), charset) ?? decodeCharset(Buffer.concat(parts), 'utf-8');
      if (text !== undefined && text !== '') return text.slice(0, MAX_VALUE);
    } else if (params.every((p) => p.attr !== key) && raw !== '') {
      // A broken escape and no plain value to fall back on: the value as sent.
      return raw.slice(0, MAX_VALUE);
    }
  }
  const plain = params.find((p) => p.attr === key);
  if (plain === undefined || plain.value === '') return undefined;
  return decodeEncodedWords(plain.value);
}
