/**
 * Events of the LDAP analyzer: ldap.log lines (one per non-search operation),
 * ldap_search.log lines (one per search), and a non-log `ldap.search` event
 * per search request for the directory-enumeration detector. Bind outcomes
 * are published as `auth` events; NTLM and Kerberos tokens inside binds also
 * produce ntlm.log / kerberos.log lines (see the SMB and Kerberos events).
 */

/** One ldap.log line (Zeek's fields; unset fields omitted). */
export interface LdapRecord {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  message_id?: number;
  /** Protocol version from a bind request. */
  version?: number;
  /** "bind simple", "bind SASL", "sicily_negotiate", "unbind", "modify", "extended", ... */
  opcode?: string;
  /** Result name, e.g. "success", "invalid credentials". */
  result?: string;
  diagnostic_message?: string;
  /** Bind DN, entry DN, or extended operation OID with its name. */
  object?: string;
  /** SASL mechanism; "REDACTED" for a simple bind's password. */
  argument?: string;
}

export interface LdapLogEvent {
  type: 'ldap';
  log: 'ldap';
  ts: number;
  uid: string;
  record: LdapRecord;
}

/** One ldap_search.log line (Zeek's fields; unset fields omitted). */
export interface LdapSearchRecord {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  message_id?: number;
  /** "base", "single" or "tree". */
  scope?: string;
  /** "never", "searching", "finding" or "always". */
  deref_aliases?: string;
  base_object?: string;
  /** Number of SearchResultEntry messages returned. */
  result_count?: number;
  result?: string;
  diagnostic_message?: string;
  /** Search filter in RFC 4515 text form. */
  filter?: string;
  /** Attributes the client asked for. */
  attributes?: string[];
}

export interface LdapSearchLogEvent {
  type: 'ldap_search';
  log: 'ldap_search';
  ts: number;
  uid: string;
  record: LdapSearchRecord;
}

/** A search request as it is sent (before any result), for enumeration detection. */
export interface LdapSearchEvent {
  type: 'ldap.search';
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  message_id: number;
  base_object: string;
  scope: string;
  filter: string;
  attributes: string[];
  size_limit: number;
}

export type LdapEvent = LdapLogEvent | LdapSearchLogEvent | LdapSearchEvent;
