/**
 * Runs `picket server`: loads the site configuration, takes or creates the
 * admin token, opens the stores of the data directory (DIR/picket.duckdb),
 * builds the HTTP application, listens (HTTPS when server.tls is set), and
 * enforces store retention on a timer. `close()` stops listening, stores the
 * batches already accepted, and closes the stores.
 *
 * With `demo`, an empty store is filled from the bundled demo capture (with
 * detection, devices included) once the server listens, so a fresh
 * `npm start` has something to show.
 */
import { createSinks, type SinkNotice, type Sinks } from '../sinks/index.js';
import { registerSinkMetrics } from '../metrics/pipeline.js';
import { suppressedBy } from './console/suppress.js';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config/load.js';
import type { SiteConfig } from '../config/schema.js';
import { openStores } from '../store/open.js';
import { storeOptionsFrom } from '../store/config-schema.js';
import { PicketError } from '../util/errors.js';
import { ensureAdminToken, type AdminToken } from './admin-token.js';
import { buildApp, type AppOptions } from './app.js';
import type { ServerContext } from './context.js';
import { parseListen, urlFor } from './listen.js';
import type { ServerStores } from './store-port.js';
import { setUpConsole } from './console/index.js';
import { alertFeedOf } from './console/alert-feed.js';

/** Batch marks (exactly-once) are kept this long: far beyond any retry of an acknowledged batch. */
export const BATCH_MARK_RETENTION_SECONDS = 7 * 24 * 3600;

export interface RunServerOptions {
  configFile?: string | undefined;
  dataDir: string;
  /** HOST:PORT, overriding server.listen. */
  listen?: string | undefined;
  logLevel?: AppOptions['logLevel'];
  env?: NodeJS.ProcessEnv;
  /** Fill an empty store from the bundled demo capture after start. */
  demo?: boolean;
  /** Tests: wrap the opened stores (slow or failing store). */
  wrapStores?: (s: ServerStores) => ServerStores;
  /** Tests: ingest limit overrides. */
  ingest?: AppOptions['ingest'];
  /** Tests: the ingest queue's clock (ms). */
  now?: () => number;
  /** How long close() lets requests in progress finish before it cuts their connections (default CLOSE_GRACE_MS). */
  closeGraceMs?: number;
}

/**
 * close() first lets requests in progress finish (an agent's batch is then
 * stored and acknowledged), but no longer than this: a connection that was
 * opened and never sent a whole request (a browser's preconnect, a port
 * check, a stalled client) would otherwise hold the close until its
 * headers timeout, a minute later. A batch cut off this way is not lost:
 * unacknowledged, the agent keeps it and sends it again.
 */
export const CLOSE_GRACE_MS = 5000;

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  ctx: ServerContext;
  admin: AdminToken;
  config: SiteConfig;
  /** Lines for the operator from the console set-up (a generated admin password, once). */
  consoleNotices: string[];
  /** Resolves when the demo data (if asked for) has been stored. */
  demoDone: Promise<void>;
  close(): Promise<void>;
}


function readPem(file: string, configFile: string | undefined, what: string): Buffer {
  const p = configFile !== undefined && !path.isAbsolute(file) ? path.resolve(path.dirname(configFile), file) : file;
  try {
    return fs.readFileSync(p);
  } catch (err) {
    throw new PicketError('PKT_ERR_SERVER_TLS', `server.tls.${what}: cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function runServer(opts: RunServerOptions): Promise<RunningServer> {
  const config = loadConfig(opts.configFile);
  const dataDir = path.resolve(opts.dataDir);
  const admin = ensureAdminToken(dataDir, opts.env ?? process.env);
  const listen = parseListen(opts.listen ?? config.server.listen);
  const tls = config.server.tls;
  const https = tls === undefined ? undefined : { cert: readPem(tls.cert, opts.configFile, 'cert'), key: readPem(tls.key, opts.configFile, 'key') };

  const consoleSetup = await setUpConsole({ dataDir, configFile: opts.configFile, env: opts.env ?? process.env });
  let opened: Awaited<ReturnType<typeof openStores>>;
  try {
    opened = await openStores(dataDir, storeOptionsFrom(config.store));
  } catch (err) {
    await consoleSetup.undo().catch(() => undefined);
    throw err;
  }
  const stores = opts.wrapStores !== undefined ? opts.wrapStores({ store: opened.store, meta: opened.meta }) : { store: opened.store, meta: opened.meta };
  let built: Awaited<ReturnType<typeof buildApp>>;
  let sinks: Sinks | null = null;
  // Sink health changes (failing, refusing, dropping at the queue bound, recovered) go to the log once it exists.
  let tellSink: ((n: SinkNotice) => void) | null = null;
  const earlyNotices: SinkNotice[] = [];
  try {
    // Sinks start before the server listens: one that cannot start (its
    // secret's environment variable unset, a CA file missing) must stop the
    // server at start, not leave it accepting alerts it will never deliver.
    if (config.sinks.length > 0) {
      sinks = createSinks(config.sinks, {
        dataDir,
        baseDir: opts.configFile !== undefined ? path.dirname(path.resolve(opts.configFile)) : process.cwd(),
        onNotice: (n) => {
          if (tellSink !== null) tellSink(n);
          else if (earlyNotices.length < 100) earlyNotices.push(n);
        },
      });
    }
    built = await buildApp({
      stores,
      adminToken: admin.token,
      config,
      ...(opts.ingest !== undefined ? { ingest: opts.ingest } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
      ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
      ...(https !== undefined ? { https } : {}),
      console: { setup: consoleSetup, configFile: opts.configFile === undefined ? undefined : path.resolve(opts.configFile) },
    });
    await built.app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await sinks?.close().catch(() => undefined);
    await consoleSetup.undo().catch(() => undefined);
    await opened.close().catch(() => undefined);
    throw err;
  }
  const { app, ctx } = built;
  const addr = app.server.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : listen.port;
  const url = urlFor({ host: listen.host, port }, https !== undefined);

  let retentionRunning = false;
  const retention = setInterval(() => {
    if (retentionRunning) return;
    retentionRunning = true;
    void (async () => {
      try {
        const r = await stores.store.enforceRetention();
        if (r.reasons.length > 0) app.log.info({ retention: r }, 'retention enforced');
        await stores.meta.pruneBatches(Date.now() / 1000 - BATCH_MARK_RETENTION_SECONDS);
      } catch (err) {
        app.log.error({ err }, 'retention failed');
      } finally {
        retentionRunning = false;
      }
    })();
  }, config.server.retention_interval * 1000);
  retention.unref();

  // Alerts that agents ship go on to the configured sinks, minus what the console suppressed.
  if (sinks !== null) {
    const started = sinks;
    tellSink = (n) => (n.kind === 'recovered' ? app.log.info({ sink: n.sink }, n.message) : app.log.warn({ sink: n.sink, kind: n.kind }, n.message));
    for (const n of earlyNotices.splice(0)) tellSink(n);
    registerSinkMetrics(() => started.stats(), ctx.metrics.registry);
    ctx.deliverAlerts = (alerts) => {
      const sups = consoleSetup.users.suppressions();
      for (const a of alerts) {
        let suppressed = false;
        try {
          suppressed = suppressedBy(a, sups) !== undefined;
        } catch {
          // An alert the matcher cannot read (no source): the sinks count and skip it as malformed.
        }
        if (!suppressed) started.deliver(a);
      }
    };
  }

  const demoDone = opts.demo === true ? loadDemo(ctx, app).catch((err: unknown) => app.log.error({ err }, 'demo data not loaded')) : Promise.resolve();

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    ctx,
    admin,
    config,
    demoDone,
    consoleNotices: consoleSetup.notices,
    close(): Promise<void> {
      closing ??= (async () => {
        clearInterval(retention);
        await demoDone;
        const cut = setTimeout(() => app.server.closeAllConnections(), opts.closeGraceMs ?? CLOSE_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        if (sinks !== null) {
          await sinks.flush();
          await sinks.close();
        }
        await opened.close();
      })();
      return closing;
    },
  };
}

/** Replays the bundled demo capture into an empty store, with detection and device inventory. */
async function loadDemo(ctx: ServerContext, app: FastifyInstance): Promise<void> {
  const { store } = ctx.stores;
  const stats = await store.stats();
  if ((stats.rows.conn ?? 0) > 0) return;
  const { assetPath } = await import('./assets.js');
  const { setUpDetection } = await import('../cli/detection.js');
  const { createIngestReplay } = await import('../store/ingest-replay.js');
  const { createDeviceExtractor } = await import('./devices.js');
  const dir = assetPath('demo');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng')).sort().map((f) => path.join(dir, f)) : [];
  if (files.length === 0) {
    app.log.warn(`no demo capture in ${dir}`);
    return;
  }
  let replay: ReturnType<typeof createIngestReplay> | undefined;
  const detection = await setUpDetection({ configFile: path.join(dir, 'picket.yaml'), onAlert: (a) => replay?.addAlert(a) });
  // The demo's hosts are in the demo's lab networks (its picket.yaml), whatever the server's own site names.
  const { Site } = await import('../config/site.js');
  const devices = createDeviceExtractor(new Site(detection.config.networks), ctx.oui);
  detection.bus.onLog((e) => {
    if ('log' in e && 'record' in e) devices.add(e.log, e.record as unknown as Record<string, unknown>);
  });
  replay = createIngestReplay(store, files, { bus: detection.bus, replay: { flows: detection.flows, decoder: detection.decoder, analyzers: detection.analyzers }, beforeFinish: () => detection.engine.flush() });
  const r = await replay.run();
  await store.upsertDevices(devices.take());
  // A bulk load, not followed alert by alert: open live lists reload their first page.
  alertFeedOf(ctx)?.reset();
  app.log.info({ stored: r.stored }, 'demo capture loaded');
}
