/**
 * `picket query`: host summaries and searches over the metadata store, as
 * JSON or a table. Works straight on a data directory (`--data DIR`, opening
 * DIR/picket.duckdb, or ClickHouse when the config's store section says so)
 * or against a running server (`--server URL` with the admin token from
 * --token or PICKET_ADMIN_TOKEN), calling the same API the console uses.
 */
import { parseCommandArgs, stringOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { parseTime } from '../store/time.js';
import { storedAddressText } from '../store/address-text.js';
import { parseDuration } from '../config/duration.js';
import { hostWindow } from '../server/host-window.js';
import { textTable } from './text-table.js';
import { canonicalMac } from '../server/oui.js';
import { ALERT_SORT_FIELDS, CONN_SORT_FIELDS, DEVICE_SORT_FIELDS } from '../store/types.js';
import { formatSort, parseSort } from '../store/sort-text.js';
import type {
  AlertFilter,
  ConnFilter,
  ConnRow,
  Device,
  DeviceFilter,
  DnsFilter,
  DnsRow,
  HostSummary,
  Page,
  RangeFilter,
  Sort,
  StoredAlert,
} from '../store/types.js';
import { hostPort } from '../util/host-port.js';

export const QUERY_HELP = `Usage: picket query <what> [options]

What:
  host IP                 everything about one host: connections, bytes and packets
                          sent/received, DNS names, countries, ASNs, peers, ports, alerts
  connections             search connections   [--ip --cidr --port --country --asn --proto]
  dns                     search DNS queries   [--ip --name (exact or *.suffix)]
  alerts                  search alerts        [--rule (id or prefix*) --severity --host --network]
  devices                 the device inventory [--network --ip --mac --name (part of a host name)]

Where:
  --data DIR              the server's data directory (default ./data) when no server holds it
  --config FILE           picket.yaml (its store: section picks the engine) with --data
  --server URL            a running server, e.g. http://127.0.0.1:8780
  --token T               admin token for --server (default: $PICKET_ADMIN_TOKEN)

Options:
  --from T, --to T        time window: ISO 8601 (2024-05-01, 2024-05-01T10:00:00Z) or epoch seconds
  --span D                host only: the last D (24h, 7d) of the host's own activity
  --limit N, --offset N   paging for searches (default 100 rows)
  --sort F, --sort=-F     order of a search, ascending or (with -) descending:
                          connections: time duration bytes peer port;
                          alerts: time severity rule count;
                          devices: first_seen last_seen mac network
  --format table|json     output (default table)
`;

const OPTIONS = {
  data: { type: 'string' },
  config: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  format: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  span: { type: 'string' },
  ip: { type: 'string' },
  cidr: { type: 'string' },
  port: { type: 'string' },
  country: { type: 'string' },
  asn: { type: 'string' },
  proto: { type: 'string' },
  name: { type: 'string' },
  mac: { type: 'string' },
  rule: { type: 'string' },
  severity: { type: 'string' },
  host: { type: 'string' },
  network: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  sort: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

const WHATS = ['host', 'connections', 'dns', 'alerts', 'devices'] as const;
type What = (typeof WHATS)[number];

/** One query, independent of where it runs. */
type Query =
  | { what: 'host'; ip: string; from?: number; to?: number; span?: string }
  | { what: 'connections'; filter: ConnFilter }
  | { what: 'dns'; filter: DnsFilter }
  | { what: 'alerts'; filter: AlertFilter }
  | { what: 'devices'; filter: DeviceFilter };

function usage(message: string): PicketError {
  return new PicketError('PKT_ERR_CLI_USAGE', `query: ${message} (see picket query --help)`);
}

function time(values: Values, name: string): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const t = parseTime(v);
  if (t === null) throw usage(`--${name} "${v}" is not a time (ISO 8601 or epoch seconds)`);
  return t;
}

function int(values: Values, name: string, min: number, max: number): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < min || n > max) throw usage(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

/** `--sort field` (ascending) or `--sort=-field` (descending), the field one of `fields`. */
function sortOpt<F extends string>(values: Values, fields: readonly F[]): Sort<F> | undefined {
  const v = stringOpt(values, 'sort');
  if (v === undefined) return undefined;
  const sort = parseSort(v, fields);
  if (sort === null) throw usage(`--sort "${v}" is not one of ${fields.join(', ')} (with - before it for descending order)`);
  return sort;
}

function put<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** Builds the query from the command line; every value is checked here, before any store is opened. */
export function buildQuery(what: What, positionals: string[], values: Values): Query {
  const from = time(values, 'from');
  const to = time(values, 'to');
  if (from !== undefined && to !== undefined && from > to) throw usage('--from is after --to');
  const range = { from, to, limit: int(values, 'limit', 1, 10_000), offset: int(values, 'offset', 0, Number.MAX_SAFE_INTEGER) };
  if ((what === 'host' || what === 'dns') && stringOpt(values, 'sort') !== undefined) throw usage('--sort orders connections, alerts and devices only');
  const base = <T extends RangeFilter>(): T => {
    const f: RangeFilter = {};
    put(f, 'from', range.from);
    put(f, 'to', range.to);
    put(f, 'limit', range.limit);
    put(f, 'offset', range.offset);
    return f as T;
  };
  // Addresses in the store's spelling (rows match on that text); anything else
  // is left for the store or the server to refuse with its usual message.
  const address = (name: string): string | undefined => {
    const v = stringOpt(values, name);
    return v === undefined ? undefined : (storedAddressText(v) ?? v);
  };
  switch (what) {
    case 'host': {
      const given = positionals[0] ?? stringOpt(values, 'ip');
      if (given === undefined) throw usage('host needs an address: picket query host IP');
      const ip = storedAddressText(given) ?? given;
      const q: Query = { what, ip };
      put(q, 'from', from);
      put(q, 'to', to);
      const span = stringOpt(values, 'span');
      if (span !== undefined) {
        const seconds = parseDuration(span);
        if (seconds === null || seconds <= 0) throw usage(`--span must be a duration such as 24h or 7d, got "${span}"`);
        if (from !== undefined || to !== undefined) throw usage('--span cannot be combined with --from or --to');
        q.span = span;
      }
      return q;
    }
    case 'connections': {
      const f = base<ConnFilter>();
      put(f, 'ip', address('ip'));
      put(f, 'cidr', stringOpt(values, 'cidr'));
      put(f, 'port', int(values, 'port', 0, 65535));
      const cc = stringOpt(values, 'country');
      if (cc !== undefined && !/^[A-Za-z]{2}$/.test(cc)) throw usage(`--country "${cc}" is not a two-letter country code`);
      put(f, 'country', cc?.toUpperCase());
      put(f, 'asn', int(values, 'asn', 0, 4294967295));
      const proto = stringOpt(values, 'proto');
      if (proto !== undefined && proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') throw usage(`--proto must be tcp, udp or icmp`);
      put(f, 'proto', proto as ConnFilter['proto']);
      put(f, 'sort', sortOpt(values, CONN_SORT_FIELDS));
      return { what, filter: f };
    }
    case 'dns': {
      const f = base<DnsFilter>();
      put(f, 'ip', address('ip'));
      put(f, 'name', stringOpt(values, 'name'));
      return { what, filter: f };
    }
    case 'alerts': {
      const f = base<AlertFilter>();
      put(f, 'rule', stringOpt(values, 'rule'));
      put(f, 'severity', int(values, 'severity', 1, 4));
      put(f, 'host', address('host') ?? address('ip'));
      put(f, 'network', stringOpt(values, 'network'));
      put(f, 'sort', sortOpt(values, ALERT_SORT_FIELDS));
      return { what, filter: f };
    }
    case 'devices': {
      const f: DeviceFilter = {};
      put(f, 'network', stringOpt(values, 'network'));
      put(f, 'ip', address('ip'));
      const mac = stringOpt(values, 'mac');
      if (mac !== undefined) {
        const m = canonicalMac(mac.trim());
        if (m === null) throw usage(`--mac "${mac}" is not a MAC address`);
        f.mac = m;
      }
      put(f, 'name', stringOpt(values, 'name'));
      put(f, 'limit', range.limit);
      put(f, 'offset', range.offset);
      put(f, 'sort', sortOpt(values, DEVICE_SORT_FIELDS));
      return { what, filter: f };
    }
  }
}

// ---- running a query --------------------------------------------------------

type Answer = HostSummary | Page<ConnRow> | Page<DnsRow> | Page<StoredAlert> | Page<Device>;

async function runLocal(q: Query, values: Values): Promise<Answer> {
  const { openStores } = await import('../store/open.js');
  const { loadConfig } = await import('../config/load.js');
  const { storeOptionsFrom } = await import('../store/config-schema.js');
  const config = loadConfig(stringOpt(values, 'config'));
  const dir = stringOpt(values, 'data') ?? 'data';
  // Never a new store: a mistyped --data would answer "0 of 0" from it.
  const opened = await openStores(dir, storeOptionsFrom(config.store), { create: false });
  try {
    const s = opened.store;
    switch (q.what) {
      case 'host': {
        const w = await hostWindow(s, q.ip, q.from, q.to, q.span);
        return await s.hostSummary(q.ip, w.from, w.to);
      }
      case 'connections':
        return await s.connections(q.filter);
      case 'dns':
        return await s.dns(q.filter);
      case 'alerts':
        return await s.alerts(q.filter);
      case 'devices':
        return await s.devices(q.filter);
    }
  } catch (err) {
    // A bad address or CIDR is the caller's mistake: report it as usage (exit 2).
    if (err instanceof PicketError && err.code === 'PKT_ERR_STORE_QUERY') throw usage(err.message);
    throw err;
  } finally {
    await opened.close();
  }
}

/** Longest wait for the server's answer: a query, not a stream. */
const REMOTE_TIMEOUT_MS = 60_000;

async function runRemote(q: Query, server: string, token: string): Promise<Answer> {
  const base = server.replace(/\/+$/, '');
  const params = new URLSearchParams();
  let path: string;
  if (q.what === 'host') {
    path = `/api/v1/hosts/${encodeURIComponent(q.ip)}`;
    if (q.from !== undefined) params.set('from', String(q.from));
    if (q.to !== undefined) params.set('to', String(q.to));
    if (q.span !== undefined) params.set('span', q.span);
  } else {
    path = `/api/v1/${q.what}`;
    for (const [k, v] of Object.entries(q.filter)) {
      if (v === undefined) continue;
      params.set(k, k === 'sort' ? formatSort(v as Sort<string>) : String(v));
    }
  }
  const qs = params.toString();
  let res: Response;
  try {
    res = await fetch(`${base}${path}${qs === '' ? '' : `?${qs}`}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS),
    });
  } catch (err) {
    throw new PicketError('PKT_ERR_CLI_SERVER', `cannot reach ${base}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const e = (body as { error?: { message?: string } } | null)?.error;
    throw new PicketError('PKT_ERR_CLI_SERVER', `server answered ${res.status}: ${e?.message ?? text.slice(0, 200)}`);
  }
  if (body === null || typeof body !== 'object') throw new PicketError('PKT_ERR_CLI_SERVER', 'server answered with something that is not JSON');
  return body as Answer;
}

// ---- output -----------------------------------------------------------------

function iso(sec: unknown): string {
  return typeof sec === 'number' && Number.isFinite(sec) ? new Date(Math.round(sec * 1000)).toISOString().replace('.000Z', 'Z') : '';
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function hostTable(s: HostSummary): string {
  let out = `host ${s.host}  ${s.from ?? 'start'} .. ${s.to ?? 'now'}\n`;
  out += textTable(
    ['connections', 'bytes sent', 'bytes received', 'packets sent', 'packets received'],
    [[s.connections, s.bytes_sent, s.bytes_received, s.packets_sent, s.packets_received]],
  );
  if (s.top_peers.length > 0) out += `\ntop peers\n${textTable(['peer', 'connections', 'bytes'], s.top_peers.map((p) => [p.ip, p.connections, p.bytes]))}`;
  if (s.ports.length > 0) {
    out += `\nports\n${textTable(['port', 'proto', 'connections', 'bytes'], s.ports.map((p) => [p.port, p.proto, p.connections, p.bytes]))}`;
  }
  if (s.countries.length > 0) {
    out += `\ncountries\n${textTable(['country', 'connections', 'bytes', 'share'], s.countries.map((c) => [c.country, c.connections, c.bytes, pct(c.share)]))}`;
  }
  if (s.asns.length > 0) {
    out += `\nASNs\n${textTable(['asn', 'org', 'connections', 'bytes', 'share'], s.asns.map((a) => [a.asn, a.org ?? '', a.connections, a.bytes, pct(a.share)]))}`;
  }
  if (s.dns.length > 0) out += `\nDNS names asked\n${textTable(['query', 'count'], s.dns.map((d) => [d.query, d.count]))}`;
  if (s.alerts.length > 0) {
    out += `\nalerts\n${textTable(['time', 'severity', 'rule', 'message'], s.alerts.map((a) => [a['@timestamp'], a.severity, a.rule, a.message]))}`;
  }
  return out;
}

function pageFooter(p: Page<unknown>): string {
  const last = p.offset + p.rows.length;
  return `${p.rows.length === 0 ? 0 : p.offset + 1}-${last} of ${p.total}\n`;
}

function render(q: Query, a: Answer): string {
  switch (q.what) {
    case 'host':
      return hostTable(a as HostSummary);
    case 'connections': {
      const p = a as Page<ConnRow>;
      // A tunnel column only when the page has a connection that came out of one.
      const tunnelled = p.rows.some((r) => r.tunnel !== undefined);
      return (
        textTable(
          ['time', 'uid', 'proto', 'originator', 'responder', 'service', 'state', 'orig bytes', 'resp bytes', 'resp cc/asn', ...(tunnelled ? ['tunnel'] : [])],
          p.rows.map((r) => [
            iso(r.ts),
            r.uid,
            r.proto,
            hostPort(r['id.orig_h'], r['id.orig_p']),
            hostPort(r['id.resp_h'], r['id.resp_p']),
            r.service ?? '',
            r.conn_state,
            r.orig_bytes ?? 0,
            r.resp_bytes ?? 0,
            [r.resp_cc, r.resp_asn].filter((x) => x !== undefined).join('/'),
            ...(tunnelled ? [[r.tunnel, r.tunnel_id].filter((x) => x !== undefined).join(' ')] : []),
          ]),
        ) + pageFooter(p)
      );
    }
    case 'dns': {
      const p = a as Page<DnsRow>;
      return (
        textTable(
          ['time', 'client', 'server', 'query', 'type', 'rcode', 'answers'],
          p.rows.map((r) => [iso(r.ts), r['id.orig_h'], r['id.resp_h'], r.query ?? '', r.qtype_name ?? '', r.rcode_name ?? '', (r.answers ?? []).join(',')]),
        ) + pageFooter(p)
      );
    }
    case 'alerts': {
      const p = a as Page<StoredAlert>;
      return (
        textTable(
          ['time', 'severity', 'rule', 'source', 'ack', 'message'],
          p.rows.map((r) => [r['@timestamp'], r.event.severity, r.rule.id, r.source.ip ?? '', r.acknowledged ? 'yes' : '', r.message]),
        ) + pageFooter(p)
      );
    }
    case 'devices': {
      const p = a as Page<Device>;
      return (
        textTable(
          ['network', 'mac', 'vendor', 'ips', 'hostnames', 'first seen', 'last seen'],
          p.rows.map((d) => [d.network, d.mac, d.vendor ?? '', d.ips.join(','), d.hostnames.join(','), iso(d.first_seen), iso(d.last_seen)]),
        ) + pageFooter(p)
      );
    }
  }
}

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('query', argv, OPTIONS);
  if (values.help === true || positionals.length === 0) {
    process.stdout.write(QUERY_HELP);
    return positionals.length === 0 && values.help !== true ? 2 : 0;
  }
  const [whatText, ...rest] = positionals;
  const what = whatText === 'conns' ? 'connections' : whatText;
  if (!(WHATS as readonly string[]).includes(what ?? '')) throw usage(`unknown query "${whatText ?? ''}": one of ${WHATS.join(', ')}`);
  const format = stringOpt(values, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw usage('--format must be table or json');
  const q = buildQuery(what as What, rest, values);
  const server = stringOpt(values, 'server');
  let answer: Answer;
  if (server !== undefined) {
    if (stringOpt(values, 'data') !== undefined) throw usage('give --server or --data, not both');
    const token = stringOpt(values, 'token') ?? process.env.PICKET_ADMIN_TOKEN;
    if (token === undefined || token === '') throw usage('--server needs the admin token: --token T or PICKET_ADMIN_TOKEN');
    answer = await runRemote(q, server, token);
  } else {
    answer = await runLocal(q, values);
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify(answer, null, 2)}\n` : render(q, answer));
  return 0;
}
