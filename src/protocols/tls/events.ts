/** Events of the tls analyzer (placeholder until the analyzer lands). */
export type TlsEvent = never;
