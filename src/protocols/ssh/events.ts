/** Events of the ssh analyzer (placeholder until the analyzer lands). */
export type SshEvent = never;
