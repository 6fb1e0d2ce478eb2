/**
 * Reading a finished UDP flow as a port-scan probe. A UDP scan (`nmap -sU`,
 * `nbtscan`, an SNMP sweep) sends one datagram per port, empty or a
 * service's hello, and retries once or twice; a closed port answers with an
 * ICMP port unreachable (its own ICMP flow in conn.log), a filtered one with
 * nothing, and only an open one with a datagram. So a probe is a flow whose
 * originator sent a few datagrams and got none back.
 *
 * Left out, because they look the same and are not scans:
 * - datagrams to a group (multicast or broadcast address, or a group
 *   destination MAC, which is how a subnet's own broadcast address shows):
 *   discovery protocols (NetBIOS, SSDP, LAN sync) announce themselves on
 *   several ports at once;
 * - UDP traceroute, which sends to a fresh port per probe on purpose
 *   (traceroute from 33434, tracepath from 44444, up to 3 probes x 30 hops);
 * - flows whose first datagram came from the other side (the originator then
 *   sent nothing).
 */
import type { ConnRecord } from '../flows/conn-record.js';
import { CidrSet, GROUP_CIDRS } from '../config/cidr.js';
import { isGroupMac } from '../decode/addr.js';

/** Datagrams a scanner sends per port at most (the probe and its retries). */
export const MAX_UDP_PROBE_PKTS = 3;

/** Destination port ranges of UDP traceroute tools: [first, last] pairs. */
const TRACEROUTE_PORTS: readonly (readonly [number, number])[] = [
  [33434, 33534], // traceroute (Van Jacobson's base port), mtr -u
  [44444, 44544], // tracepath
];

const GROUPS = CidrSet.of(GROUP_CIDRS);

function isTraceroutePort(port: number): boolean {
  for (const [first, last] of TRACEROUTE_PORTS) if (port >= first && port <= last) return true;
  return false;
}

/** True when the flow is an unanswered UDP probe of one port of one host. */
export function isUdpProbe(rec: ConnRecord): boolean {
  if (rec.proto !== 'udp') return false;
  if (rec.orig_pkts < 1 || rec.orig_pkts > MAX_UDP_PROBE_PKTS || rec.resp_pkts !== 0) return false;
  if (isTraceroutePort(rec['id.resp_p'])) return false;
  const mac = rec.resp_l2_addr;
  if (mac !== undefined && mac !== '' && isGroupMac(mac)) return false;
  return !GROUPS.has(rec['id.resp_h']);
}
