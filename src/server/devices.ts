/**
 * Device inventory updates derived from one ingested batch: `device` records
 * as sent, DHCP transactions (client MAC, assigned/client address, host name,
 * FQDN), DHCPv6 transactions that assigned an address (client MAC, first
 * assigned address, Client FQDN; the client's own source is link-local and
 * places it in no network), hostname announcements (DHCP/mDNS/LLMNR/NBNS, when they carry a
 * MAC) and connections (the Ethernet source of each side, for addresses on
 * local networks only: for a routed peer the MAC is the router's). Updates
 * are merged per (MAC, network) within the batch, and the store merges them
 * with what it already has.
 *
 * Bad or partial records are counted by reason and skipped.
 */
import type { Site } from '../config/site.js';
import { canonicalMac, type OuiTable } from './oui.js';
import { isGroupMac } from '../decode/addr.js';
import type { DeviceInput } from '../store/types.js';
import type { JsonObject } from './store-port.js';
import { UNSPECIFIED_V4 } from '../config/ip.js';

/** A device keeps at most this many IPs and names from one batch (a device record cannot bloat the inventory). */
export const MAX_IPS_PER_DEVICE = 64;
export const MAX_NAMES_PER_DEVICE = 32;
/**
 * A MAC seen behind more distinct addresses than this in one batch's
 * connections is a router or a NAT gateway: its conn-derived addresses are
 * dropped (DHCP and device records still name them).
 */
export const ROUTER_IP_THRESHOLD = 8;
/** Host names longer than a DNS name are not names. */
const MAX_NAME_LENGTH = 255;

export interface DeviceExtractor {
  /** Feeds one record of the batch. */
  add(kind: string, data: JsonObject): void;
  /** The merged updates (and clears the extractor for the next batch). */
  take(): DeviceInput[];
  /** Records skipped, by reason. */
  readonly skipped: Map<string, number>;
}

interface Pending {
  mac: string;
  network: string | undefined;
  ips: Set<string>;
  connIps: Set<string>;
  hostnames: Set<string>;
  vendor: string | undefined;
  first: number;
  last: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Epoch seconds from a number or an ISO text. */
function time(v: unknown): number | undefined {
  const n = num(v);
  if (n !== undefined) return n;
  const s = str(v);
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v) if (typeof x === 'string' && x !== '') out.push(x);
  return out;
}

export function createDeviceExtractor(site: Site, oui: OuiTable): DeviceExtractor {
  const pending = new Map<string, Pending>();
  const skipped = new Map<string, number>();
  const skip = (reason: string): void => {
    skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  };

  function entry(macText: string, ip: string | undefined, network: string | undefined, ts: number, vendor?: string): Pending | undefined {
    const mac = canonicalMac(macText);
    if (mac === null) {
      skip('bad_mac');
      return undefined;
    }
    // Broadcast and multicast MACs (group bit) are not devices.
    if (isGroupMac(mac)) {
      skip('group_mac');
      return undefined;
    }
    const net = network ?? (ip !== undefined ? site.networkOf(ip)?.name : undefined);
    const key = `${mac}|${net ?? ''}`;
    let p = pending.get(key);
    if (p === undefined) {
      p = { mac, network: net, ips: new Set(), connIps: new Set(), hostnames: new Set(), vendor: vendor ?? oui.lookup(mac), first: ts, last: ts };
      pending.set(key, p);
    }
    if (ts < p.first) p.first = ts;
    if (ts > p.last) p.last = ts;
    return p;
  }

  const addIp = (set: Set<string>, ip: string | undefined): void => {
    if (ip !== undefined && set.size < MAX_IPS_PER_DEVICE && ip !== UNSPECIFIED_V4 && ip !== '255.255.255.255') set.add(ip);
  };
  const addName = (p: Pending, name: string | undefined): void => {
    if (name !== undefined && name.length <= MAX_NAME_LENGTH && p.hostnames.size < MAX_NAMES_PER_DEVICE) p.hostnames.add(name);
  };

  function fromDevice(d: JsonObject): void {
    const mac = str(d.mac);
    const ts = time(d.last_seen) ?? time(d.ts) ?? time(d.first_seen);
    if (mac === undefined || ts === undefined) return skip('device_incomplete');
    const ips = [...strings(d.ips), ...strings(d.ip)];
    const p = entry(mac, ips[0], str(d.network), ts, str(d.vendor));
    if (p === undefined) return;
    const first = time(d.first_seen);
    if (first !== undefined && first < p.first) p.first = first;
    for (const ip of ips) addIp(p.ips, ip);
    for (const n of [...strings(d.hostnames), ...strings(d.hostname)]) addName(p, n);
  }

  function fromDhcp(d: JsonObject): void {
    const mac = str(d.mac);
    const ts = num(d.ts);
    if (mac === undefined || ts === undefined) return skip('dhcp_without_mac');
    const ip = str(d.assigned_addr) ?? str(d.client_addr);
    const p = entry(mac, ip, undefined, ts + (num(d.duration) ?? 0));
    if (p === undefined) return;
    if (ts < p.first) p.first = ts;
    addIp(p.ips, ip);
    addName(p, str(d.host_name));
    addName(p, str(d.client_fqdn));
  }

  function fromDhcpv6(d: JsonObject): void {
    const mac = str(d.mac);
    const ts = num(d.ts);
    const ip = strings(d.assigned_addrs)[0];
    if (mac === undefined || ts === undefined) return skip('dhcpv6_without_mac');
    if (ip === undefined) return skip('dhcpv6_without_address');
    const p = entry(mac, ip, undefined, ts + (num(d.duration) ?? 0));
    if (p === undefined) return;
    if (ts < p.first) p.first = ts;
    addIp(p.ips, ip);
    addName(p, str(d.client_fqdn));
  }

  function fromHostname(d: JsonObject): void {
    const mac = str(d.mac);
    const ts = num(d.ts);
    if (mac === undefined || ts === undefined) return skip('hostname_without_mac');
    const ip = str(d.ip);
    const p = entry(mac, ip, undefined, ts);
    if (p === undefined) return;
    addIp(p.ips, ip);
    addName(p, str(d.name));
  }

  function connSide(mac: string | undefined, ip: string | undefined, local: unknown, ts: number, end: number): void {
    if (mac === undefined || ip === undefined) return;
    // Zeek's local_orig/local_resp when networks are configured; else the built-in private ranges.
    const isLocal = typeof local === 'boolean' ? local : site.isInternal(ip);
    if (!isLocal) return;
    const p = entry(mac, ip, undefined, ts);
    if (p === undefined) return;
    if (end > p.last) p.last = end;
    addIp(p.connIps, ip);
  }

  function fromConn(d: JsonObject): void {
    const ts = num(d.ts);
    if (ts === undefined) return skip('conn_without_ts');
    const end = ts + (num(d.duration) ?? 0);
    connSide(str(d.orig_l2_addr), str(d['id.orig_h']), d.local_orig, ts, end);
    connSide(str(d.resp_l2_addr), str(d['id.resp_h']), d.local_resp, ts, end);
  }

  return {
    skipped,
    add(kind: string, data: JsonObject): void {
      if (kind === 'device') fromDevice(data);
      else if (kind === 'dhcp') fromDhcp(data);
      else if (kind === 'dhcpv6') fromDhcpv6(data);
      else if (kind === 'hostname') fromHostname(data);
      else if (kind === 'conn') fromConn(data);
    },
    take(): DeviceInput[] {
      // A name heard without an address (a DHCP request never answered) belongs to the MAC's rows in a
      // network when the batch has some: merged into them, not kept as a row of no network and no address.
      const placed = new Map<string, Pending[]>();
      for (const p of pending.values()) {
        if (p.network === undefined) continue;
        const rows = placed.get(p.mac);
        if (rows === undefined) placed.set(p.mac, [p]);
        else rows.push(p);
      }
      for (const [key, p] of pending) {
        const rows = placed.get(p.mac);
        if (p.network !== undefined || p.ips.size > 0 || p.connIps.size > 0 || rows === undefined) continue;
        for (const r of rows) {
          for (const n of p.hostnames) addName(r, n);
          if (p.first < r.first) r.first = p.first;
          if (p.last > r.last) r.last = p.last;
        }
        pending.delete(key);
      }
      const out: DeviceInput[] = [];
      for (const p of pending.values()) {
        const ips = new Set(p.ips);
        if (p.connIps.size <= ROUTER_IP_THRESHOLD) for (const ip of p.connIps) addIp(ips, ip);
        const u: DeviceInput = { network: p.network ?? '', mac: p.mac, ips: [...ips], hostnames: [...p.hostnames], first_seen: p.first, last_seen: p.last };
        if (p.vendor !== undefined) u.vendor = p.vendor;
        out.push(u);
      }
      pending.clear();
      return out;
    },
  };
}
