/**
 * What every sink type implements: send a batch of alerts, or fail. A plain
 * failure (receiver down, timeout, 5xx) means "try again later" and the batch
 * stays queued; a `RejectedError` means the receiver refused these alerts for
 * good (HTTP 400, SMTP 550, a message too large for a datagram) — retrying
 * would block the queue forever, so they are dropped and counted instead.
 */
import type { Alert } from '../alerts/alert.js';
import { PicketError } from '../util/errors.js';

export interface SinkTransport {
  /** Alerts handed to one `send` call at most. */
  readonly batchSize: number;
  /** Resolves once the receiver has the alerts (as far as the protocol can tell); rejects otherwise. */
  send(alerts: readonly Alert[]): Promise<void>;
  /** Closes connections; pending sends fail. */
  close(): Promise<void>;
  /** Alerts sent shortened to fit the receiver's size limit (syslog). */
  readonly truncated?: number;
}

/** The receiver refused the batch permanently; it is not retried. */
export class RejectedError extends PicketError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PKT_ERR_SINK_REJECTED', message, options);
    this.name = 'RejectedError';
  }
}

/** A delivery attempt failed and will be retried. */
export class DeliveryError extends PicketError {
  /** When the receiver said when to come back (HTTP Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('PKT_ERR_SINK_DELIVERY', message, options);
    this.name = 'DeliveryError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** One line for stats and logs from anything thrown. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
