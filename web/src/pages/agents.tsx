// Agents (status, last seen, packets/s, drops, spool) and enrollment tokens (create, revoke).
import { useEffect, useState } from 'preact/hooks';
import { api, fmtBytes, fmtTime, useTitle } from '../api';
import { Status } from '../ui';

interface Agent { agent_id: string; name: string; kind: string; hostname: string | null; status: string; last_seen: string | null; health: Record<string, unknown> | null }
interface Token { id: string; name: string; kind: string; created_at: string; expires_at: string; used_at: string | null; agent_id: string | null; revoked: boolean }

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function AgentsPage(props: { admin: boolean }) {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [name, setName] = useState('');
  const [kind, setKind] = useState('sensor');
  const [made, setMade] = useState('');
  const [err, setErr] = useState('');
  const [loading, setLoading] = useState(true);
  useTitle('Agents');
  const load = (): void => {
    setLoading(true);
    Promise.all([api<{ agents: Agent[] }>('GET', '/agents'), api<{ tokens: Token[] }>('GET', '/tokens')]).then(
      ([a, t]) => {
        setAgents(a.agents);
        setTokens(t.tokens);
        setErr('');
        setLoading(false);
      },
      (e: Error) => {
        setErr(e.message);
        setLoading(false);
      },
    );
  };
  useEffect(load, []);
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const t = await api<{ token: string }>('POST', '/tokens', { name, kind });
      setMade(t.token);
      load();
    } catch (x) {
      setErr((x as Error).message);
    }
  };
  return (
    <section>
      <h2>Agents</h2>
      <Status error={err} loading={loading} />
      <div class="scroll">
        <table>
          <thead><tr><th>Name</th><th>Kind</th><th>Status</th><th>Last seen (UTC)</th><th>Packets/s</th><th>Drops</th><th>Spool</th></tr></thead>
          <tbody>
            {agents.map((a) => (
              <tr>
                <td>{a.name}<br /><small>{a.hostname ?? ''}</small></td><td>{a.kind}</td><td><span class={`status ${a.status}`}>{a.status}</span></td>
                <td>{fmtTime(a.last_seen)}</td><td>{num(a.health?.packets_per_s) ?? '-'}</td><td>{num(a.health?.kernel_drops) ?? '-'}</td>
                <td>{num(a.health?.spool_bytes) !== null ? fmtBytes(num(a.health?.spool_bytes) ?? 0) : '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Enrollment tokens</h2>
      {props.admin && (
        <form class="filters" onSubmit={create}>
          <label>Name <input name="token-name" value={name} required onInput={(e) => setName(e.currentTarget.value)} /></label>
          <label>Kind <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}><option>sensor</option><option>honeypot</option><option>egress</option></select></label>
          <button type="submit">Create token</button>
        </form>
      )}
      {made !== '' && <p class="card">New token (shown once): <code data-testid="new-token">{made}</code></p>}
      <div class="scroll">
        <table>
          <thead><tr><th>Name</th><th>Kind</th><th>Created (UTC)</th><th>Expires (UTC)</th><th>State</th><th></th></tr></thead>
          <tbody>
            {tokens.map((t) => (
              <tr data-token={t.id}>
                <td>{t.name}</td><td>{t.kind}</td><td>{fmtTime(t.created_at)}</td><td>{fmtTime(t.expires_at)}</td>
                <td>{t.revoked ? 'revoked' : t.used_at !== null ? `used by ${t.agent_id}` : 'unused'}</td>
                <td>{props.admin && !t.revoked && t.used_at === null && <button onClick={() => void api('DELETE', `/tokens/${encodeURIComponent(t.id)}`).then(load, (x: Error) => setErr(x.message))}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
