/**
 * How `dhcp.authorized_servers` names a DHCP server: an IP address (DHCPv4
 * Server Identifier or packet source, DHCPv6 source address), a MAC
 * address (the server's network card, or the link-layer address inside its
 * DUID), or — DHCPv6 servers identify themselves by Server ID — a DUID in
 * hex, with or without ":"/"-" between bytes ("00:03:00:01:00:15:5d:0a:0b:0c"
 * or "0003000100155d0a0b0c"). Parsed into the text the events carry:
 * addresses in the decoder's canonical form (RFC 5952 for IPv6), MACs and
 * DUIDs in lower case, MACs colon-separated, DUIDs without separators.
 */
import { ipv4ToString, ipv6ToString, parseIp } from '../decode/addr.js';

export type DhcpServerId = { kind: 'ip' | 'mac' | 'duid'; value: string };

/** Shortest and longest DUID: a 2-byte type and 1 to 128 bytes (RFC 8415 §11.1). */
const MIN_DUID_BYTES = 3;
const MAX_DUID_BYTES = 130;
const MAC_BYTES = 6;

/** Hex bytes written as pairs, all separated by one separator (":" or "-") or none. */
function hexBytes(text: string): string | null {
  const t = text.toLowerCase();
  if (/^([0-9a-f]{2})+$/.test(t)) return t;
  if (/^[0-9a-f]{2}([:-][0-9a-f]{2})+$/.test(t) && (!t.includes(':') || !t.includes('-'))) return t.replace(/[:-]/g, '');
  return null;
}

/** The server id `text` names, or null when it is none of the three. */
export function parseDhcpServerId(text: string): DhcpServerId | null {
  const ip = parseIp(text);
  if (ip !== null) return { kind: 'ip', value: ip.v === 4 ? ipv4ToString(ip.words[0]!) : ipv6ToString(ip.words) };
  const hex = hexBytes(text.trim());
  if (hex === null) return null;
  const bytes = hex.length / 2;
  if (bytes === MAC_BYTES) return { kind: 'mac', value: hex.replace(/(..)(?!$)/g, '$1:') };
  if (bytes >= MIN_DUID_BYTES && bytes <= MAX_DUID_BYTES) return { kind: 'duid', value: hex };
  return null;
}

/** The authorized servers, by kind. */
export interface DhcpServerList {
  readonly size: number;
  /**
   * True when the list names a DHCPv6 server (a DUID or an IPv6 address):
   * only then is it the list of DHCPv6 servers too. A list of DHCPv4
   * servers alone says nothing about routers answering DHCPv6.
   */
  readonly coversV6: boolean;
  readonly ips: ReadonlySet<string>;
  readonly macs: ReadonlySet<string>;
  readonly duids: ReadonlySet<string>;
}

/** The configured list (already validated by the schema; anything unreadable is left out). */
export function dhcpServerList(entries: readonly string[]): DhcpServerList {
  const ips = new Set<string>();
  const macs = new Set<string>();
  const duids = new Set<string>();
  for (const e of entries) {
    const id = parseDhcpServerId(e);
    if (id === null) continue;
    (id.kind === 'ip' ? ips : id.kind === 'mac' ? macs : duids).add(id.value);
  }
  let v6Address = false;
  for (const ip of ips) if (ip.includes(':')) v6Address = true;
  return { size: ips.size + macs.size + duids.size, coversV6: duids.size > 0 || v6Address, ips, macs, duids };
}
