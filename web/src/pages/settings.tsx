// Intel sources, the built-in data (IP enrichment, user-agent lists, DGA model), detection rules (on or off as the configuration leaves them) and the active configuration, read-only, with validation problems shown.
import { useApi, useTitle } from '../api';
import { Status } from '../ui';
import { go } from '../router';

interface Rule { id: string; name: string; description: string; severity: string; technique: string; category: string[]; enabled: boolean }

interface Bundled { name: string; ok: boolean; detail: string }

interface Settings { config_file: string | null; problems: string[]; config: unknown; rules: Rule[]; bundled: Bundled[]; intel: { name: string; kind: string; origin: string; remote: boolean; count: number; alerting: number; updated: number | null; last_error: string | null }[]; intel_error: string | null; store: { engine: string; rows: Record<string, number> } }

export function SettingsPage() {
  const r = useApi<Settings>('/settings');
  useTitle('Intel & settings');
  const s = r.data;
  if (s === null) {
    return (
      <section>
        <h2>Intel sources</h2>
        <Status error={r.error} loading={r.loading} />
      </section>
    );
  }
  return (
    <section>
      <h2>Intel sources</h2>
      {s.intel_error !== null && <p class="error">{s.intel_error}</p>}
      {s.intel.length === 0 ? <p class="hint">No intel sources configured.</p> : (
        <table><thead><tr><th>Name</th><th>Kind</th><th>Origin</th><th>Indicators</th><th>Alerting</th><th>Last update</th></tr></thead>
          <tbody>{s.intel.map((i) => (
            <tr>
              <td>{i.name}</td><td>{i.kind}</td><td>{i.origin}</td><td>{i.count}</td><td>{i.alerting}</td>
              <td>{i.updated === null ? 'never' : new Date(i.updated * 1000).toISOString().replace('T', ' ').slice(0, 19)}{i.last_error !== null ? <span class="error"> {i.last_error}</span> : null}</td>
            </tr>
          ))}</tbody></table>
      )}
      <h2>Built-in data</h2>
      <table data-testid="bundled"><thead><tr><th>Data</th><th>State</th></tr></thead>
        <tbody>{s.bundled.map((b) => (
          <tr data-bundled={b.name}><td>{b.name}</td><td class={b.ok ? 'wrap' : 'wrap error'}>{b.detail}</td></tr>
        ))}</tbody></table>
      <h2>Detection rules <small data-testid="rules-on">{s.rules.filter((x) => x.enabled).length} of {s.rules.length} on</small></h2>
      <table data-testid="rules"><thead><tr><th>Rule</th><th>Severity</th><th>Technique</th><th>State</th><th>Name</th></tr></thead>
        <tbody>{s.rules.map((x) => (
          <tr data-rule-id={x.id} class={x.enabled ? undefined : 'muted'} title={x.description}>
            <td><a href={`/?rule=${encodeURIComponent(x.id)}`} onClick={go}>{x.id}</a></td><td>{x.severity}</td><td>{x.technique}</td>
            <td>{x.enabled ? 'on' : 'off'}</td><td class="wrap">{x.name}</td>
          </tr>
        ))}</tbody></table>
      <h2>Store</h2>
      <p>{s.store.engine}: {Object.entries(s.store.rows).map(([k, v]) => `${k} ${v}`).join(', ')}</p>
      <h2>Configuration <small>{s.config_file ?? 'defaults (no file)'}</small></h2>
      {s.problems.length > 0 ? <ul class="error">{s.problems.map((p) => <li>{p}</li>)}</ul> : <p class="hint">No validation problems.</p>}
      <pre class="evidence">{JSON.stringify(s.config, null, 2)}</pre>
    </section>
  );
}
