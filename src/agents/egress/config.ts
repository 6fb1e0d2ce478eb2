/**
 * The `egress:` section of picket.yaml: what the egress agent tries, how
 * often, and how long each try may take. Defaults aim at the public
 * Internet (public resolvers, well-known anycast hosts); a lab or test sets
 * its own targets.
 */
import { z } from 'zod';
import { durationField, ipField } from '../../config/fields.js';

/** Public resolvers anyone would try first (Cloudflare, Google, Quad9). */
export const DEFAULT_EGRESS_RESOLVERS: readonly string[] = ['1.1.1.1', '8.8.8.8', '9.9.9.9'];
/** Well-known hosts on HTTP/HTTPS by address, so the probe does not depend on DNS. */
export const DEFAULT_EGRESS_TCP: readonly string[] = ['1.1.1.1:443', '8.8.8.8:443', '9.9.9.9:443', '1.1.1.1:80'];
export const DEFAULT_EGRESS_HTTPS: readonly string[] = ['https://1.1.1.1/', 'https://example.com/'];
export const DEFAULT_EGRESS_ICMP: readonly string[] = ['1.1.1.1', '8.8.8.8'];

/** "host:port" with an IPv4 address or a name, or "[v6]:port". */
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'is not host:port');

const httpsUrl = z.string().refine((u) => {
  try {
    return new URL(u).protocol === 'https:';
  } catch {
    return false;
  }
}, 'is not an https:// URL');

export const egressConfigSchema = z.strictObject({
  /** Time between probe runs. */
  interval: durationField('5m'),
  /** Longest wait per probe. */
  timeout: durationField('3s'),
  /** Names resolved by the DNS probes. */
  dns_names: z.array(z.string().min(1).max(253)).default(['example.com']),
  /** Resolve through the system resolver (an internal resolver that forwards outside is a way out too). */
  system_dns: z.boolean().default(true),
  /** Resolvers asked directly on UDP 53. */
  resolvers: z.array(ipField).default([...DEFAULT_EGRESS_RESOLVERS]),
  /** TCP connects. */
  tcp: z.array(hostPort).default([...DEFAULT_EGRESS_TCP]),
  /** HTTPS requests (a completed TLS handshake counts as through). */
  https: z.array(httpsUrl).default([...DEFAULT_EGRESS_HTTPS]),
  /** ICMP echo via the system's ping, when present. */
  icmp: z.array(ipField).default([...DEFAULT_EGRESS_ICMP]),
  /** A probe that keeps getting through is alerted again after this long. */
  realert: durationField('1h'),
});

export type EgressConfig = z.output<typeof egressConfigSchema>;
