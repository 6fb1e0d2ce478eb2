/**
 * http.websocket_tunnel — a WebSocket connection carries another protocol
 * (T1572, protocol tunnelling): SSH, RDP, SMB, TLS or any other protocol
 * Picket recognises by content inside the upgraded connection's data
 * frames. This is how chisel (SSH inside a WebSocket), wstunnel and
 * similar tools reach through web proxies and firewalls that let only
 * HTTP out, or give an attacker's server a way into the network. Web
 * applications exchange their own messages (JSON, STOMP, MQTT), which
 * Picket does not recognise: a known protocol inside is a tunnel.
 *
 * Judged on the `websocket.inner` event, as soon as the inner protocol's
 * first bytes are read, so a tunnel is reported while it runs. By default
 * only WebSockets between an internal host and a public address count
 * (`internal: true` adds those inside the site, where web consoles carry
 * VNC to virtual machines). One alert per client, server and protocol per
 * dedup interval.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { hostLabel } from './host-text.js';
import { serviceLabel } from './auth-accounts.js';

export const OPTIONS = detectorOptions({
  /** Inner protocols (analyzer names, as in conn.jsonl `service`) never reported. */
  ignore_protocols: z.array(z.string().min(1)).default([]),
  /** Judge WebSockets between internal hosts too (web consoles carry VNC inside a data centre). */
  internal: z.boolean().default(false),
});

export default defineDetector({
  id: 'http.websocket_tunnel',
  name: 'Protocol tunnelled in a WebSocket',
  description: 'A WebSocket connection carries another protocol (SSH, RDP, SMB, TLS...): a tunnel such as chisel or wstunnel.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1572',
  subscribes: ['websocket.inner'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ignored = new Set(o.ignore_protocols);
    return {
      'websocket.inner'(e) {
        if (ignored.has(e.protocol)) return;
        const h = e.handshake;
        const client = h['id.orig_h'];
        const server = h['id.resp_h'];
        const port = h['id.resp_p'];
        const inside = ctx.site.isInternal(client) && ctx.site.isInternal(server);
        if (inside && !o.internal) return;
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const what = serviceLabel(e.protocol);
        const details = [
          h.host !== undefined ? `Host ${h.host}` : undefined,
          h.uri !== undefined ? `URI ${h.uri}` : undefined,
          h.subprotocol !== undefined ? `subprotocol ${h.subprotocol}` : h.client_protocols !== undefined ? `offered subprotocols ${h.client_protocols.join(', ')}` : undefined,
        ].filter((x): x is string => x !== undefined);
        ctx.report({
          ts: e.ts,
          key: `${client}|${server}|${e.protocol}`,
          source: { ip: client, port: h['id.orig_p'] },
          destination: { ip: server, port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, client)} tunnelled ${what} through a WebSocket to ${hostLabel(ctx.site, server)} port ${port}` +
            `${details.length > 0 ? ` (${details.join(', ')})` : ''}: a protocol tunnel such as chisel or wstunnel`,
          firstSeen: h.ts,
          evidence: {
            protocol: e.protocol,
            host: h.host ?? null,
            uri: h.uri ?? null,
            user_agent: h.user_agent ?? null,
            subprotocol: h.subprotocol ?? null,
            client_protocols: h.client_protocols ?? [],
            uid: e.uid,
          },
        });
      },
    };
  },
});
