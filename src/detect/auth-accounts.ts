/**
 * What the rules that count failed logins by account share (auth.bruteforce's
 * distributed count, auth.spray): one name per account whatever form the
 * protocol wrote it in, bounded in length; the user names a rule ignores;
 * service labels for messages; and `FailureBreadth`, the number of distinct
 * accounts (or clients) failing per key within a window, with the members
 * merged into the key's open alert so its count is "how many different ones".
 */
import { DistinctWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { cutText, ownText } from '../util/cut-text.js';
import { globToRegExp } from '../config/fields.js';
import type { HeldView } from './detector.js';

/**
 * Longest user name kept in a tally (longer ones are cut, into strings of
 * their own). An LDAP bind DN can be as long as the message (256 KiB): 10 of
 * them for each of 50,000 tallies was over 100 GB; cut, full tallies take
 * about 3 KB each.
 */
export const MAX_USER_LENGTH = 128;

/**
 * Services whose accounts are the domain's rather than one server's: Active
 * Directory answers Kerberos, LDAP binds and SMB (NTLM or Kerberos inside
 * SPNEGO) for the same accounts.
 */
export const DIRECTORY_SERVICES: readonly string[] = Object.freeze(['kerberos', 'ldap', 'smb']);
const DIRECTORY = new Set(DIRECTORY_SERVICES);

/** The account names the rules ignore unless told otherwise: machine accounts, anonymous and guest logins. */
export const DEFAULT_IGNORED_USERS: readonly string[] = Object.freeze(['*$', 'anonymous', 'guest']);

/** An LDAP DN: "CN=Alice Smith,OU=Staff,DC=corp,DC=example", "uid=alice,ou=people,dc=example,dc=org". */
const DN_START = /^\s*[A-Za-z][A-Za-z0-9-]*\s*=/;

/** The value of a DN's first RDN ("Alice Smith" of "CN=Alice Smith,OU=..."), escapes left as written. */
function firstRdnValue(dn: string): string {
  const start = dn.indexOf('=') + 1;
  let i = start;
  for (; i < dn.length; i++) {
    const c = dn.charCodeAt(i);
    if (c === 0x5c) i++; // backslash: the next character is escaped
    else if (c === 0x2c || c === 0x2b) break; // ',' ends the RDN, '+' its first attribute
  }
  return dn.slice(start, i);
}

/**
 * One name per account, lower-cased and at most MAX_USER_LENGTH characters,
 * or undefined when the event names none (no user, or an empty one). For
 * directory services the domain is dropped, so the forms the protocols write
 * meet: Kerberos "alice/CORP.EXAMPLE" (Zeek's client field) and
 * "alice@corp.example/CORP.EXAMPLE" (an enterprise principal), NTLM
 * "CORP\alice", a UPN "alice@corp.example" all become "alice"; a bind DN
 * becomes its first RDN value ("cn=alice smith,ou=..." -> "alice smith", the
 * display name AD puts there, which can differ from the login name). Other
 * services' names are kept whole: an IMAP login "alice@example.com" is a
 * different account from "alice@example.org".
 */
export function accountName(service: string, user: string | undefined): string | undefined {
  if (user === undefined) return undefined;
  let u = user;
  if (DIRECTORY.has(service)) {
    if (service === 'kerberos') {
      const slash = u.lastIndexOf('/');
      if (slash >= 0) u = u.slice(0, slash);
    }
    if (DN_START.test(u)) {
      u = firstRdnValue(u);
    } else {
      const domain = u.lastIndexOf('\\');
      if (domain >= 0) u = u.slice(domain + 1);
      const realm = u.lastIndexOf('@');
      if (realm > 0) u = u.slice(0, realm);
    }
  }
  u = u.trim();
  if (u === '') return undefined;
  u = cutText(u, MAX_USER_LENGTH).toLowerCase();
  // A slice of a long bind DN would keep the whole DN alive.
  return u.length < user.length ? ownText(u) : u;
}

/** A test for the account names matching any of `globs` (shell-style, case-insensitive). */
export function userMatcher(globs: readonly string[]): (account: string) => boolean {
  const res = globs.map(globToRegExp);
  return (account) => res.some((re) => re.test(account));
}

/** Names in messages of the services auth events give and of the analyzers a tunnel's content chooses. */
const SERVICE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  ssh: 'SSH', ftp: 'FTP', rdp: 'RDP', vnc: 'VNC', telnet: 'Telnet', smb: 'SMB', ldap: 'LDAP', ldaps: 'LDAPS',
  kerberos: 'Kerberos', http: 'HTTP', pop3: 'POP3', imap: 'IMAP', smtp: 'SMTP', mysql: 'MySQL',
  postgresql: 'PostgreSQL', mssql: 'MSSQL', redis: 'Redis',
  // Analyzer names (conn.jsonl `service`) that differ from the above.
  ssl: 'TLS', rfb: 'VNC', ldap_tcp: 'LDAP', krb: 'Kerberos', krb_tcp: 'Kerberos', dce_rpc: 'DCE/RPC', dns: 'DNS',
  stratum: 'Stratum (mining)',
});

/** How a message names a service or an analyzer's protocol ("SSH", "Kerberos", "TLS"). */
export function serviceLabel(service: string): string {
  return SERVICE_LABELS[service] ?? service.toUpperCase();
}

/** "Kerberos", "Kerberos and LDAP", "Kerberos, LDAP and SMB". */
export function serviceList(services: readonly string[]): string {
  const labels = services.map(serviceLabel);
  if (labels.length <= 1) return labels[0] ?? '';
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** Members and servers listed per alert. */
export const MAX_LISTED = 10;
/**
 * Most members (accounts or clients) one alert counts, and one key's window
 * holds: past it the alert's count stops growing and reads "at least". A
 * spray of more accounts than this within one window has long been reported.
 */
export const MAX_ALERT_MEMBERS = 1000;
/**
 * Members held across all keys, in the windows and in the alerts' tallies
 * each (a name of up to 128 characters with its map entry is under 400
 * bytes: at most about 80 MB each). Keys times MAX_ALERT_MEMBERS alone would
 * allow 50,000,000 names.
 */
export const MAX_TOTAL_MEMBERS = 200_000;

interface Tally {
  /**
   * Members counted in the key's alerts since its window last started over
   * (at most MAX_ALERT_MEMBERS), in the order they were counted: an alert
   * that ends while the failures go on is followed by one for members not yet
   * reported, never by the same members again.
   */
  reported: Set<string> | undefined;
  /** How many of `reported` earlier alerts counted (the open alert's members come after them). */
  before: number;
  /**
   * Servers and services of the key's failures since its window last started
   * over (MAX_LISTED each). Arrays, and `reported` made on the first alert:
   * most keys are a workstation with one mistyped account, and sets for
   * these cost more than the key's window.
   */
  servers: string[];
  services: string[];
}

/** A failure that opened or grew its key's alert. */
export interface BreadthReport {
  /** Distinct members in the window with this failure (at most MAX_ALERT_MEMBERS, or the threshold if higher). */
  inWindow: number;
  /** What the failure adds to the alert's count: the window's unreported members when it opens, else 1. */
  added: number;
  /** The alert's count with this failure: distinct members since it opened. */
  total: number;
  /** When the alert's activity began (first_seen): the oldest of its members' latest failures. */
  first: number;
  /** The key reached MAX_ALERT_MEMBERS: the count is a lower bound, and stays there. */
  capped: boolean;
  /** The first MAX_LISTED members of the alert. */
  sample: string[];
  servers: string[];
  services: string[];
}

export interface FailureBreadthOptions {
  /** Distinct members a key needs within `window` to alert. */
  threshold: number;
  /** Window in seconds. */
  window: number;
  /** Keys tracked at once; the least recently active is dropped beyond it. */
  maxKeys: number;
  /** Members held across all keys (windows and tallies each); default MAX_TOTAL_MEMBERS. */
  maxTotalMembers?: number;
}

/**
 * Distinct members (accounts per client, or clients per account) failing per
 * key within a sliding window of packet time. An alert opens when the window
 * holds `threshold` members not reported before, and grows by each new
 * member while the window stays at the threshold; its first_seen is the
 * oldest of its members' latest failures (the window keeps one time per
 * member). Repeats of a member never add (a user retrying
 * their own password is one account), nor does a member an earlier alert of
 * the key counted: a slow spray outlasting the dedup interval (which runs
 * from first_seen, up to a window before the alert opened) is followed by
 * an alert for the next `threshold` accounts, not by one per account.
 * Nothing but failures counts: a success in between resets nothing (a spray
 * that finds one valid password goes on). Bounded: keys, members per key and
 * members in all keys, each least recently used first.
 */
export class FailureBreadth {
  readonly #window: DistinctWindow<string>;
  readonly #tallies: LruMap<string, Tally>;
  readonly #threshold: number;
  readonly #maxTotal: number;
  /** Members held by all tallies. */
  #tallied = 0;

  constructor(o: FailureBreadthOptions) {
    const maxTotal = o.maxTotalMembers ?? MAX_TOTAL_MEMBERS;
    this.#threshold = o.threshold;
    this.#window = new DistinctWindow<string>({
      window: o.window,
      maxKeys: o.maxKeys,
      maxMembers: Math.max(o.threshold, MAX_ALERT_MEMBERS),
      maxTotalMembers: maxTotal,
    });
    this.#tallies = new LruMap(o.maxKeys, (_key, t) => {
      this.#tallied -= t.reported?.size ?? 0;
    });
    this.#maxTotal = Math.max(MAX_ALERT_MEMBERS, maxTotal);
  }

  /** Keys forgotten because a bound was reached (their counts start over). */
  get evictions(): number {
    return this.#window.evictions + this.#tallies.evictions;
  }

  /** Keys tracked, and members held by their windows and tallies (for tests of the bounds). */
  get footprint(): { keys: number; windowMembers: number; tallies: number; talliedMembers: number } {
    return { keys: this.#window.size, windowMembers: this.#window.totalMembers, tallies: this.#tallies.size, talliedMembers: this.#tallied };
  }

  /**
   * Counts a failure of `member` for `key` at `ts` (against `server`, on
   * `service`); `held` is the rule's open alert for `key`. Returns what to
   * report, or null when there is nothing new to report.
   */
  add(key: string, member: string, server: string, service: string, ts: number, held: HeldView | undefined): BreadthReport | null {
    const inWindow = this.#window.add(key, member, ts);
    let t = this.#tallies.get(key);
    if (t === undefined || (inWindow === 1 && held === undefined)) {
      // A new key, or its window started over: what was reported, and where, starts again.
      if (t !== undefined) this.#tallied -= t.reported?.size ?? 0;
      t = { reported: undefined, before: 0, servers: [server], services: [service] };
      this.#tallies.set(key, t);
    }
    if (t.servers.length < MAX_LISTED && !t.servers.includes(server)) t.servers.push(server);
    if (t.services.length < MAX_LISTED && !t.services.includes(service)) t.services.push(service);
    if (inWindow < this.#threshold) return null;
    const reported = (t.reported ??= new Set());
    if (reported.has(member) || reported.size >= MAX_ALERT_MEMBERS) return null;

    let added: number;
    let first: number;
    if (held === undefined) {
      // A new alert: the window's members no earlier alert counted, if there are enough of them.
      const fresh = this.#window.entries(key).filter(([m]) => !reported.has(m));
      if (fresh.length < this.#threshold) return null;
      t.before = reported.size;
      for (const [m] of fresh) if (!this.#remember(key, reported, m)) break;
      added = fresh.length;
      first = Math.min(fresh[0]![1], ts);
    } else {
      if (!this.#remember(key, reported, member)) return null;
      added = 1;
      first = Math.min(held.firstSeen, ts);
    }
    const sample: string[] = [];
    let i = 0;
    for (const m of reported) {
      if (sample.length >= MAX_LISTED) break;
      if (i++ >= t.before) sample.push(m);
    }
    return {
      inWindow,
      added,
      total: (held?.count ?? 0) + added,
      first,
      capped: reported.size >= MAX_ALERT_MEMBERS,
      sample,
      servers: [...t.servers],
      services: [...t.services],
    };
  }

  /** Adds `member` to `key`'s reported members; false when no room is left (the key's cap, or the total's). */
  #remember(key: string, reported: Set<string>, member: string): boolean {
    if (reported.size >= MAX_ALERT_MEMBERS) return false;
    while (this.#tallied >= this.#maxTotal && this.#tallies.evictOldest(key)) {}
    if (this.#tallied >= this.#maxTotal) return false;
    reported.add(member);
    this.#tallied++;
    return true;
  }
}
