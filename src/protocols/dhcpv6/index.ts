/**
 * Registration of the dhcpv6 analyzer (UDP 546/547). `dhcpv6Spec` uses one
 * process-wide transaction table with the DHCPv4 analyzer's default limits;
 * `createDhcpv6Spec` builds a spec with its own table and limits (tests,
 * or a second independent pipeline in the same process).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { Dhcp6Analyzer } from './analyzer.js';
import { Dhcp6Port } from './consts.js';
import { DEFAULT_DHCP_TRACKER_OPTIONS, type DhcpTrackerOptions } from '../dhcp/transactions.js';
import { Dhcp6Transactions } from './transactions.js';

export function createDhcpv6Spec(opts: Partial<DhcpTrackerOptions> = {}): ProtocolSpec & { transactions: Dhcp6Transactions } {
  const transactions = new Dhcp6Transactions({ ...DEFAULT_DHCP_TRACKER_OPTIONS, ...opts });
  return {
    name: 'dhcpv6',
    transports: ['udp'],
    ports: [Dhcp6Port.SERVER, Dhcp6Port.CLIENT],
    transactions,
    create: (ctx) => new Dhcp6Analyzer(ctx, transactions),
  };
}

/** The default dhcpv6 analyzer, with the shared per-process transaction table. */
export const dhcpv6Spec: ProtocolSpec & { transactions: Dhcp6Transactions } = createDhcpv6Spec();
