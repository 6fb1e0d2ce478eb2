/** Events of the dhcp analyzer (placeholder until the analyzer lands). */
export type DhcpEvent = never;
