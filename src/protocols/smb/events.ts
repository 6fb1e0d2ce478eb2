/** Events of the smb analyzer (placeholder until the analyzer lands). */
export type SmbEvent = never;
