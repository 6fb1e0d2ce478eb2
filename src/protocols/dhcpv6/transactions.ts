/**
 * DHCPv6 transactions across flows. A client multicasts to ff02::1:2 and the
 * server answers by unicast (relays add a third and fourth flow), so, as for
 * DHCPv4 (../dhcp/transactions.ts, whose timing this table shares), messages
 * are grouped in one per-process table, by the client's DUID and the
 * transaction id: 24 bits are few enough that two clients can draw the
 * same one. An entry is checked 10 s after it was created and every 5 s
 * after that, by packet time, and logged once it has been quiet for 5 s or
 * watched for `maxTxidWatchTime`, or at once when it reaches
 * `maxUidsPerLogEntry` connections or `maxMsgTypesPerLogEntry` messages.
 * Everything left is logged when the last DHCPv6 flow ends.
 */
import type { AnalyzerContext } from '../analyzer.js';
import type { HostnameEvent } from '../../events/hostname.js';
import type { Dhcpv6Record } from './events.js';
import { dhcp6MessageTypeName, dhcp6StatusName } from './consts.js';
import type { Dhcp6Message } from './parser.js';
import { elapsedSeconds } from '../../util/elapsed.js';
import { DEFAULT_DHCP_TRACKER_OPTIONS, MAX_SERVERS_PER_TXN, type DhcpTrackerOptions } from '../dhcp/transactions.js';
import { FIRST_CHECK_S, TransactionTable } from '../dhcp/transaction-table.js';

/** Addresses, prefixes, DNS servers, domains and statuses kept per transaction (each list). */
export const MAX_LIST_PER_TXN = 32;
/** Hostname announcements remembered per transaction (to announce each once). */
const MAX_ANNOUNCED_PER_TXN = 8;

/** What the analyzer knows about the packet carrying a message. */
export interface Dhcp6PacketInfo {
  ts: number;
  uid: string;
  srcIp: string;
  srcMac: string | undefined;
  isClient: boolean;
  /** The client's address (packet source, or the relay's peer address). */
  clientAddr: string | undefined;
}

function addAll(into: string[], from: readonly string[]): void {
  for (const x of from) if (into.length < MAX_LIST_PER_TXN && !into.includes(x)) into.push(x);
}

class Dhcp6Txn {
  readonly key: string;
  readonly ts: number;
  readonly transId: number;
  last: number;
  nextCheck: number;
  ctx: AnalyzerContext;
  readonly uids: string[] = [];
  clientAddr: string | undefined = undefined;
  serverAddr: string | undefined = undefined;
  serverDuid: string | undefined = undefined;
  assigned = false;
  mac: string | undefined = undefined;
  /** The first address the client asked for in its IA (REQUEST, RENEW, CONFIRM carry them). */
  requested: string | undefined = undefined;
  duid: string | undefined = undefined;
  clientFqdn: string | undefined = undefined;
  vendorClass: string | undefined = undefined;
  readonly addrs: string[] = [];
  readonly prefixes: string[] = [];
  leaseTime: number | undefined = undefined;
  readonly dnsServers: string[] = [];
  readonly domains: string[] = [];
  readonly status: string[] = [];
  readonly msgTypes: string[] = [];
  readonly servers: string[] = [];
  announced: string[] | null = null;

  constructor(key: string, ts: number, transId: number, ctx: AnalyzerContext) {
    this.key = key;
    this.ts = ts;
    this.transId = transId;
    this.last = ts;
    this.nextCheck = ts + FIRST_CHECK_S;
    this.ctx = ctx;
  }
}

export class Dhcp6Transactions extends TransactionTable<string, Dhcp6Txn> {
  readonly opts: DhcpTrackerOptions;

  constructor(opts: DhcpTrackerOptions = DEFAULT_DHCP_TRACKER_OPTIONS) {
    super(opts.maxTxidWatchTime);
    this.opts = opts;
  }

  /** Fold one message into its transaction. */
  add(m: Dhcp6Message, pkt: Dhcp6PacketInfo, ctx: AnalyzerContext): void {
    this.expire(pkt.ts);
    const key = `${m.clientId?.hex ?? ''}|${m.transId}`;
    let t = this.get(key);
    if (t === undefined) {
      t = new Dhcp6Txn(key, pkt.ts, m.transId, ctx);
      if (this.open(key, t)) ctx.anomaly('too_many_transactions');
    }
    t.ctx = ctx;
    t.last = pkt.ts;
    if (!t.uids.includes(pkt.uid)) t.uids.push(pkt.uid);
    t.msgTypes.push(dhcp6MessageTypeName(m.msgType));
    if (m.clientId !== undefined) {
      t.duid = m.clientId.hex;
      if (m.clientId.mac !== undefined) t.mac = m.clientId.mac;
    }
    if (pkt.isClient) {
      if (pkt.clientAddr !== undefined) t.clientAddr = pkt.clientAddr;
      if (t.mac === undefined && m.relays.length === 0 && pkt.srcMac !== undefined) t.mac = pkt.srcMac;
      if (m.clientFqdn !== undefined && m.clientFqdn.name !== '') t.clientFqdn = m.clientFqdn.name;
      if (m.vendorClass !== undefined && m.vendorClass.data.length > 0) t.vendorClass = m.vendorClass.data.join(', ');
      if (t.requested === undefined && m.addrs.length > 0) t.requested = m.addrs[0]!.addr;
    } else {
      if (!t.servers.includes(pkt.srcIp) && t.servers.length < MAX_SERVERS_PER_TXN) t.servers.push(pkt.srcIp);
      const gives = m.addrs.length > 0 || m.prefixes.length > 0;
      if (t.serverAddr === undefined || (gives && !t.assigned)) {
        t.serverAddr = pkt.srcIp;
        t.serverDuid = m.serverId?.hex;
        t.assigned = gives;
      }
      for (const a of m.addrs) if (t.addrs.length < MAX_LIST_PER_TXN && !t.addrs.includes(a.addr)) t.addrs.push(a.addr);
      for (const p of m.prefixes) if (t.prefixes.length < MAX_LIST_PER_TXN && !t.prefixes.includes(p.prefix)) t.prefixes.push(p.prefix);
      if (t.leaseTime === undefined) {
        const first = m.addrs[0] ?? m.prefixes[0];
        if (first !== undefined) t.leaseTime = first.valid;
      }
      if (m.dnsServers !== undefined) addAll(t.dnsServers, m.dnsServers);
      if (m.domainSearch !== undefined) addAll(t.domains, m.domainSearch);
      if (m.statusCode !== undefined && m.statusCode !== 0) addAll(t.status, [dhcp6StatusName(m.statusCode)]);
      if (m.iaStatus !== undefined) addAll(t.status, [dhcp6StatusName(m.iaStatus)]);
    }

    this.#announce(t, pkt);

    if (t.uids.length >= this.opts.maxUidsPerLogEntry || t.msgTypes.length >= this.opts.maxMsgTypesPerLogEntry) {
      this.close(t.key);
    }
  }

  /**
   * Hostname events: the client's FQDN with its best address so far (the
   * first address a server assigned, else the first it asked for, else its
   * own source), again once a server assigns one.
   */
  #announce(t: Dhcp6Txn, pkt: Dhcp6PacketInfo): void {
    const name = t.clientFqdn;
    if (name === undefined) return;
    const ip = t.addrs[0] ?? t.requested ?? t.clientAddr;
    if (ip === undefined) return;
    const key = `${name}\u0000${ip}`;
    if (t.announced === null) t.announced = [];
    if (t.announced.includes(key) || t.announced.length >= MAX_ANNOUNCED_PER_TXN) return;
    t.announced.push(key);
    const ev: HostnameEvent = { type: 'hostname', ts: pkt.ts, ip, name, source: 'dhcp' };
    if (t.mac !== undefined) ev.mac = t.mac;
    t.ctx.emit(ev);
  }

  protected write(t: Dhcp6Txn): void {
    const rec = { ts: t.ts, uids: t.uids } as Dhcpv6Record;
    if (t.clientAddr !== undefined) rec.client_addr = t.clientAddr;
    if (t.serverAddr !== undefined) rec.server_addr = t.serverAddr;
    if (t.mac !== undefined) rec.mac = t.mac;
    if (t.duid !== undefined) rec.duid = t.duid;
    if (t.clientFqdn !== undefined) rec.client_fqdn = t.clientFqdn;
    if (t.vendorClass !== undefined) rec.vendor_class = t.vendorClass;
    if (t.serverDuid !== undefined) rec.server_duid = t.serverDuid;
    if (t.addrs.length > 0) rec.assigned_addrs = t.addrs;
    if (t.prefixes.length > 0) rec.prefixes = t.prefixes;
    if (t.leaseTime !== undefined) rec.lease_time = t.leaseTime;
    if (t.dnsServers.length > 0) rec.dns_servers = t.dnsServers;
    if (t.domains.length > 0) rec.domain_search = t.domains;
    if (t.status.length > 0) rec.status = t.status;
    rec.msg_types = t.msgTypes;
    rec.duration = elapsedSeconds(t.ts, t.last);
    rec.trans_id = t.transId;
    rec.servers = t.servers;
    t.ctx.emit({ type: 'dhcpv6', log: 'dhcpv6', ts: t.ts, uid: t.uids[0]!, record: rec });
  }
}
