/**
 * Redis (RESP 2 and 3) limits and names: the port, how much of a command's
 * arguments and of a reply is kept, the bounds on per-connection state, and
 * the error replies that refuse a password.
 */

/** The server port (Zeek's Redis::ports). */
export const REDIS_PORTS = [6379] as const;

/** Longest line read (a reply's status or error text, an inline command, an element header); Redis's own limit for inline commands is 64 KiB. */
export const MAX_LINE = 65_536;
/** Bytes of each argument or bulk reply kept as text; the rest is stepped over, never buffered. */
export const MAX_ARG = 1024;
/** Arguments kept per command (the rest are counted, not kept). */
export const MAX_ARGS = 64;
/** Nesting of RESP aggregates (arrays, maps, sets) read before giving up. */
export const MAX_DEPTH = 32;
/** Commands awaiting their reply; past this the oldest is logged without one. */
export const MAX_PENDING = 1024;

/** Commands whose replies arrive out of band (subscribed mode): from them on, replies are not paired. */
export const SUBSCRIBE_COMMANDS: ReadonlySet<string> = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'MONITOR']);

/** Error replies that refuse the password of an AUTH (or HELLO ... AUTH): Redis 6+ and Redis 5 and older. */
export const WRONG_PASSWORD = /^(WRONGPASS|ERR invalid password|ERR invalid username-password pair)/i;

export const RedisAnomaly = {
  /** Bytes that are not RESP (a type byte RESP does not have, a bad length). */
  NOT_RESP: 'redis.not_resp',
  /** A line longer than MAX_LINE, or aggregates nested deeper than MAX_DEPTH. */
  TOO_LONG: 'redis.too_long',
  /** More commands awaited replies than MAX_PENDING. */
  TOO_MANY_PENDING: 'redis.too_many_pending',
  /** Bytes lost on the stream (the rest of it is not read). */
  CONTENT_GAP: 'redis.content_gap',
} as const;
