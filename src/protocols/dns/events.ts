/** Events of the dns analyzer (placeholder until the analyzer lands). */
export type DnsEvent = never;
