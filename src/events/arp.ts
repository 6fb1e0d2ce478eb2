/** One ARP request or reply (ARP is rare enough to carry strings). */
export interface ArpEvent {
  type: 'arp';
  ts: number;
  /** 1 = request, 2 = reply (other opcodes are reported with their number). */
  op: number;
  /** Ethernet source of the frame. */
  src_mac: string;
  /** Sender hardware/protocol address, target hardware/protocol address. */
  sha: string;
  spa: string;
  tha: string;
  tpa: string;
  vlan?: number;
}
