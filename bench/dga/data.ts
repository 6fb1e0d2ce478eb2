/**
 * The DGA training and evaluation data, read from the shared data folder
 * (data/dga: benign top lists and labelled DGA samples; see SOURCES.md
 * there), reduced to registrable labels and split deterministically by a
 * hash of the registrable domain: 30 % held out (only ever used to report),
 * 28 % validation (thresholds), 42 % training, so every run (training,
 * evaluation, tests) sees the same split and one domain never sits on two
 * sides.
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
  /** Validation row: outside the held-out part, in one of the first VALID_FOLDS folds (thresholds are chosen here). */
  valid: boolean;
  /** Fold of the name (0..FOLDS-1): folds under VALID_FOLDS validate, the rest train and are cross-fitted by fold. */
  fold: number;
}

export const FOLDS = 5;
/**
 * Folds of the non-held-out 70 % set aside for validation (2 of 5: 28 % of
 * all names, about as many popular names as the held-out part, so a
 * false-positive share there is measured with the same resolution). The
 * shipped model is trained on the other 3 folds and its thresholds are
 * chosen on these, so they are thresholds of the very model that ships.
 */
export const VALID_FOLDS = 2;

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
  const test = h % 10 < TEST_TENTHS;
  const fold = (h >>> 8) % FOLDS;
  return { domain, label, group, dga, test, valid: !test && fold < VALID_FOLDS, fold };
}

export const BENIGN_FILES = ['tranco10k.txt', 'cisco_top20k.txt', 'opendns-random-domains.txt'] as const;

export interface DgaData {
  benign: Sample[];
  dga: Sample[];
  /** Names not usable (no ICANN suffix, IDN...), by reason. */
  skipped: Record<string, number>;
}

/** The labelled DGA data is not where it was looked for (it ships with the shared corpus, not with Picket). */
export class DgaDataMissingError extends Error {
  constructor(readonly dir: string) {
    super(`DGA data not found at ${dir}: set PICKET_SHARED to the folder that holds data/dga (the shared corpus)`);
    this.name = 'DgaDataMissingError';
  }
}

/** Runs a script's main step; a missing data folder ends it with the message and exit code 2, not a stack trace. */
export async function runWithDgaData(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (!(err instanceof DgaDataMissingError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  }
}

export function loadDgaData(dir = DGA_DATA): DgaData {
  if (!fs.existsSync(path.join(dir, 'dga-samples', 'dga_samples.csv'))) throw new DgaDataMissingError(dir);
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
