/**
 * Where an FTP data channel will open, from the control channel's text
 * (RFC 959 PORT and the 227 reply to PASV, RFC 2428 EPRT and the 229 reply
 * to EPSV), and the size a server announces for a transfer. Pure functions
 * of text; addresses come back in the decoder's canonical form so that
 * they compare equal to a connection's own. Never throws.
 */
import { ipv4ToString, ipv6ToString, parseIp } from '../../decode/addr.js';

/** An address and port the data channel's opener will connect to. */
export interface DataEndpoint {
  /** Canonical address text; null when the message gave none (EPSV: the control connection's server). */
  host: string | null;
  port: number;
}

/** Six comma-separated numbers 0..255 "h1,h2,h3,h4,p1,p2", the first such run in `text`. */
const HOST_PORT = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/;

/** The address and port of a PORT argument or a 227 reply's text, or null. */
export function parseHostPort(text: string): DataEndpoint | null {
  const m = HOST_PORT.exec(text);
  if (m === null) return null;
  const n = m.slice(1).map(Number);
  if (n.some((v) => v > 255)) return null;
  const port = n[4]! * 256 + n[5]!;
  if (port === 0) return null;
  return { host: `${n[0]}.${n[1]}.${n[2]}.${n[3]}`, port };
}

/**
 * An EPRT argument "|1|192.0.2.7|6275|" or "|2|2001:db8::7|6275|": the
 * first character is the delimiter, then the network protocol (1 IPv4,
 * 2 IPv6), the address and the port. Null when malformed.
 */
export function parseEprt(arg: string): DataEndpoint | null {
  const fields = splitExtended(arg.trim());
  if (fields === null || fields.length !== 3) return null;
  const [proto, addr, port] = fields as [string, string, string];
  if (proto !== '1' && proto !== '2') return null;
  const host = canonicalAddress(addr, proto === '1' ? 4 : 6);
  const p = portNumber(port);
  if (host === null || p === null) return null;
  return { host, port: p };
}

/**
 * A 229 reply's "(|||6446|)": only the port is given, the data channel
 * opens to the control connection's server (`host` null). An address in
 * the middle fields, which some servers add, is taken when valid.
 */
export function parseEpsvReply(text: string): DataEndpoint | null {
  const open = text.indexOf('(');
  const close = open < 0 ? -1 : text.indexOf(')', open + 1);
  if (close < 0) return null;
  const fields = splitExtended(text.slice(open + 1, close));
  if (fields === null || fields.length !== 3) return null;
  const p = portNumber(fields[2]!);
  if (p === null) return null;
  const addr = fields[1]!;
  const host = addr === '' ? null : canonicalAddress(addr, fields[0] === '1' ? 4 : fields[0] === '2' ? 6 : 0);
  if (addr !== '' && host === null) return null;
  return { host, port: p };
}

/**
 * The size a 150 reply announces ("... (1234 bytes)") or a 213 reply to
 * SIZE gives (the number alone), or undefined.
 */
export function announcedSize(code: number, text: string): number | undefined {
  const m = code === 213 ? /^\s*(\d{1,15})\s*$/.exec(text) : /\((\d{1,15}) bytes?\)/i.exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** "<d>f1<d>f2<d>f3<d>" with any printable delimiter <d>: [f1, f2, f3]; null when not so framed. */
function splitExtended(text: string): string[] | null {
  if (text.length < 4) return null;
  const d = text[0]!;
  const code = d.charCodeAt(0);
  if (code < 33 || code > 126 || text[text.length - 1] !== d) return null;
  return text.slice(1, -1).split(d);
}

/** Canonical text of an address of version `v` (0: either), or null. */
function canonicalAddress(text: string, v: 0 | 4 | 6): string | null {
  const a = parseIp(text);
  if (a === null || (v !== 0 && a.v !== v)) return null;
  return a.v === 4 ? ipv4ToString(a.words[0]!) : ipv6ToString(a.words);
}

function portNumber(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const p = Number(text);
  return p >= 1 && p <= 65535 ? p : null;
}
