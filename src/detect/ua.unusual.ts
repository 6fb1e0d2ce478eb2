/**
 * ua.unusual — a User-Agent rare in its network: first seen there after the
 * learning period and sent by only a few hosts of that network so far
 * (malware and implants with their own HTTP stack, unapproved tools). The
 * network is the configured network of the client (or "internal" for other
 * private addresses); clients outside the site are not judged, their agents
 * say nothing about your hosts.
 *
 * Persistent: agents, and the hosts that sent them, are kept per network in
 * the state (`user-agent-hosts.json`), so "new" means new across runs. The
 * learning period is the site's `learning_period` counted from the state's
 * first start: an agent first seen inside it is part of the baseline and
 * never alerts. (The engine also withholds this rule's alerts during baseline
 * runs and a live sensor's learning period: it `learns`.)
 *
 * Version churn: with `ignore_versions` (default) digits are masked before
 * comparing, so a browser or library update is not a new agent. Generic
 * library agents (`ordinary_agents`: python-requests, Go-http-client, curl,
 * Wget, okhttp, Java...) are treated as ordinary by default: every developer
 * laptop and script runner sends them, so flagging them is mostly noise; the
 * price is that malware keeping a library's default string is not flagged
 * here. Empty the list to judge them like any other agent.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, thresholdField } from '../config/fields.js';
import { compileAgentGlobs } from '../intel/ua/agent-list.js';
import { MAX_USER_AGENT_LENGTH } from '../state/store.js';
import { cutText, shortText } from '../util/cut-text.js';

/** Network name for internal clients outside every configured network. */
const UNCONFIGURED = 'internal';
/**
 * Longest user-agent, or URI, copied into evidence (attacker-chosen text),
 * cut into strings of their own. Plain slices kept the whole texts (up to
 * 8 KiB each) alive, and so did a dedup key made of the whole agent: up to
 * four 8 KiB texts for each held alert, 300 MB with the hold table full.
 */
const MAX_EVIDENCE_TEXT = 512;

export const DEFAULT_ORDINARY_AGENTS: readonly string[] = [
  'python-requests/*',
  'Python-urllib/*',
  'python-httpx/*',
  'aiohttp/*',
  'Go-http-client/*',
  'curl/*',
  'Wget/*',
  'okhttp/*',
  'Java/*',
  'Apache-HttpClient/*',
  'libwww-perl/*',
  'axios/*',
  'node-fetch*',
  'undici',
  'Dalvik/*',
  'Microsoft-CryptoAPI/*',
  'Windows-Update-Agent*',
  'Microsoft-Delivery-Optimization/*',
];

export const OPTIONS = detectorOptions({
  /** An agent sent by more than this many hosts of a network is ordinary there. */
  max_hosts: thresholdField(2),
  /** Agents (globs, case-insensitive) never judged; see the module comment for the trade-off. */
  ordinary_agents: z.array(z.string().min(1)).default([...DEFAULT_ORDINARY_AGENTS]),
  /** Mask digits before comparing, so version updates are not new agents. */
  ignore_versions: z.boolean().default(true),
});

/** Digits runs (with the dots between them) masked: "Chrome/120.0.6099.71" -> "Chrome/#". */
export function maskVersions(ua: string): string {
  return ua.replace(/\d+(?:[._]\d+)*/g, '#');
}

export default defineDetector({
  id: 'ua.unusual',
  name: 'Unusual user-agent',
  description: 'An HTTP user-agent new to its network after the learning period, sent by only a few of its hosts.',
  severity: 2,
  category: ['network'],
  technique: 'T1071.001',
  subscribes: ['http'],
  learns: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ordinary = compileAgentGlobs(o.ordinary_agents);
    return {
      http(e) {
        const r = e.record;
        const ua = r.user_agent;
        if (ua === undefined || ua === '' || ua === '-') return;
        const src = r['id.orig_h'];
        if (!ctx.site.isInternal(src)) return;
        if (ctx.excluded(src) || ctx.excluded(r['id.resp_h'])) return;
        if (ordinary(ua)) return;
        const network = ctx.site.networkOf(src)?.name ?? UNCONFIGURED;
        const agent = o.ignore_versions ? maskVersions(ua) : ua;
        const note = ctx.state.noteUserAgentHost(network, agent, src, r.ts);
        if (note === undefined || !note.newHost) return;
        const rec = note.record;
        const start = ctx.state.firstStart ?? r.ts;
        // Part of the baseline: first seen inside the learning period.
        if (rec.first_seen < start + ctx.config.learning_period) return;
        if (rec.hosts.length > o.max_hosts) return;
        ctx.report({
          ts: r.ts,
          // The agent as the state knows it (cut to MAX_USER_AGENT_LENGTH).
          key: `${network}|${cutText(agent, MAX_USER_AGENT_LENGTH)}`,
          source: { ip: src, port: r['id.orig_p'] },
          destination: { ip: r['id.resp_h'], port: r['id.resp_p'] },
          transport: 'tcp',
          network,
          message: `${src} sent a user-agent not seen before in ${network}${rec.hosts.length > 1 ? ` (now ${rec.hosts.length} hosts)` : ''}: ${shortText(ua, 120)}`,
          evidence: {
            user_agent: shortText(ua, MAX_EVIDENCE_TEXT),
            compared_as: shortText(agent, MAX_EVIDENCE_TEXT),
            network,
            hosts: [...rec.hosts],
            first_seen: rec.first_seen,
            host: r.host ?? null,
            uri: r.uri !== undefined ? shortText(r.uri, MAX_EVIDENCE_TEXT) : null,
          },
        });
      },
    };
  },
});
