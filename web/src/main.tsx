// Console entry: checks the session (/me), shows the login form or the app with its pages.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, hostHref, LOGGED_OUT_EVENT, setCsrf, useTitle } from './api';
import { go, navigate, paramsOf, usePath } from './router';
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

function Login(props: { onIn: (m: Me) => void; expired: boolean }) {
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [err, setErr] = useState('');
  useTitle('Log in');
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
      {props.expired && <p class="hint" role="status">Your session ended; log in again to go on where you were.</p>}
      <label>User <input name="user" value={user} onInput={(e) => setUser(e.currentTarget.value)} autocomplete="username" /></label>
      <label>Password <input name="password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autocomplete="current-password" /></label>
      <button type="submit">Log in</button>
      {err !== '' && <p class="error" role="alert">{err}</p>}
    </form>
  );
}

const MAC_RE = /^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_RE = /^[0-9a-f:.]+(?:%\S+)?$/i;

/** Where the search box sends a text: an address to its host page, a MAC or a name to the matching devices. */
export function searchTarget(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (MAC_RE.test(t)) return `/devices?mac=${encodeURIComponent(t)}`;
  if (IPV4_RE.test(t) || (t.includes(':') && IPV6_RE.test(t))) return hostHref(t);
  return `/devices?name=${encodeURIComponent(t)}`;
}

function HostSearch() {
  const [q, setQ] = useState('');
  const submit = (e: Event): void => {
    e.preventDefault();
    const to = searchTarget(q);
    if (to !== null) navigate(to);
  };
  return (
    <form role="search" class="search" onSubmit={submit}>
      <label class="inline">
        <span>Find a host</span>
        <input name="q" type="search" value={q} placeholder="IP, MAC or host name" onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      <button type="submit">Go</button>
    </form>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const path = usePath();
  const mainRef = useRef<HTMLElement>(null);
  const p = path.split('?')[0] ?? '/';
  const first = useRef(true);
  useEffect(() => {
    api<Me>('GET', '/me')
      .then((m) => {
        setCsrf(m.csrf);
        setMe(m);
      })
      // Not logged in (401); any other failure shows the login form too, which says what is wrong when used.
      .catch(() => setMe(null));
    const out = (): void => {
      setExpired(true);
      setMe(null);
    };
    addEventListener(LOGGED_OUT_EVENT, out);
    return () => removeEventListener(LOGGED_OUT_EVENT, out);
  }, []);
  // A new page (not a new filter on the same page): keyboard and screen-reader focus go to its content.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [p]);
  if (me === undefined) return <p role="status">Loading…</p>;
  if (me === null) return <Login onIn={(m) => { setExpired(false); setMe(m); }} expired={expired} />;
  const logout = async (): Promise<void> => {
    await api('POST', '/logout').catch(() => undefined);
    setMe(null);
  };
  const params = paramsOf(path);
  let page;
  if (p.startsWith('/alerts/')) page = <AlertPage id={decodeURIComponent(p.slice(8))} admin={me.role === 'admin'} />;
  else if (p.startsWith('/hosts/')) page = <HostPage ip={decodeURIComponent(p.slice(7))} params={params} />;
  else if (p === '/devices') page = <DevicesPage params={params} />;
  else if (p === '/agents') page = <AgentsPage admin={me.role === 'admin'} />;
  else if (p === '/settings') page = <SettingsPage />;
  else page = <AlertsPage admin={me.role === 'admin'} params={params} />;
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
        <nav aria-label="Pages">
          {nav.map(([href, label]) => {
            const active = href === '/' ? p === '/' || p.startsWith('/alerts') : p.startsWith(href ?? '');
            return (
              <a href={href} onClick={go} class={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
                {label}
              </a>
            );
          })}
        </nav>
        <HostSearch />
        <span class="who">
          {me.user} ({me.role}) <button class="link" onClick={logout}>Log out</button>
        </span>
      </header>
      <main ref={mainRef} tabIndex={-1}>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
