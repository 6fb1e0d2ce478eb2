/**
 * What rules about connections to the Internet (c2.beacon, conn.long) know
 * of a connection's other end besides its address: the server name the
 * client asked for, from the TLS ClientHello (SNI) or the HTTP Host header.
 * Both arrive before the connection ends, so names are kept by connection
 * uid until its flow.end, and a CDN-hosted service whose addresses rotate
 * keeps one name. A connection without either (raw TCP, QUIC, SSH) is named
 * by the DNS answer that gave its client the address, when one was seen:
 * those answers are kept once per engine (`ResolvedNames.of`), for both
 * rules, as they are the same for both. Also the allowlist those rules share: the rule's own domains (compared as
 * dns.dga compares its `allow` list) and, optionally, the bundled
 * popular-domains list (the DGA allowlist: Tranco and Umbrella top sites).
 */
import { LruMap } from '../state/lru.js';
import { isSnapshot } from './detector.js';
import { perSite } from './per-site.js';
import { isIp } from '../config/ip.js';
import { registrableLabel } from '../intel/dga/label.js';
import type { DgaScorer } from '../intel/context.js';
import type { SslLogEvent } from '../protocols/tls/events.js';
import type { HttpLogEvent } from '../protocols/http/events.js';
import type { DnsAnswerEvent } from '../protocols/dns/events.js';
import type { HostnameEvent } from '../events/hostname.js';

/** Live connections whose server name is remembered by default. */
export const MAX_NAMED_CONNECTIONS = 50000;
/** Longest server name kept (a DNS name is at most 253 characters). */
const MAX_NAME_LENGTH = 253;
/**
 * (client, address) pairs remembered from DNS answers, for c2.beacon and
 * conn.long together: ~150 bytes each (the pair as text, the name shared with
 * the answer), 7.5 MB when full.
 */
export const MAX_RESOLVED = 50000;
/** Names remembered per address from hostname events (a host has a NetBIOS name, a DHCP name, an mDNS name, ...). */
const MAX_NAMES_PER_ADDRESS = 4;
const NO_NAMES: readonly string[] = [];
/** Verdicts cached per name. */
const MAX_VERDICTS = 50000;

/** A server name as a key: lower case, without a port or a trailing dot; undefined for an address or nothing. */
export function serverName(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  let n = name.toLowerCase();
  if (n.startsWith('[')) return undefined; // an IPv6 literal Host
  const colon = n.indexOf(':');
  if (colon >= 0) n = n.slice(0, colon);
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n === '' || n.length > MAX_NAME_LENGTH) return undefined;
  // An address given as a name adds nothing to the address itself.
  return isIp(n) ? undefined : n;
}

/**
 * The name each client last resolved each address to, from DNS answers
 * ("client|address" -> name), and the names each address announced or was
 * given, whoever asked (hostname events: DHCP, mDNS, LLMNR, NBNS; address
 * -> the newest MAX_NAMES_PER_ADDRESS names).
 */
export class ResolvedNames {
  readonly #map: LruMap<string, string>;
  readonly #announced: LruMap<string, string[]>;
  /** The last answer noted: the rules sharing one instance each hand it every answer. */
  #last: DnsAnswerEvent | undefined;
  #lastHostname: HostnameEvent | undefined;

  /** The instance of `site`, shared by the rules of one engine. */
  static readonly of = perSite(() => new ResolvedNames());

  constructor(max = MAX_RESOLVED) {
    this.#map = new LruMap(max);
    this.#announced = new LruMap(max);
  }

  /** A host announced or was given a name (lower-cased here; a name of an address literal adds nothing). */
  noteHostname(e: HostnameEvent): void {
    if (e === this.#lastHostname) return;
    this.#lastHostname = e;
    const n = serverName(e.name);
    if (n === undefined) return;
    const names = this.#announced.get(e.ip);
    if (names === undefined) {
      this.#announced.set(e.ip, [n]);
      return;
    }
    const at = names.indexOf(n);
    if (at === 0) return;
    if (at > 0) names.splice(at, 1);
    else if (names.length >= MAX_NAMES_PER_ADDRESS) names.pop();
    names.unshift(n);
  }

  /** Names `address` announced or was given (newest first; empty when none were seen). */
  announced(address: string): readonly string[] {
    return this.#announced.get(address) ?? NO_NAMES;
  }

  /** A DNS answer: its client learnt that its query is at its addresses. */
  note(e: DnsAnswerEvent): void {
    if (e === this.#last) return;
    this.#last = e;
    const n = serverName(e.query);
    if (n === undefined) return;
    for (let i = 0; i < e.addrs.length; i++) this.#map.set(`${e.client}|${e.addrs[i]!}`, n);
  }

  /** The name `client` resolved to `address` last, if any. */
  get(client: string, address: string): string | undefined {
    return this.#map.get(`${client}|${address}`);
  }
}

/** Server names of live connections by uid (TLS SNI first, else HTTP Host), and the names their clients resolved. */
export class ServerNames {
  readonly #names: LruMap<string, string>;
  readonly #resolved: ResolvedNames;

  /** `resolved`: the engine's shared instance (ResolvedNames.of) in a rule. */
  constructor(resolved = new ResolvedNames(), max = MAX_NAMED_CONNECTIONS) {
    this.#names = new LruMap(max);
    this.#resolved = resolved;
  }

  /** A DNS answer (see ResolvedNames.note). */
  dnsAnswer(e: DnsAnswerEvent): void {
    this.#resolved.note(e);
  }

  /** The name `client` resolved to `address` last, if any. */
  resolved(client: string, address: string): string | undefined {
    return this.#resolved.get(client, address);
  }

  /** A TLS ClientHello's server name. */
  tls(uid: string, sni: string | undefined): void {
    const n = serverName(sni);
    if (n !== undefined) this.#names.set(uid, n);
  }

  /** An HTTP request's Host (a TLS name seen first is kept). */
  http(uid: string, host: string | undefined): void {
    if (this.#names.has(uid)) return;
    const n = serverName(host);
    if (n !== undefined) this.#names.set(uid, n);
  }

  get(uid: string): string | undefined {
    return this.#names.get(uid);
  }

  /** The connection ended: its name is no longer needed. */
  forget(uid: string): void {
    this.#names.delete(uid);
  }
}

/** A rule's handlers that feed `names` (spread them into the rule's own; it subscribes to ssl, http and dns.answer). */
export function namesFeed(names: ServerNames): {
  ssl(e: SslLogEvent): void;
  http(e: HttpLogEvent): void;
  'dns.answer'(e: DnsAnswerEvent): void;
} {
  return {
    ssl(e) {
      names.tls(e.uid, e.record.server_name);
    },
    http(e) {
      names.http(e.uid, e.record.host);
    },
    'dns.answer'(e) {
      names.dnsAnswer(e);
    },
  };
}

/**
 * For a longFlows rule's flow.end handler (which also gets flow.long
 * snapshots): whether the connection is still open, and the TLS or HTTP
 * name its client gave, forgotten once the connection has ended.
 */
export function connectionName(names: ServerNames, e: { type: string; record: { uid: string } }): { open: boolean; name: string | undefined } {
  const open = isSnapshot(e);
  const name = names.get(e.record.uid);
  if (!open) names.forget(e.record.uid);
  return { open, name };
}

/** A rule's handlers that feed `resolved` the names of addresses (spread them into the rule's own; it subscribes to dns.answer and hostname). */
export function resolvedNamesFeed(resolved: ResolvedNames): {
  'dns.answer'(e: DnsAnswerEvent): void;
  hostname(e: HostnameEvent): void;
} {
  return {
    'dns.answer'(e) {
      resolved.note(e);
    },
    hostname(e) {
      resolved.noteHostname(e);
    },
  };
}

/** An `allow` option's domains as names compare: lower case, without a leading "*." or "." or a trailing dot. */
export function allowedDomains(allow: readonly string[]): string[] {
  return allow.map((d) => d.toLowerCase().replace(/^\*?\./, '').replace(/\.$/, ''));
}

/** True when `name` is one of `domains` (from allowedDomains) or under one. */
export function underDomain(name: string, domains: readonly string[]): boolean {
  for (let i = 0; i < domains.length; i++) {
    const d = domains[i]!;
    if (name === d) return true;
    // A subdomain: a dot just before the domain's text at the end (no string made per domain and name).
    const dot = name.length - d.length - 1;
    if (dot >= 0 && name.charCodeAt(dot) === 46 && name.endsWith(d)) return true;
  }
  return false;
}

/**
 * Domains a rule never counts: its `allow` list (each entry with its
 * subdomains) and, when given, the popular registrable domains.
 */
export class NameAllowlist {
  readonly #allow: string[];
  readonly #popular: DgaScorer | undefined;
  readonly #verdicts = new LruMap<string, boolean>(MAX_VERDICTS);

  constructor(allow: readonly string[], popular: DgaScorer | undefined) {
    this.#allow = allowedDomains(allow);
    this.#popular = popular;
  }

  /** True when `name` (as made by serverName) is allowed. */
  allowed(name: string): boolean {
    const cached = this.#verdicts.get(name);
    if (cached !== undefined) return cached;
    let ok = underDomain(name, this.#allow);
    if (!ok && this.#popular !== undefined) {
      const lab = registrableLabel(name);
      ok = typeof lab !== 'string' && this.#popular.allowed(lab.domain);
    }
    this.#verdicts.set(name, ok);
    return ok;
  }
}
