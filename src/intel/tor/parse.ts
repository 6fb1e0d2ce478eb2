/**
 * Tor relay documents to relay records, in the three formats the Tor Project
 * publishes (and a plain address list):
 * - Onionoo "details" JSON (`{"relays": [{nickname, fingerprint,
 *   or_addresses: ["ip:port", "[v6]:port"], dir_address, exit_addresses,
 *   flags, exit_policy_summary}]}`),
 * - network-status consensus documents (dir-spec: `r` nickname, identity
 *   (base64), [digest,] date time IP ORPort DirPort; `a` extra OR address;
 *   `s` flags; `p` exit policy summary) — full and microdescriptor flavours,
 * - TorDNSEL exit lists (`ExitNode` fingerprint, `ExitAddress` ip date time),
 * - one address a line (e.g. the bulk exit list): taken as exits.
 * The format is recognised from the content. Malformed entries are counted
 * and sampled with their line, the rest of the document still loads.
 */
import { canonicalIp } from '../store/indicator.js';
import type { BadLine } from '../lists/parse-list.js';
import { MAX_BAD_SAMPLES } from '../lists/parse-list.js';
import type { TorRelayRecord } from './relay.js';

export type TorFormat = 'onionoo' | 'consensus' | 'exit-list' | 'address-list';

export interface ParsedTor {
  format: TorFormat;
  relays: TorRelayRecord[];
  bad: BadLine[];
  badCount: number;
}

/** Flags that mark a relay carrying traffic out of Tor. */
const EXIT_FLAG = 'Exit';
const MAX_BAD_TEXT = 120;

class Bad {
  readonly samples: BadLine[] = [];
  count = 0;
  add(line: number, reason: string, text: string): void {
    this.count++;
    if (this.samples.length < MAX_BAD_SAMPLES) this.samples.push({ line, reason, text: text.slice(0, MAX_BAD_TEXT) });
  }
}

export function detectTorFormat(text: string): TorFormat {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{')) return 'onionoo';
  if (/^@type tordnsel/m.test(head) || /^ExitNode /m.test(head)) return 'exit-list';
  if (/^@type network-status-(microdesc-)?consensus/m.test(head) || /^network-status-version /m.test(head) || /^r \S+ \S+ /m.test(head)) return 'consensus';
  return 'address-list';
}

export function parseTorDocument(text: string): ParsedTor {
  const format = detectTorFormat(text);
  switch (format) {
    case 'onionoo':
      return { format, ...parseOnionoo(text) };
    case 'consensus':
      return { format, ...parseConsensus(text) };
    case 'exit-list':
      return { format, ...parseExitList(text) };
    case 'address-list':
      return { format, ...parseAddressList(text) };
  }
}

type Parsed = Omit<ParsedTor, 'format'>;

function port(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && n <= 65535 ? n : undefined;
}

/** "1.2.3.4:9001" or "[2001:db8::1]:9001" to address and port. */
function splitHostPort(text: string): { address: string; port: number | undefined } | null {
  let host: string;
  let p: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    host = text.slice(1, close);
    p = text[close + 1] === ':' ? text.slice(close + 2) : undefined;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    p = colon < 0 ? undefined : text.slice(colon + 1);
  }
  const address = canonicalIp(host);
  if (address === null) return null;
  return { address, port: port(p) };
}

/** Base64 identity (27 characters, unpadded) to 40 upper-case hex digits. */
function identityHex(b64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]{27}=?$/.test(b64)) return undefined;
  const buf = Buffer.from(b64, 'base64');
  return buf.length === 20 ? buf.toString('hex').toUpperCase() : undefined;
}

function parseOnionoo(text: string): Parsed {
  const bad = new Bad();
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (err) {
    bad.add(1, `not valid JSON: ${(err as Error).message}`, text);
    return { relays: [], bad: bad.samples, badCount: bad.count };
  }
  const list = (j as { relays?: unknown }).relays;
  if (!Array.isArray(list)) {
    bad.add(1, 'no "relays" array (not an Onionoo details document)', text);
    return { relays: [], bad: bad.samples, badCount: bad.count };
  }
  const relays: TorRelayRecord[] = [];
  list.forEach((r: unknown, i: number) => {
    if (typeof r !== 'object' || r === null) {
      bad.add(i + 1, 'relay entry is not an object', JSON.stringify(r) ?? '');
      return;
    }
    const o = r as Record<string, unknown>;
    const flags = Array.isArray(o.flags) ? o.flags.filter((f): f is string => typeof f === 'string') : [];
    const eps = o.exit_policy_summary as { accept?: unknown; reject?: unknown } | undefined;
    const rejectsAll = eps !== undefined && Array.isArray(eps.reject) && eps.reject.length === 1 && eps.reject[0] === '1-65535';
    const exit = flags.includes(EXIT_FLAG) || (eps !== undefined && (Array.isArray(eps.accept) || (Array.isArray(eps.reject) && !rejectsAll)));
    const base: Omit<TorRelayRecord, 'address'> = { flags, exit };
    if (typeof o.nickname === 'string') base.nickname = o.nickname;
    if (typeof o.fingerprint === 'string' && /^[0-9A-Fa-f]{40}$/.test(o.fingerprint)) base.fingerprint = o.fingerprint.toUpperCase();
    const dir = typeof o.dir_address === 'string' ? splitHostPort(o.dir_address) : null;
    const seen = new Set<string>();
    const ors = Array.isArray(o.or_addresses) ? o.or_addresses : [];
    for (const a of ors) {
      const hp = typeof a === 'string' ? splitHostPort(a) : null;
      if (hp === null) {
        bad.add(i + 1, 'bad or_addresses entry', String(a));
        continue;
      }
      const rec: TorRelayRecord = { ...base, flags: [...flags], address: hp.address };
      if (hp.port !== undefined) rec.or_port = hp.port;
      if (dir !== null && dir.address === hp.address && dir.port !== undefined) rec.dir_port = dir.port;
      seen.add(hp.address);
      relays.push(rec);
    }
    const exits = Array.isArray(o.exit_addresses) ? o.exit_addresses : [];
    for (const a of exits) {
      const ip = typeof a === 'string' ? canonicalIp(a) : null;
      if (ip === null) {
        bad.add(i + 1, 'bad exit_addresses entry', String(a));
        continue;
      }
      if (seen.has(ip)) continue;
      seen.add(ip);
      relays.push({ ...base, flags: [...flags], address: ip, exit: true });
    }
    if (ors.length === 0 && exits.length === 0) bad.add(i + 1, 'relay without addresses', String(o.nickname ?? ''));
  });
  return { relays, bad: bad.samples, badCount: bad.count };
}

function parseConsensus(text: string): Parsed {
  const bad = new Bad();
  const relays: TorRelayRecord[] = [];
  /** Records of the current `r` entry (its OR address and any `a` addresses), completed by `s` and `p`. */
  let current: TorRelayRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('r ')) {
      current = [];
      const f = line.split(' ');
      // Full flavour: r nick identity digest date time ip orport dirport (9 fields); microdesc: no digest (8).
      const off = f.length >= 9 ? 1 : f.length === 8 ? 0 : -1;
      if (off < 0) {
        bad.add(i + 1, 'r line with a wrong number of fields', line);
        continue;
      }
      const address = canonicalIp(f[5 + off]!);
      const orPort = port(f[6 + off]);
      if (address === null || orPort === undefined) {
        bad.add(i + 1, 'r line with a bad address or ORPort', line);
        continue;
      }
      const rec: TorRelayRecord = { address, nickname: f[1]!, or_port: orPort, flags: [], exit: false };
      const fp = identityHex(f[2]!);
      if (fp !== undefined) rec.fingerprint = fp;
      const dirPort = port(f[7 + off]);
      if (dirPort !== undefined) rec.dir_port = dirPort;
      current.push(rec);
      relays.push(rec);
    } else if (line.startsWith('a ') && current.length > 0) {
      const hp = splitHostPort(line.slice(2).trim());
      if (hp === null) {
        bad.add(i + 1, 'a line with a bad address', line);
        continue;
      }
      const first = current[0]!;
      const rec: TorRelayRecord = { address: hp.address, flags: first.flags, exit: false };
      if (first.nickname !== undefined) rec.nickname = first.nickname;
      if (first.fingerprint !== undefined) rec.fingerprint = first.fingerprint;
      if (hp.port !== undefined) rec.or_port = hp.port;
      current.push(rec);
      relays.push(rec);
    } else if (line.startsWith('s ') || line === 's') {
      const flags = line.slice(2).trim().split(/\s+/).filter((s) => s.length > 0);
      for (const r of current) {
        r.flags = flags;
        if (flags.includes(EXIT_FLAG)) r.exit = true;
      }
    } else if (line.startsWith('p ')) {
      // An exit policy summary that accepts anything makes it an exit, Exit flag or not.
      const accepts = line.startsWith('p accept ') || (line.startsWith('p reject ') && line.trim() !== 'p reject 1-65535');
      if (accepts) for (const r of current) r.exit = true;
    } else if (line.startsWith('directory-footer')) {
      current = [];
    }
  }
  // `a` records shared the first record's flags array; give each its own copy for the store.
  for (const r of relays) r.flags = [...r.flags];
  return { relays, bad: bad.samples, badCount: bad.count };
}

function parseExitList(text: string): Parsed {
  const bad = new Bad();
  const relays: TorRelayRecord[] = [];
  let fingerprint: string | undefined;
  let seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('ExitNode ')) {
      const fp = line.slice(9).trim();
      fingerprint = /^[0-9A-Fa-f]{40}$/.test(fp) ? fp.toUpperCase() : undefined;
      if (fingerprint === undefined) bad.add(i + 1, 'ExitNode without a 40-digit fingerprint', line);
      seen = new Set();
    } else if (line.startsWith('ExitAddress ')) {
      const ip = canonicalIp(line.split(/\s+/)[1] ?? '');
      if (ip === null) {
        bad.add(i + 1, 'ExitAddress with a bad address', line);
        continue;
      }
      if (seen.has(ip)) continue;
      seen.add(ip);
      const rec: TorRelayRecord = { address: ip, flags: [EXIT_FLAG], exit: true };
      if (fingerprint !== undefined) rec.fingerprint = fingerprint;
      relays.push(rec);
    }
  }
  return { relays, bad: bad.samples, badCount: bad.count };
}

function parseAddressList(text: string): Parsed {
  const bad = new Bad();
  const relays: TorRelayRecord[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t.length === 0 || t.startsWith('#') || t.startsWith(';') || t.startsWith('@')) continue;
    const ip = canonicalIp(t.split(/[\s,]+/)[0]!);
    if (ip === null) {
      bad.add(i + 1, 'not an IP address', t);
      continue;
    }
    if (seen.has(ip)) continue;
    seen.add(ip);
    relays.push({ address: ip, flags: [EXIT_FLAG], exit: true });
  }
  return { relays, bad: bad.samples, badCount: bad.count };
}
