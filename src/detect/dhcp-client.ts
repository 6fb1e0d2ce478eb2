/**
 * One view of a DHCP client message, DHCPv4 or DHCPv6, for the rules that
 * count clients and their names (dhcp.excessive_requests,
 * dhcp.hostname_mac_flip, dhcp.watch_hostname), so each rule is written
 * once for both protocols.
 *
 * Two identities, because the protocols key different things:
 * - `client`, what a server allocates by: DHCPv4 chaddr; DHCPv6 the
 *   link-layer address inside the client's DUID (LLT/LL), else the DUID
 *   itself. A starvation tool draws a new one per request.
 * - `mac`, the device, for the name rules: DHCPv4 chaddr; DHCPv6 the
 *   Ethernet source of a message the client sent itself (its card), else,
 *   relayed, `client`. Windows makes its DUID once from one card's address
 *   and cloned images share it, so the DUID's address may not be the card's,
 *   and one DUID on many machines would look like one MAC changing names.
 */
import type { DhcpMessageEvent } from '../protocols/dhcp/events.js';
import { DhcpMessageType, UNSPECIFIED_V4 } from '../protocols/dhcp/consts.js';
import type { Dhcpv6MessageEvent } from '../protocols/dhcpv6/events.js';
import { Dhcp6MessageType } from '../protocols/dhcpv6/consts.js';

/** What a client message asks for: a new lease ("discover": DISCOVER, SOLICIT), something else from the server ("request"), or nothing ("other": RELEASE). */
export type DhcpAsk = 'discover' | 'request' | 'other';

export interface DhcpClientView {
  version: 4 | 6;
  ts: number;
  client: string;
  mac: string;
  /** The client's address when known: DHCPv4 ciaddr, else the requested address; DHCPv6 its source (or the relay's peer address). */
  ip: string | undefined;
  /** The packet's source when it is an address of the client (not 0.0.0.0). */
  source_ip: string | undefined;
  host_name?: string;
  client_fqdn?: string;
  vendor_class?: string;
  msg_type_name: string;
  ask: DhcpAsk;
}

function ask4(t: number): DhcpAsk {
  if (t === DhcpMessageType.DISCOVER) return 'discover';
  // Messages that ask the server for something (RELEASE gives back).
  return t === DhcpMessageType.REQUEST || t === DhcpMessageType.INFORM || t === DhcpMessageType.DECLINE ? 'request' : 'other';
}

function ask6(t: number): DhcpAsk {
  if (t === Dhcp6MessageType.SOLICIT) return 'discover';
  return t === Dhcp6MessageType.RELEASE ? 'other' : 'request';
}

/** The client view of a DHCPv4 client message; undefined for a server message. */
function dhcp4Client(e: DhcpMessageEvent): DhcpClientView | undefined {
  if (!e.is_client) return undefined;
  const v: DhcpClientView = {
    version: 4,
    ts: e.ts,
    client: e.chaddr,
    mac: e.chaddr,
    ip: e.ciaddr !== UNSPECIFIED_V4 ? e.ciaddr : e.requested_addr,
    source_ip: e.src_ip !== UNSPECIFIED_V4 ? e.src_ip : undefined,
    msg_type_name: e.msg_type_name,
    ask: ask4(e.msg_type),
  };
  if (e.host_name !== undefined) v.host_name = e.host_name;
  if (e.client_fqdn !== undefined) v.client_fqdn = e.client_fqdn;
  if (e.vendor_class !== undefined) v.vendor_class = e.vendor_class;
  return v;
}

/** The client view of a DHCPv6 client message; undefined for a server message or one without any client identity. */
function dhcp6Client(e: Dhcpv6MessageEvent): DhcpClientView | undefined {
  if (!e.is_client) return undefined;
  const direct = e.relay_addrs === undefined;
  const client = e.client_duid_mac ?? e.client_duid ?? (direct ? e.src_mac : undefined);
  if (client === undefined) return undefined;
  const v: DhcpClientView = {
    version: 6,
    ts: e.ts,
    client,
    mac: direct && e.src_mac !== undefined ? e.src_mac : client,
    ip: e.client_addr,
    source_ip: e.client_addr,
    msg_type_name: e.msg_type_name,
    ask: ask6(e.msg_type),
  };
  if (e.client_fqdn !== undefined) v.client_fqdn = e.client_fqdn;
  if (e.vendor_class !== undefined) v.vendor_class = e.vendor_class;
  return v;
}

/**
 * A rule's handlers for both protocols: each client message, as one view,
 * goes to `judge` with the Ethernet source of its frame.
 */
export function clientMessages(judge: (m: DhcpClientView, srcMac: string | undefined) => void): {
  'dhcp.message'(e: DhcpMessageEvent): void;
  'dhcpv6.message'(e: Dhcpv6MessageEvent): void;
} {
  return {
    'dhcp.message'(e) {
      const m = dhcp4Client(e);
      if (m !== undefined) judge(m, e.src_mac);
    },
    'dhcpv6.message'(e) {
      const m = dhcp6Client(e);
      if (m !== undefined) judge(m, e.src_mac);
    },
  };
}
