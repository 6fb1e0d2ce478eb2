/**
 * The console's JSON API under /api/v1/console: login/logout/me (session
 * cookie + CSRF token), users, alerts with suppressions applied, one alert
 * with its hosts, the live stream of new alerts, suppressions, host summaries, devices, agents and
 * enrollment tokens, and a read-only view of the settings, detection rules, bundled intel data and intel sources.
 * Everything but /login needs a session; every write needs the CSRF header and
 * the admin role (viewers read). The store does the paging and aggregation.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { storedAddressText } from '../../store/address-text.js';
import { checkConfigFile } from '../../config/load.js';
import type { SiteConfig } from '../../config/schema.js';
import { createIntelSources, type IntelSources } from '../../intel/sources.js';
import { ruleViews } from '../../detect/rule-view.js';
import { bundledIntelStatus, type BundledIntelStatus } from '../../intel/bundled-status.js';
import { defaultIntelCacheDir } from '../../intel/index.js';
import {
  ALERT_SORT_FIELDS,
  CONN_SORT_FIELDS,
  DEVICE_SORT_FIELDS,
  HOST_SUMMARY_ALERTS,
  type AlertFilter,
  type AlertSummary,
  type ConnFilter,
  type DeviceFilter,
  type LogFilter,
  type StoredAlert,
} from '../../store/types.js';
import { ApiError, badRequest, forbidden, notFound } from '../api-error.js';
import { hostWindow } from '../host-window.js';
import { bool, int, ip, mac, one, pathIp, sortParam, time, type Query } from '../query-params.js';
import type { ServerContext } from '../context.js';
import type { Site } from '../../config/site.js';
import { AGENT_KINDS, type AgentKind } from '../store-port.js';
import { agentStatus, MAX_TOKEN_TTL_SECONDS } from '../routes/admin.js';
import { isRole, type ConsoleStore } from './console-store.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';
import { clearCookie, requireSession, SESSION_COOKIE, readCookie, sessionCookie } from './session.js';
import { suppressedBy, visibleAlerts } from './suppress.js';
import { LoginThrottle } from './throttle.js';
import { AlertFeed, attachAlertFeed, detachAlertFeed } from './alert-feed.js';
import { streamAlerts } from './alert-stream.js';
import { SESSION_TTL_MS } from './console-store.js';

/** Rows per page unless asked; most rows one page may hold (pages keep answers small). */
export const CONSOLE_DEFAULT_LIMIT = 50;
export const CONSOLE_MAX_LIMIT = 1000;
/** Longest note, suppression reason, rule pattern and user name accepted. */
export const MAX_NOTE_LENGTH = 4000;
export const MAX_REASON_LENGTH = 500;
export const MAX_NAME_LENGTH = 64;
/** Longest suppression: a year; longer is "forever" and must be said with no expiry. */
export const MAX_SUPPRESSION_SECONDS = 365 * 24 * 3600;

export interface ConsoleRouteOptions {
  ctx: ServerContext;
  users: ConsoleStore;
  config: SiteConfig;
  configFile: string | undefined;
  secure: boolean;
  throttle?: LoginThrottle;
}

function page(q: Query): { limit: number; offset: number } {
  return { limit: int(q, 'limit', 1, CONSOLE_MAX_LIMIT) ?? CONSOLE_DEFAULT_LIMIT, offset: int(q, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0 };
}

/** `from`/`to` of a list, checked like the host window's. */
function window(q: Query): { from: number | undefined; to: number | undefined } {
  const from = time(q, 'from');
  const to = time(q, 'to');
  if (from !== undefined && to !== undefined && from > to) throw badRequest('from is after to');
  return { from, to };
}

function str(body: unknown, name: string, max: number, required: boolean): string | undefined {
  const v = (body as Record<string, unknown> | null)?.[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw badRequest(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length > max) throw badRequest(`${name} must be text of at most ${max} characters`);
  return v;
}

/**
 * The hosts an alert names, with what enrichment knows about them. The
 * alert's `network.name` is its source's (or subject's) network; the
 * destination's is looked up in the site's networks.
 */
function alertHosts(a: StoredAlert, site: Pick<Site, 'networkOf'>): { role: string; ip: string; port: number | null; network: string | null; asn: number | null; as_org: string | null; country: string | null }[] {
  const out = [];
  for (const [role, ep] of [['source', a.source], ['destination', a.destination]] as const) {
    if (ep?.ip === undefined) continue;
    const configured = site.networkOf(ep.ip)?.name ?? null;
    out.push({
      role,
      ip: ep.ip,
      port: ep.port ?? null,
      network: role === 'source' ? (a.network?.name ?? configured) : configured,
      asn: ep.as?.number ?? null,
      as_org: ep.as?.organization?.name ?? null,
      country: ep.geo?.country_iso_code ?? null,
    });
  }
  return out;
}

/** A stored alert as a host summary lists it. */
function alertSummary(a: StoredAlert): AlertSummary {
  return {
    id: a.id,
    '@timestamp': a['@timestamp'],
    rule: a.rule.id,
    severity: a.event.severity,
    message: a.message,
    count: a.count,
    acknowledged: a.acknowledged,
  };
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleRouteOptions): Promise<void> {
  const { ctx, users, secure } = opts;
  const { store, meta } = ctx.stores;
  const throttle = opts.throttle ?? new LoginThrottle();

  // The live alert feed, fed by the ingest route (alert-feed.ts). Open streams
  // end before the server stops listening, or closing would wait for them.
  const feed = new AlertFeed({ store, onError: (err) => app.log.warn({ err }, 'alert feed: looking up stored alerts failed') });
  attachAlertFeed(ctx, feed);
  app.addHook('preClose', async () => feed.endListeners());
  app.addHook('onClose', async () => {
    detachAlertFeed(ctx);
    await feed.close();
  });

  // ---- login (no session yet)
  app.post('/login', async (req, reply) => {
    const name = str(req.body, 'user', MAX_NAME_LENGTH, true) ?? '';
    const password = str(req.body, 'password', MAX_PASSWORD_LENGTH, true) ?? '';
    const wait = throttle.retryAfterMs(name);
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      throw new ApiError(429, 'PKT_ERR_SERVER_LOCKED', `too many failed logins for ${name}; try again in ${s} s`, s);
    }
    const user = await users.checkPassword(name, password);
    if (user === undefined) {
      throttle.failure(name);
      throw new ApiError(401, 'PKT_ERR_SERVER_UNAUTHORIZED', 'wrong user name or password');
    }
    throttle.success(name);
    const { cookie, session } = await users.createSession(user);
    void reply.header('set-cookie', sessionCookie(cookie, Math.floor(SESSION_TTL_MS / 1000), secure));
    return { user: session.user, role: session.role, csrf: session.csrf };
  });

  // ---- anything a logged-in user may do, viewers included
  await app.register(async (own) => {
    own.addHook('onRequest', requireSession(users, false));
    own.get('/me', async (req) => {
      const s = req.consoleSession!;
      return { user: s.user, role: s.role, csrf: s.csrf };
    });
    own.post('/logout', async (req, reply) => {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (cookie !== undefined) await users.endSession(cookie);
      return reply.header('set-cookie', clearCookie(secure)).code(204).send();
    });
  });

  // ---- reads for everyone, writes for admins
  await app.register(async (api) => {
    api.addHook('onRequest', requireSession(users, true));

    api.get('/users', async (req) => {
      if (req.consoleSession!.role !== 'admin') throw forbidden('only admins see the users');
      return { users: users.users() };
    });
    api.post('/users', async (req) => {
      const name = str(req.body, 'name', MAX_NAME_LENGTH, true) ?? '';
      if (!/^[a-z0-9_.\-]+$/i.test(name)) throw badRequest('name: letters, digits, "_", "." and "-" only');
      const password = str(req.body, 'password', MAX_PASSWORD_LENGTH, true) ?? '';
      if (password.length < MIN_PASSWORD_LENGTH) throw badRequest(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
      const role = (req.body as Record<string, unknown>).role ?? 'viewer';
      if (!isRole(role)) throw badRequest('role must be admin or viewer');
      if (users.getUser(name) !== undefined) throw new ApiError(409, 'PKT_ERR_SERVER_CONFLICT', `user ${name} exists`);
      await users.createUser(name, password, role);
      return { name, role };
    });
    api.delete<{ Params: { name: string } }>('/users/:name', async (req, reply) => {
      if (req.params.name === req.consoleSession!.user) throw badRequest('you cannot remove yourself');
      if (!(await users.deleteUser(req.params.name))) throw notFound(`no user ${req.params.name}`);
      return reply.code(204).send();
    });

    api.get<{ Querystring: Query }>('/alerts', async (req) => {
      const q = req.query;
      const f: AlertFilter = page(q);
      const rule = one(q, 'rule');
      if (rule !== undefined) f.rule = rule;
      const sev = int(q, 'severity', 1, 4);
      if (sev !== undefined) f.severity = sev;
      const host = ip(q, 'host');
      if (host !== undefined) f.host = host;
      const network = one(q, 'network');
      if (network !== undefined) f.network = network;
      const ack = bool(q, 'acknowledged');
      if (ack !== undefined) f.acknowledged = ack;
      const { from, to } = window(q);
      if (from !== undefined) f.from = from;
      if (to !== undefined) f.to = to;
      const sort = sortParam(q, 'sort', ALERT_SORT_FIELDS);
      if (sort !== undefined) f.sort = sort;
      const sups = one(q, 'suppressed') === 'show' ? [] : users.suppressions();
      return visibleAlerts(store, f, sups);
    });

    // Server-sent events: new stored alerts as they arrive (alert-stream.ts).
    api.get('/alerts/stream', { exposeHeadRoute: false }, async (req, reply) => {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE) ?? '';
      return streamAlerts(req, reply, feed, {
        visible: (a) => suppressedBy(a, users.suppressions()) === undefined,
        sessionAlive: () => users.session(cookie) !== undefined,
      });
    });

    api.get<{ Params: { id: string } }>('/alerts/:id', async (req) => {
      const a = await store.getAlert(req.params.id);
      if (a === null) throw notFound(`no alert ${req.params.id}`);
      return { alert: a, hosts: alertHosts(a, ctx.site), suppressed_by: suppressedBy(a, users.suppressions()) ?? null };
    });

    api.post<{ Params: { id: string } }>('/alerts/:id', async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const patch: { acknowledged?: boolean; note?: string | null } = {};
      if (body.acknowledged !== undefined) {
        if (typeof body.acknowledged !== 'boolean') throw badRequest('acknowledged must be true or false');
        patch.acknowledged = body.acknowledged;
      }
      if (body.note !== undefined) patch.note = body.note === null ? null : (str(body, 'note', MAX_NOTE_LENGTH, false) ?? null);
      if (Object.keys(patch).length === 0) throw badRequest('send acknowledged and/or note');
      const a = await store.updateAlert(req.params.id, patch);
      if (a === null) throw notFound(`no alert ${req.params.id}`);
      return a;
    });

    api.get('/suppressions', async () => ({ suppressions: users.suppressions() }));
    api.post('/suppressions', async (req) => {
      const rule = str(req.body, 'rule', MAX_NAME_LENGTH * 2, true) ?? '';
      if (!/^[a-z0-9_.\-]+\*?$/i.test(rule)) throw badRequest(`rule: "${rule}" is not a rule id or prefix*`);
      const reason = str(req.body, 'reason', MAX_REASON_LENGTH, true) ?? '';
      const hostText = str(req.body, 'host', 64, false) ?? null;
      // Kept in the spelling alerts carry, which matching compares as text.
      const host = hostText === null ? null : storedAddressText(hostText);
      if (hostText !== null && host === null) throw badRequest(`host: "${hostText}" is not an IP address`);
      const network = str(req.body, 'network', MAX_NAME_LENGTH, false) ?? null;
      const forSeconds = (req.body as Record<string, unknown>).expires_in;
      let expires: string | null = null;
      if (forSeconds !== undefined && forSeconds !== null) {
        if (typeof forSeconds !== 'number' || !Number.isInteger(forSeconds) || forSeconds < 60 || forSeconds > MAX_SUPPRESSION_SECONDS)
          throw badRequest(`expires_in must be whole seconds from 60 to ${MAX_SUPPRESSION_SECONDS}`);
        expires = new Date(Date.now() + forSeconds * 1000).toISOString();
      }
      return users.addSuppression({ rule, host, network, reason, created_by: req.consoleSession!.user, expires_at: expires });
    });
    api.delete<{ Params: { id: string } }>('/suppressions/:id', async (req, reply) => {
      if (!(await users.deleteSuppression(req.params.id))) throw notFound(`no suppression ${req.params.id}`);
      return reply.code(204).send();
    });

    api.get<{ Params: { ip: string }; Querystring: Query }>('/hosts/:ip', async (req) => {
      const host = pathIp(req.params.ip);
      const { from, to } = await hostWindow(store, host, time(req.query, 'from'), time(req.query, 'to'), one(req.query, 'span'));
      const summary = await store.hostSummary(host, from, to);
      const sups = users.suppressions();
      if (sups.length === 0 || summary.alerts.length === 0) return { ...summary, alerts_hidden: 0 };
      // The same alerts the alert list shows for this host and window: suppressed ones left out and counted.
      const filter: AlertFilter = { host, limit: HOST_SUMMARY_ALERTS };
      if (from !== undefined) filter.from = from;
      if (to !== undefined) filter.to = to;
      const shown = await visibleAlerts(store, filter, sups);
      return { ...summary, alerts: shown.rows.map(alertSummary), alerts_hidden: shown.hidden };
    });

    // One host's connections, newest first unless sorted: the host page's list of what it did in its window.
    api.get<{ Querystring: Query }>('/connections', async (req) => {
      const q = req.query;
      const f: ConnFilter = page(q);
      const host = ip(q, 'ip');
      if (host === undefined) throw badRequest('ip is required');
      f.ip = host;
      const { from, to } = window(q);
      if (from !== undefined) f.from = from;
      if (to !== undefined) f.to = to;
      const sort = sortParam(q, 'sort', CONN_SORT_FIELDS);
      if (sort !== undefined) f.sort = sort;
      return store.connections(f);
    });

    // The files one host sent or received (files.jsonl lines), newest first.
    api.get<{ Querystring: Query }>('/files', async (req) => {
      const q = req.query;
      const host = ip(q, 'ip');
      if (host === undefined) throw badRequest('ip is required');
      const f: LogFilter = { ...page(q), kind: 'files', ip: host };
      const { from, to } = window(q);
      if (from !== undefined) f.from = from;
      if (to !== undefined) f.to = to;
      return store.logs(f);
    });

    api.get<{ Querystring: Query }>('/devices', async (req) => {
      const q = req.query;
      const f: DeviceFilter = page(q);
      const network = one(q, 'network');
      if (network !== undefined) f.network = network;
      const address = ip(q, 'ip');
      if (address !== undefined) f.ip = address;
      const m = mac(q, 'mac');
      if (m !== undefined) f.mac = m;
      const name = one(q, 'name');
      if (name !== undefined) f.name = name;
      const sort = sortParam(q, 'sort', DEVICE_SORT_FIELDS);
      if (sort !== undefined) f.sort = sort;
      const found = await store.devices(f);
      // The inventory's newest activity, whatever page and filters are shown: the console marks
      // devices first seen within a day of it as new (a replayed old capture still shows them).
      const newest = await store.devices({ limit: 1, sort: { field: 'last_seen', dir: 'desc' } });
      return { ...found, newest_seen: newest.rows[0]?.last_seen ?? null };
    });

    api.get('/agents', async () => {
      const now = Date.now();
      const agents = await meta.listAgents();
      return { agents: agents.map((a) => ({ ...a, status: agentStatus(a, ctx.settings.agentStaleAfter, now) })) };
    });
    api.get('/tokens', async () => ({ tokens: await meta.listTokens() }));
    api.post('/tokens', async (req) => {
      const name = str(req.body, 'name', MAX_NAME_LENGTH, true) ?? '';
      const kind = (req.body as Record<string, unknown>).kind ?? 'sensor';
      if (!AGENT_KINDS.includes(kind as AgentKind)) throw badRequest(`kind must be one of ${AGENT_KINDS.join(', ')}`);
      const ttl = (req.body as Record<string, unknown>).ttl ?? ctx.settings.enrollmentTokenTtl;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 60 || ttl > MAX_TOKEN_TTL_SECONDS) throw badRequest(`ttl must be whole seconds from 60 to ${MAX_TOKEN_TTL_SECONDS}`);
      const t = await meta.createEnrollmentToken(name, kind as AgentKind, ttl);
      return { token: t.token, id: t.id, name, kind, expires_at: t.expires_at };
    });
    api.delete<{ Params: { id: string } }>('/tokens/:id', async (req, reply) => {
      if (!(await meta.revokeToken(req.params.id))) throw notFound(`no token ${req.params.id}`);
      return reply.code(204).send();
    });

    // Intel sources are read once, on the first settings view: local files as
    // they are, URL and MISP sources from the local store the sensors' refreshes keep.
    let sources: Promise<IntelSources> | undefined;
    // The data Picket brings (IP enrichment, user-agent lists, DGA model), loaded once, on the first view.
    let bundled: Promise<BundledIntelStatus[]> | undefined;
    api.get('/settings', async () => {
      const problems = opts.configFile === undefined ? [] : checkConfigFile(opts.configFile);
      const baseDir = opts.configFile === undefined ? process.cwd() : path.dirname(opts.configFile);
      let intel: IntelSourceView[] = [];
      let intelError: string | null = null;
      try {
        sources ??= createIntelSources(opts.config.intel, baseDir, defaultIntelCacheDir(opts.config, baseDir, undefined));
        intel = (await sources).status().map((st) => ({
          name: st.name,
          kind: st.kind,
          origin: st.origin,
          remote: st.remote,
          count: st.count,
          alerting: st.alerting,
          updated: st.updated,
          last_error: st.last_error,
        }));
      } catch (err) {
        intelError = err instanceof Error ? err.message : String(err);
      }
      bundled ??= bundledIntelStatus(opts.config, baseDir);
      const builtIn = (await bundled).map(({ name, ok, detail }) => ({ name, ok, detail }));
      const stats = await store.stats();
      // Rules without their options: those are in `config` (redacted) already.
      const rules = ruleViews(opts.config.detectors).map(({ options: _options, ...rule }) => rule);
      return { config_file: opts.configFile ?? null, problems, config: redact(opts.config), rules, bundled: builtIn, intel, intel_error: intelError, store: stats };
    });
  });

}

/** One intel source as the settings page shows it. */
interface IntelSourceView {
  name: string;
  kind: string;
  origin: string;
  remote: boolean;
  /** Indicators (or relay addresses) loaded, and those that raise alerts. */
  count: number;
  alerting: number;
  /** Epoch seconds of the last successful load, or null. */
  updated: number | null;
  last_error: string | null;
}

/** Key names whose values are secrets and are not shown in the settings view. */
const SECRET_KEY = /key|secret|password|token|credential/i;

/** A copy of the config with secret-looking values replaced (the console shows it to viewers too). */
export function redact(v: unknown, key = ''): unknown {
  if (typeof v === 'string' && SECRET_KEY.test(key)) return '(hidden)';
  if (Array.isArray(v)) return v.map((x) => redact(x, key));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redact(x, k);
    return out;
  }
  return v;
}
