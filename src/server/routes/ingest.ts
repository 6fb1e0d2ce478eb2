/**
 * POST /api/v1/ingest: a batch of records from an authenticated agent,
 * stored exactly once by (agent_id, seq). The batch goes through the bounded
 * ingest queue (429 when full, 503 while the store fails); the store writes
 * the rows and the batch mark in one transaction (MetadataStore.insertBatch),
 * so a retried batch is acknowledged with `duplicate: true` and not stored
 * again, and a batch that failed half-way left nothing behind.
 *
 * The mark keeps a digest of the records: other records under a number the
 * agent already used (it lost its state file, or two processes shared its
 * spool) are answered 409 PKT_ERR_SERVER_SEQ_CONFLICT with `highest_seq`, the
 * agent's highest stored number, so the agent renumbers its batches above it
 * and sends them again instead of having them acknowledged and lost.
 *
 * Device inventory updates derived from the batch are merged before the
 * batch is stored: merging is idempotent (union of addresses and names,
 * min/max of times), so a retry after a failure does no harm.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, forbidden } from '../api-error.js';
import { agentAuth } from '../auth.js';
import { bump, type ServerContext } from '../context.js';
import { createDeviceExtractor } from '../devices.js';
import { alertFeedOf } from '../console/alert-feed.js';
import { storedAlerts } from '../stored-alerts.js';
import type { JsonObject } from '../store-port.js';
import type { BatchRecord } from '../../store/types.js';
import { batchDigest } from '../../store/batch-digest.js';

/** Record kinds are log names: short, lower case (they become table/kind values). */
export const KIND_PATTERN = '^[a-z][a-z0-9_.]{0,63}$';

interface IngestBody {
  agent_id: string;
  seq: number;
  sent_at?: string | number;
  records: Array<{ kind: string; data: JsonObject }>;
}

export async function ingestRoutes(app: FastifyInstance, opts: { ctx: ServerContext }): Promise<void> {
  const { ctx } = opts;
  const { store, meta } = ctx.stores;
  app.decorateRequest('agent', null);
  app.decorateRequest('parsingSlot', false);
  const auth = agentAuth(ctx);
  const release = (req: FastifyRequest): void => {
    if (req.parsingSlot) {
      req.parsingSlot = false;
      ctx.parsing--;
    }
  };
  app.post<{ Body: IngestBody }>(
    '/ingest',
    {
      // Before the body is read (and gunzipped): refuse unknown senders, then
      // batches the queue would refuse anyway, then more parallel bodies than allowed.
      onRequest: async (req, reply) => {
        await auth(req, reply);
        const refusal = ctx.queue.admit();
        if (refusal !== null) throw refusal;
        if (ctx.parsing >= ctx.settings.maxParallelBodies) {
          bump(ctx.counters, 'parallel_bodies');
          throw ctx.queue.busy(`more than ${ctx.settings.maxParallelBodies} batches arriving at once; retry later`);
        }
        ctx.parsing++;
        req.parsingSlot = true;
      },
      // Parsed (or failed): the slot is free again.
      preHandler: async (req) => release(req),
      onResponse: async (req) => release(req),
      schema: {
        body: {
          type: 'object',
          required: ['agent_id', 'seq', 'records'],
          properties: {
            agent_id: { type: 'string', minLength: 1, maxLength: 128 },
            seq: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            sent_at: { anyOf: [{ type: 'string' }, { type: 'number' }] },
            records: {
              type: 'array',
              maxItems: ctx.settings.maxRecordsPerBatch,
              items: {
                type: 'object',
                required: ['kind', 'data'],
                properties: { kind: { type: 'string', pattern: KIND_PATTERN }, data: { type: 'object' } },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['ack', 'stored', 'duplicate'],
            properties: { ack: { type: 'integer' }, stored: { type: 'integer' }, duplicate: { type: 'boolean' }, skipped: { type: 'object', additionalProperties: { type: 'integer' } } },
          },
        },
      },
    },
    async (req) => {
      const agent = req.agent!;
      const b = req.body;
      if (b.agent_id !== agent.agent_id) throw forbidden(`the credential belongs to agent ${agent.agent_id}, not ${b.agent_id}`);
      const records = b.records;
      const digest = batchDigest(records as BatchRecord[]);
      let skipped: Record<string, number> = {};
      const outcome = await ctx.queue.submit({
        agentId: agent.agent_id,
        seq: b.seq,
        digest,
        records: records.length,
        run: async () => {
          const devices = createDeviceExtractor(ctx.site, ctx.oui);
          for (let i = 0; i < records.length; i++) devices.add(records[i]!.kind, records[i]!.data);
          for (const [reason, n] of devices.skipped) bump(ctx.deviceSkips, reason, n);
          const updates = devices.take();
          if (updates.length > 0 && !(await meta.batchSeen(agent.agent_id, b.seq))) await store.upsertDevices(updates);
          const t0 = performance.now();
          const r = await store.insertBatch(agent.agent_id, b.seq, records as BatchRecord[], digest);
          ctx.metrics.observeStore('insert_batch', (performance.now() - t0) / 1000);
          skipped = r.skipped;
          if (r.conflict === true) return { stored: 0, duplicate: false, conflict: true };
          // New alerts the store kept go to the sinks and to the console's live list (when someone watches it).
          const feed = alertFeedOf(ctx);
          if (!r.duplicate && (ctx.deliverAlerts !== undefined || feed?.listening === true)) {
            const alerts = storedAlerts(records);
            if (alerts.length > 0) {
              // The batch is committed: a delivery problem must not turn into a store error
              // (503, then a retry answered as duplicate, and these alerts never delivered),
              // nor keep the alerts from the other consumer.
              const handOn = (to: string, deliver: () => void): void => {
                try {
                  deliver();
                } catch (err) {
                  bump(ctx.counters, 'alert_delivery_errors');
                  req.log.error({ err }, `handing stored alerts to ${to} failed; the batch is stored`);
                }
              };
              if (ctx.deliverAlerts !== undefined) handOn('the sinks', () => ctx.deliverAlerts!(alerts));
              if (feed !== undefined) handOn('the console feed', () => feed.offer(agent.agent_id, alerts));
            }
          }
          await meta.touchAgent(agent.agent_id);
          return { stored: r.stored, duplicate: r.duplicate };
        },
      });
      if (outcome.conflict === true) {
        const highest = await meta.highestBatchSeq(agent.agent_id);
        throw new ApiError(
          409,
          'PKT_ERR_SERVER_SEQ_CONFLICT',
          `batch ${b.seq} of agent ${agent.agent_id} was already stored with other records; renumber above ${highest} and send again`,
          undefined,
          { highest_seq: highest },
        );
      }
      return { ack: b.seq, stored: outcome.duplicate ? 0 : outcome.stored, duplicate: outcome.duplicate, skipped };
    },
  );
}
