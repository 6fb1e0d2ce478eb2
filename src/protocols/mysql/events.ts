/**
 * Events of the MySQL analyzer: one `mysql` log event for the login, with
 * the mysql.log fields Zeek fills for it (cmd "login", arg = user), in
 * Zeek's order. The outcome also goes out as an `auth` event.
 */

/** One mysql.log line. Unset fields are omitted. */
export interface MysqlRecord {
  /** Time of the client's login packet. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** "login" (only the connection phase is parsed). */
  cmd: string;
  /** The user name. */
  arg?: string;
  /** True on OK, false on ERR; absent when no reply was seen. */
  success?: boolean;
  /** Affected rows of the OK packet. */
  rows?: number;
  /** The ERR packet's message. */
  response?: string;
}

export interface MysqlLogEvent {
  type: 'mysql';
  log: 'mysql';
  ts: number;
  uid: string;
  record: MysqlRecord;
}

export type MysqlEvent = MysqlLogEvent;
