/**
 * Which inside host is called what, lately: computer names as the network
 * tells them (a host's own DHCP, NBNS, LLMNR or mDNS announcements, and DNS
 * answers that resolve a name inside the site), both ways, with the packet
 * time each pairing was last seen. Names are kept as a computer name
 * compares: the first label, lower case ("WS20", "ws20.corp.example" and
 * "ws20.local" are one). Rules that check who a host claims to be (an NTLM
 * workstation name) read it; one instance per engine (`HostNames.of`), fed
 * by every rule that holds it (the same event twice counts once).
 */
import { LruMap } from '../state/lru.js';
import { perSite } from './per-site.js';
import { UNSPECIFIED_V4, UNSPECIFIED_V6, isGroupAddress, isIp } from '../config/ip.js';
import type { Site } from '../config/site.js';
import type { DnsAnswerEvent } from '../protocols/dns/events.js';
import type { HostnameEvent } from '../events/hostname.js';

/** Names and addresses remembered (each way); a pairing is ~100 bytes. */
export const MAX_HOST_NAMES = 50000;
/** Pairings kept per name or per address (a host has a few names; a name a few addresses). */
const MAX_PAIRINGS = 4;
/** A NetBIOS computer name is at most 15 characters; DNS host labels up to 63. */
const MAX_LABEL = 63;

/** One pairing: the other side (an address, or a name) and when it was last seen. */
interface Seen {
  value: string;
  ts: number;
}

/** A name as a computer name compares: its first label, lower case; undefined for an address, nothing or junk. */
export function computerName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  let n = name.trim().toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n === '' || isIp(n)) return undefined;
  const dot = n.indexOf('.');
  if (dot >= 0) n = n.slice(0, dot);
  // "_ldap._tcp..." and the like name services, not computers.
  return n !== '' && n.length <= MAX_LABEL && !n.startsWith('_') ? n : undefined;
}

/** Adds (or refreshes) `value` at `ts` in `list`, newest first, at most MAX_PAIRINGS. */
function remember(map: LruMap<string, Seen[]>, key: string, value: string, ts: number): void {
  const list = map.get(key);
  if (list === undefined) {
    map.set(key, [{ value, ts }]);
    return;
  }
  const at = list.findIndex((s) => s.value === value);
  if (at >= 0) {
    const s = list[at]!;
    if (ts > s.ts) s.ts = ts;
    if (at > 0) {
      list.splice(at, 1);
      list.unshift(s);
    }
    return;
  }
  if (list.length >= MAX_PAIRINGS) list.pop();
  list.unshift({ value, ts });
}

/** The values of `list` seen at or after `since`. */
function recent(list: readonly Seen[] | undefined, since: number): string[] {
  if (list === undefined) return [];
  const out: string[] = [];
  for (const s of list) if (s.ts >= since) out.push(s.value);
  return out;
}

export class HostNames {
  readonly #site: Site;
  readonly #addressesByName: LruMap<string, Seen[]>;
  readonly #namesByAddress: LruMap<string, Seen[]>;
  #lastAnswer: DnsAnswerEvent | undefined;
  #lastHostname: HostnameEvent | undefined;

  /** The instance of `site`, shared by the rules of one engine. */
  static readonly of = perSite((site) => new HostNames(site));

  constructor(site: Site, max = MAX_HOST_NAMES) {
    this.#site = site;
    this.#addressesByName = new LruMap(max);
    this.#namesByAddress = new LruMap(max);
  }

  /** `name` belongs to `address` as of `ts` (only inside unicast addresses are kept: a DHCP client names itself before it has one). */
  pair(name: string | undefined, address: string, ts: number): void {
    const n = computerName(name);
    if (n === undefined || address === UNSPECIFIED_V4 || address === UNSPECIFIED_V6 || isGroupAddress(address) || !this.#site.isInternal(address)) return;
    remember(this.#addressesByName, n, address, ts);
    remember(this.#namesByAddress, address, n, ts);
  }

  /** A host announced or was given a name. */
  noteHostname(e: HostnameEvent): void {
    if (e === this.#lastHostname) return;
    this.#lastHostname = e;
    this.pair(e.name, e.ip, e.ts);
  }

  /** A DNS answer: its question name is at its inside addresses (a CNAME chain's owner names are not the host's). */
  noteAnswer(e: DnsAnswerEvent): void {
    if (e === this.#lastAnswer) return;
    this.#lastAnswer = e;
    if (e.cnames.length > 0) return;
    for (const a of e.addrs) this.pair(e.query, a, e.ts);
  }

  /** Addresses `name` (a computer name, any case) was seen at since `since`, newest first. */
  addressesOf(name: string, since: number): string[] {
    const n = computerName(name);
    return n === undefined ? [] : recent(this.#addressesByName.get(n), since);
  }

  /** Computer names `address` was seen under since `since`, newest first. */
  namesOf(address: string, since: number): string[] {
    return recent(this.#namesByAddress.get(address), since);
  }
}

/** A rule's handlers that feed `names` (spread them into the rule's own; it subscribes to dns.answer and hostname). */
export function hostNamesFeed(names: HostNames): {
  'dns.answer'(e: DnsAnswerEvent): void;
  hostname(e: HostnameEvent): void;
} {
  return {
    'dns.answer'(e) {
      names.noteAnswer(e);
    },
    hostname(e) {
      names.noteHostname(e);
    },
  };
}
