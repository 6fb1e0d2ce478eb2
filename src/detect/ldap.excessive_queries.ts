/**
 * ldap.excessive_queries — directory enumeration: one client running many
 * LDAP searches, or pulling many result entries, in a short time
 * (BloodHound/SharpHound collection, ldapdomaindump, PowerView). No public
 * system has a volume threshold; Sigma's Zeek rule matches filter
 * substrings instead. Picket counts both: searches per client (a logon and
 * group-policy refresh make tens), result entries per client (one paged
 * "all users" search returns thousands), and lists the well-known
 * reconnaissance filters it saw as evidence. A session sealed by its SASL
 * bind (Windows signs and seals LDAP by default, so this is how SharpHound
 * and PowerView look on a real domain) hides the searches but not their
 * number: the analyzer counts its sealed buffers (`ldap.sealed`, one per
 * LDAP message), and the same thresholds apply to the requests a client
 * sent and to the responses beyond one per request (the result entries).
 * LDAPS hides everything. Domain controllers replicating, Exchange and
 * identity sync servers search for a living — exclude them. The
 * reconnaissance filters (ldap-recon.ts) are listed as evidence; the
 * targeted ones alert on their own as ldap.recon_query.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf, type Burst } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { RateWindow, SumWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { cutText } from '../util/cut-text.js';
import { reconMarkersOf } from './ldap-recon.js';

const MAX_CLIENTS = 20000;
/** Filters kept as samples per client. */
const MAX_FILTERS = 10;
/**
 * Longest filter text kept in evidence, cut into a string of its own: a plain
 * slice kept the whole rendered filter (up to 8 KiB) alive, 1.6 GB across
 * MAX_CLIENTS x MAX_FILTERS.
 */
const MAX_FILTER_LENGTH = 256;

export const OPTIONS = detectorOptions({
  /** Searches from one client within the window. */
  search_threshold: thresholdField(200),
  /** Result entries returned to one client within the window. */
  result_threshold: thresholdField(5000),
  window: durationField('5m'),
  /** Alert on a single search that matches a reconnaissance filter, regardless of volume. */
  alert_on_recon_filter: z.boolean().default(false),
});

interface Tally {
  filters: Set<string>;
  markers: Set<string>;
  servers: Set<string>;
  searches: number;
  results: number;
  /** Requests and result entries over SASL-sealed sessions (counted from their buffers). */
  sealedRequests: number;
  sealedEntries: number;
  mechanisms: Set<string>;
  reported: boolean;
}

export default defineDetector({
  id: 'ldap.excessive_queries',
  name: 'LDAP enumeration',
  description: 'One client ran an unusual number of LDAP searches, or received an unusual number of entries, in a short time (over sealed sessions too, counted from their encrypted messages).',
  severity: 2,
  category: ['network'],
  technique: 'T1087.002',
  subscribes: ['ldap.search', 'ldap_search', 'ldap.sealed'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const searches = new RateWindow({ window: o.window, capacity: o.search_threshold, maxKeys: MAX_CLIENTS });
    const results = new SumWindow({ window: o.window, maxKeys: MAX_CLIENTS });
    const sealedRequests = new SumWindow({ window: o.window, maxKeys: MAX_CLIENTS });
    const sealedEntries = new SumWindow({ window: o.window, maxKeys: MAX_CLIENTS });
    ctx.bounded(searches, results, sealedRequests, sealedEntries);
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);
    const tally = (client: string): Tally => {
      let t = tallies.get(client);
      if (t === undefined || (t.reported && ctx.held(client) === undefined)) {
        t = { filters: new Set(), markers: new Set(), servers: new Set(), searches: 0, results: 0, sealedRequests: 0, sealedEntries: 0, mechanisms: new Set(), reported: false };
        tallies.set(client, t);
      }
      return t;
    };
    const report = (client: string, server: string, port: number, ts: number, why: string, b: Burst): void => {
      const t = tally(client);
      t.reported = true;
      ctx.report({
        ts,
        key: client,
        source: { ip: client },
        destination: { ip: server, port },
        transport: 'tcp',
        count: b.count,
        firstSeen: b.first,
        message:
          `${client} ${why}` +
          (t.markers.size > 0 ? `, including searches for ${[...t.markers].join(', ')}` : ''),
        evidence: {
          searches: t.searches,
          result_entries: t.results,
          sealed_requests: t.sealedRequests,
          sealed_result_entries: t.sealedEntries,
          sealed_mechanisms: [...t.mechanisms],
          window_seconds: o.window,
          recon_filters: [...t.markers],
          filters_sample: [...t.filters],
          servers: [...t.servers],
        },
      });
    };
    return {
      'ldap.search'(e) {
        // `exclude` names clients: excluding a domain controller must not blind the rule to the searches others send it.
        if (ctx.excluded(e.client)) return;
        const t = tally(e.client);
        t.searches++;
        if (t.servers.size < MAX_FILTERS) t.servers.add(e.server);
        const markers = reconMarkersOf(e.filter, e.attributes);
        for (const m of markers) t.markers.add(m.what);
        const marker = markers.length > 0;
        if (t.filters.size < MAX_FILTERS) t.filters.add(cutText(e.filter, MAX_FILTER_LENGTH));
        const held = ctx.held(e.client);
        const n = searches.add(e.client, e.ts);
        if (n >= o.search_threshold) {
          const b = burstOf(held, n, searches.oldest(e.client), e.ts);
          report(e.client, e.server, e.server_port, e.ts, `ran ${formatCount(b.total)} LDAP searches in ${formatDuration(e.ts - b.first)}`, b);
        } else if (marker && o.alert_on_recon_filter) {
          report(e.client, e.server, e.server_port, e.ts, `ran an LDAP search used for Active Directory reconnaissance`, burstOf(held, 1, e.ts, e.ts));
        }
      },
      ldap_search(e) {
        const r = e.record;
        const count = r.result_count ?? 0;
        if (count === 0) return;
        const client = r['id.orig_h'];
        if (ctx.excluded(client)) return;
        const t = tally(client);
        t.results += count;
        const sum = results.add(client, count, r.ts);
        if (sum < o.result_threshold) return;
        report(client, r['id.resp_h'], r['id.resp_p'], r.ts, `received ${formatCount(sum)} LDAP entries in at most ${formatDuration(o.window)}`, burstOf(ctx.held(client), 1, r.ts, r.ts));
      },
      'ldap.sealed'(e) {
        if (ctx.excluded(e.client)) return;
        const t = tally(e.client);
        // Each request is answered by one completion; the server's other buffers are result entries.
        const entries = Math.max(0, e.responses - e.requests);
        t.sealedRequests += e.requests;
        t.sealedEntries += entries;
        if (t.servers.size < MAX_FILTERS) t.servers.add(e.server);
        if (t.mechanisms.size < MAX_FILTERS && e.mechanism !== '') t.mechanisms.add(e.mechanism);
        const how = `over SASL-sealed sessions${t.mechanisms.size > 0 ? ` (${[...t.mechanisms].join(', ')})` : ''}, counted from their encrypted messages`;
        const sent = e.requests > 0 ? sealedRequests.add(e.client, e.requests, e.ts) : 0;
        const got = entries > 0 ? sealedEntries.add(e.client, entries, e.ts) : 0;
        if (sent >= o.search_threshold) {
          report(e.client, e.server, e.server_port, e.ts, `sent ${formatCount(sent)} LDAP requests in at most ${formatDuration(o.window)} ${how}`, burstOf(ctx.held(e.client), sent, e.ts, e.ts, e.requests));
        } else if (got >= o.result_threshold) {
          report(e.client, e.server, e.server_port, e.ts, `received about ${formatCount(got)} LDAP entries in at most ${formatDuration(o.window)} ${how}`, burstOf(ctx.held(e.client), 1, e.ts, e.ts));
        }
      },
    };
  },
});
