/**
 * DGA evaluation and scoring speed, for `npm run bench` (both return
 * printable lines; numbers are reported, never asserted here — the tests
 * assert floors).
 *
 * evalDga():
 *  1. the bundled model on the held-out 30 %: recall per family, and false
 *     positives per popular-names list with the model alone (no allowlist);
 *  2. the whole scorer (bundled allowlist included) on held-out OpenDNS
 *     random names, which the allowlist is not built from;
 *  3. leave-family-out: for each random-character family, the models trained
 *     without it (its own model gone, generated-names table rebuilt without
 *     it, thresholds chosen again on validation) and their recall on all of
 *     that family's names. The three GameOver
 *     Zeus samples are near-identical, so leaving one out still leaves the
 *     other two: their figures say little about unseen generators;
 *  4. OpenDNS top 2014 names, for the record: that list still holds
 *     Conficker-era generated names, so its "false positives" are largely not.
 * benchDga(): names scored per second by the full scorer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DGA_DATA, DICTIONARY_FAMILIES, RANDOM_FAMILIES, loadDgaData, runWithDgaData, type Sample } from './data.js';
import { FAMILY_THRESHOLD, prepare, rowMaxProbability } from './core.js';
import { trainModel } from './train.js';
import { createDgaScorer, registrableLabel, type ModelDgaScorer } from '../../src/intel/dga/index.js';

/** Simulated bot: distinct names it looks up, and the dns.dga min_names default. */
const BOT_LOOKUPS = 20;
const BOT_MIN_NAMES = 3;

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(2)}%`);

export interface HeldOut {
  /** Per family: [names, flagged]. */
  recall: Map<string, [number, number]>;
  /** Per popular list: [names, flagged] with the model alone. */
  fp: Map<string, [number, number]>;
  flaggedBenign: string[];
}

/** Held-out recall and model-only false positives of `scorer` (short labels count as not flagged). */
export function heldOut(scorer: ModelDgaScorer, samples: readonly Sample[]): HeldOut {
  const recall = new Map<string, [number, number]>();
  const fp = new Map<string, [number, number]>();
  const flaggedBenign: string[] = [];
  for (const s of samples) {
    if (!s.test) continue;
    const hit = s.label.length >= scorer.minLength && scorer.labelProbability(s.label, s.domain) >= scorer.threshold;
    const m = s.dga ? recall : fp;
    const e = m.get(s.group) ?? [0, 0];
    e[0]++;
    if (hit) e[1]++;
    m.set(s.group, e);
    if (hit && !s.dga) flaggedBenign.push(s.domain);
  }
  return { recall, fp, flaggedBenign };
}

function readNames(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export async function evalDga(): Promise<string> {
  const out: string[] = [];
  const t0 = performance.now();
  const data = loadDgaData();
  const scorer = createDgaScorer(process.cwd(), { noBundledAllowlist: true });
  out.push(`DGA classifier (threshold ${scorer.threshold.toFixed(4)}, labels under ${scorer.minLength} characters not scored and counted as misses)`);
  const h = heldOut(scorer, data.dga.concat(data.benign));
  out.push(`Training: ${String(scorer.model.trained.split ?? '')}; thresholds: ${String(scorer.model.trained.family_thresholds ?? '')}`);
  out.push('Held-out recall per family (30 % split by registrable domain):');
  const order = [...RANDOM_FAMILIES, ...DICTIONARY_FAMILIES, 'unknown_dga'];
  for (const f of order) {
    const e = h.recall.get(f);
    if (e === undefined) continue;
    const kind = (RANDOM_FAMILIES as readonly string[]).includes(f) ? 'random' : (DICTIONARY_FAMILIES as readonly string[]).includes(f) ? 'dictionary' : 'mixed';
    out.push(`  ${f.padEnd(14)} ${kind.padEnd(10)} ${pct(e[1], e[0]).padStart(8)}  (${e[1]}/${e[0]})`);
  }
  // Conficker's labels are 5-11 random letters: how separable a label is depends on its length.
  const byLength = new Map<number, [number, number]>();
  for (const s of data.dga) {
    if (!s.test || s.group !== 'conficker') continue;
    const e = byLength.get(s.label.length) ?? [0, 0];
    e[0]++;
    if (s.label.length >= scorer.minLength && scorer.labelProbability(s.label, s.domain) >= scorer.threshold) e[1]++;
    byLength.set(s.label.length, e);
  }
  out.push(`  conficker by label length: ${[...byLength].sort((a, b) => a[0] - b[0]).map(([n, [t, f]]) => `${n}: ${pct(f, t)} of ${t}`).join(', ')}`);
  let bn = 0;
  let bf = 0;
  // dns.dga alerts on a client, not a name: a bot walking through its list is caught
  // once min_names of its names are flagged. Consecutive held-out names of a family
  // stand in for one bot's lookups.
  out.push(`Per client (dns.dga defaults: ${BOT_MIN_NAMES} flagged names among a bot's first ${BOT_LOOKUPS} distinct lookups):`);
  const perFamily = new Map<string, boolean[]>();
  for (const s of data.dga) {
    if (!s.test) continue;
    const hit = s.label.length >= scorer.minLength && scorer.labelProbability(s.label, s.domain) >= scorer.threshold;
    const list = perFamily.get(s.group) ?? [];
    list.push(hit);
    perFamily.set(s.group, list);
  }
  for (const f of order) {
    const hits = perFamily.get(f);
    if (hits === undefined) continue;
    let bots = 0;
    let caught = 0;
    for (let i = 0; i + BOT_LOOKUPS <= hits.length; i += BOT_LOOKUPS) {
      bots++;
      let n = 0;
      for (let j = i; j < i + BOT_LOOKUPS; j++) if (hits[j]) n++;
      if (n >= BOT_MIN_NAMES) caught++;
    }
    out.push(`  ${f.padEnd(14)} ${pct(caught, bots).padStart(8)}  of ${bots} simulated clients`);
  }
  out.push('Held-out false positives, model alone (no allowlist):');
  for (const [list, [n, f]] of h.fp) {
    bn += n;
    bf += f;
    out.push(`  ${list.slice('benign:'.length).padEnd(24)} ${pct(f, n).padStart(8)}  (${f}/${n})`);
  }
  out.push(`  ${'all popular names'.padEnd(24)} ${pct(bf, bn).padStart(8)}  (${bf}/${bn}): ${h.flaggedBenign.slice(0, 12).join(' ')}`);

  // The whole scorer, allowlist included, on held-out OpenDNS random names (not an allowlist source).
  const full = createDgaScorer(process.cwd());
  const random = data.benign.filter((s) => s.test && s.group === 'benign:opendns-random-domains');
  const flagged = random.filter((s) => full.score(s.domain).dga);
  out.push(`Scorer with the bundled allowlist, held-out OpenDNS random names: ${pct(flagged.length, random.length)} (${flagged.length}/${random.length}) ${flagged.slice(0, 8).map((s) => s.domain).join(' ')}`);

  // OpenDNS top 2014: reported, not a benign benchmark (see the module comment).
  const top = readNames(path.join(DGA_DATA, 'benign', 'opendns-top-domains.txt'));
  const topFlagged = top.filter((n) => full.score(n).dga);
  out.push(`OpenDNS top 2014 (holds Conficker-era generated names): ${pct(topFlagged.length, top.length)} flagged, e.g. ${topFlagged.slice(0, 6).join(' ')}`);

  out.push('Leave-family-out recall (models retrained without the family, generated-names table included; all its names):');
  for (const f of RANDOM_FAMILIES) {
    const p = prepare(data.benign, data.dga, f);
    const t = trainModel(p, scorer.minLength, f);
    let n = 0;
    let hit = 0;
    let bn = 0;
    let bf = 0;
    p.samples.forEach((s, i) => {
      const flagged = s.label.length >= scorer.minLength && rowMaxProbability(p, t.models, i) >= FAMILY_THRESHOLD;
      if (s.group === f) {
        n++;
        if (flagged) hit++;
      } else if (s.test && !s.dga) {
        bn++;
        if (flagged) bf++;
      }
    });
    out.push(`  ${f.padEnd(14)} ${pct(hit, n).padStart(8)}  (${hit}/${n}; held-out popular names flagged by that model ${pct(bf, bn)})`);
  }
  out.push(`(evaluation took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return out.join('\n');
}

/** Names per second through the full scorer (public suffix lookup, features, model). */
export async function benchDga(): Promise<string> {
  const data = loadDgaData();
  const names = data.dga.concat(data.benign).map((s) => `www.${s.domain}`);
  const scorer = createDgaScorer(process.cwd());
  let flagged = 0;
  for (let i = 0; i < Math.min(names.length, 5000); i++) if (scorer.score(names[i]!).dga) flagged++;
  const rounds = 3;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < names.length; i++) if (scorer.score(names[i]!).dga) flagged++;
  const s = (performance.now() - t0) / 1000;
  const perSec = (rounds * names.length) / s;
  // Label extraction alone, to show where the time goes.
  const t1 = performance.now();
  for (let i = 0; i < names.length; i++) registrableLabel(names[i]!);
  const parseSec = (performance.now() - t1) / 1000;
  return `DGA scorer: ${Math.round(perSec).toLocaleString('en-US')} names/s (${(rounds * names.length).toLocaleString('en-US')} names, ${flagged} flagged; public-suffix parsing alone ${Math.round(names.length / parseSec).toLocaleString('en-US')} names/s)`;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runWithDgaData(async () => {
    process.stdout.write((await evalDga()) + '\n' + (await benchDga()) + '\n');
  });
}
