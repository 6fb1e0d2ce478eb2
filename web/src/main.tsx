// Console entry: checks the session (/me), shows the login form or the app with its pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, HttpError, setCsrf } from './api';
import { go, usePath } from './router';
import { AlertsPage, AlertPage } from './pages/alerts';
import { HostPage } from './pages/host';
import { DevicesPage } from './pages/devices';
import { AgentsPage } from './pages/agents';
import { SettingsPage } from './pages/settings';
import './style.css';

interface Me {
  user: string;
  role: 'admin' | 'viewer';
  csrf: string;
}

function Login(props: { onIn: (m: Me) => void }) {
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [err, setErr] = useState('');
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const m = await api<Me>('POST', '/login', { user, password });
      setCsrf(m.csrf);
      props.onIn(m);
    } catch (x) {
      setErr((x as Error).message);
    }
  };
  return (
    <form class="login card" onSubmit={submit}>
      <h1>Picket</h1>
      <label>User <input name="user" value={user} onInput={(e) => setUser(e.currentTarget.value)} autocomplete="username" /></label>
      <label>Password <input name="password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autocomplete="current-password" /></label>
      <button type="submit">Log in</button>
      {err !== '' && <p class="error" role="alert">{err}</p>}
    </form>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const path = usePath();
  useEffect(() => {
    api<Me>('GET', '/me')
      .then((m) => {
        setCsrf(m.csrf);
        setMe(m);
      })
      .catch((e: unknown) => setMe(e instanceof HttpError && e.status === 401 ? null : null));
  }, []);
  if (me === undefined) return <p>Loading…</p>;
  if (me === null) return <Login onIn={setMe} />;
  const logout = async (): Promise<void> => {
    await api('POST', '/logout').catch(() => undefined);
    setMe(null);
  };
  const p = path.split('?')[0] ?? '/';
  let page;
  if (p.startsWith('/alerts/')) page = <AlertPage id={decodeURIComponent(p.slice(8))} admin={me.role === 'admin'} />;
  else if (p.startsWith('/hosts/')) page = <HostPage ip={decodeURIComponent(p.slice(7))} />;
  else if (p === '/devices') page = <DevicesPage />;
  else if (p === '/agents') page = <AgentsPage admin={me.role === 'admin'} />;
  else if (p === '/settings') page = <SettingsPage />;
  else page = <AlertsPage admin={me.role === 'admin'} />;
  const nav = [
    ['/', 'Alerts'],
    ['/devices', 'Devices'],
    ['/agents', 'Agents'],
    ['/settings', 'Intel & settings'],
  ];
  return (
    <>
      <header>
        <strong>Picket</strong>
        <nav>
          {nav.map(([href, label]) => (
            <a href={href} onClick={go} class={(href === '/' ? p === '/' || p.startsWith('/alerts') : p.startsWith(href ?? '')) ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.user} ({me.role}) <button class="link" onClick={logout}>Log out</button>
        </span>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
