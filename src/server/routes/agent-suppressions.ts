/**
 * GET /api/v1/agent/suppressions: the console's active (unexpired)
 * suppressions for networked agents, which keep suppressed alerts from their
 * own local sinks. Agents authenticate as for ingest (Bearer credential).
 *
 * The answer carries a `version` (a hash of the list) that is also its ETag;
 * an agent that sends it back in If-None-Match gets 304 with no body, so
 * polling every few seconds from many sensors costs almost nothing. The
 * version changes when a suppression is added, deleted or expires.
 * Only what matching needs goes out (no creator, no creation time).
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AGENT_SUPPRESSIONS_PATH, type SuppressionEntry, type SuppressionList } from '../../alerts/suppression.js';
import { agentAuth } from '../auth.js';
import type { ServerContext } from '../context.js';

/** Hex characters of the SHA-256 kept as the version (128 bits: collisions are not a concern). */
const VERSION_HEX_CHARS = 32;

/** The list agents get, sorted by id so the version depends only on its content. */
export function suppressionList(sups: readonly SuppressionEntry[]): SuppressionList {
  const suppressions = sups
    .map((s) => ({ id: s.id, rule: s.rule, host: s.host, network: s.network, reason: s.reason, expires_at: s.expires_at }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const version = crypto.createHash('sha256').update(JSON.stringify(suppressions)).digest('hex').slice(0, VERSION_HEX_CHARS);
  return { version, suppressions };
}

/** True when an If-None-Match header names this entity tag (weak or strong, or `*`). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const t = part.trim();
    if (t === '*' || t === etag || t === `W/${etag}`) return true;
  }
  return false;
}

export async function agentSuppressionRoutes(app: FastifyInstance, opts: { ctx: ServerContext; suppressions: () => readonly SuppressionEntry[] }): Promise<void> {
  // Each plugin decorates its own requests (fastify encapsulation); only once per context.
  if (!app.hasRequestDecorator('agent')) app.decorateRequest('agent', null);
  app.get(AGENT_SUPPRESSIONS_PATH, { onRequest: agentAuth(opts.ctx) }, async (req, reply) => {
    const list = suppressionList(opts.suppressions());
    const etag = `"${list.version}"`;
    // no-cache: intermediaries may keep it but must ask again each time (suppressions change).
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
    return list;
  });
}
