/**
 * The DGA training and evaluation data, read from the shared data folder
 * (data/dga: benign top lists and labelled DGA samples; see SOURCES.md
 * there), reduced to registrable labels and split deterministically: a name
 * goes to the held-out 30 % when a hash of its registrable domain says so,
 * so every run (training, evaluation, tests) sees the same split and one
 * domain never sits on both sides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DATA } from '../../test/helpers/paths.js';
import { registrableLabel } from '../../src/intel/dga/label.js';

export const DGA_DATA = path.join(SHARED_DATA, 'dga');

/** Held-out share, in tenths. */
const TEST_TENTHS = 3;

/** Families whose names are random characters (the ≥ 95 % recall target). */
export const RANDOM_FAMILIES = ['conficker', 'cryptolocker', 'ramdo', 'tinba', 'pushdo', 'gameover_zeus', 'goz', 'newgoz'] as const;
/** Families built from dictionary words (reported, not targeted). */
export const DICTIONARY_FAMILIES = ['matsnu', 'rovnix'] as const;

export interface Sample {
  domain: string;
  label: string;
  /** "benign:<list>" or the DGA family. */
  group: string;
  dga: boolean;
  test: boolean;
  /** Cross-fitting fold of a training benign name (0..FOLDS-1). */
  fold: number;
}

export const FOLDS = 5;

/** FNV-1a 32-bit: a stable hash for the split. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function sample(domain: string, label: string, group: string, dga: boolean): Sample {
  const h = fnv1a(domain);
  return { domain, label, group, dga, test: h % 10 < TEST_TENTHS, fold: (h >>> 8) % FOLDS };
}

export const BENIGN_FILES = ['tranco10k.txt', 'cisco_top20k.txt', 'opendns-random-domains.txt'] as const;

export interface DgaData {
  benign: Sample[];
  dga: Sample[];
  /** Names not usable (no ICANN suffix, IDN...), by reason. */
  skipped: Record<string, number>;
}

export function loadDgaData(dir = DGA_DATA): DgaData {
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  const benign = new Map<string, Sample>();
  for (const f of BENIGN_FILES) {
    for (const line of fs.readFileSync(path.join(dir, 'benign', f), 'utf8').split('\n')) {
      const name = line.trim();
      if (name === '') continue;
      const r = registrableLabel(name);
      if (typeof r === 'string') {
        skip(`benign: ${r}`);
        continue;
      }
      if (!benign.has(r.domain)) benign.set(r.domain, sample(r.domain, r.label, `benign:${f.replace(/\.txt$/, '')}`, false));
    }
  }
  const dga = new Map<string, Sample>();
  const csv = fs.readFileSync(path.join(dir, 'dga-samples', 'dga_samples.csv'), 'utf8').split('\n');
  for (let i = 1; i < csv.length; i++) {
    const [name, family] = csv[i]!.split(',');
    if (name === undefined || family === undefined || name === '') continue;
    const r = registrableLabel(name);
    if (typeof r === 'string') {
      skip(`dga: ${r}`);
      continue;
    }
    // A generated name that is also on a popular list is left out of both: its label is ambiguous.
    if (benign.has(r.domain)) {
      skip('dga: also on a benign list');
      continue;
    }
    if (!dga.has(r.domain)) dga.set(r.domain, sample(r.domain, r.label, family, true));
  }
  return { benign: [...benign.values()], dga: [...dga.values()], skipped };
}
