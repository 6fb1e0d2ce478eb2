/**
 * The webhook sink: one HTTP POST per alert with the global fetch, as the ECS
 * alert (generic JSON), a Slack incoming-webhook message, a Teams MessageCard
 * or a Teams Adaptive Card. A 2xx answer is delivery; 408, 425, 429 and 5xx
 * (the receiver is busy or down) and network errors are retried with backoff;
 * any other status means the receiver will never take this body (a 400 for a
 * malformed card, a 404 for a deleted webhook), so it is rejected and counted
 * rather than blocking the queue for ever.
 */
import type { Alert } from '../alerts/alert.js';
import { PicketError } from '../util/errors.js';
import { slackPayload, teamsAdaptiveCard, teamsMessageCard } from './chat.js';
import type { Frozen, WebhookSinkConfig } from './config.js';
import { DeliveryError, errorText, RejectedError, type SinkTransport } from './transport.js';

/** HTTP statuses that mean "try again later". */
const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);
/** Response bodies read for the error message at most (the body is drained either way). */
const MAX_ERROR_BODY_CHARS = 200;

export function webhookBody(a: Alert, format: WebhookSinkConfig['format']): unknown {
  switch (format) {
    case 'slack':
      return slackPayload(a);
    case 'teams':
      return teamsMessageCard(a);
    case 'teams_adaptive':
      return teamsAdaptiveCard(a);
    default:
      return a;
  }
}

/** The webhook URL with its path and query hidden: both may carry the secret. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid url)';
  }
}

class WebhookTransport implements SinkTransport {
  readonly batchSize = 1;
  readonly #url: string;
  readonly #format: WebhookSinkConfig['format'];
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #inflight = new Set<AbortController>();

  constructor(cfg: Frozen<WebhookSinkConfig>, env: NodeJS.ProcessEnv) {
    let url = cfg.url;
    if (cfg.url_env !== undefined) {
      url = env[cfg.url_env];
      if (url === undefined || url === '') {
        throw new PicketError('PKT_ERR_SINK_SECRET_MISSING', `sink ${cfg.name}: environment variable ${cfg.url_env} (url_env) is not set`);
      }
      try {
        new URL(url);
      } catch {
        throw new PicketError('PKT_ERR_SINK_CONFIG', `sink ${cfg.name}: ${cfg.url_env} does not hold a URL`);
      }
    }
    this.#url = url!;
    this.#format = cfg.format;
    this.#headers = { 'content-type': 'application/json', 'user-agent': 'picket' };
    if (cfg.token_env !== undefined) {
      const token = env[cfg.token_env];
      if (token === undefined || token === '') {
        throw new PicketError('PKT_ERR_SINK_SECRET_MISSING', `sink ${cfg.name}: environment variable ${cfg.token_env} (token_env) is not set`);
      }
      this.#headers['authorization'] = `Bearer ${token}`;
    }
    this.#timeoutMs = Math.max(1, Math.round(cfg.timeout * 1000));
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) await this.#post(JSON.stringify(webhookBody(a, this.#format)));
  }

  async #post(body: string): Promise<void> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new DeliveryError(`webhook timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
    this.#inflight.add(ctl);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.#url, { method: 'POST', headers: this.#headers, body, signal: ctl.signal });
      text = await res.text();
    } catch (e) {
      throw new DeliveryError(`webhook ${redact(this.#url)}: ${errorText(ctl.signal.aborted ? ctl.signal.reason : ((e as { cause?: unknown }).cause ?? e))}`, { cause: e });
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(ctl);
    }
    if (res.status >= 200 && res.status < 300) return;
    const why = `webhook ${redact(this.#url)} answered ${res.status} ${text.slice(0, MAX_ERROR_BODY_CHARS)}`.trim();
    if (res.status >= 500 || RETRY_STATUSES.has(res.status)) throw new DeliveryError(why);
    throw new RejectedError(why);
  }

  async close(): Promise<void> {
    for (const c of this.#inflight) c.abort(new DeliveryError('sink closed'));
  }
}

export function createWebhookTransport(cfg: Frozen<WebhookSinkConfig>, env: NodeJS.ProcessEnv): SinkTransport {
  return new WebhookTransport(cfg, env);
}
