/**
 * One Tor relay address as the parsers produce it and the local store keeps
 * it: the address (canonical text), the relay's identity and ports when the
 * document names them, its consensus flags, and whether it lets traffic out
 * of the Tor network (an exit). One relay with an IPv4 and an IPv6 OR
 * address, or an exit address apart from its OR address, is several records.
 */
export interface TorRelayRecord {
  address: string;
  nickname?: string;
  /** 40 upper-case hex digits. */
  fingerprint?: string;
  or_port?: number;
  dir_port?: number;
  flags: string[];
  exit: boolean;
}
