/**
 * `picket learn asn CAPTURE... [--config FILE]`: proposes `asn_allowlists`
 * from observed traffic. Replays the captures with flow tracking only (no
 * protocol analyzers, so it is fast), takes the connections internal hosts
 * opened to public addresses that answered (what `asn.not_whitelisted`
 * judges), and prints, per configured network (or per /24, /64 for IPv6, of
 * internal sources when no networks are configured), the ASes contacted as
 * YAML ready to paste into picket.yaml, with the organisation, countries and
 * connection counts as comments. A proposal, not a verdict: everything seen
 * is listed, including what should not be there.
 */
import path from 'node:path';
import { replayCaptures } from '../pipeline/replay.js';
import { EventBus } from '../events/bus.js';
import { loadConfig } from '../config/load.js';
import type { SiteConfig } from '../config/schema.js';
import { Site } from '../config/site.js';
import { parseIp, formatV4 } from '../config/ip.js';
import type { ConnRecord } from '../flows/conn-record.js';
import type { IpEnricher } from '../intel/context.js';
import { createIpEnricher } from '../intel/ipdb/enricher.js';
import { countsAsContact } from '../detect/asn.not_whitelisted.js';
import { formatCount, plural } from '../alerts/alert.js';
import { parseCommandArgs, stringOpt, intOpt } from './args.js';
import { pipelineWorkers } from './workers-option.js';
import { PicketError } from '../util/errors.js';

export const LEARN_HELP = `Usage: picket learn asn <capture>... [--config FILE] [--min-connections N]

Replays captures and proposes asn_allowlists entries: for each configured
network (or each /24 of internal sources when none are configured), the
autonomous systems its hosts connected to, as YAML to paste into picket.yaml.
Comments name each AS's organisation, countries and connection count.
Only answered connections from internal hosts to public addresses count.

Options:
  --config FILE          site configuration (networks, intel.asn_mmdb...)
  --min-connections N    leave out ASes contacted fewer than N times (default 1)
  --cache-dir DIR        where the enrichment cache is kept (default: intel.cache_dir or the temp folder)
  --workers N            pipeline threads, as for picket replay (default: one per core, up to 4,
                         for files of 64 MB or more)
  -q, --quiet            no counts or data credits on stderr (the proposal still goes to stdout)
  -h, --help             this help
`;

/** Groups and ASes listed; beyond these the rest is summarised (a proposal must stay readable). */
const MAX_GROUPS = 1000;
const MAX_ASNS_PER_GROUP = 500;
/** Sample destinations named for connections without AS data. */
const MAX_UNKNOWN_SAMPLES = 5;

interface AsnTally {
  asn: number;
  org: string | undefined;
  countries: Set<string>;
  connections: number;
}

export interface GroupTally {
  /** Network name or CIDR, as it goes into `hosts:`. */
  hosts: string;
  connections: number;
  asns: Map<number, AsnTally>;
  /** Connections to public addresses with no AS data. */
  unknown: number;
  unknownSamples: Set<string>;
}

export interface AsnLearnResult {
  captures: number;
  /** Answered connections from internal hosts to public addresses. */
  connections: number;
  /** Flows skipped, by reason. */
  skipped: { unanswered: number; internal_destination: number; external_source: number; outside_networks: number; over_limit: number };
  groups: Map<string, GroupTally>;
  /** True when groups are configured networks (false: /24s of internal sources). */
  byNetwork: boolean;
}

/** The group key of an internal source: its configured network, or its /24 (/64) when none are configured. */
function groupOf(site: Site, byNetwork: boolean, src: string): string | undefined {
  if (byNetwork) return site.networkOf(src)?.name;
  const p = parseIp(src);
  if (p === null) return undefined;
  if (p.v === 4) return `${formatV4((p.words[0]! & 0xffffff00) >>> 0)}/24`;
  const w = p.words;
  const hex = (x: number): string => x.toString(16);
  return `${hex(w[0]! >>> 16)}:${hex(w[0]! & 0xffff)}:${hex(w[1]! >>> 16)}:${hex(w[1]! & 0xffff)}::/64`;
}

/** Tallies one finished flow into `result`. */
export function learnFlow(result: AsnLearnResult, site: Site, enricher: IpEnricher, rec: ConnRecord): void {
  if (!countsAsContact(rec, false)) {
    result.skipped.unanswered++;
    return;
  }
  const src = rec['id.orig_h'];
  const dst = rec['id.resp_h'];
  if (site.isInternal(dst)) {
    result.skipped.internal_destination++;
    return;
  }
  if (!site.isInternal(src)) {
    result.skipped.external_source++;
    return;
  }
  const key = groupOf(site, result.byNetwork, src);
  if (key === undefined) {
    result.skipped.outside_networks++;
    return;
  }
  let g = result.groups.get(key);
  if (g === undefined) {
    if (result.groups.size >= MAX_GROUPS) {
      result.skipped.over_limit++;
      return;
    }
    g = { hosts: key, connections: 0, asns: new Map(), unknown: 0, unknownSamples: new Set() };
    result.groups.set(key, g);
  }
  result.connections++;
  g.connections++;
  const owner = enricher.lookup(dst);
  if (owner?.asn === undefined) {
    g.unknown++;
    if (g.unknownSamples.size < MAX_UNKNOWN_SAMPLES) g.unknownSamples.add(dst);
    return;
  }
  let a = g.asns.get(owner.asn);
  if (a === undefined) {
    if (g.asns.size >= MAX_ASNS_PER_GROUP) {
      result.skipped.over_limit++;
      return;
    }
    a = { asn: owner.asn, org: owner.as_org, countries: new Set(), connections: 0 };
    g.asns.set(owner.asn, a);
  }
  a.connections++;
  if (owner.cc !== undefined) a.countries.add(owner.cc);
}

export function emptyLearnResult(config: SiteConfig, captures: number): AsnLearnResult {
  return {
    captures,
    connections: 0,
    skipped: { unanswered: 0, internal_destination: 0, external_source: 0, outside_networks: 0, over_limit: 0 },
    groups: new Map(),
    byNetwork: config.networks.length > 0,
  };
}

/** Replays `files` (flows only) and tallies the ASes each group contacted. */
export async function learnAsn(files: string[], config: SiteConfig, enricher: IpEnricher, workers = 1): Promise<AsnLearnResult> {
  const site = new Site(config.networks);
  const result = emptyLearnResult(config, files.length);
  const bus = new EventBus();
  bus.on('flow.end', (e) => learnFlow(result, site, enricher, e.record));
  await replayCaptures(files, { bus, protocols: [], workers });
  return result;
}

/** A YAML comment body: one line, no control characters. */
function comment(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** The proposal as YAML: an `asn_allowlists:` section with one entry per group. */
export function formatAsnAllowlistYaml(result: AsnLearnResult, minConnections = 1): string {
  const lines: string[] = [];
  lines.push(
    `# Proposed by "picket learn asn" from ${plural(result.captures, 'capture')}: ` +
      `${plural(result.connections, 'answered connection')} from internal hosts to public addresses.`,
  );
  lines.push('# Review before use: being contacted does not make an AS legitimate.');
  if (!result.byNetwork) lines.push('# No networks configured: hosts are grouped by /24 (IPv6 /64) of the source.');
  const groups = [...result.groups.values()].sort((a, b) => (a.hosts < b.hosts ? -1 : a.hosts > b.hosts ? 1 : 0));
  if (groups.length === 0) {
    lines.push('# No answered connections from internal hosts to public addresses were seen.');
    lines.push('asn_allowlists: []');
    return `${lines.join('\n')}\n`;
  }
  lines.push('asn_allowlists:');
  for (const g of groups) {
    const asns = [...g.asns.values()]
      .filter((a) => a.connections >= minConnections)
      .sort((a, b) => b.connections - a.connections || a.asn - b.asn);
    lines.push(`  - hosts: ${JSON.stringify(g.hosts)}`);
    lines.push(`    # ${plural(g.connections, 'connection')} to ${plural(g.asns.size, 'AS', 'ASes')}`);
    if (asns.length === 0) lines.push('    asns: []');
    else {
      lines.push('    asns:');
      for (const a of asns) {
        const cc = a.countries.size > 0 ? ` (${[...a.countries].sort().join(', ')})` : '';
        lines.push(`      - ${a.asn} # ${comment(a.org ?? 'organisation unknown')}${cc}: ${plural(a.connections, 'connection')}`);
      }
    }
    const left = g.asns.size - asns.length;
    if (left > 0) lines.push(`    # ${plural(left, 'AS', 'ASes')} with fewer than ${formatCount(minConnections)} connections left out`);
    if (g.unknown > 0) {
      lines.push(
        `    # ${plural(g.unknown, 'connection')} to addresses with no AS data (cannot be allowlisted by AS): ${[...g.unknownSamples].join(', ')}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function learnCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('learn', argv, {
    config: { type: 'string' },
    'min-connections': { type: 'string' },
    'cache-dir': { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  const [what, ...files] = positionals;
  if (values.help === true || what === undefined) {
    process.stdout.write(LEARN_HELP);
    return values.help === true ? 0 : 2;
  }
  if (what !== 'asn') throw new PicketError('PKT_ERR_CLI_USAGE', `learn: unknown subject "${what}" (only "asn" is supported)`);
  if (files.length === 0) throw new PicketError('PKT_ERR_CLI_USAGE', 'learn asn: name at least one capture file');
  const configFile = stringOpt(values, 'config');
  const config = loadConfig(configFile);
  const baseDir = configFile === undefined ? process.cwd() : path.dirname(path.resolve(configFile));
  const cacheDir = stringOpt(values, 'cache-dir');
  const enricher = await createIpEnricher(config.intel, baseDir, cacheDir !== undefined ? { cacheDir } : {});
  const min = intOpt(values, 'min-connections', 'learn') ?? 1;
  const workers = pipelineWorkers('learn asn', stringOpt(values, 'workers'), files);
  const result = await learnAsn(files, config, enricher, workers);
  process.stdout.write(formatAsnAllowlistYaml(result, min));
  if (values.quiet !== true) {
    const s = result.skipped;
    process.stderr.write(
      `learn asn: ${plural(result.connections, 'connection')} counted; skipped ${formatCount(s.unanswered)} unanswered, ` +
        `${formatCount(s.internal_destination)} to internal addresses, ${formatCount(s.external_source)} from external hosts` +
        (result.byNetwork ? `, ${formatCount(s.outside_networks)} from hosts outside the configured networks` : '') +
        (s.over_limit > 0 ? `, ${formatCount(s.over_limit)} over the listing limits` : '') +
        '\n',
    );
    process.stderr.write(`${enricher.attribution}\n`);
  }
  return 0;
}
