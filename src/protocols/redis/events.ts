/**
 * Events of the Redis analyzer: one `redis` log event per command with its
 * reply, with the columns of Zeek's redis.log. Passwords (AUTH, HELLO's
 * AUTH, MIGRATE's AUTH, CONFIG SET requirepass/masterauth, ACL SETUSER's
 * >password) never reach the log or the event. AUTH outcomes also go out
 * as `auth` events (service "redis").
 */

/** One redis.log line. Unset fields are omitted. */
export interface RedisRecord {
  /** Time of the command. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** The command name, upper-cased (two words for container commands: "CONFIG SET", "MODULE LOAD", "CLIENT REPLY"). */
  'cmd.name': string;
  /** Its first argument after the name (a key for most commands). */
  'cmd.key'?: string;
  /** The arguments after the key, space-separated, cut at 1,024 characters. */
  'cmd.value'?: string;
  /** False when the server answered with an error; absent when no reply was paired with the command. */
  success?: boolean;
  /** The reply's text (scalars and bulk strings, cut at 1,024 bytes; "N elements" for arrays and maps). */
  'reply.value'?: string;
}

export interface RedisLogEvent {
  type: 'redis';
  log: 'redis';
  ts: number;
  uid: string;
  record: RedisRecord;
  /** The command's arguments after its name (at most 64, each cut at 1,024 bytes; passwords replaced by "********"). */
  args: string[];
}

export type RedisEvent = RedisLogEvent;
