/**
 * Per-flow DHCP analyzer: parses each datagram, emits `dhcp.message`, and
 * hands the message to the shared transaction table (transactions.ts),
 * which writes dhcp.log lines and hostname events.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { BootpOp, messageTypeName } from './consts.js';
import type { DhcpMessageEvent } from './events.js';
import { DhcpParseFlag, parseDhcpMessage, type DhcpMessage } from './parser.js';
import type { DhcpTransactions } from './transactions.js';

const FLAG_CODES: readonly [number, string][] = [
  [DhcpParseFlag.SHORT, 'short_message'],
  [DhcpParseFlag.NO_MAGIC, 'no_magic_cookie'],
  [DhcpParseFlag.TRUNCATED_OPTIONS, 'truncated_options'],
  [DhcpParseFlag.BAD_OPTION_LENGTH, 'bad_option_length'],
  [DhcpParseFlag.NO_END, 'no_end_option'],
  [DhcpParseFlag.TOO_MANY_OPTIONS, 'too_many_options'],
];

export class DhcpAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #txns: DhcpTransactions;
  #confirmed = false;
  #ended = false;

  constructor(ctx: AnalyzerContext, txns: DhcpTransactions) {
    this.#ctx = ctx;
    this.#txns = txns;
    txns.attach();
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const m = parseDhcpMessage(data, 0, data.length);
    if (m.flags !== 0) {
      for (let i = 0; i < FLAG_CODES.length; i++) if ((m.flags & FLAG_CODES[i]![0]) !== 0) this.#ctx.anomaly(FLAG_CODES[i]![1]);
      // Without the fixed header or the cookie there is no DHCP message to report.
      if ((m.flags & (DhcpParseFlag.SHORT | DhcpParseFlag.NO_MAGIC)) !== 0) return;
    }
    if (m.op !== BootpOp.REQUEST && m.op !== BootpOp.REPLY) {
      this.#ctx.anomaly('bad_op');
      return;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('dhcp');
    }
    const c = this.#ctx.conn;
    const srcIp = fromOrig ? c.orig_h : c.resp_h;
    const srcMac = fromOrig ? c.orig_mac : c.resp_mac;
    const isClient = m.op === BootpOp.REQUEST;
    this.#ctx.emit(this.#event(m, fromOrig, ts, srcMac, isClient));
    this.#txns.add(m, { ts, uid: c.uid, srcIp, srcMac, isClient }, this.#ctx);
  }

  end(ts: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#txns.detach(ts);
  }

  #event(m: DhcpMessage, fromOrig: boolean, ts: number, srcMac: string | undefined, isClient: boolean): DhcpMessageEvent {
    const c = this.#ctx.conn;
    const ev: DhcpMessageEvent = {
      type: 'dhcp.message',
      ts,
      uid: c.uid,
      src_ip: fromOrig ? c.orig_h : c.resp_h,
      src_port: fromOrig ? c.orig_p : c.resp_p,
      dst_ip: fromOrig ? c.resp_h : c.orig_h,
      dst_port: fromOrig ? c.resp_p : c.orig_p,
      is_client: isClient,
      op: m.op,
      xid: m.xid,
      msg_type: m.msgType,
      msg_type_name: messageTypeName(m.msgType),
      chaddr: m.chaddr,
      ciaddr: m.ciaddr,
      yiaddr: m.yiaddr,
      siaddr: m.siaddr,
      giaddr: m.giaddr,
      options: m.optionCodes,
      truncated: (m.flags & (DhcpParseFlag.TRUNCATED_OPTIONS | DhcpParseFlag.NO_END)) !== 0,
    };
    if (srcMac !== undefined) ev.src_mac = srcMac;
    if (m.hostName !== undefined) ev.host_name = m.hostName;
    if (m.requestedAddr !== undefined) ev.requested_addr = m.requestedAddr;
    if (m.serverId !== undefined) ev.server_id = m.serverId;
    if (m.leaseTime !== undefined) ev.lease_time = m.leaseTime;
    if (m.renewalTime !== undefined) ev.renewal_time = m.renewalTime;
    if (m.rebindingTime !== undefined) ev.rebinding_time = m.rebindingTime;
    if (m.clientId !== undefined) {
      ev.client_id = m.clientId.hex;
      if (m.clientId.hwaddr !== undefined) ev.client_id_mac = m.clientId.hwaddr;
    }
    if (m.vendorClass !== undefined) ev.vendor_class = m.vendorClass;
    if (m.clientFqdn !== undefined) ev.client_fqdn = m.clientFqdn.domain_name;
    if (m.paramList !== undefined) ev.params = m.paramList;
    if (m.circuitId !== undefined) ev.circuit_id = m.circuitId;
    if (m.remoteId !== undefined) ev.remote_id = m.remoteId;
    if (m.subscriberId !== undefined) ev.subscriber_id = m.subscriberId;
    if (m.domainName !== undefined) ev.domain = m.domainName;
    if (m.subnetMask !== undefined) ev.subnet_mask = m.subnetMask;
    if (m.routers !== undefined) ev.routers = m.routers;
    if (m.dnsServers !== undefined) ev.dns_servers = m.dnsServers;
    if (m.message !== undefined) ev.message = m.message;
    if (m.overload !== undefined) ev.overload = m.overload;
    return ev;
  }
}

