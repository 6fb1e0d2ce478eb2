/**
 * Test helper for the indicator rules: the lab's threat-intel fixtures
 * (test/lab/intel-fixtures.md) written as list files in a temporary folder,
 * intel sources built from them, and a replay of lab or corpus captures
 * through the real pipeline and engine with that intel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, tempDir } from '../../helpers/paths.js';
import { EventBus } from '../../../src/events/bus.js';
import { createEngine } from '../../../src/detect/engine.js';
import { replayCaptures } from '../../../src/pipeline/replay.js';
import { loadConfig } from '../../../src/config/load.js';
import { checkConfigText } from '../../../src/config/load.js';
import { createIntelSources, type IntelSources } from '../../../src/intel/sources.js';
import type { Alert } from '../../../src/alerts/alert.js';
import type { SiteConfig } from '../../../src/config/schema.js';

export const LAB = path.join(REPO_ROOT, 'test', 'lab');
export const LAB_CAPTURES = path.join(LAB, 'captures');

/** The names and addresses of intel-fixtures.md. */
export const FIXTURE_DOMAINS = ['c2-beacon.malicious.example', 'payload.bad-cdn.test', 'relay7.onion-gw.test'];
export const FIXTURE_IPS = ['203.0.113.66', '192.0.2.99', '198.18.0.77'];

/** A consensus entry putting a relay at the lab's 198.18.0.77:9001 (the capture's "Tor" connection). */
export const LAB_CONSENSUS = [
  'network-status-version 3',
  'vote-status consensus',
  'r labrelay AAoQ1DAR6kkoo19hBAX5K0QztNw evtkDQeqgaEIuj55lP3MXloQYcI 2018-05-31 13:28:36 198.18.0.77 9001 9030',
  's Fast Guard Running Stable Valid',
  'p reject 1-65535',
  '',
].join('\n');

export interface LabIntel {
  dir: string;
  sources: IntelSources;
  config: SiteConfig;
  cleanup(): void;
}

/**
 * Lists and a picket.yaml in a temp folder: the lab site config plus
 * `intel` lines (default: the fixture domain and IP lists and the lab relay).
 */
export async function labIntel(intelYaml?: string, files: Record<string, string> = {}): Promise<LabIntel> {
  const dir = tempDir('picket-intel-lab-');
  const all: Record<string, string> = {
    'bad-domains.txt': `# lab fixtures\n${FIXTURE_DOMAINS.join('\n')}\n`,
    'bad-ips.txt': `${FIXTURE_IPS.join('\n')}\n`,
    'lab-consensus.txt': LAB_CONSENSUS,
    ...files,
  };
  for (const [name, text] of Object.entries(all)) fs.writeFileSync(path.join(dir, name), text);
  const yaml =
    fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8') +
    (intelYaml ??
      `intel:
  lists:
    - { path: bad-domains.txt, kind: domain }
    - { path: bad-ips.txt, kind: ip }
  tor: [lab-consensus.txt]
`);
  const file = path.join(dir, 'picket.yaml');
  fs.writeFileSync(file, yaml);
  const r = checkConfigText(yaml, 'picket.yaml');
  if (r.config === null) throw new Error(r.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  const config = loadConfig(file);
  const sources = await createIntelSources(config.intel, dir, path.join(dir, 'cache'));
  return { dir, sources, config, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Files and a picket.yaml holding exactly `yaml` in a temp folder, and the
 * intel sources of that config (for captures that are not the lab's, with
 * their own `intel:` and `detectors:` sections).
 */
export async function siteIntel(yaml: string, files: Record<string, string>): Promise<LabIntel> {
  const dir = tempDir('picket-intel-site-');
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const file = path.join(dir, 'picket.yaml');
    fs.writeFileSync(file, yaml);
    const config = loadConfig(file);
    const sources = await createIntelSources(config.intel, dir, path.join(dir, 'cache'));
    return { dir, sources, config, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Replays captures with the engine wired to `intel`; returns every alert. */
export async function replayWithIntel(files: string[], lab: LabIntel): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const bus = new EventBus();
  const engine = createEngine({ config: lab.config, bus, onAlert: (a) => alerts.push(a), intel: lab.sources.context() });
  await replayCaptures(files, { bus });
  engine.flush();
  return alerts;
}

export const INTEL_RULES = ['dns.bad_name', 'dns.bad_ip', 'ip.bad', 'tor.relay'];
