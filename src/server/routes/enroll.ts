/**
 * POST /api/v1/enroll: an agent trades a one-time enrollment token for its
 * own id and credential. The token is used up in the same transaction that
 * creates the agent, so one token yields exactly one agent; the token's kind
 * wins over the kind the agent claims (an agent cannot enroll as something
 * the admin did not issue). Unknown, used, expired or revoked token: 401.
 */
import type { FastifyInstance } from 'fastify';
import { unauthorized } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { AGENT_KINDS, type AgentKind } from '../store-port.js';

/** Labels agents send about themselves are short; longer ones are refused, not truncated silently. */
export const MAX_LABEL_LENGTH = 200;

interface EnrollBody {
  token: string;
  /** Absent: the agent takes the name its enrollment token was created with. */
  name?: string;
  kind: AgentKind;
  hostname?: string;
  version?: string;
}

const label = { type: 'string', minLength: 1, maxLength: MAX_LABEL_LENGTH } as const;

export async function enrollRoutes(app: FastifyInstance, opts: { ctx: ServerContext }): Promise<void> {
  const { ctx } = opts;
  app.post<{ Body: EnrollBody }>(
    '/enroll',
    {
      schema: {
        body: {
          type: 'object',
          required: ['token', 'kind'],
          additionalProperties: false,
          properties: { token: { type: 'string', minLength: 1, maxLength: 512 }, name: label, kind: { enum: [...AGENT_KINDS] }, hostname: label, version: label },
        },
        response: {
          200: { type: 'object', required: ['agent_id', 'credential'], properties: { agent_id: { type: 'string' }, credential: { type: 'string' } } },
        },
      },
    },
    async (req) => {
      const b = req.body;
      const agent: { name?: string; kind: AgentKind; hostname?: string; version?: string } = { kind: b.kind };
      if (b.name !== undefined) agent.name = b.name;
      if (b.hostname !== undefined) agent.hostname = b.hostname;
      if (b.version !== undefined) agent.version = b.version;
      const r = await ctx.stores.meta.enroll(b.token, agent);
      if (!r.ok) throw unauthorized(`enrollment token ${r.reason}`);
      req.log.info({ agent_id: r.agent_id, name: b.name ?? null }, 'agent enrolled');
      return { agent_id: r.agent_id, credential: r.credential };
    },
  );
}
