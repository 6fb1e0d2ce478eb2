/**
 * The `sinks:` section of picket.yaml: a list of alert destinations, each a
 * syslog, webhook, email or file sink with its filters (minimum severity, rule
 * id globs, networks) and its queue settings. Secrets never live in the file:
 * the SMTP password, a webhook URL that embeds a token (Slack, Teams) or a
 * bearer token are named by environment variable (`password_env`, `url_env`,
 * `token_env`) and read when the sinks start.
 */
import { z } from 'zod';
import { durationField, portField } from '../config/fields.js';
import type { Severity } from '../alerts/alert.js';

export const SEVERITY_LEVELS: Readonly<Record<string, Severity>> = Object.freeze({
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
});

/** "high" or 3 -> 3 (ECS event.severity). */
const severityField = z
  .union([z.enum(['low', 'medium', 'high', 'critical']), z.number().int().min(1).max(4)])
  .transform((v) => (typeof v === 'number' ? (v as Severity) : SEVERITY_LEVELS[v]!));

/** Default queue bound: 10,000 alerts (~10 MB of ECS JSON) outlasts a day-long outage at normal alert rates. */
export const DEFAULT_QUEUE_MAX_ALERTS = 10_000;

const queueSchema = z.strictObject({
  /** Undelivered alerts kept on disk; past it the oldest are dropped (counted). */
  max_alerts: z.number().int().min(1).max(10_000_000).default(DEFAULT_QUEUE_MAX_ALERTS),
  /** First retry delay after a failure; doubled per failure up to `retry_max`. */
  retry_initial: durationField('1s'),
  retry_max: durationField('5m'),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name');

const common = {
  /** Unique: names the queue directory, the metrics label and log lines. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is not a valid sink name (letters, digits, _ . -, at most 64)'),
  /** Only alerts at or above this severity (low, medium, high, critical). */
  min_severity: severityField.prefault('low'),
  /** Rule id globs ("scan.*", "auth.bruteforce"); empty = every rule. */
  rules: z.array(z.string().min(1)).default([]),
  /** Network names (alert network.name) or CIDRs (source or destination IP); empty = all. */
  networks: z.array(z.string().min(1)).default([]),
  queue: queueSchema.prefault({}),
};

export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = Object.freeze({
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, ntp: 12, security: 13, console: 14, solaris_cron: 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
});

/** Largest UDP payload over IPv4 (65,535 - 8 UDP - 20 IP header); RFC 5426 3.2. */
export const MAX_UDP_PAYLOAD = 65_507;
/** RFC 5426 3.2: every IPv4 receiver must take 480 bytes; less could not hold a header. */
const MIN_SYSLOG_MESSAGE = 480;
/** A queued alert is at most 1 MiB of JSON; its syslog message a little more. */
const MAX_SYSLOG_MESSAGE = 2 * 1024 * 1024;

const syslogSchema = z
  .strictObject({
    type: z.literal('syslog'),
    ...common,
    /** udp (RFC 5426), tcp (RFC 6587) or tls (RFC 5425). */
    transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
    /** tcp/tls stream framing: octet counting (RFC 6587 3.4.1, RFC 5425) or LF-terminated (RFC 6587 3.4.2). */
    framing: z.enum(['octet-counting', 'non-transparent']).default('octet-counting'),
    /** Longest message sent, header included; a longer one is shortened to fit. At most 65,507 over UDP. */
    max_message_bytes: z.number().int().min(MIN_SYSLOG_MESSAGE).max(MAX_SYSLOG_MESSAGE).default(MAX_UDP_PAYLOAD),
    host: z.string().min(1),
    /** Default 514 (udp, tcp) or 6514 (tls). */
    port: portField.optional(),
    /** MSG: ECS JSON, an EVE-style alert record, an OCSF Detection Finding, an ArcSight CEF record, or one readable line. */
    format: z.enum(['ecs', 'eve', 'ocsf', 'cef', 'text']).default('ecs'),
    facility: z.enum(Object.keys(SYSLOG_FACILITIES) as [string, ...string[]]).default('local0'),
    /** HOSTNAME field (default: this machine's host name). */
    hostname: z.string().optional(),
    app_name: z.string().min(1).max(48).default('picket'),
    /** TLS: CA certificate file (PEM) that signs the collector's certificate (default: system CAs). */
    ca: z.string().optional(),
    /** TLS: this sender's certificate and key (PEM files), for a collector that authenticates senders (RFC 5425 5). */
    cert: z.string().optional(),
    key: z.string().optional(),
    /** TLS: name checked against the certificate (default: host). */
    server_name: z.string().optional(),
    tls_reject_unauthorized: z.boolean().default(true),
    /** Connect and write timeout. */
    timeout: durationField('10s'),
  })
  .refine((v) => v.transport !== 'udp' || v.max_message_bytes <= MAX_UDP_PAYLOAD, {
    message: `is at most ${MAX_UDP_PAYLOAD} over UDP (one datagram)`,
    path: ['max_message_bytes'],
  })
  .refine((v) => (v.cert === undefined) === (v.key === undefined), { message: 'cert and key go together', path: ['cert'] });

const webhookSchema = z
  .strictObject({
    type: z.literal('webhook'),
    ...common,
    /** json: the ECS alert; slack: incoming-webhook message; teams: MessageCard; teams_adaptive: Adaptive Card (Workflows). */
    format: z.enum(['json', 'ocsf', 'slack', 'teams', 'teams_adaptive']).default('json'),
    /** Endpoint without a secret in it (http or https); otherwise use url_env. */
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'is not an http or https URL')
      .optional(),
    /** Environment variable holding the URL (Slack and Teams URLs carry their token). */
    url_env: envName.optional(),
    /** Environment variable holding a bearer token sent as Authorization. */
    token_env: envName.optional(),
    /** https: CA certificate file (PEM) for a receiver with a private CA (default: the system CAs). */
    ca: z.string().optional(),
    tls_reject_unauthorized: z.boolean().default(true),
    /** Connect, send and answer timeout. */
    timeout: durationField('10s'),
  })
  .refine((v) => (v.url === undefined) !== (v.url_env === undefined), { message: 'needs exactly one of url or url_env' });

const emailSchema = z.strictObject({
  type: z.literal('email'),
  ...common,
  host: z.string().min(1),
  /** Default 465 with `security: tls`, else 587. */
  port: portField.optional(),
  /** starttls: require STARTTLS (port 587); tls: implicit TLS (port 465); none: plain text (a local relay). */
  security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  username: z.string().optional(),
  /** Environment variable holding the SMTP password. */
  password_env: envName.optional(),
  /** CA certificate file (PEM) for a server with a private CA (default: the system CAs). */
  ca: z.string().optional(),
  from: z.string().min(3),
  to: z.array(z.string().min(3)).min(1, 'must list at least one recipient'),
  tls_reject_unauthorized: z.boolean().default(true),
  timeout: durationField('30s'),
});

const fileSchema = z.strictObject({
  type: z.literal('file'),
  ...common,
  /** JSON lines file (relative paths: from the sinks' base directory). */
  path: z.string().min(1),
  /** ecs: the alert object; eve: Suricata EVE-style alert records; ocsf: OCSF Detection Findings (JSON lines); cef: ArcSight CEF records, one a line. */
  format: z.enum(['ecs', 'eve', 'ocsf', 'cef']).default('ecs'),
  /** Rotate when the file reaches this size (0 = never). */
  max_bytes: z.number().int().min(0).default(0),
  /** Rotated files kept (path.1 newest .. path.N oldest). */
  keep: z.number().int().min(1).max(1000).default(5),
});

export const sinkSchema = z.discriminatedUnion('type', [syslogSchema, webhookSchema, emailSchema, fileSchema]);

/** The `sinks:` list; names must be unique (each names a queue directory). */
export const sinksSchema = z
  .array(sinkSchema)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!.name;
      if (seen.has(n)) ctx.addIssue({ code: 'custom', message: 'is used by two sinks (names must be unique)', path: [i, 'name'], input: n });
      seen.add(n);
    }
  });

export type SinkConfig = z.output<typeof sinkSchema>;
export type SyslogSinkConfig = z.output<typeof syslogSchema>;
export type WebhookSinkConfig = z.output<typeof webhookSchema>;
export type EmailSinkConfig = z.output<typeof emailSchema>;
export type FileSinkConfig = z.output<typeof fileSchema>;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Parsed config, frozen: what `createSinks` takes (SiteConfig['sinks'] entries fit). */
export type Frozen<T> = DeepReadonly<T>;
export type SinkSettings = DeepReadonly<SinkConfig>;
