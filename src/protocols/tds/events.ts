/**
 * Events of the SQL Server (TDS) analyzer. It writes no log of its own (Zeek
 * has none for TDS): the login outcome goes out as an `auth` event (service
 * "mssql") with the login's user, and its client host and application names
 * in the detail; each SQL batch a signed-in client sends in clear goes out
 * as an `mssql.batch` event (not logged).
 */

export interface MssqlBatchEvent {
  type: 'mssql.batch';
  ts: number;
  uid: string;
  client: string;
  client_port: number;
  server: string;
  server_port: number;
  /** The user the connection signed in as, when the login was readable. */
  user?: string;
  /** The batch's SQL text (its first MAX_BATCH_CHARS characters, as log text). */
  text: string;
}

export type TdsEvent = MssqlBatchEvent;
