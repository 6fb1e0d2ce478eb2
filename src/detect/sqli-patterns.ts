/**
 * Whether a request URI carries SQL injection: the shapes that manual
 * attempts and tools (sqlmap, Havij, scanners' SQLi checks) put in query
 * strings, as opposed to SQL words that merely occur in text ("select a
 * size", "union station"). Each pattern needs SQL syntax around the words:
 * a quote closing a string and a tautology or comment after it, UNION
 * followed by SELECT, a stacked statement after ";", a time-delay or
 * error-forcing function called with "(", the schema catalogue. The URI is
 * percent-decoded first (twice, for double encoding) and "+" read as space.
 */

export interface SqliMatch {
  /** Names of the patterns that matched, in the order below. */
  patterns: string[];
}

/** Longest URI judged (a longer one is judged on its head). */
const MAX_URI = 8192;

const PATTERNS: readonly { name: string; re: RegExp }[] = [
  // ' OR '1'='1, ' or 1=1, " and "a"="a: a quote, a boolean operator, then a comparison.
  { name: 'tautology', re: /['"`]\s*\)*\s*(?:or|and|xor|\|\||&&)\s+\(*\s*['"`]?\w*['"`]?\s*(?:=|<|>|like\b|is\b)/i },
  // id=1 AND 1=1, id=1 OR 2>1 (sqlmap's boolean tests): a number compared after a boolean operator.
  { name: 'numeric_boolean', re: /\b(?:and|or)\s+\(*\s*\d+\s*(?:=|<>|!=|>|<)\s*\d+/i },
  // UNION [ALL] SELECT, also with comments between the words.
  { name: 'union_select', re: /\bunion\b(?:\s|\/\*.*?\*\/)+(?:all\b(?:\s|\/\*.*?\*\/)+|distinct\b(?:\s|\/\*.*?\*\/)+)?select\b/i },
  // A quote (or a number) followed by a comment that cuts off the rest of the statement.
  { name: 'comment_terminator', re: /['"`]\s*\)*\s*(?:--|#|\/\*)|\d\s*\)*\s*(?:--(?:\s|$)|\/\*)/ },
  // ; DROP TABLE, ; EXEC xp_cmdshell: a stacked statement.
  { name: 'stacked_query', re: /;\s*(?:drop|insert|update|delete|exec(?:ute)?|declare|shutdown|create|alter|truncate)\s+\w/i },
  // Time-based blind checks.
  { name: 'time_delay', re: /\b(?:sleep|pg_sleep|benchmark)\s*\(\s*\d|\bwaitfor\s+delay\s*['"]/i },
  // Error-based extraction and file access.
  { name: 'error_function', re: /\b(?:extractvalue|updatexml|load_file|utl_inaddr\.get_host_name|ctxsys\.drithsx\.sn)\s*\(/i },
  // The schema catalogue, named after SQL syntax.
  { name: 'schema_catalogue', re: /\bfrom\s+(?:information_schema\.|mysql\.user\b|sys\.|sysobjects\b|pg_catalog\.|sqlite_master\b)/i },
];

/** Percent-decodes `s` ("+" as space); invalid escapes are left as written. Never throws. */
export function decodeUri(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '+') {
      out += ' ';
    } else if (c === '%' && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/** The SQL injection patterns in `uri`, or null when there are none. */
export function sqliInUri(uri: string): SqliMatch | null {
  const q = uri.indexOf('?');
  // The path rarely carries injection; the query string does (a path-only URI is judged whole).
  let text = q >= 0 ? uri.slice(q + 1) : uri;
  if (text.length > MAX_URI) text = text.slice(0, MAX_URI);
  let decoded = decodeUri(text);
  if (decoded.indexOf('%') >= 0) decoded = decodeUri(decoded);
  const patterns: string[] = [];
  for (const p of PATTERNS) if (p.re.test(decoded)) patterns.push(p.name);
  return patterns.length > 0 ? { patterns } : null;
}
