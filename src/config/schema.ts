/**
 * The picket.yaml schema: every key, its type and its default, so an empty
 * file (or none) yields a complete, working configuration. Objects are strict
 * (a misspelt key is an error, not a silently ignored setting). Per-rule
 * options come from the detector registry, one sub-object per rule id under
 * `detectors:`. Cross-references (segmentation network names, suppression
 * rule ids) are checked after the shape, in `load.ts`.
 */
import { z } from 'zod';
import { cidrField, dhcpServerField, durationField, portField } from './fields.js';
import { DETECTOR_OPTIONS } from '../detect/index.js';
import { sinksSchema } from '../sinks/config.js';
import { serverConfigSchema } from '../server/config-schema.js';
import { honeypotConfigSchema } from '../agents/honeypot/config.js';
import { egressConfigSchema } from '../agents/egress/config.js';
import { storeConfigSchema } from '../store/config-schema.js';

export const NETWORK_ROLES = ['server', 'workstation', 'admin', 'isolated', 'guest', 'other'] as const;

/** Default lateral-movement ports: SSH, RPC, NetBIOS, SMB, RDP, VNC, WinRM http/https. */
export const DEFAULT_LATERAL_PORTS: readonly number[] = [22, 135, 139, 445, 3389, 5900, 5985, 5986];

const networkSchema = z.strictObject({
  /** Unique name used by segmentation rules, alerts and the state. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is not a valid network name (letters, digits, _ . -, at most 64)'),
  cidrs: z.array(cidrField).min(1, 'must list at least one CIDR'),
  role: z.enum(NETWORK_ROLES).default('other'),
  /** Alert on never-seen devices here (device.new). */
  new_device_alerts: z.boolean().default(false),
  description: z.string().optional(),
});

const segmentationSchema = z.strictObject({
  name: z.string().optional(),
  /** Network name, "*" (any configured network) or "external" (outside them all). */
  from: z.string(),
  to: z.string(),
  /** Destination ports; absent or empty = all ports. */
  ports: z.array(portField).optional(),
  proto: z.enum(['tcp', 'udp', 'icmp', 'any']).default('any'),
  /** First matching rule wins: "alert" reports, "allow" exempts. */
  action: z.enum(['alert', 'allow']).default('alert'),
});

const hostList = z.union([cidrField, z.array(cidrField)]).transform((v) => (typeof v === 'string' ? [v] : v));

const untilField = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'is not a date (use ISO 8601, e.g. 2025-01-31 or 2025-01-31T18:00:00Z)', input: v });
    return z.NEVER;
  }
  return ms / 1000;
});

const suppressSchema = z.strictObject({
  /** Rule id, "*" or "prefix.*". */
  rule: z.string().min(1),
  source: hostList.optional(),
  destination: hostList.optional(),
  /** Expiry: ISO 8601 date/time or epoch seconds (compared with packet time). */
  until: untilField.optional(),
  reason: z.string().optional(),
});

type DetectorOptionSchemas = typeof DETECTOR_OPTIONS;
const detectorShape = Object.fromEntries(
  Object.entries(DETECTOR_OPTIONS).map(([id, schema]) => [id, (schema as z.ZodObject).prefault({})]),
) as { [K in keyof DetectorOptionSchemas]: z.ZodPrefault<DetectorOptionSchemas[K]> };

/** `asn_allowlists[]`: ASNs (numbers or organisation globs) and countries a host group may talk to. */
const asnAllowlistSchema = z.strictObject({
  /** Network names or CIDRs the list applies to. */
  hosts: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)),
  /** AS numbers, or organisation name patterns with * (e.g. "Canonical*"). */
  asns: z.array(z.union([z.number().int().min(0).max(4294967295), z.string().min(1)])).default([]),
  /** ISO 3166 two-letter country codes allowed besides the ASNs (optional). */
  countries: z.array(z.string().regex(/^[A-Za-z]{2}$/, 'is not a two-letter country code')).default([]),
  description: z.string().optional(),
});

const intelListSchema = z.strictObject({
  /** File (relative to the config file) or http(s) URL. */
  path: z.string().min(1),
  /** What each line holds: addresses, networks, domain names, URLs, client fingerprints (JA3, JA4, HASSH of SSH clients or servers), TLS server fingerprints (JA3S), TLS certificate fingerprints (SHA-1, SHA-256) or hashes of transferred files (MD5, SHA-1, SHA-256). */
  kind: z.enum(['ip', 'cidr', 'domain', 'url', 'ja3', 'ja3s', 'ja4', 'hassh', 'hassh_server', 'cert_sha1', 'cert_sha256', 'file_md5', 'file_sha1', 'file_sha256']),
  /** Name shown in alerts (defaults to the file name). */
  name: z.string().optional(),
});

const mispServerSchema = z.strictObject({
  url: z.string().url(),
  /** Environment variable holding the API key (never the key itself in the file). */
  key_env: z.string().min(1),
  verify_tls: z.boolean().default(true),
  /** The attribute-age window of every pull: attributes last changed longer ago than this are not pulled, and drop out at the daily full resync (raise it to keep long-lived indicators). */
  since_days: z.number().int().min(1).default(30),
});

const intelSchema = z.strictObject({
  /** Tor relay sources: Onionoo details JSON, consensus documents or TorDNSEL exit lists (files or URLs). */
  tor: z.array(z.string().min(1)).default([]),
  /** Alert on exits only (default: any relay or exit). */
  tor_exits_only: z.boolean().default(false),
  misp: z
    .strictObject({
      feeds: z.array(z.string().min(1)).default([]),
      servers: z.array(mispServerSchema).default([]),
    })
    .prefault({}),
  lists: z.array(intelListSchema).default([]),
  /** How often sources are refreshed. */
  refresh: durationField('1h'),
  /** Own MaxMind-format (mmdb) databases instead of the bundled ones. */
  asn_mmdb: z.string().optional(),
  country_mmdb: z.string().optional(),
  /** Extra user-agent pattern files for ua.attack_tool (one pattern a line). */
  user_agent_patterns: z.array(z.string().min(1)).default([]),
  /** Extra user-agent pattern files for ua.malware (the same format; the first column names the family). */
  malware_user_agent_patterns: z.array(z.string().min(1)).default([]),
  /** Where indicators pulled from MISP servers and URLs are kept (default: <state>/intel or ./data/intel). */
  cache_dir: z.string().optional(),
});

export const siteConfigSchema = z.strictObject({
  /** observer.name of every alert. */
  observer_name: z.string().min(1).default('picket'),
  /** Matches of one rule and key within this interval are one alert (see src/alerts/dedup.ts). */
  dedup_interval: durationField('1h'),
  /** Live sensors with --state: rules that learn stay silent this long after the first start. */
  learning_period: durationField('24h'),
  /** How often (packet time) the state is saved during a run, besides at the end. */
  state_save_interval: durationField('5m'),
  /** Alerts held open at once for dedup; beyond it the oldest is emitted early. */
  max_open_alerts: z.number().int().min(1).default(10000),
  networks: z.array(networkSchema).default([]),
  segmentation: z.array(segmentationSchema).default([]),
  lateral_movement: z
    .strictObject({
      ports: z.array(portField).default([...DEFAULT_LATERAL_PORTS]),
    })
    .prefault({}),
  dhcp: z
    .strictObject({
      /**
       * DHCP and DHCPv6 servers allowed to answer, each an IP address, a MAC
       * address or a DUID (DHCPv6 Server ID, hex); empty = rogue-server
       * detection by conflicting answers (and DHCPv6 link-local leases) only.
       */
      authorized_servers: z.array(dhcpServerField).default([]),
      /** Hostname globs to report (ET sid 2022973 watches "kali"). */
      watch_hostnames: z.array(z.string().min(1)).default(['kali', 'parrot*']),
    })
    .prefault({}),
  /** What the decoder does with tunnels (src/decode/tunnel.ts). */
  tunnels: z
    .strictObject({
      /** Analyse the traffic inside tunnels; false leaves the tunnel packets as they are. */
      decapsulate: z.boolean().default(true),
      /** Also log the UDP connection a tunnel runs in (VXLAN, Geneve, GTP-U, Teredo, ...), as Zeek does. */
      outer_conns: z.boolean().default(true),
    })
    .prefault({}),
  /** File analysis (files.jsonl, file.bad_hash). */
  files: z
    .strictObject({
      /** Digests of every file seen whole; [] computes none (files.jsonl keeps its other fields). */
      hashes: z.array(z.enum(['md5', 'sha1', 'sha256'])).default(['md5', 'sha1', 'sha256']),
    })
    .prefault({}),
  suppress: z.array(suppressSchema).default([]),
  asn_allowlists: z.array(asnAllowlistSchema).default([]),
  intel: intelSchema.prefault({}),
  /** Alert destinations (syslog, webhook, email, file); see docs/sinks.md. */
  sinks: sinksSchema,
  detectors: z.strictObject(detectorShape).prefault({}),
  /** `picket server`: listen address, TLS, ingest limits (src/server/config-schema.ts). */
  server: serverConfigSchema.prefault({}),
  /** `picket honeypot`: ports, banners, rate limits, ignore list (src/agents/honeypot/config.ts). */
  honeypot: honeypotConfigSchema.prefault({}),
  /** `picket egress`: probe targets and interval (src/agents/egress/config.ts). */
  egress: egressConfigSchema.prefault({}),
  /** Metadata store engine and retention (src/store/config-schema.ts, docs/store.md). */
  store: storeConfigSchema.prefault({}),
});

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, frozen site configuration. */
export type SiteConfig = DeepReadonly<z.output<typeof siteConfigSchema>>;
export type DetectorsConfig = SiteConfig['detectors'];
