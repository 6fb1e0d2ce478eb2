/**
 * NetBIOS name service wire values (RFC 1002 §4.2) that decide whether a
 * name names a host: its 16th byte (the suffix) and the group bit.
 */

/** UDP port of the name service. */
export const NBNS_PORT = 137;

/** NB_FLAGS group bit (RFC 1002 §4.2.2): set for group names such as workgroups. */
export const NB_FLAG_GROUP = 0x8000;
/** NAME_FLAGS group bit in NBSTAT name tables (RFC 1002 §4.2.18). */
export const NAME_FLAG_GROUP = 0x8000;

/** Name suffixes that name the machine itself: workstation (0x00) and file server (0x20). */
export const NetbiosSuffix = { WORKSTATION: 0x00, SERVER: 0x20 } as const;

/** NBNS opcodes after which the message carries the sender's own name and address. */
export const NbnsOpcode = { QUERY: 0, REGISTRATION: 5, RELEASE: 6, WACK: 7, REFRESH: 8, REFRESH_ALT: 9, MULTIHOMED: 15 } as const;

/** True for the suffixes of host names. */
export function isHostSuffix(suffix: number): boolean {
  return suffix === NetbiosSuffix.WORKSTATION || suffix === NetbiosSuffix.SERVER;
}
