/**
 * Reusable zod field types for picket.yaml: durations, IPs, CIDRs, ports,
 * DHCP server ids and glob patterns. Their error messages are written to follow the quoted value
 * ("\"10.77.2.0/33\" is not a CIDR"); `load.ts` adds file, line and key path.
 */
import { z } from 'zod';
import { parseCidr } from './cidr.js';
import { isIp } from './ip.js';
import { parseDuration } from './duration.js';
import { parseDhcpServerId } from './dhcp-server-id.js';

/** A CIDR or a bare address; the text is kept as written (matchers parse it once). */
export const cidrField = z.string().superRefine((text, ctx) => {
  const c = parseCidr(text);
  if (typeof c === 'string') ctx.addIssue({ code: 'custom', message: c, input: text });
});

export const ipField = z.string().refine(isIp, { message: 'is not an IP address' });

/** A DHCP server: IP address, MAC address or DUID in hex (dhcp-server-id.ts); the text is kept as written. */
export const dhcpServerField = z.string().refine((text) => parseDhcpServerId(text) !== null, {
  message: 'is not an IP address, a MAC address or a DUID (hex bytes)',
});

/** A MAC address ("02:77:02:00:00:42", "02-77-...", "027702000042"); the output is lower case with colons, as events write it. */
export const macField = z.string().transform((text, ctx) => {
  const id = parseDhcpServerId(text);
  if (id === null || id.kind !== 'mac') {
    ctx.addIssue({ code: 'custom', message: 'is not a MAC address', input: text });
    return z.NEVER;
  }
  return id.value;
});

export const portField = z.number().int('is not a port number (0-65535)').min(0, 'is not a port number (0-65535)').max(65535, 'is not a port number (0-65535)');

/** A duration ("30s", "5m", "1h", "24h", "7d") or seconds; the output is seconds. */
export function durationField(defaultValue: string | number) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const s = parseDuration(v);
      if (s === null) {
        ctx.addIssue({ code: 'custom', message: 'is not a duration (e.g. 30s, 5m, 1h, 24h, or seconds)', input: v });
        return z.NEVER;
      }
      return s;
    })
    .prefault(defaultValue);
}

const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/**
 * Bytes as a number or "<n> <unit>" ("20GB", "512MiB": powers of 1000 for
 * kB/MB/GB/TB, of 1024 for KiB/MiB/GiB/TiB).
 */
export const bytesField = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)?\s*$/.exec(v);
  const unit = m === null ? undefined : UNITS[(m[2] ?? 'b').toLowerCase()];
  if (m === null || unit === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is not a size (a number of bytes, or e.g. "20GB", "512MiB")', input: v });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * unit);
});

/** A count threshold (>= 1). */
export function thresholdField(defaultValue: number) {
  return z.number().int('must be a whole number').min(1, 'must be at least 1').default(defaultValue);
}

/** Options every detector takes: an on/off switch and CIDRs whose traffic it ignores. */
export const baseDetectorFields = {
  /** Turn the rule off without removing its settings. */
  enabled: z.boolean().default(true),
  /** Hosts or CIDRs ignored by this rule when they are the source or the destination. */
  exclude: z.array(cidrField).default([]),
};

/** A detector's option object: the base fields plus its own, unknown keys rejected. */
export function detectorOptions<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ ...baseDetectorFields, ...shape });
}

/** Shell-style glob ("parrot*", "kali") to an anchored, case-insensitive RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}
