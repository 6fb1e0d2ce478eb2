/**
 * Events of the dhcpv6 analyzer. `dhcpv6` is the log event, one per
 * transaction (RFC 8415 §15: a client message and the server answers that
 * share its transaction id; SOLICIT/ADVERTISE and REQUEST/REPLY are two),
 * across the flows it uses (the client's multicast, the server's unicast
 * answer, relays). Zeek has no DHCPv6 log; the fields follow dhcp.jsonl's
 * where they mean the same. `dhcpv6.message` is every parsed message, for
 * detectors (rogue servers, floods, host names).
 */

/** One dhcpv6.jsonl line (unset fields omitted). */
export interface Dhcpv6Record {
  /** Time of the first message of the transaction. */
  ts: number;
  /** Every connection that carried a message of the transaction. */
  uids: string[];
  /** The client's address: the source of its message, or the peer address a relay reported for it. */
  client_addr?: string;
  /** Source address of the first server message that assigned addresses or prefixes (else of the first server message). */
  server_addr?: string;
  /** Client MAC: the link-layer address in its DUID (LLT/LL, Ethernet), else the Ethernet source of its direct message. */
  mac?: string;
  /** The client's DUID (Client ID option), hex. */
  duid?: string;
  /** Client FQDN option (39) from the client. */
  client_fqdn?: string;
  /** Vendor Class option (16) data from the client, joined with ", ". */
  vendor_class?: string;
  /** Server ID option (DUID, hex) of the server message that set `server_addr`. */
  server_duid?: string;
  /** IA_NA and IA_TA addresses the server handed out. */
  assigned_addrs?: string[];
  /** IA_PD prefixes the server delegated ("2001:db8:1::/56"). */
  prefixes?: string[];
  /** Valid lifetime of the first assigned address or prefix, seconds. */
  lease_time?: number;
  /** DNS recursive name servers (option 23) from the server. */
  dns_servers?: string[];
  /** Domain search list (option 24) from the server. */
  domain_search?: string[];
  /** Status Code names other than Success the server returned (message or IA level). */
  status?: string[];
  /** Message type names, in order (relayed messages by their inner type). */
  msg_types: string[];
  /** Seconds from the first to the last message. */
  duration: number;
  /** The 24-bit transaction id. */
  trans_id: number;
  /** Source address of every server message of the transaction (first seen first). */
  servers: string[];
}

export interface Dhcpv6LogEvent {
  type: 'dhcpv6';
  log: 'dhcpv6';
  ts: number;
  /** First connection of the transaction (all are in `record.uids`). */
  uid: string;
  record: Dhcpv6Record;
}

/** An address or prefix handed out, with its lifetimes (seconds; 4294967295 is infinite). */
export interface Dhcpv6LeaseView {
  /** Address, or "prefix/length" for IA_PD. */
  addr: string;
  /** "na", "ta" or "pd". */
  ia: 'na' | 'ta' | 'pd';
  preferred: number;
  valid: number;
}

/** One DHCPv6 message (a relayed one by its inner message) with every field Picket parses. */
export interface Dhcpv6MessageEvent {
  type: 'dhcpv6.message';
  ts: number;
  uid: string;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  /** Ethernet source of the packet, when the link has one. */
  src_mac?: string;
  /** True for a client message (SOLICIT, REQUEST, ... , directly or inside RELAY-FORW). */
  is_client: boolean;
  msg_type: number;
  msg_type_name: string;
  trans_id: number;
  /** The message came wrapped in RELAY-FORW/RELAY-REPL: the relays' addresses, outermost first. */
  relay_addrs?: string[];
  /** The client's address: the source of a direct client message, or the innermost relay's peer address. */
  client_addr?: string;
  /** Client ID DUID, hex. */
  client_duid?: string;
  /** The link-layer address of an Ethernet DUID-LLT/LL client ID. */
  client_duid_mac?: string;
  /** Server ID DUID, hex. */
  server_duid?: string;
  server_duid_mac?: string;
  leases: Dhcpv6LeaseView[];
  dns_servers?: string[];
  domain_search?: string[];
  client_fqdn?: string;
  /** Client FQDN option flags (RFC 4704 §4.1: S, O, N bits). */
  client_fqdn_flags?: number;
  vendor_class?: string;
  /** Message-level status code and its name. */
  status_code?: number;
  status_name?: string;
  status_message?: string;
  /** First status other than Success inside an IA, by name. */
  ia_status?: string;
  /** Elapsed Time option, seconds. */
  elapsed_time?: number;
  rapid_commit: boolean;
  preference?: number;
  /** Option codes in order (the inner message's). */
  options: number[];
  /** True when options were cut short or malformed. */
  truncated: boolean;
}

export type Dhcpv6Event = Dhcpv6LogEvent | Dhcpv6MessageEvent;
