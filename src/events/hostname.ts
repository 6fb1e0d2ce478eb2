/**
 * A host announced or was given a name: DHCP option 12/81, the DHCPv6
 * Client FQDN option (source "dhcp" too), mDNS, LLMNR or NBNS. The device
 * inventory and the new-device rule read it.
 */
export interface HostnameEvent {
  type: 'hostname';
  ts: number;
  /** Address the name belongs to (the announcing host, or the address in the answer). */
  ip: string;
  mac?: string;
  name: string;
  source: 'dhcp' | 'mdns' | 'llmnr' | 'nbns';
}
