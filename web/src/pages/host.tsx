// One host over a time window: connections and bytes in/out over time (uPlot), the store's
// aggregates (peers, ports, countries, ASNs as bar lists), DNS names, alerts, the host's
// connections page by page, sorted in the store by their column headings, and the files it sent
// and received (files.jsonl: HTTP, SMB, FTP, SMTP) with their digests. The window, the
// connections' sort and both pages live in the URL (?span=7d, ?from=..&to=.., &csort=-bytes&coff=50
// &foff=50), so a view can be bookmarked, shared, reloaded and gone back to.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtBytes, fmtTime, hostHref, qs, SEVERITY, useApi, useTitle } from '../api';
import { go, setParams, type Params } from '../router';
import { offsetParam, Pager, SortHeader, sortOf, sortText, Status, TextFilter } from '../ui';
// The API answers with the store's own types (type only: nothing of the server is bundled).
import type { ConnRow, ConnSortField, Device, HostSummary, LogRow, Page, Sort, SortDir } from '../../../src/store/types.js';
import type { FilesRecord } from '../../../src/events/file.js';

/** The console's host summary: its alert list leaves out what suppressions hide, and counts them. */
type Summary = HostSummary & { alerts_hidden?: number };

/** Connections per page of the host's list. */
const CONN_PAGE = 50;
/** Files per page of the host's list. */
const FILE_PAGE = 25;
/** Hex digits of a SHA-256 shown (the whole digest is in the title and copied with the text). */
const DIGEST_SHOWN = 16;
/** The connection columns that sort the list, with the direction of a first click. */
const CONN_SORTS: Readonly<Record<ConnSortField, SortDir>> = { time: 'desc', peer: 'asc', port: 'asc', duration: 'desc', bytes: 'desc' };
const CONN_DEFAULT_SORT: Sort<ConnSortField> = { field: 'time', dir: 'desc' };
/** Alerts listed before "show all" (the summary holds the newest 50). */
const ALERTS_SHOWN = 10;
/** Most timeline points drawn after filling empty buckets (beyond it the points are drawn as they come). */
const MAX_FILLED_POINTS = 1000;

/** A connection that came out of a tunnel: its kind and id beside the peer, the tunnel's uid in the title. */
function TunnelBadge(props: { conn: ConnRow }) {
  const c = props.conn;
  const id = c.tunnel_id !== undefined ? ` ${c.tunnel_id}` : '';
  const parents = c.tunnel_parents !== undefined && c.tunnel_parents.length > 0 ? `, tunnel ${c.tunnel_parents.join(', ')}` : '';
  return (
    <span class="badge info" data-testid="tunnel" title={`Inside a ${c.tunnel ?? ''} tunnel${id !== '' ? ` (id${id})` : ''}${parents}`}>
      {c.tunnel}{id}
    </span>
  );
}

/** Short axis numbers (1.2k, 3.4M) so large byte counts fit the axis. */
function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** "15 min", "1 h", "1 day": how much one timeline point covers. */
function stepText(s: number): string {
  if (s % 86400 === 0) return s === 86400 ? 'day' : `${s / 86400} days`;
  if (s % 3600 === 0) return s === 3600 ? 'hour' : `${s / 3600} h`;
  return s === 60 ? 'minute' : `${s / 60} min`;
}

interface Series {
  x: number[];
  connections: number[];
  bytesIn: number[];
  bytesOut: number[];
}

/**
 * The timeline with its empty buckets as zeros, over the whole window when it
 * has ends: the store leaves empty buckets out, and a line drawn straight from
 * one busy bucket to the next would show activity where there was none.
 */
export function timelineSeries(s: Pick<Summary, 'timeline' | 'timeline_step' | 'from' | 'to'>): Series {
  const tl = s.timeline ?? [];
  const out: Series = { x: [], connections: [], bytesIn: [], bytesOut: [] };
  const pts = tl.map((p) => ({ t: Math.round(Date.parse(p.t) / 1000), p }));
  const step = s.timeline_step;
  const push = (t: number, c: number, i: number, o: number): void => {
    out.x.push(t);
    out.connections.push(c);
    out.bytesIn.push(i);
    out.bytesOut.push(o);
  };
  if (step === undefined || step <= 0 || pts.length === 0) {
    for (const { t, p } of pts) push(t, p.connections, p.bytes_in, p.bytes_out);
    return out;
  }
  const lo = s.from !== null ? Math.floor(Date.parse(s.from) / 1000 / step) * step : pts[0]!.t;
  const end = s.to !== null ? Date.parse(s.to) / 1000 : pts[pts.length - 1]!.t + step;
  const count = Math.ceil((end - lo) / step);
  if (!(count > 0) || count > MAX_FILLED_POINTS) {
    for (const { t, p } of pts) push(t, p.connections, p.bytes_in, p.bytes_out);
    return out;
  }
  const at = new Map(pts.map(({ t, p }) => [t, p]));
  for (let k = 0; k < count; k++) {
    const t = lo + k * step;
    const p = at.get(t);
    push(t, p?.connections ?? 0, p?.bytes_in ?? 0, p?.bytes_out ?? 0);
  }
  // The end of the last bucket, so the chart's steps show its width too.
  push(lo + count * step, 0, 0, 0);
  return out;
}

function Chart(props: { title: string; label: string; x: number[]; series: { label: string; values: number[]; color: string }[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null) return undefined;
    const width = Math.max(280, Math.min(900, el.current.clientWidth));
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const u = new uPlot(
      {
        title: props.title,
        width,
        height: 200,
        // Times on the axis in UTC, as everywhere else in the console (uPlot's default is the browser's zone).
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, fill: `${s.color}33`, ...(stepped !== undefined ? { paths: stepped } : {}) }))],
        axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', values: (_u: uPlot, ticks: number[]) => ticks.map(compact) }],
      },
      [props.x, ...props.series.map((s) => s.values)],
      el.current,
    );
    return () => u.destroy();
  }, [props.x, props.series, props.title]);
  return <div class="chart" ref={el} role="img" aria-label={props.label} />;
}

interface BarRow {
  label: string;
  value: number;
  href?: string;
}

/** One files.jsonl line as the store keeps it: its fields, each possibly missing from what was ingested. */
type FileData = Partial<FilesRecord>;

/** The files a host sent and received in the window, newest first, page by page. */
function HostFiles(props: { host: string; rows: LogRow[]; peerHref: (ip: string) => string }) {
  return (
    <div class="scroll">
      <table data-testid="host-files" aria-describedby="files">
        <thead>
          <tr><th>Time (UTC)</th><th>Direction</th><th>Peer</th><th>Over</th><th>Name</th><th>Type</th><th>Size</th><th>SHA-256</th></tr>
        </thead>
        <tbody>
          {props.rows.map((r) => {
            const f = r.data as FileData;
            const orig = f['id.orig_h'];
            const isOrig = f.is_orig === true;
            // The file's sender and receiver on its own connection (an FTP data channel may be opened by the server).
            const origSide = orig === props.host || orig === `::ffff:${props.host}`;
            const sent = origSide === isOrig;
            const peer = (origSide ? f['id.resp_h'] : orig) ?? '';
            const size = f.seen_bytes ?? 0;
            return (
              <tr>
                <td>{fmtTime(r.ts)}</td>
                <td>{sent ? 'sent' : 'received'}</td>
                <td>{peer !== '' ? <a href={props.peerHref(peer)} onClick={go}>{peer}</a> : '-'}</td>
                <td>{f.source ?? '-'}</td>
                <td class="wrap">{f.filename ?? '-'}</td>
                <td>{f.mime_type ?? '-'}</td>
                <td title={`${size} bytes`}>{fmtBytes(size)}</td>
                <td>{f.sha256 !== undefined ? <code title={f.sha256}>{f.sha256.slice(0, DIGEST_SHOWN)}…</code> : <span class="muted" title="Not every byte of it was seen">-</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Bars(props: { title: string; rows: BarRow[]; unit?: (n: number) => string }) {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  return (
    <div class="bars card">
      <h3>{props.title}</h3>
      {props.rows.length === 0 && <p class="hint">none</p>}
      <ul>
        {props.rows.map((r) => (
          <li class="bar">
            {/* The whole text on hover and to screen readers; long DNS names are cut on screen. */}
            <span class="lbl" title={r.label}>{r.href !== undefined ? <a href={r.href} onClick={go}>{r.label}</a> : r.label}</span>
            <span class="track" aria-hidden="true"><span style={{ width: `${(100 * r.value) / max}%` }} /></span>
            <span class="val">{props.unit !== undefined ? props.unit(r.value) : r.value}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

const SPANS: [string, string][] = [
  ['1h', 'last hour of activity'],
  ['24h', 'last 24 h of activity'],
  ['7d', 'last 7 days of activity'],
  ['', 'all time'],
];

/** The window of the URL: from/to when given, else a span (24h by default, "all" for all time). */
function windowOf(q: Params): { from: string; to: string; span: string } {
  const from = q.from ?? '';
  const to = q.to ?? '';
  if (from !== '' || to !== '') return { from, to, span: '' };
  const span = q.span ?? '24h';
  return { from, to, span: span === 'all' ? '' : span };
}

export function HostPage(props: { ip: string; params: Params }) {
  const q = props.params;
  const { from, to, span } = windowOf(q);
  const custom = from !== '' || to !== '';
  const coff = offsetParam(q.coff);
  const foff = offsetParam(q.foff);
  // The connections' order, as the URL says it (an unknown field is sent on and refused by the server).
  const csort = q.csort ?? '';
  const connSort = sortOf(csort, CONN_SORTS, CONN_DEFAULT_SORT);
  /** The URL of this page with a changed window (the connection list starts again at its first page) or order. */
  const show = (w: { from?: string; to?: string; span?: string; coff?: number; foff?: number; csort?: string }): void => {
    // A new window starts both lists at their first page; paging one list keeps the other's page.
    const windowChange = w.from !== undefined || w.to !== undefined || w.span !== undefined;
    const kept = windowChange ? {} : { coff: coff > 0 ? coff : undefined, foff: foff > 0 ? foff : undefined };
    const next = { from, to, span: custom ? '' : span, csort, ...kept, ...w };
    const c = next.from !== '' || next.to !== '';
    setParams({
      from: next.from,
      to: next.to,
      // 24h is the default and left out; all time is said as "all".
      span: c ? undefined : next.span === '' ? 'all' : next.span === '24h' ? undefined : next.span,
      csort: next.csort,
      coff: next.coff,
      foff: next.foff,
    });
  };
  const connHead = (field: ConnSortField, label: string) => (
    <SortHeader field={field} label={label} first={CONN_SORTS[field]} sort={connSort} onSort={(st) => show({ csort: sortText(st, CONN_DEFAULT_SORT), coff: undefined })} />
  );
  const summary = useApi<Summary>(`/hosts/${encodeURIComponent(props.ip)}${qs(custom ? { from, to } : { span })}`);
  const s = summary.data;
  // The list reads the window the summary used (a span ends at the host's newest connection).
  const conns = useApi<Page<ConnRow>>(
    s === null ? null : `/connections${qs({ ip: s.host, from: s.from ?? undefined, to: s.to ?? undefined, sort: csort, limit: CONN_PAGE, offset: coff })}`,
  );
  const devices = useApi<Page<Device>>(s === null ? null : `/devices${qs({ ip: s.host, limit: 5 })}`);
  const files = useApi<Page<LogRow>>(
    s === null ? null : `/files${qs({ ip: s.host, from: s.from ?? undefined, to: s.to ?? undefined, limit: FILE_PAGE, offset: foff })}`,
  );
  useTitle(`Host ${s?.host ?? props.ip}`);
  const keep = custom ? { from, to } : { span: span === '' ? 'all' : span === '24h' ? undefined : span };
  const peerHref = (ip: string): string => hostHref(ip, qs(keep));
  const windowText =
    s === null ? '' : s.from === null && s.to === null ? 'All time' : `${s.from !== null ? fmtTime(s.from) : 'start'} to ${s.to !== null ? fmtTime(s.to) : 'now'} UTC`;
  const tl = s === null ? null : timelineSeries(s);
  const [allAlerts, setAllAlerts] = useState(false);
  useEffect(() => setAllAlerts(false), [props.ip]);
  const alerts = s === null ? [] : allAlerts ? s.alerts : s.alerts.slice(0, ALERTS_SHOWN);
  const step = s?.timeline_step;
  return (
    <section aria-busy={summary.loading}>
      <h2>Host {s?.host ?? props.ip}</h2>
      {devices.data !== null && devices.data.rows.length > 0 && (
        <p class="muted" data-testid="device">
          Device{' '}
          {devices.data.rows.map((d, i) => (
            <>
              {i > 0 && '; '}
              <a href={`/devices?mac=${encodeURIComponent(d.mac)}`} onClick={go}><code>{d.mac}</code></a>
              {d.hostnames.length > 0 && ` ${d.hostnames.join(', ')}`}
              {d.vendor !== null && ` (${d.vendor})`}
              {d.network !== '' && ` in ${d.network}`}
            </>
          ))}
        </p>
      )}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Window
          <select name="span" value={custom ? 'custom' : span} disabled={custom} onChange={(e) => show({ span: e.currentTarget.value, coff: undefined })}>
            {SPANS.map(([v, label]) => <option value={v}>{label}</option>)}
            {custom && <option value="custom">From / To below</option>}
          </select>
        </label>
        <TextFilter name="from" label="From (UTC)" value={from} placeholder="2024-05-01" title="ISO 8601 (2024-05-01, 2024-05-01T10:00, or with a zone: 2024-05-01T10:00+02:00) or epoch seconds; without a zone the time is UTC" onCommit={(v) => show({ from: v, coff: undefined })} />
        <TextFilter name="to" label="To (UTC, not included)" value={to} placeholder="2024-05-02" title="The window ends just before this time" onCommit={(v) => show({ to: v, coff: undefined })} />
        {custom && <button type="button" onClick={() => show({ from: '', to: '', span: '24h', coff: undefined })}>Clear window</button>}
      </form>
      <Status error={summary.error} loading={summary.loading} />
      {s !== null && (
        <>
          <p class="muted" data-testid="window">{windowText}</p>
          <div class="stats">
            <div class="card"><b data-testid="connections">{s.connections}</b> connections</div>
            <div class="card"><b data-testid="bytes-sent">{s.bytes_sent}</b> bytes sent ({fmtBytes(s.bytes_sent)})</div>
            <div class="card"><b data-testid="bytes-received">{s.bytes_received}</b> bytes received ({fmtBytes(s.bytes_received)})</div>
            <div class="card"><b data-testid="packets">{s.packets_sent} / {s.packets_received}</b> packets out / in</div>
          </div>
          {s.connections === 0 && <p class="hint" data-testid="empty">No connections of this host in this window{s.from === null && s.to === null ? ' (none stored at all)' : ''}.</p>}
          {tl !== null && tl.x.length > 0 && (
            <div class="charts">
              <Chart
                title={`Connections${step !== undefined ? ` per ${stepText(step)}` : ''} (UTC)`}
                label={`Connections over time: ${s.connections} in all, at most ${Math.max(...tl.connections)} per ${step !== undefined ? stepText(step) : 'point'}`}
                x={tl.x}
                series={[{ label: 'connections', values: tl.connections, color: '#3b82f6' }]}
              />
              <Chart
                title={`Bytes${step !== undefined ? ` per ${stepText(step)}` : ''} (UTC)`}
                label={`Bytes over time: ${s.bytes_received} received and ${s.bytes_sent} sent in all`}
                x={tl.x}
                series={[{ label: 'in', values: tl.bytesIn, color: '#10b981' }, { label: 'out', values: tl.bytesOut, color: '#f59e0b' }]}
              />
            </div>
          )}
          <div class="grid">
            <Bars title="Top peers" rows={s.top_peers.map((p) => ({ label: p.ip, value: p.connections, href: peerHref(p.ip) }))} />
            <Bars title="Ports" rows={s.ports.map((p) => ({ label: `${p.port}/${p.proto}`, value: p.connections }))} />
            <Bars title="Countries" rows={s.countries.map((c) => ({ label: c.country, value: c.connections }))} />
            <Bars title="ASNs" rows={s.asns.map((a) => ({ label: `AS${a.asn} ${a.org ?? ''}`.trim(), value: a.connections }))} />
            <Bars title="DNS names" rows={s.dns.map((d) => ({ label: d.query, value: d.count }))} />
          </div>
          <h3>Alerts</h3>
          {(s.alerts_hidden ?? 0) > 0 && (
            <p class="hint" data-testid="host-alerts-hidden">
              {s.alerts_hidden === 1 ? '1 alert naming this host is' : `${s.alerts_hidden} alerts naming this host are`} hidden by
              suppressions.
            </p>
          )}
          {s.alerts.length === 0 ? (
            <p class="hint">No {(s.alerts_hidden ?? 0) > 0 ? 'other ' : ''}alerts name this host in this window.</p>
          ) : (
            <>
              <div class="scroll">
                <table data-testid="host-alerts">
                  <thead><tr><th>Time (UTC)</th><th>Severity</th><th>Rule</th><th>Message</th></tr></thead>
                  <tbody>
                    {alerts.map((a) => (
                      <tr class={a.acknowledged ? 'acked' : ''}>
                        <td>{fmtTime(a['@timestamp'])}</td>
                        <td><span class={`sev sev${a.severity}`}>{SEVERITY[a.severity]}</span></td>
                        <td>{a.rule}</td>
                        <td class="wrap"><a href={`/alerts/${encodeURIComponent(a.id)}`} onClick={go}>{a.message}</a></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p>
                {alerts.length < s.alerts.length && (
                  <>
                    <button type="button" class="link" onClick={() => setAllAlerts(true)}>Show the newest {s.alerts.length} here</button>
                    {' · '}
                  </>
                )}
                {allAlerts && s.alerts.length >= 50 ? 'The newest 50 are shown. ' : ''}
                <a href={`/${qs({ host: s.host, from: s.from ?? undefined, to: s.to ?? undefined })}`} onClick={go} data-testid="all-alerts">
                  All alerts naming {s.host} in this window
                </a>
              </p>
            </>
          )}
          <h3 id="connections">Connections</h3>
          <Status error={conns.error} loading={conns.loading} />
          {conns.data !== null && conns.data.total > 0 && (
            <>
              <div class="scroll">
                <table data-testid="host-connections" aria-describedby="connections">
                  <thead>
                    <tr>
                      {connHead('time', 'Time (UTC)')}<th>Direction</th>{connHead('peer', 'Peer')}{connHead('port', 'Port')}<th>Service</th><th>State</th>
                      {connHead('duration', 'Duration')}{connHead('bytes', 'Bytes out / in')}
                    </tr>
                  </thead>
                  <tbody>
                    {conns.data.rows.map((c) => {
                      const out = c['id.orig_h'] === s.host || c['id.orig_h'] === `::ffff:${s.host}`;
                      const peer = out ? c['id.resp_h'] : c['id.orig_h'];
                      const sent = out ? c.orig_bytes : c.resp_bytes;
                      const recv = out ? c.resp_bytes : c.orig_bytes;
                      return (
                        <tr>
                          <td>{fmtTime(c.ts)}</td>
                          <td>{out ? 'out' : 'in'}</td>
                          <td><a href={peerHref(peer)} onClick={go}>{peer}</a>{c.tunnel !== undefined && <TunnelBadge conn={c} />}</td>
                          <td>{c['id.resp_p']}/{c.proto}</td>
                          <td>{c.service ?? '-'}</td>
                          <td>{c.conn_state ?? '-'}</td>
                          <td>{c.duration !== undefined ? `${c.duration.toFixed(3)} s` : '-'}</td>
                          <td>{sent ?? 0} / {recv ?? 0}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <Pager offset={coff} shown={conns.data.rows.length} total={conns.data.total} page={CONN_PAGE} label="Connection pages" onOffset={(o) => show({ coff: o })} />
            </>
          )}
          {conns.data !== null && conns.data.total === 0 && <p class="hint">None.</p>}
          <h3 id="files">Files</h3>
          <Status error={files.error} loading={files.loading} />
          {files.data !== null && files.data.total > 0 && (
            <>
              <HostFiles host={s.host} rows={files.data.rows} peerHref={peerHref} />
              <Pager offset={foff} shown={files.data.rows.length} total={files.data.total} page={FILE_PAGE} label="File pages" onOffset={(o) => show({ foff: o })} />
            </>
          )}
          {files.data !== null && files.data.total === 0 && <p class="hint" data-testid="no-files">No files crossed this host's connections in this window (HTTP, SMB, FTP and SMTP in clear).</p>}
        </>
      )}
    </section>
  );
}
