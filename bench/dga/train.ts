/**
 * Trains the DGA model and writes the bundled files:
 *   assets/intel/dga-model.json     the classifier (see src/intel/dga/model.ts)
 *   assets/intel/dga-allowlist.txt  registrable domains never scored
 *
 * Run after a build: `node dist/bench/dga/train.js` (from the repository
 * root; the shared data folder is found as the tests find it). The split,
 * the features and the training are deterministic, so a rerun on the same
 * data writes the same files.
 *
 * What it trains on: popular names (Tranco top 10k, Cisco Umbrella top 20k,
 * OpenDNS random sample; training split) against the random-character DGA
 * families and unknown_dga (training split, at most TRAIN_PER_FAMILY names
 * each), one model per family (MODEL_OF) against all popular names; the
 * family thresholds, chosen on the validation split, share one estimated false-positive budget (core.ts).
 * The dictionary families (matsnu, rovnix) are left out of training: taught
 * that long word chains are generated, the model flags long ordinary names
 * ("thelongevitynowconference"); they are reported by the evaluation instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'tldts';
import { DGA_DATA, DICTIONARY_FAMILIES, RANDOM_FAMILIES, loadDgaData, runWithDgaData, type Sample } from './data.js';
import { fitFamilies, prepare, toModelFile, type FamilyFitted, type Prepared } from './core.js';
import { DEFAULT_MIN_LENGTH } from '../../src/intel/dga/scorer.js';

/** Generated names per family used for training: above what any family has in the training folds (about 4,200), so all are used; the bound keeps a future larger sample from swamping the popular names. */
export const TRAIN_PER_FAMILY = 10000;
/**
 * Largest false-positive share on the validation popular names, all families
 * together. The goal is 0.1 % on held-out names; the validation part holds
 * about 6,000 popular names, so 0.1 % there is 6 names and two such samples
 * of the same model easily differ by a few. Half the goal is spent; the
 * margin was fixed before the held-out part was scored and never moved
 * after (docs/intel-ua-dga.md).
 */
export const FP_TARGET = 0.0005;
/** Popular names count this much more than generated ones in the loss (see core.ts). */
export const BENIGN_WEIGHT = 5;
/**
 * SGD passes, L2 per update (dense weights; slot weights) and Adagrad step,
 * with NGRAM_MAX (core.ts): chosen by validation recall at the budget, never
 * by the held-out part. Within a point or two of each other on validation
 * were 4 to 16 passes, L2 1e-6 to 1e-4 and 5-runs added; L2 1e-3 and a
 * rate of 0.02 lost cryptolocker recall.
 */
export const EPOCHS = 12;
export const L2 = 1e-5;
export const L2_SLOTS = 1e-5;
export const RATE = 0.1;
/**
 * Model per data family: the three GameOver Zeus samples (25-28 random
 * letters and digits each) share one, the rest have their own. Each model
 * is 2^NGRAM_BITS bytes, so merging near-identical families keeps the file small.
 */
export const MODEL_OF: Readonly<Record<string, string>> = { gameover_zeus: 'gameover', goz: 'gameover', newgoz: 'gameover' };
const RANDOM = new Set<string>(RANDOM_FAMILIES.map((f) => MODEL_OF[f] ?? f));
/** Lists the bundled allowlist is built from (CC0 via MISP warninglists). */
export const ALLOWLIST_SOURCES = ['tranco10k.txt', 'cisco_top20k.txt'] as const;

const DICTIONARY = new Set<string>(DICTIONARY_FAMILIES);

/** Validation rows thresholds are chosen on: every validation popular name and generated name of a trained family. */
export function validationRows(p: Prepared, minLength: number, leaveOut?: string): number[] {
  const rows: number[] = [];
  p.samples.forEach((s: Sample, i) => {
    if (!s.valid || s.label.length < minLength) return;
    if (s.dga && (DICTIONARY.has(s.group) || s.group === leaveOut)) return;
    rows.push(i);
  });
  return rows;
}

/** Rows a model is trained on (training folds); `leaveOut` drops one family (leave-family-out). */
export function trainingRows(p: Prepared, minLength: number, leaveOut?: string, perFamilyCap = TRAIN_PER_FAMILY): number[] {
  const rows: number[] = [];
  const perFamily = new Map<string, number>();
  p.samples.forEach((s: Sample, i) => {
    if (s.test || s.valid || s.label.length < minLength) return;
    if (s.dga) {
      if (DICTIONARY.has(s.group) || s.group === leaveOut) return;
      const n = (perFamily.get(s.group) ?? 0) + 1;
      perFamily.set(s.group, n);
      if (n > perFamilyCap) return;
    }
    rows.push(i);
  });
  return rows;
}

/**
 * The family models on the training rows, thresholds on the validation rows
 * (both without `leaveOut`, for leave-family-out evaluation). Only the
 * random-character families' models spend the false-positive budget; the
 * mixed unknown_dga model keeps its threshold above every validation
 * popular name. The budget counts every validation popular name, short ones
 * included (the scorer never flags those), as the held-out rate does.
 */
export function trainModel(p: Prepared, minLength: number, leaveOut?: string): FamilyFitted {
  return fitFamilies(p, {
    rows: trainingRows(p, minLength, leaveOut),
    validRows: validationRows(p, minLength, leaveOut),
    validBenignTotal: p.samples.filter((s) => s.valid && !s.dga).length,
    fpTarget: FP_TARGET,
    benignWeight: BENIGN_WEIGHT,
    epochs: EPOCHS,
    l2: L2,
    l2Slots: L2_SLOTS,
    rate: RATE,
    modelOf: (f) => MODEL_OF[f] ?? f,
    spends: (m) => RANDOM.has(m),
  });
}

/** Registrable domains of the popular lists, sorted. */
export function buildAllowlist(dir = DGA_DATA): string[] {
  const out = new Set<string>();
  for (const f of ALLOWLIST_SOURCES) {
    for (const line of fs.readFileSync(path.join(dir, 'benign', f), 'utf8').split('\n')) {
      const name = line.trim().toLowerCase();
      if (name === '') continue;
      const p = parse(name);
      if (p.isIcann === true && p.domain !== null && !p.domain.endsWith('.arpa')) out.add(p.domain);
    }
  }
  return [...out].sort();
}

async function main(): Promise<void> {
  const root = process.cwd();
  const assets = path.join(root, 'assets', 'intel');
  const data = loadDgaData();
  const p = prepare(data.benign, data.dga);
  const t = trainModel(p, DEFAULT_MIN_LENGTH);
  const rows = trainingRows(p, DEFAULT_MIN_LENGTH);
  const file = toModelFile(p, t, {
    data: 'data/dga: Tranco top 10k + Cisco Umbrella top 20k (CC0, MISP warninglists), OpenDNS random domains; DGA samples from andrewaeva/DGA (GPL-2.0)',
    split: 'by FNV-1a hash of the registrable domain: 42 % training, 28 % validation (thresholds), 30 % held out',
    benign_train: rows.filter((i) => !p.samples[i]!.dga).length,
    dga_train: rows.filter((i) => p.samples[i]!.dga).length,
    min_length: DEFAULT_MIN_LENGTH,
    fp_target_validation: FP_TARGET,
    validation_fp: `${t.validation.flagged}/${t.validation.benign} scored popular names`,
    benign_weight: BENIGN_WEIGHT,
    epochs: EPOCHS,
    l2: L2,
    l2_slots: L2_SLOTS,
    family_thresholds: t.families.map((f, j) => `${f} ${t.thresholds[j]!.toFixed(4)}`).join(', '),
    dictionary_families: 'left out of training',
  });
  fs.mkdirSync(assets, { recursive: true });
  fs.writeFileSync(path.join(assets, 'dga-model.json'), JSON.stringify(file) + '\n');
  const allow = buildAllowlist();
  fs.writeFileSync(
    path.join(assets, 'dga-allowlist.txt'),
    '# Registrable domains the DGA rule never scores: the registrable domains of the Tranco top 10k\n' +
      '# and Cisco Umbrella top 20k lists (CC0 1.0, via MISP warninglists; see SOURCES.md).\n' +
      '# Generated by bench/dga/train.ts; add your own with the dns.dga `allow` option.\n' +
      allow.join('\n') +
      '\n',
  );
  process.stdout.write(`dga model: ${t.families.length} family models (${t.families.join(', ')}), ${allow.length} allowlisted domains\n`);
  process.stdout.write(`validation: ${t.validation.flagged}/${t.validation.benign} popular names flagged; ${[...t.validation.recall].map(([f, [n, h]]) => `${f} ${((100 * h) / n).toFixed(1)}%`).join(', ')}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runWithDgaData(main);
