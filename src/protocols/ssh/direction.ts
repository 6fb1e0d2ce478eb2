/**
 * Which side of an SSH login is "local", for ssh.log's `direction`. Zeek
 * reads its configured local networks; without a site configuration Picket
 * treats private, loopback, link-local and CGNAT space as local. A login
 * between two local (or two remote) hosts has no direction.
 */

function ipv4Local(ip: string): boolean {
  const p = ip.split('.');
  if (p.length !== 4) return false;
  const a = Number(p[0]);
  const b = Number(p[1]);
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** True for RFC 1918, loopback, link-local and CGNAT IPv4; ULA, link-local and loopback IPv6. */
export function isPrivateAddress(ip: string): boolean {
  if (!ip.includes(':')) return ipv4Local(ip);
  const lower = ip.toLowerCase();
  if (lower === '::1') return true;
  if (lower.startsWith('::ffff:')) return ipv4Local(lower.slice(7));
  const first = parseInt(lower.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** Zeek's direction: OUTBOUND when the client is local and the server is not, INBOUND the reverse. */
export function loginDirection(
  client: string,
  server: string,
  isLocal: (ip: string) => boolean,
): 'INBOUND' | 'OUTBOUND' | undefined {
  const c = isLocal(client);
  const s = isLocal(server);
  if (c === s) return undefined;
  return c ? 'OUTBOUND' : 'INBOUND';
}
