/**
 * One finished (or evicted) connection, with Zeek's conn.log field names.
 * This is both the `conn.jsonl` line and the payload of `flow.end` events,
 * so its field names are part of the public contract.
 */
export interface ConnRecord {
  /** Time of the first packet (float seconds). */
  ts: number;
  /** Zeek-style connection id: "C" followed by base62 characters. */
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** "tcp", "udp" or "icmp" (ICMPv6 is logged as "icmp", as Zeek does). */
  proto: 'tcp' | 'udp' | 'icmp';
  /** Comma-separated protocol analyzers that recognised the traffic, e.g. "dns" or "http"; absent when none. */
  service?: string;
  /** Seconds from first to last packet; absent for single-packet connections (Zeek leaves it unset). */
  duration?: number;
  /** Payload bytes sent by the originator (TCP: from sequence numbers, as Zeek counts). */
  orig_bytes?: number;
  resp_bytes?: number;
  /** Zeek conn_state: S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH. */
  conn_state: string;
  /** True/false when local networks are configured (`networks:` in picket.yaml; Zeek's `local_orig`/`local_resp`). */
  local_orig?: boolean;
  local_resp?: boolean;
  /** Bytes missed in content gaps (TCP). */
  missed_bytes: number;
  /** Zeek history letters (originator upper case, responder lower case). */
  history: string;
  orig_pkts: number;
  orig_ip_bytes: number;
  resp_pkts: number;
  resp_ip_bytes: number;
  /** uid of the tunnel the connection came out of (its tunnel.jsonl lines), as Zeek's tunnel_parents; absent outside tunnels. */
  tunnel_parents?: string[];
  /** IP protocol number (Zeek 6+ logs it as `ip_proto`). */
  ip_proto: number;
  /** Source MAC of the originator's first packet, "aa:bb:cc:dd:ee:ff". */
  orig_l2_addr?: string;
  /** Source MAC of the responder's first packet. */
  resp_l2_addr?: string;
  /** Outer VLAN id of the first packet. */
  vlan?: number;
  /** Inner VLAN id (QinQ). */
  inner_vlan?: number;
  /**
   * The tunnel the first packet came out of ("ip", "gre", "erspan", "pptp",
   * "vxlan", "vxlan_gpe", "geneve", "gtpv1", "teredo", "ayiya"); absent for
   * traffic that was not tunnelled. A Picket addition beside `tunnel_parents`.
   */
  tunnel?: string;
  /** That tunnel's VNI, GRE key, ERSPAN session id, GTP TEID or PPTP call id (the receiving peer's), when it has one. */
  tunnel_id?: number;
  /** Community ID v1 ("1:base64"), https://github.com/corelight/community-id-spec. */
  community_id: string;
  // Enrichment (filled by intel, when configured): Picket additions, snake_case.
  orig_asn?: number;
  orig_as_org?: string;
  orig_cc?: string;
  resp_asn?: number;
  resp_as_org?: string;
  resp_cc?: string;
}
