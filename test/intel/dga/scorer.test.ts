/**
 * The DGA scorer with the committed model: held-out recall and false
 * positives on the shared data set (floors at what the model reaches, far
 * above chance), allowlisted names, label extraction, model file checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/paths.js';
import { loadDgaData } from '../../../bench/dga/data.js';
import { heldOut } from '../../../bench/dga/eval.js';
import { createDgaScorer, registrableLabel } from '../../../src/intel/dga/index.js';
import { intelAsset } from '../../../src/intel/dga/assets.js';
import { loadModel } from '../../../src/intel/dga/model.js';
import { FEATURE_COUNT, labelFeatures } from '../../../src/intel/dga/features.js';
import { MAX_BUCKETS, gramBuckets } from '../../../src/intel/dga/grams.js';

const model = createDgaScorer(process.cwd(), { noBundledAllowlist: true });
const full = createDgaScorer(process.cwd());
const data = loadDgaData();

/**
 * Held-out recall floors: what the committed model measures
 * (docs/intel-ua-dga.md), rounded down to half a point. Every
 * random-character family but conficker is at or above the 95 % goal;
 * conficker (5-11 random letters, the short ones indistinguishable from
 * popular initials) is at its measured 39.5 %.
 */
const RECALL_FLOORS: Record<string, number> = {
  goz: 0.99,
  gameover_zeus: 1,
  newgoz: 1,
  ramdo: 0.995,
  tinba: 0.975,
  pushdo: 0.965,
  cryptolocker: 0.96,
  conficker: 0.395,
};

test('held-out generated names: recall per family at least the recorded floors', () => {
  const h = heldOut(model, data.dga);
  for (const [family, floor] of Object.entries(RECALL_FLOORS)) {
    const [n, hit] = h.recall.get(family)!;
    assert.ok(n >= 300, `${family}: only ${n} held-out names`);
    assert.ok(hit / n >= floor, `${family}: recall ${(hit / n).toFixed(3)} under ${floor}`);
  }
});

/**
 * The goal is 0.1 % (6 of 6,390); the committed model flags 5 (0.08 %, every
 * one a random-looking label: docs/intel-ua-dga.md). The bound is that
 * count, so any further false positive fails.
 */
const MAX_HELD_OUT_FP = 5;

test('held-out popular names: at most 5 of 6,390 (0.08 %, under the 0.1 % goal) flagged by the model alone', () => {
  const h = heldOut(model, data.benign);
  let n = 0;
  let f = 0;
  for (const [, [names, flagged]] of h.fp) {
    n += names;
    f += flagged;
  }
  assert.ok(n > 5000);
  assert.ok(f <= MAX_HELD_OUT_FP, `false positives ${f}/${n}: ${h.flaggedBenign.join(' ')}`);
  assert.ok(f / n <= 0.001);
});

test('well above chance: generated names score higher than popular ones', () => {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const gen = data.dga.filter((s) => s.test && s.group === 'tinba').slice(0, 500).map((s) => model.labelProbability(s.label, s.domain));
  const pop = data.benign.filter((s) => s.test && s.label.length >= 10 && s.label.length <= 14).slice(0, 500).map((s) => model.labelProbability(s.label, s.domain));
  assert.ok(mean(gen) > 0.8 && mean(pop) < 0.2, `tinba ${mean(gen)}, popular ${mean(pop)}`);
});

test('real-looking generated names are flagged; ordinary ones are not', () => {
  // GameOver Zeus, newGOZ and ramdo shapes, then tinba- and pushdo-shaped labels made up for this test.
  for (const n of ['xkjhqoucnxizdefezeiguontwpn.ru', '1ltp305gp8rm5avpg621cl1g4j.com', 'soycwacuamokkgeq.org', 'qhvnbkdjfxwl.com', 'wuxqizoc.ru']) {
    const s = full.score(n);
    assert.equal(s.dga, true, `${n} ${s.score}`);
  }
  for (const n of ['mail.mycompany-intranet.com', 'www.bbc.co.uk', 'updates.printerfirmware.net', 'shop.bakerystreet.org']) {
    assert.equal(full.score(n).dga, false, n);
  }
});

test('allowlisted popular, CDN and cloud names are never flagged, whatever their subdomains', () => {
  for (const n of [
    'd3k2lq8q7x0zzw.cloudfront.net',
    'ec2-54-12-1-9.compute-1.amazonaws.com',
    'a1b2c3d4e5f6g7h8.blob.core.windows.net',
    'r4---sn-q4fl6nsr.googlevideo.com',
    'e1234.dscb.akamaiedge.net',
  ]) {
    const s = full.score(n);
    assert.equal(s.dga, false, n);
    assert.equal(s.skipped, 'allowlisted', n);
  }
  // Every bundled allowlist entry is skipped, even those whose label looks random.
  const text = fs.readFileSync(intelAsset('dga-allowlist.txt')!, 'utf8');
  const domains = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(domains.length > 10000);
  for (const d of domains) assert.equal(full.score(`x.${d}`).dga, false, d);
});

test('names without an ICANN suffix, addresses, reverse lookups and IDN labels are not scored', () => {
  assert.equal(registrableLabel('printer.local'), 'no public suffix');
  assert.equal(registrableLabel('wpad'), 'no public suffix');
  assert.equal(registrableLabel('10.0.0.1'), 'address');
  assert.equal(registrableLabel('1.0.0.127.in-addr.arpa'), 'reverse lookup');
  assert.equal(registrableLabel('xn--80ak6aa92e.com'), 'idn');
  assert.equal(registrableLabel(''), 'not a name');
  assert.equal(registrableLabel('a'.repeat(300) + '.com'), 'not a name');
  assert.deepEqual(registrableLabel('WWW.Example.CO.UK.'), { domain: 'example.co.uk', label: 'example' });
  const s = full.score('qwrtzpsdfg.local');
  assert.deepEqual(s, { name: 'qwrtzpsdfg.local', score: 0, dga: false, skipped: 'no public suffix' });
  assert.equal(full.score('qzxv.com').skipped, 'too short');
  assert.equal(full.score('cejzf.ws').skipped, undefined, 'five characters are scored (the shortest conficker labels)');
  assert.ok((full.skipped.get('no public suffix') ?? 0) >= 1);
});

test('the committed model file is small and loads; a damaged one is a coded error', () => {
  const file = intelAsset('dga-model.json')!;
  assert.ok(fs.statSync(file).size < 1.5 * 1024 * 1024);
  const m = loadModel(file);
  assert.ok(m.threshold > 0.5 && m.threshold < 1);
  assert.deepEqual(
    m.families.map((f) => f.name),
    ['conficker', 'cryptolocker', 'gameover', 'pushdo', 'ramdo', 'tinba', 'unknown_dga'],
  );
  const dir = tempDir('picket-dga-');
  try {
    const bad = path.join(dir, 'bad.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & { families: Record<string, unknown>[] };
    fs.writeFileSync(bad, JSON.stringify({ ...json, trigrams: 'AAAA' }));
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL', message: /trigrams has 3 bytes/ });
    // One family's n-gram table cut short, or a family without a bias: the whole file is refused.
    fs.writeFileSync(bad, JSON.stringify({ ...json, families: [{ ...json.families[0], ngrams: 'AAAA' }, ...json.families.slice(1)] }));
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL', message: /family conficker: ngrams has 3 bytes/ });
    fs.writeFileSync(bad, JSON.stringify({ ...json, families: [{ ...json.families[0], bias: 'x' }] }));
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL', message: /bias must be a number/ });
    fs.writeFileSync(bad, JSON.stringify({ ...json, ngram_max: 9 }));
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL', message: /ngram_max must be/ });
    fs.writeFileSync(bad, JSON.stringify({ ...json, families: [] }));
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL', message: /families must hold/ });
    fs.writeFileSync(bad, JSON.stringify({ ...json, format: 'picket-dga-2' }));
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL', message: /expected picket-dga-3/ });
    fs.writeFileSync(bad, '{not json');
    assert.throws(() => loadModel(bad), { code: 'PKT_ERR_DGA_MODEL' });
    assert.throws(() => loadModel(path.join(dir, 'missing.json')), { code: 'PKT_ERR_DGA_MODEL' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('extra allowlist entries and a caller threshold apply', () => {
  const name = '1ltp305gp8rm5avpg621cl1g4j.com';
  const s = createDgaScorer(process.cwd(), { allow: ['1ltp305gp8rm5avpg621cl1g4j.com'] });
  assert.equal(s.score(`www.${name}`).skipped, 'allowlisted');
  const strict = createDgaScorer(process.cwd(), { threshold: 1 });
  assert.equal(strict.score(name).dga, false);
  assert.ok(strict.score(name).score > 0.9);
});

test('the interleaved, folded scoring gives the same probability as each family model scored on its own', () => {
  const m = model.model;
  const x = new Float64Array(FEATURE_COUNT);
  const b = new Uint32Array(MAX_BUCKETS);
  for (const s of data.dga.filter((d) => d.test).slice(0, 200).concat(data.benign.filter((d) => d.test).slice(0, 200))) {
    labelFeatures(m.table, m.dgaTable, s.label, x);
    const count = gramBuckets(s.label, s.domain, m.ngramBits, b, m.ngramMax);
    let best = 0;
    for (const f of m.families) {
      let z = f.bias;
      for (let i = 0; i < FEATURE_COUNT; i++) z += f.weights[i]! * ((x[i]! - f.mean[i]!) / f.std[i]!);
      for (let k = 0; k < count; k++) z += f.ngramWeights[b[k]!]!;
      best = Math.max(best, 1 / (1 + Math.exp(-z)));
    }
    assert.ok(Math.abs(model.labelProbability(s.label, s.domain) - best) < 1e-6, s.domain);
  }
});
