/**
 * Authentication hooks. Agents send `Authorization: Bearer <credential>`;
 * the meta store keeps only its sha256 and looks it up on every request
 * (no cache: a revocation takes effect on the next request).
 * Unknown or missing credential: 401; revoked agent: 403. Admin routes
 * compare the bearer token with the admin token in constant time.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, forbidden, unauthorized } from './api-error.js';
import type { ServerContext } from './context.js';
import { bearerToken, safeEqual } from './secrets.js';
import type { AgentRecord } from './store-port.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated agent (agent routes only). */
    agent: AgentRecord | null;
    /** This ingest request holds one of the parallel-body slots. */
    parsingSlot: boolean;
  }
}

export function agentAuth(ctx: ServerContext): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) throw unauthorized('missing agent credential (Authorization: Bearer <credential>)');
    let agent: AgentRecord | null;
    try {
      agent = await ctx.stores.meta.getAgentByCredential(token);
    } catch {
      throw new ApiError(503, 'PKT_ERR_SERVER_STORE_UNAVAILABLE', 'the store is failing; retry later', ctx.settings.retryAfter);
    }
    if (agent === null) throw unauthorized('unknown agent credential');
    if (agent.status === 'revoked') throw forbidden(`agent ${agent.agent_id} is revoked`);
    req.agent = agent;
  };
}

export function adminAuth(ctx: ServerContext): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) throw unauthorized('missing admin token (Authorization: Bearer <admin token>)');
    if (!safeEqual(token, ctx.adminToken)) throw unauthorized('wrong admin token');
  };
}
