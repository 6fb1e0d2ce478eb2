/**
 * dns.dga — a client looking up names that look machine-generated (domain
 * generation algorithms: malware deriving its rendezvous names from the date
 * and a seed, e.g. Conficker, CryptoLocker, GameOver Zeus). Each queried
 * name's registrable label is scored by the offline DGA classifier
 * (`intel.dga`, src/intel/dga); names on its allowlist (popular, CDN and cloud
 * domains) and on this rule's `allow` list are never counted. One generated-
 * looking domain can be a fluke (a random-looking brand or tracker), a bot
 * walks through dozens, so the rule alerts when one client has looked up
 * `min_names` distinct such registrable domains within `window`. Evidence
 * lists the names with their scores and how many got NXDOMAIN (most generated
 * names are not registered). Quiet when no DGA scorer is configured.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, portField, thresholdField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { registrableLabel } from '../intel/dga/label.js';
import { allowedDomains, underDomain } from './server-names.js';

/** Clients tracked at once. */
const MAX_CLIENTS = 50000;
/**
 * Verdicts kept per query name. Most lookups repeat a few thousand popular
 * names, and scoring a name (n-grams against several family models) costs
 * far more than a map hit. A verdict is one number (the score of a name that
 * counts, else NOT_COUNTED), not the scorer's answer object: ~145 bytes a
 * name, its text included (~190 with the object), 15 MB when full.
 */
const SCORE_CACHE_NAMES = 100_000;
/** The cached verdict of a name that does not count: skipped by the scorer or under the threshold. */
const NOT_COUNTED = -1;
/** Distinct flagged domains remembered per client (evidence and the count). */
const MAX_NAMES = 50;
/**
 * Flagged domains held across all clients' tallies: about 250 bytes each for
 * names as usually seen (25 MB), 700 bytes at most (longer names are not
 * scored): 70 MB. Without it the per-client cap times the client bound would
 * allow 2.5 million names (over a gigabyte of long random names from spoofed
 * clients). Past it, the least recently active clients' tallies are dropped
 * (counted as evictions), so a client looking up generated names now is
 * still counted.
 */
export const MAX_NAMES_TOTAL = 100_000;
/** Names listed in evidence. */
const MAX_LISTED = 20;

export const OPTIONS = detectorOptions({
  /** Distinct generated-looking registrable domains from one client within `window` before alerting. */
  min_names: thresholdField(3),
  window: durationField('1h'),
  /** Probability at which a name counts as generated (default: the model's own threshold). */
  threshold: z.number().min(0).max(1).optional(),
  /** Registrable domains (and their subdomains) never counted, besides the bundled allowlist. */
  allow: z.array(z.string().min(1)).default([]),
  /** Server ports that are DNS (mDNS and NBNS are logged as dns too, and are not judged). */
  ports: z.array(portField).default([53]),
});

export interface DgaTally {
  start: number;
  names: Map<string, { name: string; score: number }>;
  nxdomain: number;
}

/** Per-client tallies of flagged domains, bounded per client and, in names, across clients. */
export class DgaTallies {
  readonly #map: LruMap<string, DgaTally>;
  readonly #maxNames: number;
  /** Names held by all tallies. */
  #names = 0;

  constructor(maxClients: number, maxNames = MAX_NAMES_TOTAL) {
    this.#map = new LruMap(maxClients, (_client, t) => {
      this.#names -= t.names.size;
    });
    this.#maxNames = Math.max(MAX_NAMES, maxNames);
  }

  /** Clients' tallies dropped (map full, or the names budget reached). */
  get evictions(): number {
    return this.#map.evictions;
  }

  /** Names held across all clients. */
  get namesHeld(): number {
    return this.#names;
  }

  /**
   * `client`'s tally at `ts`, restarted when its window (`window` seconds
   * from its first name) has passed, with `domain` (looked up as `name`)
   * added unless already there or the client's list is full. `added` is false
   * for a domain already counted.
   */
  note(client: string, ts: number, window: number, domain: string, name: string, score: number): { tally: DgaTally; added: boolean } {
    let t = this.#map.get(client);
    if (t === undefined || ts - t.start > window) {
      if (t !== undefined) this.#names -= t.names.size;
      t = { start: ts, names: new Map(), nxdomain: 0 };
      this.#map.set(client, t);
    }
    if (t.names.has(domain)) return { tally: t, added: false };
    if (t.names.size < MAX_NAMES) {
      while (this.#names >= this.#maxNames && this.#map.evictOldest(client)) {}
      t.names.set(domain, { name, score });
      this.#names++;
    }
    return { tally: t, added: true };
  }
}

export default defineDetector({
  id: 'dns.dga',
  name: 'Generated domain names',
  description: 'A client looked up several names that look generated by a domain generation algorithm.',
  severity: 3,
  category: ['network'],
  technique: 'T1568.002',
  subscribes: ['dns'],
  options: OPTIONS,
  create(ctx) {
    const scorer = ctx.intel.dga;
    if (scorer === undefined) return {};
    const o = ctx.options;
    const ports = new Set(o.ports);
    const allow = allowedDomains(o.allow);
    const tallies = new DgaTallies(MAX_CLIENTS);
    ctx.bounded(tallies);
    const scores = new LruMap<string, number>(SCORE_CACHE_NAMES);
    return {
      dns(e) {
        const r = e.record;
        const q = r.query;
        if (q === undefined || q === '' || !ports.has(r['id.resp_p'])) return;
        const client = r['id.orig_h'];
        // Clients only (see dns-tally.ts countedQuery): excluding a resolver keeps its clients' queries.
        if (ctx.excluded(client)) return;
        if (allow.length > 0 && underDomain(q, allow)) return;
        let score = scores.get(q);
        if (score === undefined) {
          const s = scorer.score(q);
          const counts = s.skipped === undefined && (o.threshold !== undefined ? s.score >= o.threshold : s.dga);
          score = counts ? s.score : NOT_COUNTED;
          scores.set(q, score);
        }
        if (score === NOT_COUNTED) return;
        const lab = registrableLabel(q);
        const domain = typeof lab === 'string' ? q : lab.domain;
        const { tally: t, added } = tallies.note(client, r.ts, o.window, domain, q, score);
        if (!added) return;
        if (r.rcode_name === 'NXDOMAIN') t.nxdomain++;
        const n = t.names.size;
        if (n < o.min_names) return;
        const listed = [...t.names.values()].slice(0, MAX_LISTED);
        ctx.report({
          ts: r.ts,
          key: client,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: r['id.resp_h'], port: r['id.resp_p'] },
          transport: r.proto,
          count: ctx.held(client) === undefined ? n : 1,
          message: `${client} looked up ${n}${n >= MAX_NAMES ? '+' : ''} names that look machine-generated, e.g. ${listed.slice(0, 3).map((x) => x.name).join(', ')}`,
          evidence: {
            domains: n,
            names: listed.map((x) => x.name),
            scores: listed.map((x) => x.score),
            nxdomain: t.nxdomain,
            window_seconds: o.window,
            threshold: o.threshold ?? null,
          },
        });
      },
    };
  },
});
