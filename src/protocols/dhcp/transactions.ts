/**
 * DHCP transactions across flows. A lease exchange uses several UDP flows
 * (0.0.0.0:68 -> 255.255.255.255:67, server -> client or broadcast, relays),
 * so, like Zeek's base/protocols/dhcp/main.zeek, messages are grouped by
 * transaction ID in one per-process table, not per flow. An entry is
 * checked 10 s after it was created and every 5 s after that, by packet
 * time, and logged once it has been quiet for 5 s or watched for
 * `maxTxidWatchTime`; it is logged at once when it reaches
 * `maxUidsPerLogEntry` connections or `maxMsgTypesPerLogEntry` messages.
 * Everything left is logged when the last DHCP flow ends.
 */
import type { AnalyzerContext } from '../analyzer.js';
import type { HostnameEvent } from '../../events/hostname.js';
import type { DhcpRecord } from './events.js';
import { UNSPECIFIED_V4, messageTypeName } from './consts.js';
import type { DhcpMessage } from './parser.js';
import { elapsedSeconds } from '../../util/elapsed.js';
import { FIRST_CHECK_S, TransactionTable } from './transaction-table.js';

export interface DhcpTrackerOptions {
  /** Zeek's DHCP::max_txid_watch_time (30 s). */
  maxTxidWatchTime: number;
  /** Zeek's DHCP::max_uids_per_log_entry (10). */
  maxUidsPerLogEntry: number;
  /** Zeek's DHCP::max_msg_types_per_log_entry (50). */
  maxMsgTypesPerLogEntry: number;
}

export const DEFAULT_DHCP_TRACKER_OPTIONS: DhcpTrackerOptions = {
  maxTxidWatchTime: 30,
  maxUidsPerLogEntry: 10,
  maxMsgTypesPerLogEntry: 50,
};

/** Distinct server addresses kept per transaction (`servers`). */
export const MAX_SERVERS_PER_TXN = 16;
/** Hostname announcements remembered per transaction (to announce each once). */
const MAX_ANNOUNCED_PER_TXN = 8;

/** What the analyzer knows about the packet carrying a message. */
export interface DhcpPacketInfo {
  ts: number;
  uid: string;
  srcIp: string;
  srcMac: string | undefined;
  isClient: boolean;
}

class DhcpTxn {
  readonly ts: number;
  readonly xid: number;
  last: number;
  nextCheck: number;
  ctx: AnalyzerContext;
  readonly uids: string[] = [];
  clientAddr: string | undefined = undefined;
  serverAddr: string | undefined = undefined;
  mac: string | undefined = undefined;
  clientChaddr: string | undefined = undefined;
  hostName: string | undefined = undefined;
  clientFqdn: string | undefined = undefined;
  domain: string | undefined = undefined;
  requestedAddr: string | undefined = undefined;
  assignedAddr: string | undefined = undefined;
  leaseTime: number | undefined = undefined;
  clientMessage: string | undefined = undefined;
  serverMessage: string | undefined = undefined;
  readonly msgTypes: string[] = [];
  circuitId: string | undefined = undefined;
  remoteId: string | undefined = undefined;
  subscriberId: string | undefined = undefined;
  readonly servers: string[] = [];
  announced: string[] | null = null;

  constructor(ts: number, xid: number, ctx: AnalyzerContext) {
    this.ts = ts;
    this.xid = xid;
    this.last = ts;
    this.nextCheck = ts + FIRST_CHECK_S;
    this.ctx = ctx;
  }
}

export class DhcpTransactions extends TransactionTable<number, DhcpTxn> {
  readonly opts: DhcpTrackerOptions;

  constructor(opts: DhcpTrackerOptions = DEFAULT_DHCP_TRACKER_OPTIONS) {
    super(opts.maxTxidWatchTime);
    this.opts = opts;
  }

  /** Fold one message into its transaction (Zeek's DHCP::aggregate_msgs). */
  add(m: DhcpMessage, pkt: DhcpPacketInfo, ctx: AnalyzerContext): void {
    this.expire(pkt.ts);
    let t = this.get(m.xid);
    if (t === undefined) {
      t = new DhcpTxn(pkt.ts, m.xid, ctx);
      if (this.open(m.xid, t)) ctx.anomaly('too_many_transactions');
    }
    t.ctx = ctx;
    t.last = pkt.ts;
    if (!t.uids.includes(pkt.uid)) t.uids.push(pkt.uid);
    t.msgTypes.push(messageTypeName(m.msgType));

    if (m.message !== undefined) {
      if (pkt.isClient) t.clientMessage = m.message;
      else t.serverMessage = m.message;
    }
    if (pkt.isClient) {
      // A client that sources a unicast address shows who it is (INFORM-only exchanges).
      if (pkt.srcIp !== UNSPECIFIED_V4 && pkt.srcIp !== '255.255.255.255') t.clientAddr = pkt.srcIp;
      if (m.hostName !== undefined) t.hostName = m.hostName;
      if (m.clientFqdn !== undefined) t.clientFqdn = m.clientFqdn.domain_name;
      if (m.clientId !== undefined && m.clientId.hwtype === 1 && m.clientId.hwaddr !== undefined) t.mac = m.clientId.hwaddr;
      else t.clientChaddr = m.chaddr;
      if (m.requestedAddr !== undefined) t.requestedAddr = m.requestedAddr;
    } else {
      if (!t.servers.includes(pkt.srcIp) && t.servers.length < MAX_SERVERS_PER_TXN) t.servers.push(pkt.srcIp);
      if (m.yiaddr !== UNSPECIFIED_V4) {
        t.serverAddr = pkt.srcIp;
        t.assignedAddr = m.yiaddr;
      }
      if (m.chaddr !== '' && t.mac === undefined) t.mac = m.chaddr;
      if (t.clientAddr === undefined && t.assignedAddr !== undefined) t.clientAddr = t.assignedAddr;
      if (m.domainName !== undefined) t.domain = m.domainName;
      if (m.leaseTime !== undefined) t.leaseTime = m.leaseTime;
    }
    if (m.circuitId !== undefined) t.circuitId = m.circuitId;
    if (m.remoteId !== undefined) t.remoteId = m.remoteId;
    if (m.subscriberId !== undefined) t.subscriberId = m.subscriberId;

    this.#announce(t, m, pkt);

    if (t.uids.length >= this.opts.maxUidsPerLogEntry || t.msgTypes.length >= this.opts.maxMsgTypesPerLogEntry) {
      this.close(t.xid);
    }
  }

  /**
   * Hostname events: the client's option 12 with the best address known so
   * far (ciaddr, requested, source, assigned), again once a server assigns one.
   */
  #announce(t: DhcpTxn, m: DhcpMessage, pkt: DhcpPacketInfo): void {
    const name = t.hostName;
    if (name === undefined || name.length === 0) return;
    let ip: string | undefined;
    if (pkt.isClient && m.ciaddr !== UNSPECIFIED_V4) ip = m.ciaddr;
    else ip = t.assignedAddr ?? t.requestedAddr ?? t.clientAddr;
    if (ip === undefined) ip = UNSPECIFIED_V4;
    const key = `${name}\u0000${ip}`;
    if (t.announced === null) t.announced = [];
    if (t.announced.includes(key) || t.announced.length >= MAX_ANNOUNCED_PER_TXN) return;
    t.announced.push(key);
    const ev: HostnameEvent = { type: 'hostname', ts: pkt.ts, ip, name, source: 'dhcp' };
    const mac = t.mac ?? t.clientChaddr;
    if (mac !== undefined) ev.mac = mac;
    t.ctx.emit(ev);
  }

  protected write(t: DhcpTxn): void {
    if (t.mac === undefined && t.clientChaddr !== undefined) t.mac = t.clientChaddr;
    const rec = { ts: t.ts, uids: t.uids } as DhcpRecord;
    if (t.clientAddr !== undefined) rec.client_addr = t.clientAddr;
    if (t.serverAddr !== undefined) rec.server_addr = t.serverAddr;
    if (t.mac !== undefined) rec.mac = t.mac;
    if (t.hostName !== undefined) rec.host_name = t.hostName;
    if (t.clientFqdn !== undefined) rec.client_fqdn = t.clientFqdn;
    if (t.domain !== undefined) rec.domain = t.domain;
    if (t.requestedAddr !== undefined) rec.requested_addr = t.requestedAddr;
    if (t.assignedAddr !== undefined) rec.assigned_addr = t.assignedAddr;
    if (t.leaseTime !== undefined) rec.lease_time = t.leaseTime;
    if (t.clientMessage !== undefined) rec.client_message = t.clientMessage;
    if (t.serverMessage !== undefined) rec.server_message = t.serverMessage;
    rec.msg_types = t.msgTypes;
    rec.duration = elapsedSeconds(t.ts, t.last);
    if (t.circuitId !== undefined) rec.circuit_id = t.circuitId;
    if (t.remoteId !== undefined) rec.agent_remote_id = t.remoteId;
    if (t.subscriberId !== undefined) rec.subscriber_id = t.subscriberId;
    rec.trans_id = t.xid;
    rec.servers = t.servers;
    t.ctx.emit({ type: 'dhcp', log: 'dhcp', ts: t.ts, uid: t.uids[0]!, record: rec });
  }
}
