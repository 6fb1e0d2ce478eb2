/**
 * The webhook sink: one HTTP POST per alert, as the ECS document (generic
 * JSON), an OCSF Detection Finding, a Slack incoming-webhook message, a
 * Teams MessageCard or a Teams Adaptive Card. A 2xx answer is delivery; 408, 425, 429 and 5xx (the
 * receiver is busy or down) and network errors are retried, after the
 * receiver's Retry-After when it sends one, else with backoff. So are the
 * answers that say the webhook's address or credentials need fixing (401,
 * 403, 404, 410 and redirects): the alerts wait in the queue, with the error
 * saying what to fix, until someone rotates the token or updates the URL,
 * and nothing is lost meanwhile. Any other status means the receiver will
 * never take this body (a 400 for a malformed card, a 413 for one too
 * large), so it is rejected and counted rather than blocking the queue for
 * ever.
 *
 * Redirects are not followed: a client following a 301, 302 or 303 turns the
 * POST into a GET without the alert, and the 200 that GET gets would count as
 * delivered; a redirect also carries the alert to a host nobody configured.
 * The error names the new location's host.
 *
 * node:http(s) rather than fetch, for the TLS options (`ca`,
 * `tls_reject_unauthorized`) the global fetch has no way to take.
 */
import http from 'node:http';
import https from 'node:https';
import type { Alert } from '../alerts/alert.js';
import { PicketError } from '../util/errors.js';
import { readSinkTlsFile } from './tls-files.js';
import { retryAfterMs } from '../util/retry-after.js';
import { slackPayload, teamsAdaptiveCard, teamsMessageCard } from './chat.js';
import type { Frozen, WebhookSinkConfig } from './config.js';
import { toEcs } from './ecs.js';
import { toOcsf } from './ocsf.js';
import { DeliveryError, errorText, RejectedError, type SinkTransport } from './transport.js';

/** HTTP statuses that mean "try again later" (besides 5xx). */
const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);
/** Statuses that mean the webhook's credentials or address need fixing: retried, the alerts kept. */
const FIX_CONFIG_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 410]);
/** Response body bytes kept for the error message; a longer answer is cut off. */
const MAX_ANSWER_BYTES = 4096;
/** Characters of the answer shown in the error. */
const MAX_ERROR_BODY_CHARS = 200;
/**
 * An idle kept-alive connection is closed after this long, before the
 * receiver's own idle timeout (Node's is 5 s) can close it under a request.
 */
const IDLE_SOCKET_MS = 4000;

export function webhookBody(a: Alert, format: WebhookSinkConfig['format']): unknown {
  switch (format) {
    case 'slack':
      return slackPayload(a);
    case 'teams':
      return teamsMessageCard(a);
    case 'teams_adaptive':
      return teamsAdaptiveCard(a);
    case 'ocsf':
      return toOcsf(a);
    default:
      return toEcs(a);
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

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

class WebhookTransport implements SinkTransport {
  readonly batchSize = 1;
  readonly #url: URL;
  readonly #format: WebhookSinkConfig['format'];
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #agent: http.Agent;
  readonly #inflight = new Set<http.ClientRequest>();
  #closed = false;

  constructor(cfg: Frozen<WebhookSinkConfig>, env: NodeJS.ProcessEnv) {
    let url = cfg.url;
    if (cfg.url_env !== undefined) {
      url = env[cfg.url_env];
      if (url === undefined || url === '') {
        throw new PicketError('PKT_ERR_SINK_SECRET_MISSING', `sink ${cfg.name}: environment variable ${cfg.url_env} (url_env) is not set`);
      }
    }
    let parsed: URL;
    try {
      parsed = new URL(url!);
    } catch {
      throw new PicketError('PKT_ERR_SINK_CONFIG', `sink ${cfg.name}: ${cfg.url_env ?? 'url'} does not hold a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new PicketError('PKT_ERR_SINK_CONFIG', `sink ${cfg.name}: ${cfg.url_env ?? 'url'} is not an http or https URL`);
    }
    this.#url = parsed;
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
    if (parsed.protocol === 'https:') {
      const ca = readSinkTlsFile(cfg.name, cfg.ca, 'CA');
      this.#agent = new https.Agent({
        keepAlive: true,
        maxSockets: 1,
        timeout: IDLE_SOCKET_MS,
        rejectUnauthorized: cfg.tls_reject_unauthorized,
        ...(ca !== undefined ? { ca } : {}),
      });
    } else {
      this.#agent = new http.Agent({ keepAlive: true, maxSockets: 1, timeout: IDLE_SOCKET_MS });
    }
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) await this.#post(JSON.stringify(webhookBody(a, this.#format)));
  }

  /** One POST; resolves with the status, headers and the start of the body, or rejects on a network error or the timeout. */
  #request(body: Buffer): Promise<Answer> {
    const mod = this.#url.protocol === 'https:' ? https : http;
    return new Promise<Answer>((resolve, reject) => {
      const req = mod.request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...this.#headers, 'content-length': String(body.length) },
      });
      this.#inflight.add(req);
      const timer = setTimeout(() => req.destroy(new DeliveryError(`timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#inflight.delete(req);
      };
      req.on('error', (e: Error & { reusedSocket?: boolean }) => {
        done();
        e.reusedSocket = req.reusedSocket;
        reject(e);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept >= MAX_ANSWER_BYTES) return;
          chunks.push(c);
          kept += c.length;
        });
        res.on('error', (e) => {
          done();
          reject(e);
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8', 0, Math.min(kept, MAX_ANSWER_BYTES)) });
        });
      });
      req.end(body);
    });
  }

  async #post(body: string): Promise<void> {
    if (this.#closed) throw new DeliveryError('sink closed');
    const where = `webhook ${redact(this.#url.href)}`;
    const data = Buffer.from(body, 'utf8');
    let ans: Answer;
    try {
      try {
        ans = await this.#request(data);
      } catch (e) {
        // A kept-alive connection the receiver closed just as it was reused: the request never reached it.
        const err = e as { code?: unknown; reusedSocket?: unknown };
        if (err.reusedSocket !== true || err.code !== 'ECONNRESET' || this.#closed) throw e;
        ans = await this.#request(data);
      }
    } catch (e) {
      throw new DeliveryError(`${where}: ${errorText(e)}`, { cause: e });
    }
    const { status } = ans;
    if (status >= 200 && status < 300) return;
    const said = ans.text.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_BODY_CHARS);
    if (status >= 300 && status < 400) {
      let to = '';
      try {
        if (ans.headers.location !== undefined) to = ` to ${redact(new URL(ans.headers.location, this.#url).href)}`;
      } catch {
        // An unreadable Location: the status alone says it.
      }
      throw new DeliveryError(
        `${where} answered ${status}, a redirect${to}: redirects are not followed, set the webhook URL to the new address (alerts are kept until then)`,
      );
    }
    const why = `${where} answered ${status}${said !== '' ? ` ${said}` : ''}`;
    if (FIX_CONFIG_STATUSES.has(status)) {
      throw new DeliveryError(`${why}: check the webhook's URL and token (alerts are kept until it accepts them)`);
    }
    if (status >= 500 || RETRY_STATUSES.has(status)) {
      const retryAfter = retryAfterMs(ans.headers['retry-after']);
      throw new DeliveryError(
        retryAfter !== undefined ? `${why} (retry after ${Math.ceil(retryAfter / 1000)} s)` : why,
        retryAfter !== undefined ? { retryAfterMs: retryAfter } : undefined,
      );
    }
    throw new RejectedError(why);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const r of this.#inflight) r.destroy(new DeliveryError('sink closed'));
    this.#agent.destroy();
  }
}

export function createWebhookTransport(cfg: Frozen<WebhookSinkConfig>, env: NodeJS.ProcessEnv): SinkTransport {
  return new WebhookTransport(cfg, env);
}
