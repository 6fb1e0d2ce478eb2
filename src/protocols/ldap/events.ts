/**
 * Events of the LDAP analyzer: ldap.log lines (one per non-search operation),
 * ldap_search.log lines (one per search), a non-log `ldap.search` event
 * per search request for the directory-enumeration detector, and non-log
 * `ldap.sealed` events counting what a SASL-sealed session carried. Bind outcomes
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

/**
 * What crossed an LDAP session after its SASL bind negotiated encryption
 * (GSS-SPNEGO or GSSAPI sealing, as Windows does by default, DIGEST-MD5
 * auth-conf): the operations cannot be read, but each SASL buffer (a 4-byte
 * length and a sealed token) is one LDAP message as Windows and OpenLDAP
 * send them, so the buffers count requests and responses (a search's result
 * entries among them). Counts since the connection's previous event: one
 * every LDAP_SEALED_REPORT_EVERY buffers, and one at its end.
 */
export interface LdapSealedEvent {
  type: 'ldap.sealed';
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  /** SASL mechanism of the bind that started the sealed layer. */
  mechanism: string;
  /** Sealed buffers the client sent (its requests). */
  requests: number;
  /** Sealed buffers the server sent (responses: result entries and completions). */
  responses: number;
  request_bytes: number;
  response_bytes: number;
}

export type LdapEvent = LdapLogEvent | LdapSearchLogEvent | LdapSearchEvent | LdapSealedEvent;
