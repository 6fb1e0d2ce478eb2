/**
 * http.sqli — a client sending SQL injection in HTTP request URIs
 * (T1190): a person trying `' OR '1'='1` by hand, or sqlmap and scanners'
 * SQLi checks sending hundreds. Each request's query string is checked
 * against SQL syntax patterns (sqli-patterns.ts: a quote closing a string
 * and a tautology or comment after it, UNION SELECT, stacked statements,
 * time-delay and error-forcing functions, the schema catalogue); words alone
 * never match. One request can be a fluke (a product named "O'Reilly and
 * 1=1"?), a few distinct ones within minutes are an attempt, so the rule
 * alerts when one client sent `threshold` (3) distinct such URIs within
 * `window` (5 min). Zeek's detect-sqli policy counts the same thing per
 * attacker with its own patterns (50 in 5 min by default); its DVWA test
 * capture, three manual injections, is below that, and is what this
 * default is set to catch.
 *
 * HTTP in clear text only: HTTPS hides the URI, and POST bodies are not
 * read. Alerts name the client, the servers, a sample of the URIs (cut)
 * and which patterns matched; requests from the Internet to your servers
 * alert too (set `internal_sources_only` to see only your own hosts).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { burstOf } from './burst.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { shortText } from '../util/cut-text.js';
import { sqliInUri } from './sqli-patterns.js';

/** Clients tracked at once. */
const MAX_CLIENTS = 20000;
/** URIs, servers and patterns listed per alert. */
const MAX_LISTED = 10;
/** Longest URI kept in evidence (attacker-chosen text, cut into a string of its own). */
const MAX_URI_TEXT = 300;

export const OPTIONS = detectorOptions({
  /** Distinct injected URIs from one client within `window`. */
  threshold: thresholdField(3),
  window: durationField('5m'),
  /** Only requests from internal clients (default false: attacks on your servers from the Internet alert too). */
  internal_sources_only: z.boolean().default(false),
});

interface Tally {
  uris: string[];
  servers: string[];
  patterns: string[];
}

export default defineDetector({
  id: 'http.sqli',
  name: 'SQL injection attempts',
  description: 'A client sent several HTTP requests whose URIs carry SQL injection.',
  severity: 3,
  category: ['network', 'intrusion_detection', 'web'],
  technique: 'T1190',
  subscribes: ['http'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const uris = new DistinctWindow<string>({ window: o.window, maxKeys: MAX_CLIENTS, maxMembers: Math.max(o.threshold, 64) });
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);
    ctx.bounded(uris);
    return {
      http(e) {
        const r = e.record;
        const uri = r.uri;
        if (uri === undefined || uri === '') return;
        const client = r['id.orig_h'];
        const server = r['id.resp_h'];
        if (o.internal_sources_only && !ctx.site.isInternal(client)) return;
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const m = sqliInUri(uri);
        if (m === null) return;
        // Cut into a string of its own: a slice would keep the whole (attacker-sized) URI alive in the window.
        const shown = shortText(uri, MAX_URI_TEXT);
        const n = uris.add(client, shown, r.ts);
        let t = tallies.get(client);
        // A new burst (the first injected URI in the window, no alert open) starts a new sample.
        if (t === undefined || (n === 1 && ctx.held(client) === undefined)) {
          t = { uris: [], servers: [], patterns: [] };
          tallies.set(client, t);
        }
        const host = r.host !== undefined && r.host !== '' && r.host !== server ? `${r.host} (${server})` : server;
        if (t.servers.length < MAX_LISTED && !t.servers.includes(host)) t.servers.push(host);
        if (t.uris.length < MAX_LISTED) t.uris.push(shown);
        for (const p of m.patterns) if (!t.patterns.includes(p)) t.patterns.push(p);
        if (n < o.threshold) return;
        const b = burstOf(ctx.held(client), n, uris.oldest(client), r.ts);
        const on = t.servers.length === 1 ? t.servers[0]! : `${formatCount(t.servers.length)} servers`;
        ctx.report({
          ts: r.ts,
          key: client,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: server, port: r['id.resp_p'] },
          transport: 'tcp',
          count: b.count,
          firstSeen: b.first,
          message: `${client} sent ${formatCount(n)} HTTP requests with SQL injection to ${on} in ${formatDuration(r.ts - b.first)} (${t.patterns.join(', ')})`,
          evidence: {
            uris: [...t.uris],
            servers: [...t.servers],
            patterns: [...t.patterns],
            requests_in_window: n,
            threshold: o.threshold,
            window_seconds: o.window,
            user_agent: r.user_agent !== undefined ? shortText(r.user_agent, MAX_URI_TEXT) : null,
          },
        });
      },
    };
  },
});
