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
 *
 * `dhcp.authorized_servers` names servers by IP address, MAC address or
 * DUID (config/dhcp-server-id.ts). A DHCPv4 answer is authorized by its
 * server identifier, or by the source MAC of an answer no relay forwarded.
 *
 * DHCPv6 (mitm6, the same technique). Windows asks for DHCPv6 on every network, and
 * prefers IPv6, whether or not the network runs DHCPv6; mitm6 answers
 * those SOLICITs, makes itself the client's DNS server and relays the
 * authentication that follows (WPAD, NTLM to LDAP or SMB). Its fingerprint:
 * it answers every SOLICIT from any client; the DNS server it hands out is
 * its own link-local address; its lifetimes are minutes, not hours; and the
 * address in its IA_NA is a link-local one (fe80::, mitm6's default), or
 * from a prefix (often a ULA) the network does not use. ADVERTISE and REPLY
 * messages are judged:
 * - with a list that names a DHCPv6 server (a DUID or an IPv6 address): a
 *   server whose Server ID (DUID), the MAC inside it, its source address or
 *   its source MAC is not listed alerts (`unauthorized`). List every DHCPv6
 *   server then; through relays, the server's DUID (the client's link sees
 *   the relay's address and MAC). A list of DHCPv4 servers alone leaves
 *   DHCPv6 to the checks below: routers commonly answer DHCPv6 (stateless
 *   DNS options) and would all alert after an upgrade;
 * - without one, two signals that need no learning: a lease of a link-local
 *   address (`link_local_lease`): link-local addresses are formed by each
 *   host itself (RFC 4862 §5.3), no real server hands them out; and two
 *   Server IDs answering one client's transaction within `conflict_window`
 *   (`conflict`), which catches mitm6 where a real DHCPv6 server answers too.
 *   A rogue handing out global or ULA addresses on a network without any
 *   DHCPv6 server needs the list: telling it from a new legitimate server
 *   would take a learning period, and a router or a new DHCPv6 service
 *   would alarm as often as an attacker.
 * The alert names the server by address, MAC and DUID, and the DNS servers,
 * addresses and lifetimes it hands out.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { DhcpMessageType, UNSPECIFIED_V4 } from '../protocols/dhcp/consts.js';
import { Dhcp6MessageType } from '../protocols/dhcpv6/consts.js';
import type { Dhcpv6MessageEvent } from '../protocols/dhcpv6/events.js';
import { dhcpServerList } from '../config/dhcp-server-id.js';

/** Transactions remembered for the conflict check (a starvation attack makes thousands per minute). */
const MAX_XIDS = 20000;
/** Server identifiers whose answering MACs are remembered. */
const MAX_SERVERS = 1000;
/** MACs remembered per server identifier. */
const MAX_MACS_PER_SERVER = 8;
/** DNS servers and addresses named in a message (the evidence has them all). */
const MAX_NAMED = 4;

/** fe80::/10, as the decoder writes addresses (lower case, RFC 5952: the first group in full). */
const LINK_LOCAL_6 = /^fe[89ab][0-9a-f]:/;

export const OPTIONS = detectorOptions({
  /** Answers to one xid from two servers within this time are a conflict (Elastic: 30 s). */
  conflict_window: durationField('30s'),
  /** Also alert on NAKs from unauthorized servers (a rogue NAK forces clients to re-DISCOVER). */
  include_nak: z.boolean().default(true),
});

export default defineDetector({
  id: 'dhcp.rogue_server',
  name: 'Rogue DHCP server',
  description: 'A DHCP or DHCPv6 server not in the authorized list answered clients, two servers answered one transaction, or a DHCPv6 server handed out link-local addresses (mitm6).',
  severity: 3,
  category: ['network'],
  technique: 'T1557.003',
  subscribes: ['dhcp.message', 'dhcpv6.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const authorized = dhcpServerList(ctx.config.dhcp.authorized_servers);
    const xids = new LruMap<number, { server: string; ts: number }>(MAX_XIDS);
    const macsByServer = new LruMap<string, string[]>(MAX_SERVERS);
    /** DHCPv6: the first server (DUID, else address) that answered each client DUID and transaction id. */
    const transactions6 = new LruMap<string, { server: string; name: string; ts: number }>(MAX_XIDS);
    ctx.bounded(xids, macsByServer, transactions6);
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
    /** "fe80::66 (MAC 02:.., DUID 0003..)": the server of a DHCPv6 answer. */
    function serverName6(e: Dhcpv6MessageEvent): string {
      const parts: string[] = [];
      if (e.src_mac !== undefined) parts.push(`MAC ${e.src_mac}`);
      if (e.server_duid !== undefined) parts.push(`DUID ${e.server_duid}`);
      return parts.length > 0 ? `${e.src_ip} (${parts.join(', ')})` : e.src_ip;
    }
    /** Is the server of a DHCPv6 answer on the list: by its DUID, the MAC inside it, its address or its card? */
    function listed6(e: Dhcpv6MessageEvent): boolean {
      return (
        (e.server_duid !== undefined && authorized.duids.has(e.server_duid)) ||
        (e.server_duid_mac !== undefined && authorized.macs.has(e.server_duid_mac)) ||
        authorized.ips.has(e.src_ip) ||
        (e.src_mac !== undefined && authorized.macs.has(e.src_mac))
      );
    }
    function dhcp6(e: Dhcpv6MessageEvent): void {
      if (e.msg_type !== Dhcp6MessageType.ADVERTISE && e.msg_type !== Dhcp6MessageType.REPLY) return;
      if (ctx.excluded(e.src_ip)) return;
      const useList = authorized.coversV6;
      if (useList && listed6(e)) return;
      const client = e.client_duid_mac ?? e.client_duid ?? e.client_addr ?? e.dst_ip;
      const addrs: string[] = [];
      const prefixes: string[] = [];
      let minValid: number | null = null;
      let linkLocal: string | undefined;
      for (const l of e.leases) {
        (l.ia === 'pd' ? prefixes : addrs).push(l.addr);
        if (minValid === null || l.valid < minValid) minValid = l.valid;
        if (l.ia !== 'pd' && linkLocal === undefined && LINK_LOCAL_6.test(l.addr)) linkLocal = l.addr;
      }
      const dns = e.dns_servers ?? [];
      const named = (list: readonly string[]): string => list.slice(0, MAX_NAMED).join(', ') + (list.length > MAX_NAMED ? ', ...' : '');
      const gives =
        ` sent ${e.msg_type_name} to ${client}` +
        (addrs.length > 0 ? ` with address ${named(addrs)}` : prefixes.length > 0 ? ` with prefix ${named(prefixes)}` : '') +
        (minValid !== null ? ` (valid ${minValid} s)` : '') +
        (dns.length > 0 ? ` and DNS ${named(dns)}` : '');
      const evidence = {
        protocol: 'dhcpv6',
        server: e.src_ip,
        server_mac: e.src_mac ?? null,
        server_duid: e.server_duid ?? null,
        relay: e.relay_addrs ?? null,
        msg_type: e.msg_type_name,
        client_duid: e.client_duid ?? null,
        client_mac: e.client_duid_mac ?? null,
        client_addr: e.client_addr ?? e.dst_ip,
        assigned_addrs: addrs,
        prefixes,
        min_valid_lifetime: minValid,
        dns_servers: dns,
        domain_search: e.domain_search ?? [],
        trans_id: e.trans_id,
      };
      const finding = { ts: e.ts, source: { ip: e.src_ip, mac: e.src_mac, port: e.src_port }, destination: { ip: e.dst_ip, port: e.dst_port }, transport: 'udp' as const };
      const server = e.server_duid ?? e.src_ip;
      if (useList) {
        ctx.report({ ...finding, key: `v6|${server}`, message: `Unauthorized DHCPv6 server ${serverName6(e)}${gives}`, evidence: { mode: 'unauthorized', ...evidence } });
        return;
      }
      if (linkLocal !== undefined) {
        ctx.report({
          ...finding,
          key: `v6|${server}`,
          message: `DHCPv6 server ${serverName6(e)} hands out link-local address ${linkLocal}, as mitm6 does;${gives}`,
          evidence: { mode: 'link_local_lease', ...evidence },
        });
        return;
      }
      const key = `${e.client_duid ?? ''}|${e.trans_id}`;
      const prev = transactions6.get(key);
      if (prev === undefined || e.ts - prev.ts > o.conflict_window) {
        transactions6.set(key, { server, name: serverName6(e), ts: e.ts });
        return;
      }
      if (prev.server === server) return;
      const pair = prev.server < server ? `${prev.server}|${server}` : `${server}|${prev.server}`;
      ctx.report({
        ...finding,
        key: `v6|${pair}`,
        message: `Two DHCPv6 servers answered the same request: ${prev.name} and ${serverName6(e)};${gives}`,
        evidence: { mode: 'conflict', other_server: prev.name, ...evidence },
      });
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
        // A MAC names the machine on the segment it answers; relayed answers come from the relay.
        const listed = authorized.ips.has(server) || (!relayed && e.src_mac !== undefined && authorized.macs.has(e.src_mac));
        if (otherMachine !== undefined && (authorized.size === 0 || listed)) {
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
          if (listed) return;
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
      'dhcpv6.message'(e) {
        dhcp6(e);
      },
    };
  },
});
