/**
 * HTTP Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date. One
 * reading for the agents' shipper and the webhook sink; each applies its own
 * upper bound.
 */

/** Milliseconds from `now` the header asks to wait (0 for a past date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
