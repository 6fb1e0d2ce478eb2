/**
 * `picket agent ...`: enrollment tokens and agents, against a running server
 * (`--server URL`, admin token from --admin-token, PICKET_ADMIN_TOKEN or
 * DIR/admin.token) or straight on a data directory (`--data DIR`, when no
 * server holds it).
 *
 *   picket agent token create --name NAME --kind sensor|honeypot|egress [--ttl 24h]
 *   picket agent token list
 *   picket agent token revoke TOKEN|ID
 *   picket agent list
 *   picket agent revoke AGENT_ID
 *
 * `token create` prints the token alone on stdout's last line, so scripts can
 * take it with `| tail -n1`; everything else about it goes to stderr.
 */
import path from 'node:path';
import { parseCommandArgs, stringOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import { ADMIN_TOKEN_ENV, readAdminTokenFile } from '../server/admin-token.js';
import { DuckDb } from '../store/duckdb/db.js';
import { DuckDbMetaStore, isAgentKind, type MetaStore } from '../store/meta.js';
import { STORE_FILE, requireExistingStore } from '../store/open.js';
import { agentStatus } from '../server/routes/admin.js';
import { API_PREFIX } from '../server/app.js';
import { textTable } from './text-table.js';

export const AGENT_HELP = `Usage: picket agent <subcommand> [options]

Subcommands:
  token create --name NAME --kind sensor|honeypot|egress [--ttl DURATION]
                       one-time enrollment token (default lifetime 24h);
                       the token alone is stdout's last line
  token list           enrollment tokens (never their values)
  token revoke TOKEN|ID
  list                 enrolled agents with status and last health
  revoke AGENT_ID      refuse this agent from now on

Where:
  --server URL         a running server (admin token from --admin-token,
                       ${ADMIN_TOKEN_ENV}, or --data DIR/admin.token)
  --admin-token TOKEN
  --data DIR           the data directory, used directly when no --server
                       (default ./data; fails while a server holds it)
  --config FILE        site configuration (server.enrollment_token_ttl)
  --json               JSON output for list commands

For an HTTPS server with a private CA, set NODE_EXTRA_CA_CERTS=ca.pem.
`;

/** How long one CLI request may take before it is given up. */
const REQUEST_TIMEOUT_MS = 30_000;

interface Backend {
  createToken(name: string, kind: string, ttl: number | undefined): Promise<{ token: string; id: string; expires_at: string }>;
  listTokens(): Promise<unknown[]>;
  revokeToken(t: string): Promise<boolean>;
  listAgents(): Promise<Array<Record<string, unknown>>>;
  revokeAgent(id: string): Promise<boolean>;
  close(): Promise<void>;
}

function httpBackend(server: string, adminToken: string): Backend {
  const base = server.replace(/\/+$/, '') + API_PREFIX;
  const call = async (method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await fetch(base + p, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new PicketError('PKT_ERR_AGENT_SERVER', `cannot reach ${server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    if (res.status === 404) return { status: 404, json };
    if (res.status >= 400) {
      const msg = (json as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`;
      throw new PicketError('PKT_ERR_AGENT_SERVER', `${server}: ${msg}`);
    }
    return { status: res.status, json };
  };
  return {
    async createToken(name, kind, ttl) {
      const r = await call('POST', '/admin/tokens', { name, kind, ...(ttl !== undefined ? { ttl } : {}) });
      return r.json as { token: string; id: string; expires_at: string };
    },
    async listTokens() {
      return ((await call('GET', '/admin/tokens')).json as { tokens: unknown[] }).tokens;
    },
    async revokeToken(t) {
      return (await call('DELETE', `/admin/tokens/${encodeURIComponent(t)}`)).status !== 404;
    },
    async listAgents() {
      return ((await call('GET', '/admin/agents')).json as { agents: Array<Record<string, unknown>> }).agents;
    },
    async revokeAgent(id) {
      return (await call('POST', `/admin/agents/${encodeURIComponent(id)}/revoke`)).status !== 404;
    },
    async close() {},
  };
}

async function dataBackend(dataDir: string, defaultTtl: number, staleAfter: number): Promise<Backend> {
  // Never a new store: tokens written where no server looks would enroll nothing.
  requireExistingStore(dataDir);
  const db = await DuckDb.open(path.join(dataDir, STORE_FILE));
  const meta: MetaStore = new DuckDbMetaStore(db);
  try {
    await meta.init();
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    async createToken(name, kind, ttl) {
      if (!isAgentKind(kind)) throw new PicketError('PKT_ERR_CLI_USAGE', `agent: --kind must be sensor, honeypot or egress, got "${kind}"`);
      return meta.createEnrollmentToken(name, kind, ttl ?? defaultTtl);
    },
    listTokens: () => meta.listTokens(),
    revokeToken: (t) => meta.revokeToken(t),
    async listAgents() {
      const now = Date.now();
      return (await meta.listAgents()).map((a) => ({ ...a, status: agentStatus(a, staleAfter, now) }));
    },
    revokeAgent: (id) => meta.revokeAgent(id),
    close: () => db.close(),
  };
}

function table(rows: Array<Record<string, unknown>>, cols: string[]): string {
  const cell = (v: unknown): string => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return textTable(cols, rows.map((r) => cols.map((c) => cell(r[c]))));
}

export async function agentCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('agent', argv, {
    server: { type: 'string' },
    'admin-token': { type: 'string' },
    data: { type: 'string' },
    config: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    ttl: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true || positionals.length === 0) {
    process.stdout.write(AGENT_HELP);
    return positionals.length === 0 && values.help !== true ? 2 : 0;
  }
  const usage = (msg: string): never => {
    throw new PicketError('PKT_ERR_CLI_USAGE', `agent: ${msg} (see picket agent --help)`);
  };
  const [a, b, c] = positionals;
  const sub = a === 'token' ? `token ${b ?? ''}` : a!;
  const known = ['token create', 'token list', 'token revoke', 'list', 'revoke'];
  if (!known.includes(sub)) usage(`unknown subcommand "${positionals.join(' ')}"`);

  // Checked before the store or server is reached, so a missing option is what gets reported.
  const name = stringOpt(values, 'name');
  const kind = stringOpt(values, 'kind');
  if (sub === 'token create') {
    if (name === undefined || name === '') usage('token create needs --name NAME');
    if (kind === undefined || !isAgentKind(kind)) usage('token create needs --kind sensor|honeypot|egress');
  }
  if (sub === 'token revoke' && c === undefined) usage('token revoke needs the token or its id');
  if (sub === 'revoke' && b === undefined) usage('revoke needs the agent id');
  const config = loadConfig(stringOpt(values, 'config'));
  let ttl: number | undefined;
  const ttlText = stringOpt(values, 'ttl');
  if (ttlText !== undefined) {
    const t = parseDuration(ttlText);
    if (t === null || t < 60) usage(`--ttl must be a duration of at least 1m (e.g. 1h, 24h), got "${ttlText}"`);
    ttl = Math.round(t!);
  }
  const server = stringOpt(values, 'server');
  const dataDir = path.resolve(stringOpt(values, 'data') ?? 'data');
  let backend: Backend;
  if (server !== undefined) {
    const token = stringOpt(values, 'admin-token') ?? (process.env[ADMIN_TOKEN_ENV] || undefined) ?? readAdminTokenFile(dataDir);
    if (token === undefined) usage(`--server needs the admin token: --admin-token, ${ADMIN_TOKEN_ENV} or --data DIR with admin.token`);
    backend = httpBackend(server, token!);
  } else {
    backend = await dataBackend(dataDir, config.server.enrollment_token_ttl, config.server.agent_stale_after);
  }
  const json = values.json === true;
  try {
    switch (sub) {
      case 'token create': {
        const t = await backend.createToken(name!, kind!, ttl);
        process.stderr.write(`enrollment token ${t.id} for ${kind} "${name}", valid until ${t.expires_at} (one use)\n`);
        process.stdout.write(`${t.token}\n`);
        return 0;
      }
      case 'token list': {
        const tokens = (await backend.listTokens()) as Array<Record<string, unknown>>;
        process.stdout.write(json ? `${JSON.stringify(tokens, null, 2)}\n` : table(tokens, ['id', 'name', 'kind', 'expires_at', 'used_at', 'agent_id', 'revoked']));
        return 0;
      }
      case 'token revoke': {
        if (!(await backend.revokeToken(c!))) {
          process.stderr.write(`picket agent: no enrollment token "${c}"\n`);
          return 1;
        }
        process.stderr.write('enrollment token revoked\n');
        return 0;
      }
      case 'list': {
        const agents = await backend.listAgents();
        const rows = agents.map((x) => ({ ...x, health: x.health === null || x.health === undefined ? null : 'yes' }));
        process.stdout.write(json ? `${JSON.stringify(agents, null, 2)}\n` : table(rows, ['agent_id', 'name', 'kind', 'status', 'last_seen', 'hostname', 'version']));
        return 0;
      }
      default: {
        if (!(await backend.revokeAgent(b!))) {
          process.stderr.write(`picket agent: no agent "${b}"\n`);
          return 1;
        }
        process.stderr.write(`agent ${b} revoked\n`);
        return 0;
      }
    }
  } finally {
    await backend.close();
  }
}
