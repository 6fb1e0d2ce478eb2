/**
 * The HTTP application: fastify with the JSON/gzip body parser, one plugin
 * per area under /api/v1 (enroll, ingest, health, admin, query), and one
 * error shape for everything that goes wrong. `buildApp` does not listen and
 * does not open stores: server.ts does both, tests can pass their own.
 */
import fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Site } from '../config/site.js';
import type { SiteConfig } from '../config/schema.js';
import { ApiError, errorBody } from './api-error.js';
import { registerJsonBodies } from './body.js';
import type { ServerContext, ServerSettings } from './context.js';
import { IngestQueue } from './ingest-queue.js';
import { ouiTable, type OuiTable } from './oui.js';
import { createServerMetrics } from './metrics.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../metrics/registry.js';
import { adminAuth } from './auth.js';
import type { ServerStores } from './store-port.js';
import { adminRoutes } from './routes/admin.js';
import { enrollRoutes } from './routes/enroll.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { queryRoutes } from './routes/query.js';
import { agentSuppressionRoutes } from './routes/agent-suppressions.js';
import { registerConsole, type ConsoleSetup } from './console/index.js';
import { PICKET_VERSION } from '../version.js';

export const API_PREFIX = '/api/v1';
export const SERVER_VERSION = PICKET_VERSION;
/** A request that has not finished arriving after this long is dropped (slow-loris guard). */
export const REQUEST_TIMEOUT_MS = 120_000;

export interface AppOptions {
  stores: ServerStores;
  adminToken: string;
  config: SiteConfig;
  /** Overrides of config.server.ingest (tests: a tiny queue). */
  ingest?: Partial<SiteConfig['server']['ingest']>;
  /** false = silent; otherwise a pino level. */
  logLevel?: false | 'info' | 'warn' | 'error' | 'debug';
  /** HTTPS with these PEM contents. */
  https?: { cert: Buffer | string; key: Buffer | string };
  oui?: OuiTable;
  /** Clock in ms for the ingest queue's failure window (tests). */
  now?: () => number;
  /** The web console (pages and its API); absent = API only. */
  console?: { setup: ConsoleSetup; configFile: string | undefined; webDir?: string };
}

export interface App {
  app: FastifyInstance;
  ctx: ServerContext;
}

export async function buildApp(opts: AppOptions): Promise<App> {
  const srv = opts.config.server;
  const ingest = { ...srv.ingest, ...opts.ingest };
  const settings: ServerSettings = {
    enrollmentTokenTtl: srv.enrollment_token_ttl,
    agentStaleAfter: srv.agent_stale_after,
    maxRecordsPerBatch: ingest.max_records_per_batch,
    retryAfter: ingest.retry_after,
    maxParallelBodies: ingest.max_parallel_bodies,
  };
  const fopts: FastifyServerOptions = {
    logger: opts.logLevel === undefined || opts.logLevel === false ? false : { level: opts.logLevel },
    bodyLimit: ingest.max_body_bytes,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Headers are bounded by node (16 KiB); route parameters (tokens, ids) by this.
    routerOptions: { maxParamLength: 512 },
    // A body is checked as sent: fastify's defaults would turn "600" into 600 (coerceTypes) and quietly
    // drop fields a schema does not name (removeAdditional), so a typo such as {"acknowleged": true}
    // was answered 200 with nothing changed. Query strings are declared as strings and read by the routes.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  };
  // fastify's typings pick a different instance type for https; the API used here is the same.
  const app = (opts.https !== undefined ? fastify({ ...fopts, https: opts.https } as FastifyServerOptions) : fastify(fopts)) as FastifyInstance;

  const queue = new IngestQueue({
    maxBatches: ingest.queue_batches,
    maxRecords: ingest.queue_records,
    retryAfter: ingest.retry_after,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    onStoreError: (err) => app.log.error({ err }, 'store failed while storing a batch'),
  });
  const bodyStats = registerJsonBodies(app, { maxBodyBytes: ingest.max_body_bytes, maxDecompressedBytes: ingest.max_decompressed_bytes });
  const ctx: ServerContext = {
    stores: opts.stores,
    adminToken: opts.adminToken,
    settings,
    site: new Site(opts.config.networks),
    oui: opts.oui ?? ouiTable(),
    queue,
    bodyStats,
    deviceSkips: new Map(),
    counters: new Map(),
    metrics: createServerMetrics(() => ctx),
    parsing: 0,
  };

  app.setErrorHandler((err: FastifyError | ApiError | Error, req, reply) => {
    if (err instanceof ApiError) {
      if (err.retryAfter !== undefined) void reply.header('retry-after', String(err.retryAfter));
      return reply.code(err.status).send(errorBody(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    if (fe.validation !== undefined) return reply.code(400).send(errorBody('PKT_ERR_SERVER_BAD_REQUEST', fe.message));
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(errorBody('PKT_ERR_SERVER_TOO_LARGE', 'request body too large'));
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send(errorBody('PKT_ERR_SERVER_MEDIA_TYPE', 'send Content-Type: application/json'));
    const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
    if (status < 500) return reply.code(status).send(errorBody('PKT_ERR_SERVER_BAD_REQUEST', fe.message));
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('PKT_ERR_SERVER_INTERNAL', 'internal error (see the server log)'));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('PKT_ERR_SERVER_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));

  // Prometheus scrape (admin token: Prometheus sends it with `authorization: {credentials_file: ...}`).
  app.get('/metrics', { onRequest: adminAuth(ctx) }, async (_req, reply) =>
    reply.header('content-type', METRICS_CONTENT_TYPE).send(ctx.metrics.registry.render() + renderMetrics()),
  );
  await app.register(
    async (api) => {
      api.get('/ping', async () => ({ ok: true, version: SERVER_VERSION }));
      await api.register(enrollRoutes, { ctx });
      await api.register(ingestRoutes, { ctx });
      await api.register(healthRoutes, { ctx });
      await api.register(adminRoutes, { ctx, version: SERVER_VERSION, prefix: '/admin' });
      await api.register(queryRoutes, { ctx });
      await api.register(agentSuppressionRoutes, { ctx, suppressions: () => opts.console?.setup.users.suppressions() ?? [] });
    },
    { prefix: API_PREFIX },
  );
  if (opts.console !== undefined) {
    await registerConsole(app, { ctx, config: opts.config, secure: opts.https !== undefined, apiPrefix: API_PREFIX, ...opts.console });
  }
  // Batches accepted before close are stored before the stores are closed.
  app.addHook('onClose', async () => {
    await queue.drain();
  });
  return { app, ctx };
}
