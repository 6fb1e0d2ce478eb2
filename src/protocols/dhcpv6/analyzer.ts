/**
 * Per-flow DHCPv6 analyzer: parses each datagram (unwrapping relay
 * messages), emits `dhcpv6.message`, and hands the message to the shared
 * transaction table (transactions.ts), which writes dhcpv6.jsonl lines and
 * hostname events. Malformed input is counted through `ctx.anomaly` by the
 * parser's flags; a datagram without a readable client or server message
 * is reported and dropped.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { dhcp6MessageTypeName, dhcp6StatusName, Dhcp6MessageType, isDhcp6ClientType } from './consts.js';
import type { Dhcpv6LeaseView, Dhcpv6MessageEvent } from './events.js';
import { Dhcp6ParseFlag, parseDhcp6Message, type Dhcp6Message } from './parser.js';
import type { Dhcp6Transactions } from './transactions.js';

const FLAG_CODES: readonly [number, string][] = [
  [Dhcp6ParseFlag.SHORT, 'short_message'],
  [Dhcp6ParseFlag.TRUNCATED_OPTIONS, 'truncated_options'],
  [Dhcp6ParseFlag.BAD_OPTION_LENGTH, 'bad_option_length'],
  [Dhcp6ParseFlag.TOO_MANY_OPTIONS, 'too_many_options'],
  [Dhcp6ParseFlag.RELAY_TOO_DEEP, 'relay_too_deep'],
  [Dhcp6ParseFlag.NO_RELAY_MESSAGE, 'no_relay_message'],
  [Dhcp6ParseFlag.BAD_NAME, 'bad_name'],
  [Dhcp6ParseFlag.TOO_MANY_ENTRIES, 'too_many_entries'],
];

/** Flags after which there is no message to report. */
const FATAL = Dhcp6ParseFlag.SHORT | Dhcp6ParseFlag.RELAY_TOO_DEEP | Dhcp6ParseFlag.NO_RELAY_MESSAGE;

/** Server message types (RFC 8415 §7.3). */
function isServerType(t: number): boolean {
  return t === Dhcp6MessageType.ADVERTISE || t === Dhcp6MessageType.REPLY || t === Dhcp6MessageType.RECONFIGURE;
}

export class Dhcp6Analyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #txns: Dhcp6Transactions;
  #confirmed = false;
  #ended = false;

  constructor(ctx: AnalyzerContext, txns: Dhcp6Transactions) {
    this.#ctx = ctx;
    this.#txns = txns;
    txns.attach();
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const m = parseDhcp6Message(data, 0, data.length);
    if (m.flags !== 0) {
      for (let i = 0; i < FLAG_CODES.length; i++) if ((m.flags & FLAG_CODES[i]![0]) !== 0) this.#ctx.anomaly(FLAG_CODES[i]![1]);
      if ((m.flags & FATAL) !== 0) return;
    }
    const isClient = isDhcp6ClientType(m.msgType);
    if (!isClient && !isServerType(m.msgType)) {
      this.#ctx.anomaly('bad_msg_type');
      return;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('dhcpv6');
    }
    const c = this.#ctx.conn;
    const srcIp = fromOrig ? c.orig_h : c.resp_h;
    const srcMac = fromOrig ? c.orig_mac : c.resp_mac;
    // A relay reports the client's address as the innermost peer address (RFC 8415 §9.1).
    const clientAddr = m.relays.length > 0 ? m.relays[m.relays.length - 1]!.peerAddr : isClient ? srcIp : undefined;
    this.#ctx.emit(this.#event(m, fromOrig, ts, srcMac, isClient, clientAddr));
    this.#txns.add(m, { ts, uid: c.uid, srcIp, srcMac, isClient, clientAddr }, this.#ctx);
  }

  end(ts: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#txns.detach(ts);
  }

  #event(m: Dhcp6Message, fromOrig: boolean, ts: number, srcMac: string | undefined, isClient: boolean, clientAddr: string | undefined): Dhcpv6MessageEvent {
    const c = this.#ctx.conn;
    const leases: Dhcpv6LeaseView[] = [];
    for (const a of m.addrs) leases.push({ addr: a.addr, ia: a.kind, preferred: a.preferred, valid: a.valid });
    for (const p of m.prefixes) leases.push({ addr: p.prefix, ia: 'pd', preferred: p.preferred, valid: p.valid });
    const ev: Dhcpv6MessageEvent = {
      type: 'dhcpv6.message',
      ts,
      uid: c.uid,
      src_ip: fromOrig ? c.orig_h : c.resp_h,
      src_port: fromOrig ? c.orig_p : c.resp_p,
      dst_ip: fromOrig ? c.resp_h : c.orig_h,
      dst_port: fromOrig ? c.resp_p : c.orig_p,
      is_client: isClient,
      msg_type: m.msgType,
      msg_type_name: dhcp6MessageTypeName(m.msgType),
      trans_id: m.transId,
      leases,
      rapid_commit: m.rapidCommit,
      options: m.optionCodes,
      truncated: (m.flags & (Dhcp6ParseFlag.TRUNCATED_OPTIONS | Dhcp6ParseFlag.TOO_MANY_OPTIONS | Dhcp6ParseFlag.BAD_OPTION_LENGTH)) !== 0,
    };
    if (srcMac !== undefined) ev.src_mac = srcMac;
    if (m.relays.length > 0) ev.relay_addrs = m.relays.map((r) => r.linkAddr);
    if (clientAddr !== undefined) ev.client_addr = clientAddr;
    if (m.clientId !== undefined) {
      ev.client_duid = m.clientId.hex;
      if (m.clientId.mac !== undefined) ev.client_duid_mac = m.clientId.mac;
    }
    if (m.serverId !== undefined) {
      ev.server_duid = m.serverId.hex;
      if (m.serverId.mac !== undefined) ev.server_duid_mac = m.serverId.mac;
    }
    if (m.dnsServers !== undefined) ev.dns_servers = m.dnsServers;
    if (m.domainSearch !== undefined) ev.domain_search = m.domainSearch;
    if (m.clientFqdn !== undefined) {
      ev.client_fqdn = m.clientFqdn.name;
      ev.client_fqdn_flags = m.clientFqdn.flags;
    }
    if (m.vendorClass !== undefined && m.vendorClass.data.length > 0) ev.vendor_class = m.vendorClass.data.join(', ');
    if (m.statusCode !== undefined) {
      ev.status_code = m.statusCode;
      ev.status_name = dhcp6StatusName(m.statusCode);
      if (m.statusMessage !== undefined) ev.status_message = m.statusMessage;
    }
    if (m.iaStatus !== undefined) ev.ia_status = dhcp6StatusName(m.iaStatus);
    if (m.elapsedTime !== undefined) ev.elapsed_time = m.elapsedTime / 100;
    if (m.preference !== undefined) ev.preference = m.preference;
    return ev;
  }
}
