/**
 * A strict reader of CEF records for tests, written from the format's
 * rules: "CEF:0" and six header fields separated by unescaped "|" (in which
 * only "\|" and "\\" may be escaped), then the extension: key=value pairs
 * separated by spaces, a key being letters and digits followed by an
 * unescaped "=", a value running to the space before the next key (in which
 * "\=", "\\", "\n" and "\r" are the only escapes). Anything else throws.
 */
export interface CefRecord {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  ext: Record<string, string>;
}

function unescapeHeader(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => {
    if (c !== '|' && c !== '\\') throw new Error(`bad header escape \\${c}`);
    return c;
  });
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => {
    if (c === '=' || c === '\\') return c;
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    throw new Error(`bad extension escape \\${c}`);
  });
}

export function parseCef(line: string): CefRecord {
  if (/[\r\n]/.test(line)) throw new Error('a raw line break in a CEF record');
  // Header: split on "|" not preceded by an odd number of backslashes.
  const fields: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < line.length && fields.length < 7; i++) {
    const c = line[i]!;
    if (c === '\\') {
      cur += c + (line[i + 1] ?? '');
      i++;
    } else if (c === '|') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  if (fields.length !== 7) throw new Error(`a CEF header has 7 fields, got ${fields.length}`);
  if (fields[0] !== 'CEF:0') throw new Error(`not CEF:0: ${fields[0]}`);
  const [, vendor, product, deviceVersion, signatureId, name, severity] = fields.map(unescapeHeader) as [string, string, string, string, string, string, string];
  const rest = line.slice(i);
  const ext: Record<string, string> = {};
  // Positions of every unescaped "=" that ends a key.
  const keys: { key: string; start: number; valueStart: number }[] = [];
  const re = /(?:^| )([A-Za-z0-9_]+)=/g;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    let bs = 0;
    for (let k = m.index + m[0].length - 2; k >= 0 && rest[k] === '\\'; k--) bs++;
    if (bs % 2 === 1) continue;
    keys.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length });
  }
  if (rest !== '' && (keys.length === 0 || keys[0]!.start !== 0)) throw new Error(`extension does not start with a key: ${rest.slice(0, 40)}`);
  for (let k = 0; k < keys.length; k++) {
    const end = k + 1 < keys.length ? keys[k + 1]!.start : rest.length;
    const raw = rest.slice(keys[k]!.valueStart, end);
    if (/(^|[^\\])(\\\\)*=/.test(raw)) throw new Error(`unescaped "=" in the value of ${keys[k]!.key}`);
    if (keys[k]!.key in ext) throw new Error(`key ${keys[k]!.key} twice`);
    ext[keys[k]!.key] = unescapeValue(raw);
  }
  return { version: '0', vendor, product, deviceVersion, signatureId, name, severity, ext };
}
