/** Events of the kerberos analyzer (placeholder until the analyzer lands). */
export type KerberosEvent = never;
