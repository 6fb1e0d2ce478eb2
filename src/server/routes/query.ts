/**
 * Metadata queries (admin token): a host's summary over a time window,
 * searches over connections, DNS, alerts, other logs and devices, and alert
 * acknowledgement/notes; the connection, alert and device searches take the
 * console's `sort` (`field` or `-field`). Query-string values are checked here and turned
 * into the store's filters (times: ISO 8601 or epoch seconds); every answer
 * is what the store computed, unchanged.
 */
import type { FastifyInstance } from 'fastify';
import { parseCidr } from '../../config/cidr.js';
import { ALERT_SORT_FIELDS, CONN_SORT_FIELDS, DEVICE_SORT_FIELDS } from '../../store/types.js';
import type { AlertFilter, AlertPatch, ConnFilter, DeviceFilter, DnsFilter, LogFilter, RangeFilter } from '../../store/types.js';
import { badRequest, notFound } from '../api-error.js';
import { adminAuth } from '../auth.js';
import { hostWindow } from '../host-window.js';
import { bool, int, ip, mac, one, pathIp, sortParam, time, type Query } from '../query-params.js';
import type { ServerContext } from '../context.js';
import { KIND_PATTERN } from './ingest.js';

/** Rows per page when the caller does not say. */
export const DEFAULT_LIMIT = 100;
/** Most rows one request may ask for: pages keep answers (and memory) small. */
export const MAX_LIMIT = 10_000;
/** Longest note an admin can attach to an alert. */
export const MAX_NOTE_LENGTH = 4000;

/** from/to/limit/offset, with from <= to checked. */
function range(q: Query): RangeFilter {
  const f: RangeFilter = { limit: int(q, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT, offset: int(q, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0 };
  const from = time(q, 'from');
  const to = time(q, 'to');
  if (from !== undefined && to !== undefined && from > to) throw badRequest('from is after to');
  if (from !== undefined) f.from = from;
  if (to !== undefined) f.to = to;
  return f;
}

function set<T extends object, K extends keyof T>(f: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) f[key] = v;
}

const stringQuery = { type: 'object', additionalProperties: { type: 'string' } } as const;

export async function queryRoutes(app: FastifyInstance, opts: { ctx: ServerContext }): Promise<void> {
  const { store } = opts.ctx.stores;
  app.addHook('onRequest', adminAuth(opts.ctx));

  app.get<{ Params: { ip: string }; Querystring: Query }>('/hosts/:ip', { schema: { querystring: stringQuery } }, async (req) => {
    const host = pathIp(req.params.ip);
    const r = range(req.query);
    const w = await hostWindow(store, host, r.from, r.to, one(req.query, 'span'));
    return store.hostSummary(host, w.from, w.to);
  });

  app.get<{ Querystring: Query }>('/connections', { schema: { querystring: stringQuery } }, async (req) => {
    const q = req.query;
    const f: ConnFilter = range(q);
    set(f, 'ip', ip(q, 'ip'));
    const cidr = one(q, 'cidr');
    if (cidr !== undefined) {
      const c = parseCidr(cidr);
      if (typeof c === 'string') throw badRequest(`cidr: "${cidr}" ${c}`);
      f.cidr = cidr;
    }
    set(f, 'port', int(q, 'port', 0, 65535));
    const country = one(q, 'country');
    if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) throw badRequest(`country: "${country}" is not a two-letter country code`);
    set(f, 'country', country?.toUpperCase());
    set(f, 'asn', int(q, 'asn', 0, 4294967295));
    const proto = one(q, 'proto');
    if (proto !== undefined && proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') throw badRequest(`proto: "${proto}" is not tcp, udp or icmp`);
    set(f, 'proto', proto as ConnFilter['proto']);
    set(f, 'uid', one(q, 'uid'));
    set(f, 'sort', sortParam(q, 'sort', CONN_SORT_FIELDS));
    return store.connections(f);
  });

  app.get<{ Querystring: Query }>('/dns', { schema: { querystring: stringQuery } }, async (req) => {
    const q = req.query;
    const f: DnsFilter = range(q);
    set(f, 'ip', ip(q, 'ip'));
    set(f, 'name', one(q, 'name'));
    return store.dns(f);
  });

  app.get<{ Querystring: Query }>('/alerts', { schema: { querystring: stringQuery } }, async (req) => {
    const q = req.query;
    const f: AlertFilter = range(q);
    set(f, 'rule', one(q, 'rule'));
    set(f, 'severity', int(q, 'severity', 1, 4));
    set(f, 'host', ip(q, 'host'));
    set(f, 'network', one(q, 'network'));
    set(f, 'acknowledged', bool(q, 'acknowledged'));
    set(f, 'sort', sortParam(q, 'sort', ALERT_SORT_FIELDS));
    return store.alerts(f);
  });

  app.get<{ Params: { id: string } }>('/alerts/:id', async (req) => {
    const a = await store.getAlert(req.params.id);
    if (a === null) throw notFound(`no alert ${req.params.id}`);
    return a;
  });

  const patchSchema = {
    body: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { acknowledged: { type: 'boolean' }, note: { anyOf: [{ type: 'string', maxLength: MAX_NOTE_LENGTH }, { type: 'null' }] } },
    },
  };
  const patchAlert = async (req: { params: { id: string }; body: AlertPatch }): Promise<unknown> => {
    const a = await store.updateAlert(req.params.id, req.body);
    if (a === null) throw notFound(`no alert ${req.params.id}`);
    return a;
  };
  app.patch<{ Params: { id: string }; Body: AlertPatch }>('/alerts/:id', { schema: patchSchema }, patchAlert);
  app.post<{ Params: { id: string }; Body: AlertPatch }>('/alerts/:id', { schema: patchSchema }, patchAlert);

  app.get<{ Params: { kind: string }; Querystring: Query }>('/logs/:kind', { schema: { querystring: stringQuery } }, async (req) => {
    if (!new RegExp(KIND_PATTERN).test(req.params.kind)) throw badRequest(`"${req.params.kind}" is not a log name`);
    const q = req.query;
    const f: LogFilter = { ...range(q), kind: req.params.kind };
    set(f, 'ip', ip(q, 'ip'));
    set(f, 'uid', one(q, 'uid'));
    return store.logs(f);
  });

  app.get<{ Querystring: Query }>('/devices', { schema: { querystring: stringQuery } }, async (req) => {
    const q = req.query;
    const f: DeviceFilter = { limit: int(q, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT, offset: int(q, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0 };
    set(f, 'network', one(q, 'network'));
    set(f, 'mac', mac(q, 'mac'));
    set(f, 'ip', ip(q, 'ip'));
    set(f, 'name', one(q, 'name'));
    set(f, 'sort', sortParam(q, 'sort', DEVICE_SORT_FIELDS));
    return store.devices(f);
  });
}
