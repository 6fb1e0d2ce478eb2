/**
 * The decoder's statistics and the counter that fills them. Every packet the
 * decoder cannot use is counted under a reason (never thrown, never silently
 * dropped), and every oddity it decodes around is counted as an anomaly.
 * Reasons are short snake_case strings so the counts read well in a status
 * page; reasons that carry a number ("ethertype_0x88cc") are built once per
 * distinct number and cached, so counting stays allocation-free after warm-up.
 */

export interface FragmentStats {
  /** Fragment packets offered to reassembly. */
  seen: number;
  /** Datagrams completed and decoded. */
  reassembled: number;
  /** Datagrams waiting for more fragments right now (a gauge, not a total). */
  pending: number;
  /** Datagrams dropped because `fragmentTimeout` passed (packet time) before they completed. */
  expired: number;
  /** Datagrams dropped to stay inside `fragmentMaxBytes` / `fragmentMaxDatagrams` or the per-datagram piece bound. */
  dropped: number;
}

export interface DecodeStats {
  /** Packets offered. */
  packets: number;
  /** Packets that produced usable output (decode() returned true). */
  decoded: number;
  /** Packets refused as broken, by reason, e.g. "ipv4_bad_ihl", "tcp_truncated_header", "ipv6_ext_loop". */
  malformed: Record<string, number>;
  /** Well-formed packets the decoder does not handle, e.g. "ethertype_0x88cc", "linktype_147". */
  unsupported: Record<string, number>;
  /**
   * Oddities decoded around (the packet still counts as decoded or as a
   * fragment), e.g. "udp_length_mismatch", "frag_overlap", "ipv4_len_zero".
   * An addition to the published shape: detectors and weird logs want them.
   */
  anomalies: Record<string, number>;
  fragments: FragmentStats;
  /** Packets taken out of a tunnel, by tunnel kind ("vxlan", "gre", "erspan", ...); nested tunnels count once each. */
  tunnels: Record<string, number>;
}

export function newDecodeStats(): DecodeStats {
  return {
    packets: 0,
    decoded: 0,
    malformed: {},
    unsupported: {},
    anomalies: {},
    fragments: { seen: 0, reassembled: 0, pending: 0, expired: 0, dropped: 0 },
    tunnels: {},
  };
}

/**
 * Distinct numbered reason names kept per prefix. A hostile stream can carry
 * every one of 65536 EtherTypes; past this many the rest share one
 * "<prefix>_other" bucket so the stats object stays small.
 */
export const MAX_NAMES_PER_PREFIX = 256;

/** Counts reasons into one of the stats records. */
export class ReasonCounter {
  readonly #target: Record<string, number>;
  readonly #names = new Map<string, Map<number, string>>();

  constructor(target: Record<string, number>) {
    this.#target = target;
  }

  add(reason: string): void {
    this.#target[reason] = (this.#target[reason] ?? 0) + 1;
  }

  /** Counts "<prefix>_<code>" (decimal) or "<prefix>_0x<code>" (4-digit hex when `hex`). */
  addCoded(prefix: string, code: number, hex: boolean): void {
    let byCode = this.#names.get(prefix);
    if (byCode === undefined) {
      byCode = new Map();
      this.#names.set(prefix, byCode);
    }
    let name = byCode.get(code);
    if (name === undefined) {
      if (byCode.size >= MAX_NAMES_PER_PREFIX) {
        name = `${prefix}_other`;
      } else {
        name = hex ? `${prefix}_0x${code.toString(16).padStart(4, '0')}` : `${prefix}_${code}`;
        byCode.set(code, name);
      }
    }
    this.add(name);
  }
}

/** The three counters a decoding step may report to. */
export interface Counters {
  malformed: ReasonCounter;
  unsupported: ReasonCounter;
  anomalies: ReasonCounter;
}
