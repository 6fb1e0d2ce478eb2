/**
 * The `honeypot:` section of picket.yaml: which ports the honeypot agent
 * listens on, what it answers with (static banners only), how much of what
 * it receives it keeps, how often one source may raise alerts, and what it
 * ignores (OpenCanary users ask for an ignore list by IP/CIDR and port).
 */
import { z } from 'zod';
import { cidrField, durationField, ipField, portField } from '../../config/fields.js';

/** Ports attackers and worms knock on first: FTP, SSH, Telnet, HTTP, RPC, NetBIOS, SMB, MSSQL, MySQL, RDP, VNC, HTTP-alt. */
export const DEFAULT_HONEYPOT_TCP: readonly number[] = [21, 22, 23, 80, 135, 139, 445, 1433, 3306, 3389, 5900, 8080];
/** TFTP, SNMP, SSDP, SIP: scanned often, and classic amplification vectors (which is why nothing is ever answered). */
export const DEFAULT_HONEYPOT_UDP: readonly number[] = [69, 161, 1900, 5060];

/** Banners a common server on that port sends first (server-speaks-first protocols only). */
export const DEFAULT_HONEYPOT_BANNERS: Readonly<Record<string, string>> = Object.freeze({
  '21': '220 (vsFTPd 3.0.5)\r\n',
  '22': 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n',
  '23': '\r\nUbuntu 22.04.4 LTS\r\nlogin: ',
  '5900': 'RFB 003.008\n',
});

/** A banner longer than this is a mistake, not a banner. */
export const MAX_BANNER_CHARS = 4096;
/** Most bytes kept per connection or datagram (evidence stays small, memory stays bounded). */
export const MAX_CAPTURE_BYTES = 4096;

const portList = z.array(portField);

const ignoreEntry = z
  .strictObject({
    /** Source addresses or CIDRs. */
    ip: z.union([cidrField, z.array(cidrField).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)).optional(),
    /** Honeypot ports (the destination). */
    port: z.union([portField, portList.min(1)]).transform((v) => (typeof v === 'number' ? [v] : v)).optional(),
    proto: z.enum(['tcp', 'udp', 'any']).default('any'),
    reason: z.string().optional(),
  })
  .refine((e) => e.ip !== undefined || e.port !== undefined, { message: 'needs ip, port or both' });

export const honeypotConfigSchema = z.strictObject({
  /** Address to listen on. */
  bind: ipField.default('0.0.0.0'),
  tcp: portList.default([...DEFAULT_HONEYPOT_TCP]),
  udp: portList.default([...DEFAULT_HONEYPOT_UDP]),
  /** Port -> text sent on connect (TCP only). Replaces the default set when given; "" sends nothing. */
  banners: z
    .record(z.string().regex(/^\d{1,5}$/, 'is not a port number'), z.string().max(MAX_BANNER_CHARS))
    .default({ ...DEFAULT_HONEYPOT_BANNERS }),
  /** First bytes kept per connection or datagram. */
  capture_bytes: z.number().int().min(1).max(MAX_CAPTURE_BYTES).default(512),
  /** How long a TCP connection is held open waiting for the client's first bytes. */
  first_bytes_wait: durationField('5s'),
  rate_limit: z
    .strictObject({
      /** Alerts one source may raise per window; more connections are counted, not alerted. */
      per_source: z.number().int().min(1).default(10),
      window: durationField('1m'),
      /** Alerts per second from all sources together (a spoofed UDP flood has a million "sources"). */
      global_per_second: z.number().int().min(1).default(50),
    })
    .prefault({}),
  /** TCP connections held at once; more are refused by the kernel backlog. */
  max_connections: z.number().int().min(1).max(65536).default(512),
  /** Sources remembered by the rate limiter; the least recently reset is forgotten first. */
  max_sources: z.number().int().min(16).max(1_000_000).default(10_000),
  /** Traffic that raises nothing: by source IP/CIDR, honeypot port, or both. */
  ignore: z.array(ignoreEntry).default([]),
});

export type HoneypotConfig = z.output<typeof honeypotConfigSchema>;
