/**
 * Zeek's `likely_server_ports`: ports its base protocol scripts declare as
 * server ports. When the first packet of a UDP flow, or of a TCP flow that
 * does not start with a SYN, comes *from* such a port (and goes to one that
 * is not), Zeek assumes it missed the start and swaps originator and
 * responder (history '^'). Picket applies the same rule so conn.log roles
 * match Zeek's. One byte per port: the lookup is a single array read.
 */

/** TCP ports the Zeek base scripts add (ftp, ssh, smtp, dns, http, krb, pop3, dce-rpc, imap, ldap, smb, ssl, ...). */
export const LIKELY_SERVER_TCP_PORTS: readonly number[] = [
  21, 22, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587, 614, 631, 636, 750, 989,
  990, 992, 993, 995, 1080, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432, 6666, 6667, 6668, 6669,
  8000, 8080, 8888, 20000,
];

/** UDP ports the Zeek base scripts add (dns, mdns, llmnr, netbios-ns, dhcp, krb, ntp, snmp, syslog, sip, tunnels, ...). */
export const LIKELY_SERVER_UDP_PORTS: readonly number[] = [
  53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 750, 1812, 2123, 2152, 3478, 3544, 4789, 5060, 5072, 5247, 5353,
  5355, 6081, 20000,
];

function bitmap(ports: readonly number[]): Uint8Array {
  const m = new Uint8Array(65536);
  for (let i = 0; i < ports.length; i++) m[ports[i]!] = 1;
  return m;
}

export const LIKELY_SERVER_TCP: Uint8Array = bitmap(LIKELY_SERVER_TCP_PORTS);
export const LIKELY_SERVER_UDP: Uint8Array = bitmap(LIKELY_SERVER_UDP_PORTS);
