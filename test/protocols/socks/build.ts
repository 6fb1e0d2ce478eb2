/** SOCKS 4a and 5 sessions for tests, as TcpSessions through the whole pipeline. */
import { TcpSession } from '../../helpers/session.js';

export interface SocksTarget {
  host?: string;
  name?: string;
  port: number;
}

export interface SocksSessionSpec {
  version: 4 | 5;
  /** v5: sign in with these (RFC 1929); v4: the user id. */
  user?: string;
  password?: string;
  target: SocksTarget;
  /** The server's answer: v5 reply code (0 granted), v4 status (90 granted). */
  reply?: number;
  /** A BIND instead of a CONNECT: the peer that connects back, and the second reply's code or status (default granted). */
  bind?: { peer: SocksTarget; reply?: number };
  /** v5 sign-in status (0: accepted). */
  authStatus?: number;
  /** What runs through the granted connection. */
  inner?: { client: Uint8Array; server: Uint8Array };
  client?: string;
  server?: string;
  serverPort?: number;
}

const u16 = (n: number): number[] => [n >> 8, n & 0xff];

function v5Address(t: SocksTarget): number[] {
  if (t.name !== undefined) return [3, t.name.length, ...Buffer.from(t.name, 'latin1'), ...u16(t.port)];
  return [1, ...t.host!.split('.').map(Number), ...u16(t.port)];
}

export function socksSession(spec: SocksSessionSpec): TcpSession {
  const s = new TcpSession({ client: spec.client ?? '10.77.2.20', server: spec.server ?? '10.77.1.10', serverPort: spec.serverPort ?? 1080 });
  s.handshake();
  if (spec.version === 5) {
    const signIn = spec.user !== undefined;
    s.send(true, Uint8Array.from(signIn ? [5, 2, 0, 2] : [5, 1, 0]));
    s.send(false, Uint8Array.from([5, signIn ? 2 : 0]));
    if (signIn) {
      const u = Buffer.from(spec.user!, 'latin1');
      const p = Buffer.from(spec.password ?? '', 'latin1');
      s.send(true, Uint8Array.from([1, u.length, ...u, p.length, ...p]));
      s.send(false, Uint8Array.from([1, spec.authStatus ?? 0]));
      if ((spec.authStatus ?? 0) !== 0) {
        s.close();
        return s;
      }
    }
    s.send(true, Uint8Array.from([5, spec.bind !== undefined ? 2 : 1, 0, ...v5Address(spec.target)]));
    s.send(false, Uint8Array.from([5, spec.reply ?? 0, 0, 1, 198, 51, 100, 1, ...u16(40000)]));
    if (spec.bind !== undefined && (spec.reply ?? 0) === 0) s.send(false, Uint8Array.from([5, spec.bind.reply ?? 0, 0, ...v5Address(spec.bind.peer)]));
  } else {
    const t = spec.target;
    const ip = t.name !== undefined ? [0, 0, 0, 1] : t.host!.split('.').map(Number);
    const user = Buffer.from(spec.user ?? '', 'latin1');
    const name = t.name !== undefined ? [...Buffer.from(t.name, 'latin1'), 0] : [];
    s.send(true, Uint8Array.from([4, spec.bind !== undefined ? 2 : 1, ...u16(t.port), ...ip, ...user, 0, ...name]));
    s.send(false, Uint8Array.from([0, spec.reply ?? 90, 0, 0, 0, 0, 0, 0]));
    if (spec.bind !== undefined && (spec.reply ?? 90) === 90) {
      const p = spec.bind.peer;
      s.send(false, Uint8Array.from([0, spec.bind.reply ?? 90, ...u16(p.port), ...p.host!.split('.').map(Number)]));
    }
  }
  const secondGranted = spec.bind === undefined || (spec.bind.reply ?? (spec.version === 5 ? 0 : 90)) === (spec.version === 5 ? 0 : 90);
  const granted = (spec.version === 5 ? (spec.reply ?? 0) === 0 : (spec.reply ?? 90) === 90) && secondGranted;
  if (granted && spec.inner !== undefined) {
    if (spec.inner.server.length > 0) s.send(false, spec.inner.server);
    s.send(true, spec.inner.client);
  }
  s.close();
  return s;
}
