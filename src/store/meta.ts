/**
 * Agents, enrollment tokens, stored batches and health: the small amount of
 * state the server keeps about who may send and what was already stored. It
 * lives in the same DuckDB file as the metadata (separate tables), so a batch
 * and its "seen" mark commit together (see DuckDbMetadataStore.insertBatch).
 *
 * Secrets are never stored: enrollment tokens and agent credentials are kept
 * as SHA-256 hashes, and the plain values are returned once, at creation.
 */
import crypto from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDb, type Row } from './duckdb/db.js';

export type AgentKind = 'sensor' | 'honeypot' | 'egress';
export const AGENT_KINDS: readonly AgentKind[] = ['sensor', 'honeypot', 'egress'];

/** One-time enrollment tokens are valid this long unless the admin says otherwise (brief: 24 h). */
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;
/** Random bytes in a token or credential: 256 bits, beyond guessing. */
const SECRET_BYTES = 32;
/** Longest agent name/hostname/version kept (they come from the network). */
const MAX_LABEL_CHARS = 200;
/** Largest health report kept per agent (it is shown, not queried). */
const MAX_HEALTH_JSON_CHARS = 16 * 1024;

export interface EnrollmentToken {
  /** Stable id derived from the token (safe to show and to revoke by). */
  id: string;
  name: string;
  kind: AgentKind;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  agent_id: string | null;
  revoked: boolean;
}

export interface AgentRecord {
  agent_id: string;
  name: string;
  kind: AgentKind;
  hostname: string | null;
  version: string | null;
  enrolled_at: string;
  last_seen: string | null;
  status: 'active' | 'revoked';
  revoked_at: string | null;
  /** Last health report as sent, and when it arrived. */
  health: Record<string, unknown> | null;
  health_at: string | null;
}

export type TokenRefusal = 'unknown' | 'used' | 'expired' | 'revoked';

export type ConsumeResult =
  | { ok: true; id: string; name: string; kind: AgentKind }
  | { ok: false; reason: TokenRefusal };

export interface NewAgent {
  name: string;
  kind: AgentKind;
  hostname?: string;
  version?: string;
}

export type EnrollResult =
  | { ok: true; agent_id: string; credential: string }
  | { ok: false; reason: TokenRefusal };

export interface MetaStore {
  init(): Promise<void>;
  createEnrollmentToken(
    name: string,
    kind: AgentKind,
    ttlSeconds?: number,
  ): Promise<{ token: string; id: string; expires_at: string }>;
  /** Marks the token used; refuses unknown, used, expired and revoked tokens. */
  consumeToken(token: string, now?: number): Promise<ConsumeResult>;
  createAgent(agent: NewAgent): Promise<{ agent_id: string; credential: string }>;
  /** consumeToken + createAgent in one transaction (a token yields exactly one agent). */
  enroll(token: string, agent: Partial<NewAgent>, now?: number): Promise<EnrollResult>;
  /** The agent holding this credential (revoked ones too: check `status`), or null. */
  getAgentByCredential(credential: string): Promise<AgentRecord | null>;
  getAgent(agentId: string): Promise<AgentRecord | null>;
  /** False when no such agent. */
  revokeAgent(agentId: string): Promise<boolean>;
  listAgents(): Promise<AgentRecord[]>;
  /** Keeps the latest health report and marks the agent seen. */
  recordHealth(agentId: string, health: Record<string, unknown>, now?: number): Promise<void>;
  touchAgent(agentId: string, now?: number): Promise<void>;
  batchSeen(agentId: string, seq: number): Promise<boolean>;
  /** Records (agent, seq) as stored; false when it already was. */
  markBatch(agentId: string, seq: number, records?: number, digest?: string): Promise<boolean>;
  /** Highest sequence number stored for the agent (0 when none): where a renumbered agent starts above. */
  highestBatchSeq(agentId: string): Promise<number>;
  listTokens(): Promise<EnrollmentToken[]>;
  /** Revokes by token value or id; false when neither matches. */
  revokeToken(tokenOrId: string): Promise<boolean>;
  /** Forgets batch marks older than `before` (epoch seconds); returns how many. */
  pruneBatches(before: number): Promise<number>;
}

export const META_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS enroll_tokens (
     id VARCHAR PRIMARY KEY, token_hash VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     created_at DOUBLE NOT NULL, expires_at DOUBLE NOT NULL, used_at DOUBLE, agent_id VARCHAR,
     revoked BOOLEAN NOT NULL DEFAULT false)`,
  `CREATE TABLE IF NOT EXISTS agents (
     agent_id VARCHAR PRIMARY KEY, credential_hash VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
     kind VARCHAR NOT NULL, hostname VARCHAR, version VARCHAR, enrolled_at DOUBLE NOT NULL,
     last_seen DOUBLE, revoked_at DOUBLE, health VARCHAR, health_at DOUBLE)`,
  `CREATE TABLE IF NOT EXISTS batches (
     agent_id VARCHAR NOT NULL, seq BIGINT NOT NULL, received_at DOUBLE NOT NULL, records INTEGER NOT NULL,
     digest VARCHAR, PRIMARY KEY (agent_id, seq))`,
  // Files made before batch digests existed: their marks keep a NULL digest and are trusted as before.
  'ALTER TABLE batches ADD COLUMN IF NOT EXISTS digest VARCHAR',
];

/**
 * What marking a batch found: a new batch, the same batch again (same
 * digest, or a mark from before digests were kept), or different records
 * under a sequence number already used (the agent lost its numbering).
 */
export type BatchMark = 'new' | 'duplicate' | 'conflict';

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function secret(prefix: string): string {
  return prefix + crypto.randomBytes(SECRET_BYTES).toString('base64url');
}

function tokenId(token: string): string {
  return `tok_${sha256(`id:${token}`).slice(0, 16)}`;
}

function iso(sec: unknown): string | null {
  if (typeof sec !== 'number' || !Number.isFinite(sec)) return null;
  return new Date(Math.round(sec * 1000)).toISOString();
}

function label(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  return v.length > MAX_LABEL_CHARS ? v.slice(0, MAX_LABEL_CHARS) : v;
}

function nowSec(): number {
  return Date.now() / 1000;
}

export function isAgentKind(v: unknown): v is AgentKind {
  return v === 'sensor' || v === 'honeypot' || v === 'egress';
}

function agentFromRow(r: Row): AgentRecord {
  let health: Record<string, unknown> | null = null;
  if (typeof r.health === 'string') {
    try {
      const parsed: unknown = JSON.parse(r.health);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) health = parsed as Record<string, unknown>;
    } catch {
      health = null;
    }
  }
  return {
    agent_id: String(r.agent_id),
    name: String(r.name),
    kind: isAgentKind(r.kind) ? r.kind : 'sensor',
    hostname: typeof r.hostname === 'string' ? r.hostname : null,
    version: typeof r.version === 'string' ? r.version : null,
    enrolled_at: iso(r.enrolled_at) ?? new Date(0).toISOString(),
    last_seen: iso(r.last_seen),
    status: r.revoked_at === null || r.revoked_at === undefined ? 'active' : 'revoked',
    revoked_at: iso(r.revoked_at),
    health,
    health_at: iso(r.health_at),
  };
}

export class DuckDbMetaStore implements MetaStore {
  readonly #db: DuckDb;

  constructor(db: DuckDb) {
    this.#db = db;
  }

  async init(): Promise<void> {
    for (const ddl of META_DDL) await this.#db.exec(ddl);
  }

  async createEnrollmentToken(name: string, kind: AgentKind, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS) {
    const token = secret('pkt_');
    const id = tokenId(token);
    const now = nowSec();
    const expires = now + ttlSeconds;
    await this.#db.exec(
      'INSERT INTO enroll_tokens (id, token_hash, name, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, sha256(token), label(name) ?? 'agent', kind, now, expires],
    );
    return { token, id, expires_at: iso(expires) ?? '' };
  }

  async consumeToken(token: string, now = nowSec()): Promise<ConsumeResult> {
    return this.#db.exclusive((conn) => this.#consume(conn, token, now));
  }

  async #consume(conn: DuckDBConnection, token: string, now: number): Promise<ConsumeResult> {
    const rows = await DuckDb.rows(conn, 'SELECT id, name, kind, expires_at, used_at, revoked FROM enroll_tokens WHERE token_hash = $1', [
      sha256(token),
    ]);
    const r = rows[0];
    if (r === undefined) return { ok: false, reason: 'unknown' };
    if (r.revoked === true) return { ok: false, reason: 'revoked' };
    if (r.used_at !== null && r.used_at !== undefined) return { ok: false, reason: 'used' };
    if (Number(r.expires_at) <= now) return { ok: false, reason: 'expired' };
    // The WHERE repeats the checks so two concurrent enrollments cannot both win.
    const done = await DuckDb.rows(
      conn,
      'UPDATE enroll_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND NOT revoked RETURNING id',
      [String(r.id), now],
    );
    if (done.length === 0) return { ok: false, reason: 'used' };
    return { ok: true, id: String(r.id), name: String(r.name), kind: isAgentKind(r.kind) ? r.kind : 'sensor' };
  }

  async #insertAgent(conn: DuckDBConnection, agent: NewAgent, now: number) {
    const agentId = `ag_${crypto.randomUUID()}`;
    const credential = secret('pkc_');
    await DuckDb.rows(
      conn,
      'INSERT INTO agents (agent_id, credential_hash, name, kind, hostname, version, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [agentId, sha256(credential), label(agent.name) ?? 'agent', agent.kind, label(agent.hostname), label(agent.version), now],
    );
    return { agent_id: agentId, credential };
  }

  async createAgent(agent: NewAgent) {
    return this.#db.exclusive((conn) => this.#insertAgent(conn, agent, nowSec()));
  }

  async enroll(token: string, agent: Partial<NewAgent>, now = nowSec()): Promise<EnrollResult> {
    return this.#db.transaction(async (conn) => {
      const t = await this.#consume(conn, token, now);
      if (!t.ok) return t;
      const made = await this.#insertAgent(
        conn,
        {
          name: label(agent.name) ?? t.name,
          // The token fixes the kind: an agent cannot enroll as something the admin did not issue.
          kind: t.kind,
          ...(agent.hostname !== undefined ? { hostname: agent.hostname } : {}),
          ...(agent.version !== undefined ? { version: agent.version } : {}),
        },
        now,
      );
      await DuckDb.rows(conn, 'UPDATE enroll_tokens SET agent_id = $2 WHERE id = $1', [t.id, made.agent_id]);
      return { ok: true as const, ...made };
    });
  }

  async getAgentByCredential(credential: string): Promise<AgentRecord | null> {
    const rows = await this.#db.all('SELECT * FROM agents WHERE credential_hash = $1', [sha256(credential)]);
    return rows[0] === undefined ? null : agentFromRow(rows[0]);
  }

  async getAgent(agentId: string): Promise<AgentRecord | null> {
    const rows = await this.#db.all('SELECT * FROM agents WHERE agent_id = $1', [agentId]);
    return rows[0] === undefined ? null : agentFromRow(rows[0]);
  }

  async revokeAgent(agentId: string): Promise<boolean> {
    const rows = await this.#db.exec(
      'UPDATE agents SET revoked_at = coalesce(revoked_at, $2) WHERE agent_id = $1 RETURNING agent_id',
      [agentId, nowSec()],
    );
    return rows.length > 0;
  }

  async listAgents(): Promise<AgentRecord[]> {
    return (await this.#db.all('SELECT * FROM agents ORDER BY enrolled_at, agent_id')).map(agentFromRow);
  }

  async recordHealth(agentId: string, health: Record<string, unknown>, now = nowSec()): Promise<void> {
    let text = JSON.stringify(health);
    if (text.length > MAX_HEALTH_JSON_CHARS) text = JSON.stringify({ truncated: true, bytes: text.length });
    await this.#db.exec('UPDATE agents SET health = $2, health_at = $3, last_seen = $3 WHERE agent_id = $1', [agentId, text, now]);
  }

  async touchAgent(agentId: string, now = nowSec()): Promise<void> {
    await this.#db.exec('UPDATE agents SET last_seen = $2 WHERE agent_id = $1', [agentId, now]);
  }

  async batchSeen(agentId: string, seq: number): Promise<boolean> {
    const rows = await this.#db.all('SELECT 1 AS x FROM batches WHERE agent_id = $1 AND seq = $2', [agentId, seq]);
    return rows.length > 0;
  }

  async markBatch(agentId: string, seq: number, records = 0, digest?: string): Promise<boolean> {
    return (await this.#db.exclusive((conn) => markBatchOn(conn, agentId, seq, records, digest))) === 'new';
  }

  async highestBatchSeq(agentId: string): Promise<number> {
    return highestBatchSeqOn(this.#db, agentId);
  }

  async listTokens(): Promise<EnrollmentToken[]> {
    const rows = await this.#db.all('SELECT * FROM enroll_tokens ORDER BY created_at, id');
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      kind: isAgentKind(r.kind) ? r.kind : 'sensor',
      created_at: iso(r.created_at) ?? '',
      expires_at: iso(r.expires_at) ?? '',
      used_at: iso(r.used_at),
      agent_id: typeof r.agent_id === 'string' ? r.agent_id : null,
      revoked: r.revoked === true,
    }));
  }

  async revokeToken(tokenOrId: string): Promise<boolean> {
    const rows = await this.#db.exec('UPDATE enroll_tokens SET revoked = true WHERE id = $1 OR token_hash = $2 RETURNING id', [
      tokenOrId,
      sha256(tokenOrId),
    ]);
    return rows.length > 0;
  }

  async pruneBatches(before: number): Promise<number> {
    const rows = await this.#db.exec('DELETE FROM batches WHERE received_at < $1 RETURNING seq', [before]);
    return rows.length;
  }
}

/**
 * Marks (agent, seq) with the batch's digest on a connection the caller holds
 * (inside the batch's transaction). An existing mark with another digest is a
 * conflict: the records are not the ones stored under that number.
 */
export async function markBatchOn(
  conn: DuckDBConnection,
  agentId: string,
  seq: number,
  records: number,
  digest?: string,
): Promise<BatchMark> {
  const rows = await DuckDb.rows(
    conn,
    'INSERT INTO batches (agent_id, seq, received_at, records, digest) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING seq',
    [agentId, seq, nowSec(), records, digest ?? null],
  );
  if (rows.length > 0) return 'new';
  return batchMarkOf(await DuckDb.rows(conn, 'SELECT digest FROM batches WHERE agent_id = $1 AND seq = $2', [agentId, seq]), digest);
}

/** 'duplicate' or 'conflict' for an existing mark's row (see markBatchOn); 'new' when there is none. */
export function batchMarkOf(rows: readonly Row[], digest: string | undefined): BatchMark {
  const row = rows[0];
  if (row === undefined) return 'new';
  const stored = row.digest;
  // Marks from before digests (NULL) and callers without a digest are trusted as before.
  if (typeof stored !== 'string' || digest === undefined) return 'duplicate';
  return stored === digest ? 'duplicate' : 'conflict';
}

/** Highest stored sequence number of the agent, 0 when it has none. */
export async function highestBatchSeqOn(db: DuckDb, agentId: string): Promise<number> {
  const rows = await db.all('SELECT max(seq) AS s FROM batches WHERE agent_id = $1', [agentId]);
  const v = rows[0]?.s;
  return v === null || v === undefined ? 0 : Number(v);
}
