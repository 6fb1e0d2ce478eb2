/**
 * Admin routes (admin token): enrollment tokens (create, list, revoke),
 * agents (list with status and last health, revoke) and the server's own
 * status (ingest queue, refused bodies, store statistics).
 *
 * Agent status: "revoked"; else "online" when heard from (ingest or health)
 * within `agent_stale_after`, "stale" when not, "never_seen" before the
 * first report.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../api-error.js';
import { adminAuth } from '../auth.js';
import type { ServerContext } from '../context.js';
import { AGENT_KINDS, type AgentKind, type AgentRecord } from '../store-port.js';
import { MAX_LABEL_LENGTH } from './enroll.js';

/** Longest enrollment token lifetime an admin may ask for (a token is meant for one install, soon). */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export type AgentStatus = 'online' | 'stale' | 'never_seen' | 'revoked';

export function agentStatus(a: AgentRecord, staleAfter: number, nowMs = Date.now()): AgentStatus {
  if (a.status === 'revoked') return 'revoked';
  if (a.last_seen === null) return 'never_seen';
  return nowMs - Date.parse(a.last_seen) <= staleAfter * 1000 ? 'online' : 'stale';
}

export async function adminRoutes(app: FastifyInstance, opts: { ctx: ServerContext; version: string }): Promise<void> {
  const { ctx } = opts;
  const { meta, store } = ctx.stores;
  app.addHook('onRequest', adminAuth(ctx));

  app.post<{ Body: { name: string; kind: AgentKind; ttl?: number } }>(
    '/tokens',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'kind'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: MAX_LABEL_LENGTH },
            kind: { enum: [...AGENT_KINDS] },
            /** Seconds the token stays valid (default: server.enrollment_token_ttl). */
            ttl: { type: 'integer', minimum: 60, maximum: MAX_TOKEN_TTL_SECONDS },
          },
        },
      },
    },
    async (req) => {
      const t = await meta.createEnrollmentToken(req.body.name, req.body.kind, req.body.ttl ?? ctx.settings.enrollmentTokenTtl);
      req.log.info({ token_id: t.id, name: req.body.name, kind: req.body.kind }, 'enrollment token created');
      return { token: t.token, id: t.id, name: req.body.name, kind: req.body.kind, expires_at: t.expires_at };
    },
  );

  app.get('/tokens', async () => ({ tokens: await meta.listTokens() }));

  app.delete<{ Params: { token: string } }>('/tokens/:token', async (req, reply) => {
    if (!(await meta.revokeToken(req.params.token))) throw notFound('no such enrollment token');
    return reply.code(204).send();
  });

  app.get('/agents', async () => {
    const now = Date.now();
    const agents = await meta.listAgents();
    return { agents: agents.map((a) => ({ ...a, status: agentStatus(a, ctx.settings.agentStaleAfter, now) })) };
  });

  app.post<{ Params: { id: string } }>('/agents/:id/revoke', async (req) => {
    if (!(await meta.revokeAgent(req.params.id))) throw notFound(`no agent ${req.params.id}`);
    req.log.info({ agent_id: req.params.id }, 'agent revoked');
    return { agent_id: req.params.id, status: 'revoked' };
  });

  app.get('/status', async () => {
    let storeStats: unknown = null;
    let storeError: string | null = null;
    try {
      storeStats = await store.stats();
    } catch (err) {
      storeError = err instanceof Error ? err.message : String(err);
    }
    return {
      version: opts.version,
      ingest: ctx.queue.stats,
      bodies: ctx.bodyStats,
      device_skips: Object.fromEntries(ctx.deviceSkips),
      refused: Object.fromEntries(ctx.counters),
      store: storeStats,
      store_error: storeError,
    };
  });
}
