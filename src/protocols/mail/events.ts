/**
 * Events of the mail analyzers (SMTP, IMAP, POP3). They write no logs of
 * their own yet: login outcomes go out as `auth` events (services "smtp",
 * "imap", "pop3").
 */

/** No mail-specific events yet; nothing needs adding to the PicketEvent union. */
export type MailEvent = never;
