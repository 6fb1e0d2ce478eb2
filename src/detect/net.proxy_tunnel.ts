/**
 * net.proxy_tunnel — a client runs a protocol other than the web through
 * a proxy (T1572, protocol tunnelling): after an accepted HTTP CONNECT or
 * SOCKS CONNECT, the bytes inside turn out to be SSH, RDP, SMB or another
 * protocol Picket recognises, not the TLS of an HTTPS site. Proxies are
 * where the only way out is; an SSH session or a remote desktop to an
 * outside host through one is how a user (or an implant) gets around the
 * firewall, and a SOCKS proxy is how attackers pivot through a foothold.
 *
 * Judged on the `proxy.tunnel` event, as soon as the inner protocol's
 * first bytes are read. TLS and plain HTTP inside (what CONNECT is for)
 * are left out by `ignore_protocols`; the target is named as the client
 * asked for it. Medium severity: developers reach Git over SSH through web proxies
 * where policy allows it (`exclude` them, or add `ssh` to
 * `ignore_protocols`). One alert per client, target and protocol per dedup
 * interval.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { hostLabel } from './host-text.js';
import { serviceLabel } from './auth-accounts.js';

export const OPTIONS = detectorOptions({
  /** Inner protocols (analyzer names, as in conn.jsonl `service`) never reported: what CONNECT is for. */
  ignore_protocols: z.array(z.string().min(1)).default(['ssl', 'http']),
});

export default defineDetector({
  id: 'net.proxy_tunnel',
  name: 'Protocol tunnelled through a proxy',
  description: 'A client ran SSH, RDP, SMB or another non-web protocol through a proxy after an HTTP or SOCKS CONNECT.',
  severity: 2,
  category: ['network'],
  technique: 'T1572',
  subscribes: ['proxy.tunnel'],
  options: OPTIONS,
  create(ctx) {
    const ignored = new Set(ctx.options.ignore_protocols);
    return {
      'proxy.tunnel'(e) {
        if (ignored.has(e.protocol)) return;
        if (ctx.excluded(e.client) || ctx.excluded(e.proxy)) return;
        const what = serviceLabel(e.protocol);
        const how = e.via === 'http' ? `HTTP CONNECT${e.user_agent !== undefined ? `, ${e.user_agent}` : ''}` : `${e.via === 'socks4' ? 'SOCKS 4' : 'SOCKS 5'}${e.user !== undefined ? `, user ${e.user}` : ''}`;
        ctx.report({
          ts: e.ts,
          key: `${e.client}|${e.target}|${e.protocol}`,
          source: { ip: e.client, port: e.client_port },
          destination: { ip: e.proxy, port: e.proxy_port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, e.client)} ran ${what} to ${e.target === '' ? 'an unnamed target' : e.target} through ${e.via === 'http' ? 'its web proxy' : 'the SOCKS proxy'} ${hostLabel(ctx.site, e.proxy)} port ${e.proxy_port}` +
            ` (${how}): a protocol tunnelled through the proxy`,
          evidence: {
            via: e.via,
            protocol: e.protocol,
            target: e.target,
            proxy: e.proxy,
            proxy_port: e.proxy_port,
            user_agent: e.user_agent ?? null,
            user: e.user ?? null,
            uid: e.uid,
          },
        });
      },
    };
  },
});
