/**
 * The host name a DHCP client announced, as the name rules compare it.
 * Clients say it in option 12 (host name) or option 81 (client FQDN), some
 * in both, some only in 81 (Windows and dhclient can be set so); option 12
 * is sometimes a whole FQDN ("kali.localdomain") or ends in a NUL byte
 * (some embedded clients terminate it like a C string). Compared: the first label,
 * lower-case, without trailing NULs, spaces or dots, so "KALI",
 * "kali.lab.example" and option 81's "kali.lab.example." are one name.
 */
import type { DhcpMessageEvent } from '../protocols/dhcp/events.js';

/** Trailing NULs, spaces and dots removed. */
export function trimHostName(name: string): string {
  let end = name.length;
  while (end > 0) {
    const c = name.charCodeAt(end - 1);
    if (c !== 0 && c !== 0x20 && c !== 0x2e) break;
    end--;
  }
  return end === name.length ? name : name.slice(0, end);
}

/** The host part of a name: its first label (the whole name when it has no dot). */
export function firstLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/** The announced name in the form compared, or undefined (none, or empty): option 12, else option 81 (DHCPv6: option 39). */
export function dhcpHostName(e: Pick<DhcpMessageEvent, 'host_name' | 'client_fqdn'>): string | undefined {
  for (const raw of [e.host_name, e.client_fqdn]) {
    if (raw === undefined) continue;
    const name = firstLabel(trimHostName(raw)).toLowerCase();
    if (name !== '') return name;
  }
  return undefined;
}
