/**
 * NBNS analyzer: NetBIOS name service messages share the DNS format, so the
 * DNS analyzer does the parsing and the dns.log records (as Zeek logs NBNS
 * in dns.log); this subclass adds the `hostname` events NBNS is useful for.
 * A host announces its name in registrations and refreshes, and answers for
 * it in positive name query responses and node status responses. Only
 * unique (non-group) names with a workstation or server suffix name a host;
 * workgroup and domain names do not.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { DnsAnalyzer, decodeNetbiosName } from '../dns/analyzer.js';
import type { DnsMessage, DnsResourceRecord } from '../dns/parser.js';
import { NAME_FLAG_GROUP, NB_FLAG_GROUP, NbnsOpcode, isHostSuffix } from './consts.js';
import { UNSPECIFIED_V4 } from '../../config/ip.js';

export class NbnsAnalyzer extends DnsAnalyzer {
  constructor(ctx: AnalyzerContext) {
    super(ctx, { netbios: true, service: 'dns' });
  }

  protected override onMessage(msg: DnsMessage, fromOrig: boolean, ts: number): void {
    const h = msg.header;
    if (h.rcode !== 0) return;
    const op = h.opcode;
    const announces =
      op === NbnsOpcode.REGISTRATION ||
      op === NbnsOpcode.REFRESH ||
      op === NbnsOpcode.REFRESH_ALT ||
      op === NbnsOpcode.MULTIHOMED;
    if (!h.qr) {
      // Requests carry the sender's own name and address only when registering or refreshing.
      if (announces) this.#records(msg.additional, fromOrig, ts);
      return;
    }
    if (announces || op === NbnsOpcode.QUERY) this.#records(msg.answers, fromOrig, ts, op === NbnsOpcode.QUERY);
  }

  /** `answers`: the records answer a name query (each host name answered is also a name.answer event). */
  #records(rrs: DnsResourceRecord[], fromOrig: boolean, ts: number, answers = false): void {
    const c = this.ctx.conn;
    const sender = fromOrig ? c.orig_h : c.resp_h;
    for (let i = 0; i < rrs.length; i++) {
      const rr = rrs[i]!;
      const d = rr.rdata;
      if (d.kind === 'nb') {
        const n = decodeNetbiosName(rr.name);
        if (n.name.length === 0 || n.name === '*' || !isHostSuffix(n.suffix)) continue;
        let addrs: string[] | null = null;
        for (let j = 0; j < d.entries.length; j++) {
          const e = d.entries[j]!;
          if ((e.flags & NB_FLAG_GROUP) !== 0 || e.addr === UNSPECIFIED_V4) continue;
          this.announce(n.name, e.addr, 'nbns', fromOrig, ts);
          if (answers) (addrs ??= []).push(e.addr);
        }
        if (addrs !== null) this.answered('nbns', n.name, addrs, fromOrig, ts);
      } else if (d.kind === 'nbstat') {
        // A node status response lists the responder's own name table.
        for (let j = 0; j < d.names.length; j++) {
          const e = d.names[j]!;
          if ((e.flags & NAME_FLAG_GROUP) !== 0 || !isHostSuffix(e.suffix) || e.name.length === 0) continue;
          this.announce(e.name, sender, 'nbns', fromOrig, ts);
        }
      }
    }
  }
}
