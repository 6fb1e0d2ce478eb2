/** How alert messages name hosts and list things. */
import type { Site } from '../config/site.js';

/** "10.77.2.20 (workstations)": an address with its configured network, if any. */
export function hostLabel(site: Site, ip: string): string {
  const net = site.networkOf(ip);
  return net !== undefined ? `${ip} (${net.name})` : ip;
}

/** "a, b and c". */
export function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
}
