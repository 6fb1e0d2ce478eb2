/**
 * ip.bad — a connection to or from an address on an indicator list (exact
 * address or inside a listed CIDR), from finished flows. Outbound: a host
 * reaching known-bad infrastructure, answered or not (a blocked attempt
 * still shows the host tried). Inbound: a listed address talking to one of
 * ours; unanswered inbound attempts are left out by default because listed
 * scanners knock on every Internet-facing address all day
 * (`unanswered_inbound`). One alert per (our host, listed address) within
 * the dedup interval. Only alerting indicators (MISP `to_ids`, plain lists)
 * fire; the evidence names the source. Quiet without indicator sources.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { alerting, describeSources, matchEvidence } from '../intel/store/evidence.js';
import { isSession, responderAnswered } from './tcp-attempt.js';

export const OPTIONS = detectorOptions({
  /** Alert on connections opened by a listed address towards us. */
  inbound: z.boolean().default(true),
  /** ...even when nothing answered them (noisy on Internet-facing sensors). */
  unanswered_inbound: z.boolean().default(false),
});

export default defineDetector({
  id: 'ip.bad',
  name: 'Connection with a listed address',
  description: 'A connection to or from an address (or CIDR) listed as an indicator.',
  severity: 3,
  category: ['network', 'threat'],
  technique: 'T1071',
  subscribes: ['flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    const o = ctx.options;
    return {
      'flow.end'(e) {
        const rec = e.record;
        const orig = rec['id.orig_h'];
        const resp = rec['id.resp_h'];
        let outbound = true;
        let matches = alerting(idx.matchIp(resp));
        if (matches.length === 0) {
          if (!o.inbound) return;
          matches = alerting(idx.matchIp(orig));
          if (matches.length === 0) return;
          outbound = false;
          if (!o.unanswered_inbound && !responderAnswered(rec)) return;
        }
        if (ctx.excluded(orig) || ctx.excluded(resp)) return;
        const ours = outbound ? orig : resp;
        const listed = outbound ? resp : orig;
        const first = matches[0]!;
        const port = rec['id.resp_p'];
        const proto = rec.proto.toUpperCase();
        const talked = rec.proto === 'tcp' ? isSession(rec) : rec.resp_pkts > 0 && rec.orig_pkts > 0;
        const where = `${listed}${first.indicator !== listed ? ` (listed as ${first.indicator})` : ''}`;
        ctx.report({
          ts: rec.ts,
          key: `${ours}\u0002${listed}`,
          source: { ip: orig, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: resp, port },
          transport: rec.proto,
          message: outbound
            ? `${orig} ${talked ? 'connected to' : 'attempted to connect to'} listed address ${where} on ${proto} ${port}, in ${describeSources(matches)}`
            : `Listed address ${where} connected to ${resp} on ${proto} ${port}, in ${describeSources(matches)}`,
          evidence: {
            direction: outbound ? 'outbound' : 'inbound',
            listed_address: listed,
            internal_host: ours,
            port,
            proto: rec.proto,
            conn_state: rec.conn_state,
            established: talked,
            orig_bytes: rec.orig_bytes ?? 0,
            resp_bytes: rec.resp_bytes ?? 0,
            service: rec.service ?? null,
            indicator: first.indicator,
            matches: matchEvidence(matches),
          },
        });
      },
    };
  },
});
