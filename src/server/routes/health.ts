/**
 * POST /api/v1/health: an agent's periodic report (packets/s, kernel drops,
 * flows, spool size, version). The latest report is kept per agent and shown
 * by GET /api/v1/admin/agents; receiving it also marks the agent seen.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-error.js';
import { agentAuth } from '../auth.js';
import type { ServerContext } from '../context.js';
import type { JsonObject } from '../store-port.js';

const count = { type: 'number', minimum: 0 } as const;

export async function healthRoutes(app: FastifyInstance, opts: { ctx: ServerContext }): Promise<void> {
  const { ctx } = opts;
  app.decorateRequest('agent', null);
  app.post<{ Body: JsonObject }>(
    '/health',
    {
      // onRequest: refuse before reading (and gunzipping) the body of an unknown sender.
      onRequest: agentAuth(ctx),
      schema: {
        body: {
          type: 'object',
          required: ['ts', 'kind', 'version'],
          properties: {
            ts: { anyOf: [{ type: 'string' }, { type: 'number' }] },
            kind: { type: 'string', maxLength: 32 },
            version: { type: 'string', maxLength: 64 },
            packets_per_s: count,
            kernel_drops: count,
            flows: count,
            spool_bytes: count,
            spool_records: count,
            extra: { type: 'object' },
          },
        },
      },
    },
    async (req, reply) => {
      try {
        await ctx.stores.meta.recordHealth(req.agent!.agent_id, req.body);
      } catch (err) {
        req.log.warn({ err }, 'health report not stored');
        throw new ApiError(503, 'PKT_ERR_SERVER_STORE_UNAVAILABLE', 'the store is failing; retry later', ctx.settings.retryAfter);
      }
      return reply.code(204).send();
    },
  );
}
