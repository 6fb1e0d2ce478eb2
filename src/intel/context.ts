/**
 * What detectors may ask about the world beyond the packets: who owns an
 * address (ASN, organisation, country), whether an address, name,
 * user-agent, client fingerprint, server certificate or transferred file's
 * hash is a known indicator, whether an address is a Tor relay, and whether
 * a name looks machine-generated. Each part is optional: a detector whose
 * source is not configured stays quiet.
 */

/** Owner of an address. */
export interface IpOwner {
  asn?: number;
  as_org?: string;
  /** ISO 3166 two-letter country code. */
  cc?: string;
}

export interface IpEnricher {
  /** Owner of an IPv4/IPv6 address in text form, or undefined when unknown. */
  lookup(ip: string): IpOwner | undefined;
}

/**
 * Fingerprints shared as indicators: of client software, JA3 and JA4 of a
 * TLS ClientHello, HASSH of an SSH client's KEXINIT and of a server's
 * (`hassh_server`); of a TLS server, JA3S of its ServerHello (`ja3s`), the SHA-1 or SHA-256 of a certificate
 * it presents (`cert_sha1`, `cert_sha256`); of a file transferred over the
 * network, the MD5, SHA-1 or SHA-256 of its content (`file_md5`,
 * `file_sha1`, `file_sha256`).
 */
export type FingerprintKind = 'ja3' | 'ja3s' | 'ja4' | 'hassh' | 'hassh_server' | 'cert_sha1' | 'cert_sha256' | 'file_md5' | 'file_sha1' | 'file_sha256';

/** Where an indicator came from, for `evidence` and `picket intel lookup`. */
export interface IndicatorSource {
  /** Source name: a list file name, "misp-feed:<name>", "misp:<server>". */
  source: string;
  kind: 'ip' | 'cidr' | 'domain' | 'url' | 'user-agent' | FingerprintKind;
  /** The indicator as listed (e.g. the CIDR or the parent domain that matched). */
  indicator: string;
  /** MISP event id/uuid, info and tags, when the indicator came from MISP. */
  event_id?: string;
  event_info?: string;
  tags?: string[];
  /**
   * What the list says about the entry (a CSV list's reason or comment
   * column, e.g. abuse.ch's "Listingreason"); for a MISP `filename|<hash>`
   * or `malware-sample` attribute, the file name it gives.
   */
  comment?: string;
  /** MISP `to_ids`: only these raise alerts; the others only enrich. */
  to_ids: boolean;
}

export interface IndicatorIndex {
  /** Indicators matching an address (exact IP or containing CIDR). */
  matchIp(ip: string): IndicatorSource[];
  /** Indicators matching a DNS name or any parent domain of it. */
  matchDomain(name: string): IndicatorSource[];
  /** Indicators matching a user-agent exactly (MISP user-agent attributes). */
  matchUserAgent(ua: string): IndicatorSource[];
  /** Indicators listing a fingerprint of this kind (compared without regard to case). */
  matchFingerprint(kind: FingerprintKind, value: string): IndicatorSource[];
  /** http(s) URL indicators whose request key (intel/store/http-url.ts) is `key`. */
  matchHttpUrl(key: string): IndicatorSource[];
}

export interface TorRelay {
  nickname?: string;
  fingerprint?: string;
  or_port?: number;
  dir_port?: number;
  flags: string[];
  exit: boolean;
  source: string;
}

export interface TorIndex {
  /** Relays at this address, or undefined. */
  lookup(ip: string): TorRelay[] | undefined;
}

export interface UserAgentMatch {
  /** Tool name, e.g. "sqlmap"; for a malware agent, the family, e.g. "Raccoon Stealer". */
  tool: string;
  /** The pattern that matched. */
  pattern: string;
  /** Where the pattern came from (bundled list, user file). */
  source: string;
}

export interface UserAgentClassifier {
  /** The attack or recon tool a user-agent belongs to, or undefined. */
  attackTool(ua: string): UserAgentMatch | undefined;
  /** The malware family whose default user-agent this is, or undefined. */
  malware(ua: string): UserAgentMatch | undefined;
}

export interface DgaScore {
  name: string;
  score: number;
  dga: boolean;
  /** Why not scored (popular/allowlisted domain, too short...), when skipped. */
  skipped?: string;
}

export interface DgaScorer {
  score(name: string): DgaScore;
  /** True when `domain` (a registrable domain) is on the allowlist of popular names. */
  allowed(domain: string): boolean;
}

export interface IntelContext {
  enrich?: IpEnricher;
  indicators?: IndicatorIndex;
  tor?: TorIndex;
  userAgents?: UserAgentClassifier;
  dga?: DgaScorer;
}
