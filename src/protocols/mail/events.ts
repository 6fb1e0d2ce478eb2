/**
 * Events of the mail analyzers (SMTP, IMAP, POP3): one `smtp` log event per
 * SMTP mail transaction, with Zeek's smtp.log field names in Zeek's order.
 * Login outcomes go out as `auth` events (services "smtp", "imap", "pop3");
 * the files a message carries as `file` events (source "SMTP").
 */

/** One smtp.log line: a mail transaction (MAIL, RCPT, DATA and the message's header), or a session that started TLS. */
export interface SmtpRecord {
  /** Time the transaction began (its first command). */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** The transaction's number within the connection, from 1. */
  trans_depth: number;
  /** The HELO or EHLO argument. */
  helo?: string;
  /** The address of MAIL FROM. */
  mailfrom?: string;
  /** The addresses of RCPT TO. */
  rcptto?: string[];
  /** The message's Date field. */
  date?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  reply_to?: string;
  msg_id?: string;
  in_reply_to?: string;
  subject?: string;
  /** The X-Originating-IP field (webmail clients' address). */
  x_originating_ip?: string;
  /** The last Received field in the message: the hop nearest its origin. */
  first_received?: string;
  /** The Received field before it. */
  second_received?: string;
  /** The server's last reply: code and text. */
  last_reply?: string;
  /** The message's path: the server, the client, then each Received hop's address, newest first. */
  path: string[];
  /** User-Agent or X-Mailer. */
  user_agent?: string;
  /** STARTTLS was accepted: the rest of the session is encrypted. */
  tls: boolean;
  /** The files the message carried (files.jsonl, source "SMTP"). */
  fuids?: string[];
}

export interface SmtpLogEvent {
  type: 'smtp';
  log: 'smtp';
  ts: number;
  uid: string;
  record: SmtpRecord;
}

export type MailEvent = SmtpLogEvent;
