/**
 * Identity of a live connection as parsers and detectors see it: Zeek's
 * `id.*` tuple as strings, plus the link-layer facts Picket keeps.
 * Built once per flow (never per packet).
 */
export interface ConnId {
  uid: string;
  orig_h: string;
  orig_p: number;
  resp_h: string;
  resp_p: number;
  proto: 'tcp' | 'udp' | 'icmp';
  /** MAC of the originator's first packet, "aa:bb:cc:dd:ee:ff", when the link has one. */
  orig_mac?: string;
  /** MAC of the responder's first packet, when seen. */
  resp_mac?: string;
  vlan?: number;
}
