/**
 * Events of the dhcp analyzer. `dhcp` is the log event, one per transaction
 * (messages sharing a transaction ID, across the several UDP flows DHCP
 * uses), with Zeek's dhcp.log fields plus Picket's `trans_id` and `servers`.
 * `dhcp.message` is every parsed message, for detectors (rogue servers,
 * starvation, watch-listed host names).
 */

/** One dhcp.log line (Zeek's DHCP::Info with policy/protocols/dhcp/sub-opts; unset fields omitted). */
export interface DhcpRecord {
  /** Time of the first message of the transaction. */
  ts: number;
  /** Every connection that carried a message of the transaction. */
  uids: string[];
  /** Client address: a non-broadcast source of a client message, else the assigned address. */
  client_addr?: string;
  /** Source address of the server message that handed out an address. */
  server_addr?: string;
  /** Client MAC: option 61 (Ethernet) from the client, else chaddr. */
  mac?: string;
  /** Option 12 from the client. */
  host_name?: string;
  /** Option 81 domain name from the client. */
  client_fqdn?: string;
  /** Option 15 from the server. */
  domain?: string;
  /** Option 50 from the client. */
  requested_addr?: string;
  /** yiaddr of a server message. */
  assigned_addr?: string;
  /** Option 51 from the server, seconds. */
  lease_time?: number;
  /** Option 56 from the client (usually with DECLINE). */
  client_message?: string;
  /** Option 56 from the server (usually with NAK). */
  server_message?: string;
  /** Message type names, in order. */
  msg_types: string[];
  /** Seconds from the first to the last message. */
  duration: number;
  /** Relay agent (option 82) sub-option 1. */
  circuit_id?: string;
  /** Relay agent sub-option 2. */
  agent_remote_id?: string;
  /** Relay agent sub-option 6. */
  subscriber_id?: string;
  /** Picket: the transaction ID (xid). */
  trans_id: number;
  /** Picket: source address of every server message of the transaction (first seen first). */
  servers: string[];
}

export interface DhcpLogEvent {
  type: 'dhcp';
  log: 'dhcp';
  ts: number;
  /** First connection of the transaction (all are in `record.uids`). */
  uid: string;
  record: DhcpRecord;
}

/** One DHCP message with every field Picket parses. */
export interface DhcpMessageEvent {
  type: 'dhcp.message';
  ts: number;
  uid: string;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  /** Ethernet source of the packet, when the link has one. */
  src_mac?: string;
  /** True for BOOTREQUEST (client to server, possibly via a relay). */
  is_client: boolean;
  op: number;
  xid: number;
  /** Option 53 value, 0 when absent (BOOTP). */
  msg_type: number;
  msg_type_name: string;
  chaddr: string;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  host_name?: string;
  requested_addr?: string;
  server_id?: string;
  lease_time?: number;
  renewal_time?: number;
  rebinding_time?: number;
  /** Option 61 as hex (type byte first). */
  client_id?: string;
  /** Option 61's MAC when its type is Ethernet. */
  client_id_mac?: string;
  vendor_class?: string;
  client_fqdn?: string;
  /** Option 55 codes. */
  params?: number[];
  circuit_id?: string;
  remote_id?: string;
  subscriber_id?: string;
  domain?: string;
  subnet_mask?: string;
  routers?: string[];
  dns_servers?: string[];
  /** Option 56. */
  message?: string;
  /** Option 52 value when present. */
  overload?: number;
  /** Option codes in order. */
  options: number[];
  /** True when options were cut short (length past the end, or no END). */
  truncated: boolean;
}

export type DhcpEvent = DhcpLogEvent | DhcpMessageEvent;
