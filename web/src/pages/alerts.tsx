// Alerts: the live list (polled every few seconds) with filters, and one alert with its
// evidence, hosts, acknowledge, note and suppress.
import { useEffect, useState } from 'preact/hooks';
import { api, fmtTime, qs, SEVERITY } from '../api';
import { go } from '../router';

/** How often the list asks for new alerts: "live" without holding a connection open. */
const POLL_MS = 3000;
const PAGE = 50;

interface Alert {
  id: string;
  '@timestamp': string;
  rule: { id: string; name: string };
  event: { severity: number };
  source: { ip?: string };
  destination?: { ip?: string };
  network?: { name?: string };
  message: string;
  evidence: Record<string, unknown>;
  count: number;
  acknowledged: boolean;
  note: string | null;
}

interface AlertPageData {
  total: number;
  rows: Alert[];
  hidden: number;
  total_exact: boolean;
}

export function AlertsPage(props: { admin: boolean }) {
  const [f, setF] = useState({ rule: '', severity: '', network: '', host: '', from: '', to: '', acknowledged: '' });
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<AlertPageData | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    let stop = false;
    const load = (): void => {
      api<AlertPageData>('GET', `/alerts${qs({ ...f, limit: PAGE, offset })}`)
        .then((d) => {
          if (!stop) {
            setData(d);
            setErr('');
          }
        })
        .catch((e: Error) => !stop && setErr(e.message));
    };
    load();
    const t = setInterval(load, POLL_MS);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [f, offset]);
  const field = (name: keyof typeof f, label: string, placeholder = '') => (
    <label>
      {label}
      <input name={name} value={f[name]} placeholder={placeholder} onChange={(e) => { setOffset(0); setF({ ...f, [name]: e.currentTarget.value }); }} />
    </label>
  );
  return (
    <section>
      <h2>Alerts {data !== null && <small data-testid="alert-total">{data.total}{data.total_exact ? '' : '+'} total{data.hidden > 0 ? `, ${data.hidden} suppressed` : ''}</small>}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        {field('rule', 'Rule', 'scan.*')}
        <label>
          Min severity
          <select name="severity" value={f.severity} onChange={(e) => setF({ ...f, severity: e.currentTarget.value })}>
            <option value="">any</option>
            {[1, 2, 3, 4].map((s) => <option value={String(s)}>{SEVERITY[s]}</option>)}
          </select>
        </label>
        {field('network', 'Network')}
        {field('host', 'Host', '10.0.0.5')}
        {field('from', 'From', '2024-05-01')}
        {field('to', 'To')}
        <label>
          State
          <select name="acknowledged" value={f.acknowledged} onChange={(e) => setF({ ...f, acknowledged: e.currentTarget.value })}>
            <option value="">all</option>
            <option value="false">open</option>
            <option value="true">acknowledged</option>
          </select>
        </label>
      </form>
      {err !== '' && <p class="error">{err}</p>}
      <div class="scroll">
        <table class="alerts">
          <thead>
            <tr><th>Time</th><th>Severity</th><th>Rule</th><th>Message</th><th>Source</th><th>Count</th><th>State</th></tr>
          </thead>
          <tbody>
            {data?.rows.map((a) => (
              <tr class={a.acknowledged ? 'acked' : ''} data-alert-id={a.id} data-rule={a.rule.id}>
                <td>{fmtTime(a['@timestamp'])}</td>
                <td><span class={`sev sev${a.event.severity}`}>{SEVERITY[a.event.severity]}</span></td>
                <td>{a.rule.id}</td>
                <td><a href={`/alerts/${encodeURIComponent(a.id)}`} onClick={go}>{a.message}</a></td>
                <td>{a.source.ip !== undefined ? <a href={`/hosts/${a.source.ip}`} onClick={go}>{a.source.ip}</a> : '-'}</td>
                <td>{a.count}</td>
                <td>{a.acknowledged ? 'acknowledged' : 'open'}{a.note !== null ? ' ✎' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data !== null && (
        <p class="pager">
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <span>{data.total === 0 ? 0 : offset + 1}–{offset + data.rows.length} of {data.total}</span>
          <button disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
        </p>
      )}
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
  if (err !== '') return <p class="error">{err}</p>;
  if (d === null) return <p>Loading…</p>;
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
        <dt>Time</dt><dd>{fmtTime(a['@timestamp'])}</dd>
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
              <td><a href={`/hosts/${h.ip}`} onClick={go}>{h.ip}</a>{h.port !== null ? `:${h.port}` : ''}</td>
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
