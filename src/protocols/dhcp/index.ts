/**
 * Registration of the dhcp analyzer (UDP 67/68). `dhcpSpec` uses one
 * process-wide transaction table with Zeek's default limits;
 * `createDhcpSpec` builds a spec with its own table and limits (tests,
 * or a second independent pipeline in the same process).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { DhcpAnalyzer } from './analyzer.js';
import { DhcpPort } from './consts.js';
import { DEFAULT_DHCP_TRACKER_OPTIONS, DhcpTransactions, type DhcpTrackerOptions } from './transactions.js';

export function createDhcpSpec(opts: Partial<DhcpTrackerOptions> = {}): ProtocolSpec & { transactions: DhcpTransactions } {
  const transactions = new DhcpTransactions({ ...DEFAULT_DHCP_TRACKER_OPTIONS, ...opts });
  return {
    name: 'dhcp',
    transports: ['udp'],
    ports: [DhcpPort.SERVER, DhcpPort.CLIENT],
    transactions,
    create: (ctx) => new DhcpAnalyzer(ctx, transactions),
  };
}

/** The default dhcp analyzer, with the shared per-process transaction table. */
export const dhcpSpec: ProtocolSpec & { transactions: DhcpTransactions } = createDhcpSpec();
