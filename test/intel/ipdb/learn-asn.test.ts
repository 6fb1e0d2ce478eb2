/**
 * `picket learn asn` (src/cli/learn-command.ts): the proposal for the zeek
 * corpus wikipedia.pcap parses as YAML, validates as a site config, and lists
 * Wikimedia's AS14907 for the campus network; without networks, internal
 * sources are grouped by /24.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import { checkConfigText } from '../../../src/config/load.js';
import { createIpEnricher } from '../../../src/intel/ipdb/enricher.js';
import { formatAsnAllowlistYaml, learnAsn } from '../../../src/cli/learn-command.js';

const WIKIPEDIA = path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap');
const CAMPUS = 'networks:\n  - { name: campus, cidrs: [141.142.0.0/16] }\n';

function config(yaml: string) {
  const r = checkConfigText(yaml, 'test.yaml');
  assert.ok(r.config !== null, JSON.stringify(r.problems));
  return r.config;
}

test('wikipedia.pcap: the proposal lists AS14907 for the campus network and is a valid config section', async () => {
  const enricher = await createIpEnricher({}, REPO_ROOT);
  const result = await learnAsn([WIKIPEDIA], config(CAMPUS), enricher);
  const text = formatAsnAllowlistYaml(result);
  const doc = YAML.parse(text) as { asn_allowlists: { hosts: string; asns: number[] }[] };
  assert.equal(doc.asn_allowlists.length, 1);
  assert.equal(doc.asn_allowlists[0]!.hosts, 'campus');
  assert.deepEqual(doc.asn_allowlists[0]!.asns, [14907]);
  assert.match(text, /14907 # Wikimedia Foundation Inc\. \(US\): \d+ connections/);
  // Pasted into the site config, it validates.
  config(`${CAMPUS}${text}`);
  // --min-connections leaves rarely contacted ASes out (with a note).
  const strict = formatAsnAllowlistYaml(result, 1000);
  assert.deepEqual((YAML.parse(strict) as { asn_allowlists: { asns: number[] }[] }).asn_allowlists[0]!.asns, []);
  assert.match(strict, /fewer than 1,000 connections left out/);
});

test('without networks, sources outside private space are not learned; the lab capture groups by /24', async () => {
  const enricher = await createIpEnricher({}, REPO_ROOT);
  const none = await learnAsn([WIKIPEDIA], config(''), enricher);
  assert.equal(none.connections, 0);
  assert.ok(none.skipped.external_source > 0);
  assert.deepEqual(YAML.parse(formatAsnAllowlistYaml(none)), { asn_allowlists: [] });

  const lab = await learnAsn([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'intel.pcap')], config(''), enricher);
  const text = formatAsnAllowlistYaml(lab);
  const doc = YAML.parse(text) as { asn_allowlists: { hosts: string; asns: number[] }[] };
  assert.deepEqual(doc.asn_allowlists.map((g) => g.hosts), ['10.77.2.0/24']);
  // The lab "Internet" is documentation space: no AS data, named in a comment.
  assert.deepEqual(doc.asn_allowlists[0]!.asns, []);
  assert.match(text, /no AS data .*203\.0\.113\.66/);
});

test('two pipeline threads propose the same allowlist', async () => {
  const enricher = await createIpEnricher({}, REPO_ROOT);
  const one = await learnAsn([WIKIPEDIA], config(CAMPUS), enricher, 1);
  const two = await learnAsn([WIKIPEDIA], config(CAMPUS), enricher, 2);
  assert.equal(two.connections, one.connections);
  assert.equal(formatAsnAllowlistYaml(two), formatAsnAllowlistYaml(one));
});
