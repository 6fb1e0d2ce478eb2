/**
 * dhcp.rogue_server — a DHCP server that should not be answering. A rogue
 * server hands out itself as gateway or DNS and takes over a segment's
 * traffic (T1557.003).
 *
 * With `dhcp.authorized_servers` configured (ntopng's approach), any OFFER or
 * ACK from a server outside the list alerts. Without it, the rule falls back
 * to Elastic's: two or more different servers answering the same
 * transaction (xid) within `conflict_window` (30 s) — failover pairs that
 * both answer do this too, so list them as authorized. The server is the
 * Server Identifier option when present (through relays the packet source is
 * the relay), else the packet source.
 *
 * In both modes a rogue can also claim a real server's identifier. An answer
 * to a client that has no address yet (ciaddr 0) and that no relay forwarded
 * never crosses a router: it comes from the server's own network card. So
 * the rule learns which MAC addresses send such answers under each
 * identifier; another MAC is a second machine speaking as that server and
 * alerts as an impersonation (once per identifier and MAC). Renewal answers
 * (ciaddr set) are unicast and routed, arriving from whichever gateway
 * forwarded them, so they are left out. Source addresses are not compared:
 * a server with several addresses on one interface answers from whichever
 * suits the client's subnet (Zeek's dhcp_flood capture does).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { DhcpMessageType, UNSPECIFIED_V4 } from '../protocols/dhcp/consts.js';

/** Transactions remembered for the conflict check (a starvation attack makes thousands per minute). */
const MAX_XIDS = 20000;
/** Server identifiers whose answering MACs are remembered. */
const MAX_SERVERS = 1000;
/** MACs remembered per server identifier. */
const MAX_MACS_PER_SERVER = 8;

export const OPTIONS = detectorOptions({
  /** Answers to one xid from two servers within this time are a conflict (Elastic: 30 s). */
  conflict_window: durationField('30s'),
  /** Also alert on NAKs from unauthorized servers (a rogue NAK forces clients to re-DISCOVER). */
  include_nak: z.boolean().default(true),
});

export default defineDetector({
  id: 'dhcp.rogue_server',
  name: 'Rogue DHCP server',
  description: 'A DHCP server not in the authorized list answered clients, or two servers answered one transaction.',
  severity: 3,
  category: ['network'],
  technique: 'T1557.003',
  subscribes: ['dhcp.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const authorized = new Set(ctx.config.dhcp.authorized_servers);
    const xids = new LruMap<number, { server: string; ts: number }>(MAX_XIDS);
    const macsByServer = new LruMap<string, string[]>(MAX_SERVERS);
    ctx.bounded(xids, macsByServer);
    /** Learns `mac` as answering for `server`; the MACs seen before when it is a new one besides them. */
    function newMac(server: string, mac: string): string[] | undefined {
      const known = macsByServer.get(server);
      if (known === undefined) {
        macsByServer.set(server, [mac]);
        return undefined;
      }
      if (known.includes(mac)) return undefined;
      const before = known.slice();
      if (known.length >= MAX_MACS_PER_SERVER) known.shift();
      known.push(mac);
      return before;
    }
    return {
      'dhcp.message'(e) {
        if (e.is_client) return;
        const t = e.msg_type;
        if (t !== DhcpMessageType.OFFER && t !== DhcpMessageType.ACK && !(o.include_nak && t === DhcpMessageType.NAK)) return;
        const server = e.server_id ?? e.src_ip;
        if (ctx.excluded(server)) return;
        const relayed = e.giaddr !== UNSPECIFIED_V4;
        const offered = e.yiaddr !== UNSPECIFIED_V4 ? e.yiaddr : null;
        const evidence = {
          server,
          server_mac: e.src_mac ?? null,
          relay: relayed ? e.giaddr : null,
          msg_type: e.msg_type_name,
          client_mac: e.chaddr,
          offered_addr: offered,
          routers: e.routers ?? [],
          dns_servers: e.dns_servers ?? [],
          xid: e.xid,
        };
        const gives =
          (offered !== null ? ` offered ${offered}` : ` sent ${e.msg_type_name}`) +
          ` to ${e.chaddr}` +
          (e.routers !== undefined && e.routers.length > 0 ? ` with gateway ${e.routers[0]}` : '') +
          (e.dns_servers !== undefined && e.dns_servers.length > 0 ? ` and DNS ${e.dns_servers[0]}` : '');
        const direct = !relayed && e.ciaddr === UNSPECIFIED_V4;
        const otherMachine = direct && e.src_mac !== undefined ? newMac(server, e.src_mac) : undefined;
        if (otherMachine !== undefined && (authorized.size === 0 || authorized.has(server))) {
          ctx.report({
            ts: e.ts,
            key: `${server}|${e.src_mac}`,
            source: { ip: e.src_ip, mac: e.src_mac, port: e.src_port },
            destination: { ip: e.dst_ip, port: e.dst_port },
            transport: 'udp',
            message: `Another machine answers as DHCP server ${server}: ${e.src_mac} after ${otherMachine.join(', ')};${gives}`,
            evidence: { mode: 'impersonation', known_macs: otherMachine, ...evidence },
          });
          return;
        }
        if (authorized.size > 0) {
          if (authorized.has(server)) return;
          ctx.report({
            ts: e.ts,
            key: server,
            source: { ip: server, mac: e.src_mac, port: e.src_port },
            destination: { ip: e.dst_ip, port: e.dst_port },
            transport: 'udp',
            message: `Unauthorized DHCP server ${server}${gives}`,
            evidence: { mode: 'unauthorized', ...evidence },
          });
          return;
        }
        const prev = xids.get(e.xid);
        if (prev === undefined || e.ts - prev.ts > o.conflict_window) {
          xids.set(e.xid, { server, ts: e.ts });
          return;
        }
        if (prev.server === server) return;
        const pair = prev.server < server ? `${prev.server}|${server}` : `${server}|${prev.server}`;
        ctx.report({
          ts: e.ts,
          key: pair,
          source: { ip: server, mac: e.src_mac, port: e.src_port },
          destination: { ip: e.dst_ip, port: e.dst_port },
          transport: 'udp',
          message: `Two DHCP servers answered the same request: ${prev.server} and ${server}${gives}`,
          evidence: { mode: 'conflict', other_server: prev.server, ...evidence },
        });
      },
    };
  },
});
