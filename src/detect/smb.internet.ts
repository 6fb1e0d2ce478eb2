/**
 * smb.internet — SMB/NetBIOS session traffic (TCP 445/139) from an internal
 * host to a public address. SMB has no business crossing the perimeter:
 * outbound attempts leak NTLM hashes to attacker servers (UNC paths in mail
 * or documents) or are worm propagation. Like Elastic's rule, every
 * attempt counts, answered or not (a blocked attempt still shows the host
 * was made to try); evidence separates established from failed.
 * "Internal" = a configured network or a private/special range; documentation
 * ranges count as public so labs can stand in for the Internet.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions, portField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { countOutbound, freshOutbound, outboundSummary, type OutboundTally } from './outbound-tally.js';

/** Sources whose running tallies are kept. */
const MAX_SOURCES = 10000;

export const OPTIONS = detectorOptions({
  /** TCP ports watched: SMB direct (445) and NetBIOS session (139). */
  ports: z.array(portField).default([445, 139]),
});

export default defineDetector({
  id: 'smb.internet',
  name: 'SMB to the Internet',
  description: 'An internal host opened or attempted an SMB/NetBIOS session with a public address.',
  severity: 3,
  category: ['network'],
  technique: 'T1187',
  subscribes: ['flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const ports = new Set(ctx.options.ports);
    const tallies = new LruMap<string, OutboundTally>(MAX_SOURCES);
    return {
      'flow.end'(e) {
        const rec = e.record;
        if (rec.proto !== 'tcp' || !ports.has(rec['id.resp_p'])) return;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        if (!ctx.site.isInternal(src) || ctx.site.isInternal(dst)) return;
        if (ctx.excluded(src) || ctx.excluded(dst)) return;
        const key = src;
        const t = openTally(ctx, tallies, key, freshOutbound);
        const established = countOutbound(t, rec);
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: dst, port: rec['id.resp_p'] },
          transport: 'tcp',
          message:
            `${src} ${established ? 'opened an SMB session' : 'attempted SMB'} to public address ${dst} on TCP ${rec['id.resp_p']}` + outboundSummary(t),
          evidence: {
            established: t.established,
            failed: t.failed,
            destinations: [...t.dests],
            service: rec.service ?? null,
            conn_state: rec.conn_state,
          },
        });
      },
    };
  },
});
