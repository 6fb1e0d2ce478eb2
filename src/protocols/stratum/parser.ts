/**
 * Stratum messages: newline-delimited JSON-RPC objects. Pure functions:
 * the content probe and the reading of one line into what a sign-in says.
 */

/** Longest line read as one message (pool messages are a few hundred bytes; jobs a few KiB). */
export const MAX_LINE = 8192;
/** Bytes of the first client payload the probe looks at. */
const PROBE_BYTES = 512;

/** The methods a miner signs in with. */
export const LOGIN_METHODS: ReadonlySet<string> = new Set(['mining.subscribe', 'mining.authorize', 'login', 'eth_submitLogin', 'mining.extranonce.subscribe']);

const PROBE = /^\s*\{[^\n]*"method"\s*:\s*"(mining\.subscribe|mining\.authorize|login|eth_submitLogin)"/;

/** True when a client's first bytes are a Stratum sign-in (JSON-RPC with a mining method). */
export function probeStratum(data: Uint8Array, fromOrig: boolean): boolean {
  if (!fromOrig || data.length < 16) return false;
  let i = 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)) i++;
  if (data[i] !== 0x7b) return false;
  const n = Math.min(data.length, PROBE_BYTES);
  let text = '';
  for (let k = 0; k < n; k++) text += String.fromCharCode(data[k]!);
  if (!PROBE.test(text)) return false;
  // "login" alone is any JSON-RPC API's word: a Monero pool login carries a wallet in "login" and an agent or algorithms.
  return !/"method"\s*:\s*"login"/.test(text) || /"(agent|algo|rigid)"\s*:/.test(text);
}

export interface StratumRequest {
  id: unknown;
  method: string;
  agent?: string;
  user?: string;
  algorithms?: string[];
}

export interface StratumReply {
  id: unknown;
  /** True for a result other than false/null, false for an error, undefined otherwise. */
  ok: boolean | undefined;
}

function text(v: unknown, max = 256): string | undefined {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;
}

/** Reads one JSON line: a request (has "method"), a reply (has "result" or "error"), or null. */
export function parseStratumLine(line: string): StratumRequest | StratumReply | null {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const m = msg as Record<string, unknown>;
  if (typeof m.method === 'string') {
    const req: StratumRequest = { id: m.id, method: m.method.slice(0, 64) };
    const p = m.params;
    if (Array.isArray(p)) {
      // mining.subscribe ["agent", ...]; mining.authorize ["worker", "password"]; eth_submitLogin ["wallet", ...].
      const first = text(p[0]);
      if (first !== undefined) {
        if (req.method === 'mining.subscribe') req.agent = first;
        else req.user = first;
      }
    } else if (typeof p === 'object' && p !== null) {
      const o = p as Record<string, unknown>;
      const user = text(o.login) ?? text(o.user);
      if (user !== undefined) req.user = user;
      const agent = text(o.agent);
      if (agent !== undefined) req.agent = agent;
      if (Array.isArray(o.algo)) req.algorithms = o.algo.filter((a): a is string => typeof a === 'string').slice(0, 16).map((a) => a.slice(0, 32));
    }
    return req;
  }
  if ('result' in m || 'error' in m) {
    const result = m.result;
    let ok: boolean | undefined;
    if ((m.error !== undefined && m.error !== null) || result === false) ok = false;
    else if (result !== undefined && result !== null) ok = true;
    return { id: m.id, ok };
  }
  return null;
}
