/**
 * http.proxy_tunnel — a client runs a protocol other than the web through
 * its web proxy (T1572, protocol tunnelling): after an accepted CONNECT,
 * the bytes inside turn out to be SSH, RDP, SMB or another protocol
 * Picket recognises, not the TLS of an HTTPS site. Proxies are where the
 * only way out is; an SSH session or a remote desktop to an outside host
 * through one is how a user (or an implant) gets around the firewall.
 *
 * Judged on the `http.proxy_tunnel` event, as soon as the inner protocol's
 * first bytes are read. TLS and plain HTTP inside (what CONNECT is for)
 * are left out by `ignore_protocols`; the target is named as the client
 * asked for it. Medium severity: developers reach Git over SSH this way
 * where policy allows it (`exclude` them, or add `ssh` to
 * `ignore_protocols`). One alert per client, target and protocol per dedup
 * interval.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { hostLabel } from './host-text.js';
import { protocolText } from './tunnel-protocols.js';

export const OPTIONS = detectorOptions({
  /** Inner protocols (analyzer names, as in conn.jsonl `service`) never reported: what CONNECT is for. */
  ignore_protocols: z.array(z.string().min(1)).default(['ssl', 'http']),
});

export default defineDetector({
  id: 'http.proxy_tunnel',
  name: 'Protocol tunnelled through a web proxy',
  description: 'A client ran SSH, RDP, SMB or another non-web protocol through its web proxy after an HTTP CONNECT.',
  severity: 2,
  category: ['network'],
  technique: 'T1572',
  subscribes: ['http.proxy_tunnel'],
  options: OPTIONS,
  create(ctx) {
    const ignored = new Set(ctx.options.ignore_protocols);
    return {
      'http.proxy_tunnel'(e) {
        if (ignored.has(e.protocol)) return;
        if (ctx.excluded(e.client) || ctx.excluded(e.proxy)) return;
        const what = protocolText(e.protocol);
        ctx.report({
          ts: e.ts,
          key: `${e.client}|${e.target}|${e.protocol}`,
          source: { ip: e.client, port: e.client_port },
          destination: { ip: e.proxy, port: e.proxy_port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, e.client)} ran ${what} to ${e.target === '' ? 'an unnamed target' : e.target} through its web proxy ${hostLabel(ctx.site, e.proxy)} port ${e.proxy_port}` +
            ` (HTTP CONNECT${e.user_agent !== undefined ? `, ${e.user_agent}` : ''}): a protocol tunnelled through the proxy`,
          evidence: {
            protocol: e.protocol,
            target: e.target,
            proxy: e.proxy,
            proxy_port: e.proxy_port,
            user_agent: e.user_agent ?? null,
            uid: e.uid,
          },
        });
      },
    };
  },
});
