/**
 * The e-mail sink: one message per alert over SMTP with nodemailer, with a
 * subject a person can triage from the inbox ("[Picket high]
 * scan.port.vertical: 10.77.2.20 probed ...") and a plain-text plus simple
 * HTML body holding the facts and the evidence. A permanent SMTP refusal of
 * the message (5xx to MAIL FROM, RCPT TO or DATA) rejects it; connection
 * errors, timeouts, 4xx answers and authentication failures (a password being
 * rotated) are retried, so a misconfiguration holds alerts instead of losing
 * them.
 */
import nodemailer from 'nodemailer';
import type { Alert } from '../alerts/alert.js';
import { PicketError } from '../util/errors.js';
import { readSinkTlsFile } from './tls-files.js';
import type { EmailSinkConfig, Frozen } from './config.js';
import { htmlBody, summaryLine, textBody } from './render.js';
import { DeliveryError, errorText, RejectedError, type SinkTransport } from './transport.js';
import { hostPort } from '../util/host-port.js';

/** Submission ports: implicit TLS (RFC 8314) and STARTTLS (RFC 6409). */
const DEFAULT_PORT = { tls: 465, starttls: 587, none: 587 } as const;

/** nodemailer error codes for a message the server refused (as opposed to a connection problem). */
const MESSAGE_ERROR_CODES: ReadonlySet<string> = new Set(['EENVELOPE', 'EMESSAGE']);

type Transporter = ReturnType<typeof nodemailer.createTransport>;

class EmailTransport implements SinkTransport {
  readonly batchSize = 1;
  readonly #cfg: Frozen<EmailSinkConfig>;
  readonly #port: number;
  readonly #transporter: Transporter;

  constructor(cfg: Frozen<EmailSinkConfig>, env: NodeJS.ProcessEnv) {
    this.#cfg = cfg;
    let pass: string | undefined;
    if (cfg.password_env !== undefined) {
      pass = env[cfg.password_env];
      if (pass === undefined) {
        throw new PicketError('PKT_ERR_SINK_SECRET_MISSING', `sink ${cfg.name}: environment variable ${cfg.password_env} (password_env) is not set`);
      }
    }
    const ca = readSinkTlsFile(cfg.name, cfg.ca, 'CA');
    this.#port = cfg.port ?? DEFAULT_PORT[cfg.security];
    const timeoutMs = Math.max(1, Math.round(cfg.timeout * 1000));
    this.#transporter = nodemailer.createTransport({
      host: cfg.host,
      port: this.#port,
      secure: cfg.security === 'tls',
      requireTLS: cfg.security === 'starttls',
      ignoreTLS: cfg.security === 'none',
      auth: cfg.username !== undefined ? { user: cfg.username, pass: pass ?? '' } : undefined,
      tls: { rejectUnauthorized: cfg.tls_reject_unauthorized, ...(ca !== undefined ? { ca } : {}) },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // One connection reused across alerts in a burst; closed when idle by the server or close().
      pool: true,
      maxConnections: 1,
    });
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) {
      try {
        await this.#transporter.sendMail({
          from: this.#cfg.from,
          to: [...this.#cfg.to],
          subject: summaryLine(a),
          text: textBody(a),
          html: htmlBody(a),
          headers: { 'X-Picket-Rule': a.rule.id, 'X-Picket-Dedup-Key': a.dedup_key.replace(/[\r\n]/g, ' ') },
        });
      } catch (e) {
        const err = e as { code?: unknown; responseCode?: unknown };
        const permanent =
          typeof err.responseCode === 'number' && err.responseCode >= 500 && typeof err.code === 'string' && MESSAGE_ERROR_CODES.has(err.code);
        if (permanent) throw new RejectedError(`smtp ${this.#cfg.host}: ${errorText(e)}`, { cause: e });
        throw new DeliveryError(`smtp ${hostPort(this.#cfg.host, this.#port)}: ${errorText(e)}`, { cause: e });
      }
    }
  }

  async close(): Promise<void> {
    this.#transporter.close();
  }
}

export function createEmailTransport(cfg: Frozen<EmailSinkConfig>, env: NodeJS.ProcessEnv): SinkTransport {
  return new EmailTransport(cfg, env);
}
