/**
 * Replays every lab capture through the real pipeline and detection engine
 * with the lab's site config (test/lab/picket.yaml) and checks the alerts
 * against captures/<name>.expect.json: every listed alert must fire (rule,
 * source address and MAC when given, destination, and the evidence values
 * listed); an `exclusive` capture may raise nothing else except its `allow`
 * list; captures with a `baseline` are replayed after learning those
 * captures into a fresh state directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { loadConfig } from '../../src/config/load.js';
import type { Alert } from '../../src/alerts/alert.js';
import { createUserAgentClassifier } from '../../src/intel/ua/index.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';

const LAB = path.join(REPO_ROOT, 'test', 'lab');
const CAPTURES = path.join(LAB, 'captures');

interface ExpectedAlert {
  rule: string;
  source: { ip?: string; mac?: string };
  destination?: { ip?: string; port?: number };
  evidence?: Record<string, unknown>;
}
interface ExpectFile {
  capture: string;
  alerts: ExpectedAlert[];
  exclusive?: boolean;
  allow?: string[];
  baseline?: string[];
}

const config = loadConfig(path.join(LAB, 'picket.yaml'));
/** The bundled attack-tool user-agent list (offline), so ua.attack_tool runs as in a default install. */
const userAgents = createUserAgentClassifier(REPO_ROOT);
/** The bundled DGA model and popular-domain list, as in a default install (rules skip popular domains with it). */
const dga = createDgaScorer(REPO_ROOT);

/** Replays CAPTURES in order; with `learn`, records state without alerting. */
async function run(captures: string[], stateDir?: string, learn = false): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const bus = new EventBus();
  const engine = createEngine({
    config,
    bus,
    ...(stateDir !== undefined ? { stateDir } : {}),
    baseline: learn,
    intel: { userAgents, dga },
    onAlert: (a) => alerts.push(a),
  });
  await replayCaptures(captures.map((c) => path.join(CAPTURES, c)), { bus });
  alerts.push(...engine.flush());
  if (stateDir !== undefined) engine.saveState();
  return alerts;
}

/** Expected scalars must be equal; expected arrays must be contained in the actual ones. */
function evidenceMatches(want: Record<string, unknown>, got: Record<string, unknown> | undefined): boolean {
  if (got === undefined) return false;
  for (const [key, value] of Object.entries(want)) {
    const actual = got[key];
    if (Array.isArray(value)) {
      if (!Array.isArray(actual) || !value.every((v) => actual.includes(v))) return false;
    } else if (actual !== value) {
      return false;
    }
  }
  return true;
}

function matches(want: ExpectedAlert, got: Alert): boolean {
  if (got.rule.id !== want.rule) return false;
  if (want.source.ip !== undefined && got.source?.ip !== want.source.ip) return false;
  if (want.source.mac !== undefined && got.source?.mac !== want.source.mac) return false;
  if (want.destination?.ip !== undefined && got.destination?.ip !== want.destination.ip) return false;
  if (want.destination?.port !== undefined && got.destination?.port !== want.destination.port) return false;
  if (want.evidence !== undefined && !evidenceMatches(want.evidence, got.evidence as Record<string, unknown> | undefined)) return false;
  return true;
}

function describe(alerts: Alert[]): string {
  return alerts.map((a) => `${a.rule.id} ${a.source?.ip ?? '-'} ${a.source?.mac ?? ''}: ${a.message}`).join('\n  ');
}

const names = fs.readdirSync(CAPTURES).filter((f) => f.endsWith('.expect.json')).map((f) => f.slice(0, -'.expect.json'.length)).sort();

for (const name of names) {
  test(`replay ${name}: the expected alerts fire`, async () => {
    const e = JSON.parse(fs.readFileSync(path.join(CAPTURES, `${name}.expect.json`), 'utf8')) as ExpectFile;
    let stateDir: string | undefined;
    try {
      if (e.baseline !== undefined && e.baseline.length > 0) {
        stateDir = tempDir('picket-lab-state-');
        const learned = await run(e.baseline, stateDir, true);
        assert.deepEqual(learned, [], 'baseline mode must not alert');
      }
      const got = await run([e.capture], stateDir);
      for (const want of e.alerts) {
        assert.ok(got.some((a) => matches(want, a)), `missing ${JSON.stringify(want)}; got:\n  ${describe(got)}`);
      }
      if (e.exclusive === true) {
        const allowed = new Set([...e.alerts.map((a) => a.rule), ...(e.allow ?? [])]);
        const extra = got.filter((a) => !allowed.has(a.rule.id));
        assert.deepEqual(extra.map((a) => a.rule.id), [], `unexpected alerts:\n  ${describe(extra)}`);
      }
    } finally {
      if (stateDir !== undefined) fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
}

test('replay benign twice: once its devices are learned, nothing at all fires', async () => {
  const stateDir = tempDir('picket-lab-state-');
  try {
    await run(['benign.pcap'], stateDir, true);
    const got = await run(['benign.pcap'], stateDir);
    assert.deepEqual(got.map((a) => a.rule.id), [], describe(got));
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
