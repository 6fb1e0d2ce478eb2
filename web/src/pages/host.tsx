// One host over a time range: connections and bytes in/out over time (uPlot), and the
// store's aggregates (peers, ports, countries, ASNs as bar lists), DNS names and alerts.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, fmtBytes, fmtTime, qs, SEVERITY } from '../api';
import { go } from '../router';
// The API answers with the store's own HostSummary (type only: nothing of the server is bundled).
import type { HostSummary as Summary } from '../../../src/store/types.js';


/** Short axis numbers (1.2k, 3.4M) so large byte counts fit the axis. */
function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function Chart(props: { title: string; x: number[]; series: { label: string; values: number[]; color: string }[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null) return undefined;
    const width = Math.max(280, Math.min(900, el.current.clientWidth));
    const u = new uPlot(
      { title: props.title, width, height: 200, series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, fill: `${s.color}33` }))], axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', values: (_u: uPlot, ticks: number[]) => ticks.map(compact) }] },
      [props.x, ...props.series.map((s) => s.values)],
      el.current,
    );
    return () => u.destroy();
  }, [props.x, props.series]);
  return <div class="chart" ref={el} />;
}

function Bars(props: { title: string; rows: { label: string; value: number; extra?: string }[]; unit?: (n: number) => string }) {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  return (
    <div class="bars card">
      <h3>{props.title}</h3>
      {props.rows.length === 0 && <p class="hint">none</p>}
      {props.rows.map((r) => (
        <div class="bar">
          <span class="lbl">{r.label}</span>
          <span class="track"><span style={{ width: `${(100 * r.value) / max}%` }} /></span>
          <span class="val">{props.unit !== undefined ? props.unit(r.value) : r.value}{r.extra ?? ''}</span>
        </div>
      ))}
    </div>
  );
}

export function HostPage(props: { ip: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // The newest day of the host's activity by default: a busy host's whole history is the expensive view.
  const [span, setSpan] = useState('24h');
  const [s, setS] = useState<Summary | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    const custom = from !== '' || to !== '';
    api<Summary>('GET', `/hosts/${encodeURIComponent(props.ip)}${qs(custom ? { from, to } : { span })}`).then(setS, (e: Error) => setErr(e.message));
  }, [props.ip, from, to, span]);
  if (err !== '') return <p class="error">{err}</p>;
  if (s === null) return <p>Loading…</p>;
  const tl = s.timeline ?? [];
  const x = tl.map((p) => Date.parse(p.t) / 1000);
  return (
    <section>
      <h2>Host {s.host}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Window{' '}
          <select name="span" value={span} disabled={from !== '' || to !== ''} onChange={(e) => setSpan(e.currentTarget.value)}>
            <option value="1h">last hour of activity</option>
            <option value="24h">last 24 h of activity</option>
            <option value="7d">last 7 days of activity</option>
            <option value="">all time</option>
          </select>
        </label>
        <label>From <input name="from" value={from} placeholder="2024-05-01" onChange={(e) => setFrom(e.currentTarget.value)} /></label>
        <label>To <input name="to" value={to} onChange={(e) => setTo(e.currentTarget.value)} /></label>
      </form>
      <p class="muted" data-testid="window">
        {s.from === null && s.to === null ? 'All time' : `${s.from !== null ? fmtTime(s.from) : 'start'} to ${s.to !== null ? fmtTime(s.to) : 'now'}`}
      </p>
      <div class="stats">
        <div class="card"><b data-testid="connections">{s.connections}</b> connections</div>
        <div class="card"><b data-testid="bytes-sent">{s.bytes_sent}</b> bytes sent ({fmtBytes(s.bytes_sent)})</div>
        <div class="card"><b data-testid="bytes-received">{s.bytes_received}</b> bytes received ({fmtBytes(s.bytes_received)})</div>
        <div class="card"><b>{s.packets_sent} / {s.packets_received}</b> packets out / in</div>
      </div>
      {tl.length > 0 && (
        <div class="charts">
          <Chart title="Connections" x={x} series={[{ label: 'connections', values: tl.map((p) => p.connections), color: '#3b82f6' }]} />
          <Chart title="Bytes" x={x} series={[{ label: 'in', values: tl.map((p) => p.bytes_in), color: '#10b981' }, { label: 'out', values: tl.map((p) => p.bytes_out), color: '#f59e0b' }]} />
        </div>
      )}
      <div class="grid">
        <Bars title="Top peers" rows={s.top_peers.map((p) => ({ label: p.ip, value: p.connections }))} />
        <Bars title="Ports" rows={s.ports.map((p) => ({ label: `${p.port}/${p.proto}`, value: p.connections }))} />
        <Bars title="Countries" rows={s.countries.map((c) => ({ label: c.country, value: c.connections }))} />
        <Bars title="ASNs" rows={s.asns.map((a) => ({ label: `AS${a.asn} ${a.org ?? ''}`, value: a.connections }))} />
        <Bars title="DNS names" rows={s.dns.map((d) => ({ label: d.query, value: d.count }))} />
      </div>
      <h3>Alerts</h3>
      <table>
        <tbody>
          {s.alerts.map((a) => (
            <tr><td>{fmtTime(a['@timestamp'])}</td><td><span class={`sev sev${a.severity}`}>{SEVERITY[a.severity]}</span></td><td>{a.rule}</td><td><a href={`/alerts/${encodeURIComponent(a.id)}`} onClick={go}>{a.message}</a></td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
