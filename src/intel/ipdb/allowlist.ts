/**
 * `asn_allowlists` compiled for matching: which lists cover a host (its
 * `hosts` are configured network names or CIDRs) and whether an address's
 * owner is allowed by a list (AS number, organisation glob such as
 * "Canonical*" matched case-insensitively, or country). A host may be covered
 * by several lists; any one of them allowing the owner is enough. Entries
 * that name no known network and are not CIDRs are reported as problems and
 * skipped, never thrown.
 */
import type { IpOwner } from '../context.js';
import type { Site } from '../../config/site.js';
import type { CidrSet } from '../../config/cidr.js';
import { globToRegExp } from '../../config/fields.js';

/** One `asn_allowlists[]` entry as the config schema yields it. */
export interface AsnAllowlistConfig {
  readonly hosts: readonly string[];
  readonly asns: readonly (number | string)[];
  readonly countries: readonly string[];
  readonly description?: string | undefined;
}

/** Verdicts memoised per list (AS entries seen by one site are a few thousand). */
const MAX_MEMO = 65536;

export class CompiledAllowlist {
  /** Position in `asn_allowlists`. */
  readonly index: number;
  /** The `hosts` as written, for messages ("servers", "10.0.5.0/24"). */
  readonly label: string;
  readonly hosts: CidrSet;
  readonly asns: ReadonlySet<number>;
  readonly orgPatterns: readonly RegExp[];
  readonly countries: ReadonlySet<string>;
  /** owner.asn -> allowed by number or organisation. */
  readonly #memo = new Map<number, boolean>();

  constructor(index: number, label: string, hosts: CidrSet, entry: AsnAllowlistConfig) {
    this.index = index;
    this.label = label;
    this.hosts = hosts;
    const asns = new Set<number>();
    const orgs: RegExp[] = [];
    for (const a of entry.asns) {
      if (typeof a === 'number') asns.add(a);
      else if (/^AS[0-9]{1,10}$/i.test(a)) asns.add(Number(a.slice(2)));
      else if (/^[0-9]{1,10}$/.test(a)) asns.add(Number(a));
      else orgs.push(globToRegExp(a));
    }
    this.asns = asns;
    this.orgPatterns = orgs;
    this.countries = new Set(entry.countries.map((c) => c.toUpperCase()));
  }

  /** True when the owner's AS number, organisation or country is on this list. */
  allows(owner: IpOwner | undefined): boolean {
    if (owner === undefined) return false;
    if (owner.cc !== undefined && this.countries.has(owner.cc)) return true;
    const asn = owner.asn;
    if (asn === undefined) return this.#orgAllowed(owner.as_org);
    let v = this.#memo.get(asn);
    if (v === undefined) {
      v = this.asns.has(asn) || this.#orgAllowed(owner.as_org);
      if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
      this.#memo.set(asn, v);
    }
    return v;
  }

  #orgAllowed(org: string | undefined): boolean {
    if (org === undefined) return false;
    for (let i = 0; i < this.orgPatterns.length; i++) if (this.orgPatterns[i]!.test(org)) return true;
    return false;
  }
}

export interface AllowlistVerdict {
  /** Lists covering the host (empty: the host is not judged). */
  lists: readonly CompiledAllowlist[];
  allowed: boolean;
}

const NOT_COVERED: AllowlistVerdict = Object.freeze({ lists: Object.freeze([]) as readonly CompiledAllowlist[], allowed: true });

export class AsnAllowlists {
  readonly lists: readonly CompiledAllowlist[];
  /** Config problems, e.g. `asn_allowlists[0].hosts[1]: "servrs" is neither a configured network nor a CIDR`. */
  readonly problems: readonly string[];

  constructor(entries: readonly AsnAllowlistConfig[], site: Site) {
    const lists: CompiledAllowlist[] = [];
    const problems: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const set = site.hostSet(e.hosts, (text, h) => {
        problems.push(`asn_allowlists[${i}].hosts[${h}]: ${JSON.stringify(text)} is neither a configured network nor a CIDR`);
      });
      if (set.size === 0) continue;
      lists.push(new CompiledAllowlist(i, e.hosts.join(', '), set, e));
    }
    this.lists = lists;
    this.problems = problems;
  }

  /** The lists covering `host`, in config order. */
  covering(host: string): CompiledAllowlist[] {
    const out: CompiledAllowlist[] = [];
    for (let i = 0; i < this.lists.length; i++) if (this.lists[i]!.hosts.has(host)) out.push(this.lists[i]!);
    return out;
  }

  /** Whether `host` may talk to an address owned by `owner`; hosts no list covers are always allowed. */
  judge(host: string, owner: IpOwner | undefined): AllowlistVerdict {
    const lists = this.covering(host);
    if (lists.length === 0) return NOT_COVERED;
    for (let i = 0; i < lists.length; i++) if (lists[i]!.allows(owner)) return { lists, allowed: true };
    return { lists, allowed: false };
  }
}
