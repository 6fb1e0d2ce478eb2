// Alerts: the live list with filters, and one alert with its evidence, hosts, acknowledge,
// note and suppress. On the first page of the newest first order with no end time the list
// listens to the server's alert stream (server-sent events) and new alerts appear at the top;
// otherwise, or when the stream keeps failing, it polls every few seconds. The column headings sort the list in the
// store (most severe, biggest count or newest first on the first click). The filters, the sort
// and the page are the URL's query (?host=10.0.0.5&sort=-severity&offset=50): a list can be
// bookmarked, shared, reloaded and gone back to.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, eventStream, fmtTime, hostHref, qs, SEVERITY, useTitle } from '../api';
import { go, setParams, type Params } from '../router';
import { offsetParam, Pager, SortHeader, sortOf, sortText, Status, TextFilter } from '../ui';
// Rows as the console API sends them: the store's alerts, and the list page with its suppression counts (types only).
import type { AlertSortField, Sort, SortDir, StoredAlert as Alert } from '../../../src/store/types.js';
import type { VisiblePage as AlertPageData } from '../../../src/server/console/suppress.js';

/** How often the list asks for new alerts when it does not listen to the stream. */
const POLL_MS = 3000;
const PAGE = 50;
/** Stream failures in a row (no successful connection between) before the list polls instead. */
const MAX_STREAM_ERRORS = 3;
/** How long a row that just arrived stays highlighted. */
const FRESH_MS = 4000;
/** Stream alerts remembered to merge into a page that was being loaded when they arrived. */
const MAX_RECENT = PAGE;

/** The columns the list sorts by, with the direction of a first click. */
const SORTS: Readonly<Record<AlertSortField, SortDir>> = { time: 'desc', severity: 'desc', rule: 'asc', count: 'desc' };
/** Newest first: where the stream's new alerts go at the top. */
const DEFAULT_SORT: Sort<AlertSortField> = { field: 'time', dir: 'desc' };

type Filters = { rule: string; severity: string; network: string; host: string; from: string; to: string; acknowledged: string };
const FILTER_NAMES = ['rule', 'severity', 'network', 'host', 'from', 'to', 'acknowledged'] as const;

/** The list's filters from the URL's query. */
function filtersOf(q: Params): Filters {
  const f = {} as Filters;
  for (const k of FILTER_NAMES) f[k] = q[k] ?? '';
  return f;
}

/** Milliseconds of a "from" filter as the server reads it (ISO 8601, UTC unless a zone is given, or epoch seconds). */
function timeMs(text: string): number | null {
  const t = text.trim();
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) return Number(t) * 1000;
  let iso = t.replace(' ', 'T');
  if (iso.includes('T') && !/(Z|[+-][0-9]{2}:?[0-9]{2})$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Whether a streamed alert belongs in the list under these filters (the server's alert filter, client side). */
function matches(f: Filters, a: Alert): boolean {
  if (f.rule !== '' && !(f.rule.endsWith('*') ? a.rule.id.startsWith(f.rule.slice(0, -1)) : a.rule.id === f.rule)) return false;
  if (f.severity !== '' && a.event.severity < Number(f.severity)) return false;
  if (f.network !== '' && a.network?.name !== f.network) return false;
  if (f.host !== '' && !sameHost(a.source.ip, f.host) && !sameHost(a.destination?.ip, f.host)) return false;
  if (f.acknowledged !== '' && a.acknowledged !== (f.acknowledged === 'true')) return false;
  if (f.from !== '') {
    const from = timeMs(f.from);
    if (from === null || Date.parse(a['@timestamp']) < from) return false;
  }
  return true;
}

/** Address texts naming one host, as far as the list can tell without the server (case, IPv4-mapped). */
function sameHost(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const norm = (x: string): string => x.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return norm(a) === norm(b);
}

/** Adds streamed alerts missing from a page to its top. */
function withAlerts(d: AlertPageData, add: readonly Alert[]): AlertPageData {
  const have = new Set(d.rows.map((r) => r.id));
  const fresh = add.filter((a) => !have.has(a.id));
  if (fresh.length === 0) return d;
  return { ...d, total: d.total + fresh.length, rows: [...fresh, ...d.rows].slice(0, PAGE) };
}

export function AlertsPage(props: { admin: boolean; params: Params }) {
  // Rebuilt from the URL on every render; kept as one object while the URL does not change.
  const key = FILTER_NAMES.map((k) => props.params[k] ?? '').join('\u0000');
  const fRef = useRef<{ key: string; f: Filters } | null>(null);
  if (fRef.current === null || fRef.current.key !== key) fRef.current = { key, f: filtersOf(props.params) };
  const f = fRef.current.f;
  const offset = offsetParam(props.params.offset);
  // The URL's sort goes to the server as written (an unknown field is refused there, and said).
  const sortQ = props.params.sort ?? '';
  const sort = sortOf(sortQ, SORTS, DEFAULT_SORT);
  const newestFirst = sort !== null && sort.field === DEFAULT_SORT.field && sort.dir === DEFAULT_SORT.dir;
  /** Shows the list with changed filters (back at its first page unless an offset is given). */
  const show = (change: Partial<Filters> & { offset?: number }): void => setParams({ ...f, sort: sortQ, offset: undefined, ...change });
  /** Shows the list in another order, from its first page. */
  const sortBy = (s: Sort<AlertSortField>): void => setParams({ ...f, sort: sortText(s, DEFAULT_SORT), offset: undefined });
  useTitle('Alerts');
  const [data, setData] = useState<AlertPageData | null>(null);
  const [err, setErr] = useState('');
  const [streamFailed, setStreamFailed] = useState(false);
  const [connected, setConnected] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  // The stream applies only where new alerts go: the first page of the newest first order, no end of the time window.
  const live = offset === 0 && newestFirst && f.to === '' && !streamFailed && typeof EventSource === 'function';
  const filters = useRef(f);
  filters.current = f;
  const reload = useRef<() => void>(() => undefined);
  /** Stream alerts (newest last) with the time they arrived, for merging into pages requested before that. */
  const recent = useRef<{ at: number; alert: Alert }[]>([]);

  useEffect(() => {
    let stop = false;
    let generation = 0;
    const load = (): Promise<void> => {
      const mine = ++generation;
      const asked = performance.now();
      return api<AlertPageData>('GET', `/alerts${qs({ ...f, sort: sortQ, limit: PAGE, offset })}`)
        .then((d) => {
          // Only the newest request counts; alerts streamed while it ran may be missing from it.
          if (stop || mine !== generation) return;
          const since = recent.current.filter((r) => r.at >= asked && matches(filters.current, r.alert)).map((r) => r.alert).reverse();
          setData(offset === 0 && newestFirst ? withAlerts(d, since) : d);
          setErr('');
        })
        .catch((e: Error) => {
          if (stop || mine !== generation) return;
          // A refused filter (a bad time or address) shows no rows: they would belong to the previous filter.
          setErr(e.message);
          setData(null);
        });
    };
    reload.current = () => void load();
    // Polling waits for each answer before the next wait starts, so a slow store never has requests piling up.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = (): void => {
      void load().then(() => {
        if (!stop && !live) timer = setTimeout(poll, POLL_MS);
      });
    };
    poll();
    return () => {
      stop = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [f, sortQ, offset, live]);

  useEffect(() => {
    if (!live) return;
    const es = eventStream('/alerts/stream');
    let errors = 0;
    const timers = new Set<number>();
    es.addEventListener('ready', (e) => {
      errors = 0;
      setConnected(true);
      // Not resumed: alerts may have been missed while (re)connecting.
      if (!(JSON.parse((e as MessageEvent<string>).data) as { resumed: boolean }).resumed) reload.current();
    });
    es.addEventListener('reset', () => reload.current());
    es.addEventListener('alert', (e) => {
      const a = JSON.parse((e as MessageEvent<string>).data) as Alert;
      recent.current.push({ at: performance.now(), alert: a });
      if (recent.current.length > MAX_RECENT) recent.current.shift();
      if (!matches(filters.current, a)) return;
      setData((d) => (d === null ? d : withAlerts(d, [a])));
      setFresh((s) => new Set(s).add(a.id));
      const t = window.setTimeout(() => {
        timers.delete(t);
        setFresh((s) => {
          const n = new Set(s);
          n.delete(a.id);
          return n;
        });
      }, FRESH_MS);
      timers.add(t);
    });
    es.onerror = () => {
      setConnected(false);
      errors++;
      // EventSource reconnects by itself (with Last-Event-ID); when it keeps failing or gives up, poll.
      if (errors >= MAX_STREAM_ERRORS || es.readyState === EventSource.CLOSED) {
        es.close();
        setStreamFailed(true);
      }
    };
    return () => {
      es.close();
      for (const t of timers) clearTimeout(t);
      setConnected(false);
    };
  }, [live]);
  const field = (name: keyof Filters, label: string, placeholder = '', title?: string) => (
    <TextFilter name={name} label={label} value={f[name]} placeholder={placeholder} title={title} onCommit={(v) => show({ [name]: v })} />
  );
  const head = (field: AlertSortField, label: string) => <SortHeader field={field} label={label} first={SORTS[field]} sort={sort} onSort={sortBy} />;
  const timeHint = 'ISO 8601 (2024-05-01, 2024-05-01T10:00, or with a zone: 2024-05-01T10:00+02:00) or epoch seconds; without a zone the time is UTC';
  return (
    <section>
      <h2>
        Alerts {data !== null && <small data-testid="alert-total">{data.total}{data.total_exact ? '' : '+'} total{data.hidden > 0 ? `, ${data.hidden} suppressed` : ''}</small>}{' '}
        <small data-testid="live" data-state={connected ? 'live' : live ? 'connecting' : 'polling'} class="hint" title={connected ? 'new alerts appear as they arrive' : `the list refreshes every ${POLL_MS / 1000} s`}>
          {connected ? <><span style={{ color: '#16a34a' }}>●</span> live</> : live ? 'connecting…' : `refreshing every ${POLL_MS / 1000} s`}
        </small>
      </h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        {field('rule', 'Rule', 'scan.*')}
        <label>
          Min severity
          <select name="severity" value={f.severity} onChange={(e) => show({ severity: e.currentTarget.value })}>
            <option value="">any</option>
            {[1, 2, 3, 4].map((s) => <option value={String(s)}>{SEVERITY[s]}</option>)}
          </select>
        </label>
        {field('network', 'Network')}
        {field('host', 'Host', '10.0.0.5', 'Source or destination address (any spelling)')}
        {field('from', 'From (UTC)', '2024-05-01', timeHint)}
        {field('to', 'To (UTC, not included)', '', timeHint)}
        <label>
          State
          <select name="acknowledged" value={f.acknowledged} onChange={(e) => show({ acknowledged: e.currentTarget.value })}>
            <option value="">all</option>
            <option value="false">open</option>
            <option value="true">acknowledged</option>
          </select>
        </label>
        {FILTER_NAMES.some((k) => f[k] !== '') && <button type="button" onClick={() => setParams({ sort: sortQ })}>Clear filters</button>}
      </form>
      <Status error={err} loading={data === null && err === ''} />
      <div class="scroll">
        <table class="alerts">
          <thead>
            <tr>
              {head('time', 'Time (UTC)')}{head('severity', 'Severity')}{head('rule', 'Rule')}<th>Message</th><th>Source → destination</th>{head('count', 'Count')}<th>State</th>
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((a) => (
              <tr
                class={a.acknowledged ? 'acked' : ''}
                data-alert-id={a.id}
                data-rule={a.rule.id}
                data-fresh={fresh.has(a.id) ? 'true' : undefined}
                style={{ transition: 'background-color 1s', backgroundColor: fresh.has(a.id) ? 'rgba(250, 204, 21, 0.3)' : undefined }}
              >
                <td>{fmtTime(a['@timestamp'])}</td>
                <td><span class={`sev sev${a.event.severity}`}>{SEVERITY[a.event.severity]}</span></td>
                <td>{a.rule.id}</td>
                <td class="wrap"><a href={`/alerts/${encodeURIComponent(a.id)}`} onClick={go}>{a.message}</a></td>
                <td class="hosts">
                  {a.source.ip !== undefined ? <a href={hostHref(a.source.ip)} onClick={go}>{a.source.ip}</a> : '-'}
                  {a.destination?.ip !== undefined && <> → <a href={hostHref(a.destination.ip)} onClick={go}>{a.destination.ip}</a></>}
                </td>
                <td>{a.count}</td>
                <td>{a.acknowledged ? 'acknowledged' : 'open'}{a.note !== null ? ' ✎' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data !== null && data.total === 0 && <p class="hint" data-testid="no-alerts">No alerts match{FILTER_NAMES.some((k) => f[k] !== '') ? ' these filters' : ''}.</p>}
      {data !== null && <Pager offset={offset} shown={data.rows.length} total={data.total} page={PAGE} label="Alert pages" onOffset={(o) => show({ offset: o })} />}
      {!props.admin && <p class="hint">Viewer: read only.</p>}
    </section>
  );
}

interface Host {
  role: string;
  ip: string;
  port: number | null;
  network: string | null;
  asn: number | null;
  as_org: string | null;
  country: string | null;
}

interface Detail {
  alert: Alert;
  hosts: Host[];
  suppressed_by: { id: string; reason: string } | null;
}

export function AlertPage(props: { id: string; admin: boolean }) {
  const [d, setD] = useState<Detail | null>(null);
  const [err, setErr] = useState('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [scope, setScope] = useState('rule');
  const [expires, setExpires] = useState('86400');
  const [msg, setMsg] = useState('');
  const load = (): void => {
    api<Detail>('GET', `/alerts/${encodeURIComponent(props.id)}`)
      .then((x) => {
        setD(x);
        setNote(x.alert.note ?? '');
      })
      .catch((e: Error) => setErr(e.message));
  };
  useEffect(load, [props.id]);
  useTitle(d !== null ? `Alert: ${d.alert.rule.name}` : 'Alert');
  if (d === null) {
    return (
      <section>
        <p><a href="/" onClick={go}>← Alerts</a></p>
        <h2>Alert</h2>
        <Status error={err} loading={err === ''} />
      </section>
    );
  }
  const a = d.alert;
  const patch = async (body: Record<string, unknown>): Promise<void> => {
    try {
      await api('POST', `/alerts/${encodeURIComponent(a.id)}`, body);
      setMsg('Saved.');
      load();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  const suppress = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      await api('POST', '/suppressions', {
        rule: a.rule.id,
        reason,
        host: scope === 'host' ? a.source.ip : undefined,
        expires_in: expires === '' ? null : Number(expires),
      });
      setMsg('Suppressed.');
      load();
    } catch (x) {
      setMsg((x as Error).message);
    }
  };
  return (
    <section>
      <p><a href="/" onClick={go}>← Alerts</a></p>
      <h2><span class={`sev sev${a.event.severity}`}>{SEVERITY[a.event.severity]}</span> {a.rule.name}</h2>
      <p class="sentence" data-testid="sentence">{a.message}</p>
      <dl class="facts">
        <dt>Rule</dt><dd>{a.rule.id}</dd>
        <dt>Time</dt><dd>{fmtTime(a['@timestamp'])} UTC{a.last_seen !== undefined && a.last_seen !== a['@timestamp'] ? ` (last seen ${fmtTime(a.last_seen)})` : ''}</dd>
        <dt>Count</dt><dd>{a.count}</dd>
        <dt>State</dt><dd data-testid="ack-state">{a.acknowledged ? 'acknowledged' : 'open'}</dd>
        {d.suppressed_by !== null && (<><dt>Suppressed</dt><dd data-testid="suppressed">{d.suppressed_by.reason}</dd></>)}
      </dl>
      <h3>Hosts</h3>
      <table>
        <thead><tr><th>Role</th><th>Address</th><th>Network</th><th>ASN</th><th>Country</th></tr></thead>
        <tbody>
          {d.hosts.map((h) => (
            <tr>
              <td>{h.role}</td>
              <td><a href={hostHref(h.ip)} onClick={go}>{h.ip}</a>{h.port !== null ? ` port ${h.port}` : ''}</td>
              <td>{h.network ?? '-'}</td>
              <td>{h.asn !== null ? `AS${h.asn} ${h.as_org ?? ''}` : '-'}</td>
              <td>{h.country ?? '-'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Evidence</h3>
      <pre class="evidence">{JSON.stringify(a.evidence, null, 2)}</pre>
      {props.admin && (
        <div class="actions">
          <button onClick={() => patch({ acknowledged: !a.acknowledged })}>{a.acknowledged ? 'Reopen' : 'Acknowledge'}</button>
          <form onSubmit={(e) => { e.preventDefault(); void patch({ note: note === '' ? null : note }); }}>
            <label>Note <textarea name="note" value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
            <button type="submit">Save note</button>
          </form>
          <form onSubmit={suppress} class="suppress">
            <label>Suppress
              <select name="scope" value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
                <option value="rule">this rule everywhere</option>
                <option value="host">this rule for {a.source.ip}</option>
              </select>
            </label>
            <label>Reason <input name="reason" value={reason} required onInput={(e) => setReason(e.currentTarget.value)} /></label>
            <label>For
              <select name="expires" value={expires} onChange={(e) => setExpires(e.currentTarget.value)}>
                <option value="3600">1 hour</option>
                <option value="86400">1 day</option>
                <option value="604800">1 week</option>
                <option value="">no expiry</option>
              </select>
            </label>
            <button type="submit">Suppress</button>
          </form>
          {msg !== '' && <p class="hint" role="status">{msg}</p>}
        </div>
      )}
    </section>
  );
}
