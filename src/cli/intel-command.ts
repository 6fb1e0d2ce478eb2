/**
 * `picket intel update | status | lookup <ip|domain|url|fingerprint|user-agent>`: the
 * threat-intel sources of a site configuration from the command line.
 * `update` refreshes every source (lists, MISP feeds and servers, Tor
 * documents) into the local store and prints what each did; `status` prints
 * one line per source with counts, age and the last error, without touching
 * the network; `lookup` explains what Picket knows about one indicator:
 * which lists and MISP events hold it (alerting or enrichment only; a
 * fingerprint under every kind its shape allows), which Tor relays sit at
 * an address, and who owns the address.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { SiteConfig } from '../config/schema.js';
import { parseCommandArgs, stringOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { bundledIntelStatus } from '../intel/bundled-status.js';
import { createIntelSources, type IntelSources, type SourceStatus, type RefreshReport } from '../intel/sources.js';
import { canonicalCidr, canonicalIp, fingerprintKindsOf, normalizeDomain, normalizeFingerprint, parseUrlIndicator, shownAddress, type FingerprintKind } from '../intel/store/indicator.js';
import { alertingRules, alertingRulesOf } from '../intel/store/alerting-rules.js';
import { indicatorUrlKey } from '../intel/store/http-url.js';
import type { DgaScore, IndicatorSource, IpOwner, TorRelay, UserAgentMatch } from '../intel/context.js';
import { formatDuration } from '../config/duration.js';
import { formatCount, plural } from '../alerts/alert.js';

/** Bad-line samples printed per source by `status` (the store keeps up to 20). */
const MAX_BAD_SHOWN = 5;

export const INTEL_HELP = `Usage: picket intel update|status|lookup [VALUE] [options]

  update          refresh every configured source (intel: in picket.yaml) into
                  the local store; exit 1 when any source failed
  status          the built-in data (IP enrichment, attack-tool user-agents, DGA
                  model), then one line per source: indicators, alerting, age, errors
  lookup VALUE    what is known about an IP address, a CIDR range, a domain,
                  a URL, a client fingerprint (JA3, JA4, HASSH), a TLS
                  certificate's SHA-1 or SHA-256, a file's MD5, SHA-1 or
                  SHA-256 or a user-agent: lists, MISP events, Tor relays,
                  owner (ASN)

Options:
  --config FILE   site configuration (relative intel paths resolve against its folder)
  --cache DIR     local indicator store (default: intel.cache_dir, else
                  <state>/intel with --state, else ./data/intel)
  --state DIR     state directory (only used to place the store)
  --json          machine-readable output
`;

/** Where the local store lives for a config (see INTEL_HELP). */
export function intelCacheDir(config: SiteConfig, baseDir: string, opts: { cache?: string | undefined; state?: string | undefined }): string {
  if (opts.cache !== undefined) return path.resolve(opts.cache);
  if (config.intel.cache_dir !== undefined) return path.resolve(baseDir, config.intel.cache_dir);
  if (opts.state !== undefined) return path.resolve(opts.state, 'intel');
  return path.resolve('data', 'intel');
}

function ago(seconds: number): string {
  return seconds < 1 ? 'just now' : `${formatDuration(Math.round(seconds))} ago`;
}

function age(s: SourceStatus): string {
  if (s.age_seconds === null) return 'never loaded';
  // A local file is as fresh as its last change, not as the moment it was read.
  if (!s.remote && s.modified !== null && s.updated !== null) return `file changed ${ago(Math.max(0, s.updated + s.age_seconds - s.modified))}`;
  return `updated ${ago(s.age_seconds)}`;
}

function statusLine(s: SourceStatus): string {
  const what =
    s.kind === 'tor'
      ? `${plural(s.count, 'relay address', 'relay addresses')}, ${plural(s.alerting, 'exit')}`
      : `${plural(s.count, 'indicator')}, ${formatCount(s.alerting)} alerting`;
  let line = `${s.name.padEnd(32)} ${s.kind.padEnd(11)} ${what}, ${age(s)}`;
  if (s.bad_lines > 0) line += `, ${plural(s.bad_lines, 'bad line')}`;
  for (const b of s.bad_samples.slice(0, MAX_BAD_SHOWN)) line += `\n  ${b}`;
  if (s.last_error !== null) line += `\n  last error: ${s.last_error}`;
  return line;
}

function printReport(r: RefreshReport, out: (s: string) => void): void {
  for (const s of r.sources) {
    const delta = s.count - s.previous_count;
    const change = delta === 0 ? '' : ` (${delta > 0 ? '+' : ''}${formatCount(delta)})`;
    if (s.ok) out(`ok    ${s.name}: ${formatCount(s.count)}${change}${s.note !== undefined ? ` — ${s.note}` : ''}${s.bad_lines > 0 ? `, ${plural(s.bad_lines, 'bad line')}` : ''}`);
    else out(`FAIL  ${s.name}: ${s.error ?? 'failed'} (kept ${formatCount(s.count)} from before)`);
    for (const b of s.bad_samples.slice(0, MAX_BAD_SHOWN)) out(`      ${b}`);
    if (s.store_error !== undefined) out(`      ${s.store_error}`);
  }
  out(`${r.sources.filter((s) => s.ok).length} of ${r.sources.length} sources refreshed in ${r.seconds.toFixed(1)} s`);
}

function describeMatch(m: IndicatorSource): string {
  // The mark follows what the rules do, not to_ids alone: a to_ids URL alerts nowhere.
  const rules = alertingRules(m);
  let s = `${rules.length > 0 ? 'ALERTS ' : 'enrich '} ${m.source}: ${m.kind} ${m.indicator}`;
  if (m.event_id !== undefined) s += `, MISP event ${m.event_id}${m.event_info !== undefined ? ` "${m.event_info}"` : ''}`;
  if (m.tags !== undefined && m.tags.length > 0) s += `, tags ${m.tags.join(', ')}`;
  if (rules.length > 0) s += ` (${rules.join(', ')})`;
  else if (m.to_ids) s += ` (to_ids, but no rule alerts on ${m.kind} indicators)`;
  if (m.comment !== undefined) s += `, comment "${m.comment}"`;
  return s;
}

function describeRelay(r: TorRelay): string {
  const ports = [r.or_port !== undefined ? `ORPort ${r.or_port}` : '', r.dir_port !== undefined ? `DirPort ${r.dir_port}` : ''].filter((p) => p !== '').join(', ');
  return `Tor ${r.exit ? 'exit' : 'relay'} ${r.nickname ?? '(no nickname)'}${r.fingerprint !== undefined ? ` ${r.fingerprint}` : ''}${ports !== '' ? `, ${ports}` : ''}, flags ${r.flags.length > 0 ? r.flags.join(' ') : '-'} (${r.source})`;
}

export interface LookupResult {
  value: string;
  /** `cidr`: the listed networks that cover the whole range; `fingerprint`: a JA3, JA4, HASSH, certificate digest or file hash (see fingerprint_kinds). */
  kind: 'ip' | 'cidr' | 'domain' | 'url' | 'fingerprint' | 'user-agent';
  /** Fingerprints: the kinds the value was looked up as (an MD5 may be a JA3, either HASSH or a file MD5; 40 or 64 hex digits a certificate's or a file's digest). */
  fingerprint_kinds?: FingerprintKind[];
  matches: IndicatorSource[];
  /** The rules that alert on traffic involving the value, from the kinds of its matches (empty: it raises no alert). */
  alert_rules: string[];
  urls: IndicatorSource[];
  tor: TorRelay[];
  owner?: IpOwner | null;
  owner_error?: string;
  /** User-agents: the attack tool its pattern names, or null. */
  attack_tool?: UserAgentMatch | null;
  /** User-agents: the malware family its pattern names, or null. */
  malware?: UserAgentMatch | null;
  /** Domains: the DGA classifier's verdict. */
  dga?: DgaScore;
  /** Built-in data that could not be consulted. */
  builtin_errors?: string[];
}

/** Everything the sources know about one value. */
export function lookup(sources: IntelSources, value: string): LookupResult {
  const r = lookupMatches(sources, value);
  return { ...r, alert_rules: alertingRulesOf(r.matches) };
}

function lookupMatches(sources: IntelSources, value: string): Omit<LookupResult, 'alert_rules'> {
  const ip = canonicalIp(value);
  if (ip !== null) {
    return { value: shownAddress(ip), kind: 'ip', matches: [...sources.indicators.matchIp(ip)], urls: [...sources.indicators.urlsOnHost(ip)], tor: [...(sources.tor.lookup(ip) ?? [])] };
  }
  if (/^[0-9a-f:.]+\/[0-9]+$/i.test(value.trim())) {
    const net = canonicalCidr(value);
    if (net === null) throw new PicketError('PKT_ERR_CLI_USAGE', `intel: lookup ${value.trim()}: not a CIDR (host bits set, or a prefix too long?)`);
    // A /32 or /128 is one address.
    if (net.kind === 'ip') return lookupMatches(sources, net.value);
    const slash = net.value.lastIndexOf('/');
    const prefix = Number(net.value.slice(slash + 1));
    // Listed networks as wide as the range or wider: every address in it would match them.
    const covering = sources.indicators.matchIp(net.value.slice(0, slash)).filter((m) => m.kind === 'cidr' && listedPrefix(m.indicator) <= prefix);
    return { value: shownAddress(net.value), kind: 'cidr', matches: covering, urls: [], tor: [] };
  }
  // Before names: a JA4 is no name, but an MD5 could pass for a label; never a user-agent either.
  const fpKinds = fingerprintKindsOf(value);
  if (fpKinds.length > 0) {
    // Every kind a value may be writes it the same way (lower case; a certificate digest without colons).
    const fp = normalizeFingerprint(fpKinds[0]!, value)!;
    const matches: IndicatorSource[] = [];
    for (const k of fpKinds) matches.push(...sources.indicators.matchFingerprint(k, fp));
    return { value: fp, kind: 'fingerprint', fingerprint_kinds: fpKinds, matches, urls: [], tor: [] };
  }
  const url = parseUrlIndicator(value);
  if (url !== null) {
    // As listed, then as http.bad_url compares (host case, default port, percent escapes); then its host.
    const key = indicatorUrlKey(url.url);
    const asListed = sources.indicators.matchUrl(url.url);
    const asRequested = key === null ? [] : sources.indicators.matchHttpUrl(key).filter((m) => !asListed.includes(m));
    const host = canonicalIp(url.host) !== null ? sources.indicators.matchIp(url.host) : sources.indicators.matchDomain(url.host);
    return { value: url.url, kind: 'url', matches: [...asListed, ...asRequested, ...host], urls: [], tor: [] };
  }
  const name = normalizeDomain(value);
  if (name !== null && !/\s/.test(value.trim())) {
    return { value: name, kind: 'domain', matches: [...sources.indicators.matchDomain(name)], urls: [...sources.indicators.urlsOnHost(name)], tor: [] };
  }
  return { value, kind: 'user-agent', matches: [...sources.indicators.matchUserAgent(value)], urls: [], tor: [] };
}

/** The prefix length written in a listed CIDR ("203.0.113.0/24", "c2.example|203.0.113.0/24"); 0 when unreadable (then it is shown). */
function listedPrefix(listed: string): number {
  const m = /\/([0-9]{1,3})(?![0-9])/.exec(listed);
  return m === null ? 0 : Number(m[1]);
}

async function ownerOf(config: SiteConfig, baseDir: string, ip: string): Promise<{ owner: IpOwner | null } | { error: string }> {
  try {
    const { createIpEnricher } = await import('../intel/ipdb/enricher.js');
    const e = await createIpEnricher(config.intel, baseDir);
    return { owner: e.lookup(ip) ?? null };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** What the built-in classifiers say: attack-tool and malware patterns for user-agents, the DGA model for domains. */
async function addBuiltinVerdicts(r: LookupResult, config: SiteConfig, baseDir: string): Promise<void> {
  try {
    if (r.kind === 'user-agent') {
      const { loadUserAgentClassifier, siteAgentFiles } = await import('../intel/ua/index.js');
      const ua = loadUserAgentClassifier(baseDir, siteAgentFiles(config.intel)).classifier;
      r.attack_tool = ua.attackTool(r.value) ?? null;
      r.malware = ua.malware(r.value) ?? null;
    } else if (r.kind === 'domain') {
      const { createDgaScorer } = await import('../intel/dga/index.js');
      r.dga = createDgaScorer(baseDir).score(r.value);
    }
  } catch (err) {
    (r.builtin_errors ??= []).push(err instanceof Error ? err.message : String(err));
  }
}

/** How a fingerprint kind is named in lookups. */
const FINGERPRINT_NAMES: Readonly<Record<FingerprintKind, string>> = {
  ja3: 'JA3',
  ja3s: 'JA3S (TLS server)',
  ja4: 'JA4',
  hassh: 'HASSH (SSH client)',
  hassh_server: 'HASSH server',
  cert_sha1: 'TLS certificate SHA-1',
  cert_sha256: 'TLS certificate SHA-256',
  file_md5: 'file MD5',
  file_sha1: 'file SHA-1',
  file_sha256: 'file SHA-256',
};

function printLookup(r: LookupResult, out: (s: string) => void): void {
  out(`${r.kind} ${r.value}`);
  if (r.fingerprint_kinds !== undefined) out(`  looked up as ${r.fingerprint_kinds.map((k) => FINGERPRINT_NAMES[k]).join(', ')}`);
  if (r.owner !== undefined && r.owner !== null) {
    out(`  owner: ${r.owner.asn !== undefined ? `AS${r.owner.asn}` : 'AS unknown'}${r.owner.as_org !== undefined ? ` ${r.owner.as_org}` : ''}${r.owner.cc !== undefined ? `, ${r.owner.cc}` : ''}`);
  } else if (r.owner === null) out('  owner: unknown');
  else if (r.owner_error !== undefined) out(`  owner: not available (${r.owner_error})`);
  for (const m of r.matches) out(`  ${describeMatch(m)}`);
  for (const u of r.urls) out(`  listed URL on this host (not alerted on by itself): ${describeMatch(u)}`);
  for (const t of r.tor) out(`  ${describeRelay(t)}`);
  if (r.attack_tool !== undefined && r.attack_tool !== null) {
    out(`  ALERTS  attack tool ${r.attack_tool.tool}: ua.attack_tool (pattern "${r.attack_tool.pattern}" from ${r.attack_tool.source})`);
  } else if (r.attack_tool === null) out('  not an attack-tool user-agent on the built-in or site pattern lists');
  if (r.malware !== undefined && r.malware !== null) {
    out(`  ALERTS  malware ${r.malware.tool}: ua.malware (pattern "${r.malware.pattern}" from ${r.malware.source})`);
  } else if (r.malware === null) out('  not a malware user-agent on the built-in or site pattern lists');
  if (r.dga !== undefined) {
    const d = r.dga;
    if (d.skipped !== undefined) out(`  DGA classifier: not scored (${d.skipped})`);
    else out(`  DGA classifier: score ${d.score.toFixed(4)}, ${d.dga ? 'looks machine-generated (counts towards dns.dga)' : 'does not look machine-generated'}`);
  }
  for (const e of r.builtin_errors ?? []) out(`  not available: ${e}`);
  if (r.matches.length === 0 && r.urls.length === 0 && r.tor.length === 0) out('  not on any configured list, MISP source or Tor relay list');
  else if (r.alert_rules.length > 0) out(`  => traffic involving it raises alerts (${r.alert_rules.join(', ')})`);
  else if (r.matches.some((m) => m.to_ids)) out(`  => listed with to_ids, but no rule alerts on ${[...new Set(r.matches.filter((m) => m.to_ids).map((m) => m.kind))].join(' or ')} indicators: no alerts`);
  else if (r.matches.length > 0) out('  => known, but only as context (no to_ids): no alerts');
}

export async function intelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('intel', argv, {
    config: { type: 'string' },
    cache: { type: 'string' },
    state: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, ...rest] = positionals;
  if (values.help === true || sub === undefined) {
    process.stdout.write(INTEL_HELP);
    return sub === undefined && values.help !== true ? 2 : 0;
  }
  const configFile = stringOpt(values, 'config');
  const config = loadConfig(configFile);
  const baseDir = configFile !== undefined ? path.dirname(path.resolve(configFile)) : process.cwd();
  const cacheDir = intelCacheDir(config, baseDir, { cache: stringOpt(values, 'cache'), state: stringOpt(values, 'state') });
  const json = values.json === true;
  const out = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  const err = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };

  switch (sub) {
    case 'update': {
      if (rest.length > 0) throw new PicketError('PKT_ERR_CLI_USAGE', 'intel: usage: picket intel update [--config FILE] [--cache DIR]');
      const sources = await createIntelSources(config.intel, baseDir, cacheDir, { skipLocalLoad: true });
      for (const p of sources.storeProblems) err(`picket: intel store: ${p}`);
      const r = await sources.refresh();
      if (json) out(JSON.stringify(r));
      else if (r.sources.length === 0) out('no intel sources configured (intel: lists, misp, tor in picket.yaml)');
      else printReport(r, out);
      return r.ok ? 0 : 1;
    }
    case 'status': {
      if (rest.length > 0) throw new PicketError('PKT_ERR_CLI_USAGE', 'intel: usage: picket intel status [--config FILE] [--cache DIR]');
      const sources = await createIntelSources(config.intel, baseDir, cacheDir);
      for (const p of sources.storeProblems) err(`picket: intel store: ${p}`);
      const st = sources.status();
      const bundled = await bundledIntelStatus(config, baseDir);
      if (json) out(JSON.stringify({ bundled, sources: st }));
      else {
        for (const b of bundled) out(`${b.name.padEnd(32)} ${(b.ok ? 'built-in' : 'FAILED').padEnd(11)} ${b.detail}`);
        if (st.length === 0) out('no indicator sources configured (intel: lists, misp, tor in picket.yaml)');
        else {
          for (const s of st) out(statusLine(s));
          out(`store: ${cacheDir}`);
        }
      }
      return bundled.every((b) => b.ok) ? 0 : 1;
    }
    case 'lookup': {
      const value = rest.join(' ').trim();
      if (value === '') throw new PicketError('PKT_ERR_CLI_USAGE', 'intel: usage: picket intel lookup <ip|domain|url|fingerprint|user-agent>');
      const sources = await createIntelSources(config.intel, baseDir, cacheDir);
      const r = lookup(sources, value);
      if (r.kind === 'ip') {
        const o = await ownerOf(config, baseDir, r.value);
        if ('owner' in o) r.owner = o.owner;
        else r.owner_error = o.error;
      }
      await addBuiltinVerdicts(r, config, baseDir);
      if (json) out(JSON.stringify(r));
      else printLookup(r, out);
      return 0;
    }
    default:
      throw new PicketError('PKT_ERR_CLI_USAGE', `intel: unknown sub-command "${sub}" (update, status or lookup)`);
  }
}
