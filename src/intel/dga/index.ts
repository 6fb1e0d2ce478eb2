/**
 * Builds the DGA scorer the engine hands to detectors (`intel.dga`): the
 * bundled model and allowlist from assets/intel, optionally another model
 * file and extra allowlist files (relative paths resolve against `baseDir`,
 * the config file's folder) and extra registrable domains.
 *
 *   const dga = createDgaScorer(path.dirname(configFile));
 *   createEngine({ ..., intel: { dga } });
 */
import path from 'node:path';
import { PicketError } from '../../util/errors.js';
import { intelAsset } from './assets.js';
import { loadAllowlistFile, parseAllowlist } from './allowlist.js';
import { loadModel } from './model.js';
import { ModelDgaScorer } from './scorer.js';

export { ModelDgaScorer, DEFAULT_MIN_LENGTH } from './scorer.js';
export { registrableLabel } from './label.js';

export const MODEL_FILE = 'dga-model.json';
export const ALLOWLIST_FILE = 'dga-allowlist.txt';

export interface DgaScorerConfig {
  /** Model file instead of the bundled one. */
  model?: string;
  /** Extra allowlist files (one registrable domain a line, # comments). */
  allowlistFiles?: readonly string[];
  /** Extra registrable domains never scored. */
  allow?: readonly string[];
  /** Leave the bundled popular-names allowlist out (evaluation only). */
  noBundledAllowlist?: boolean;
  threshold?: number;
  minLength?: number;
}

export function createDgaScorer(baseDir: string, cfg: DgaScorerConfig = {}): ModelDgaScorer {
  const modelFile = cfg.model !== undefined ? path.resolve(baseDir, cfg.model) : intelAsset(MODEL_FILE);
  if (modelFile === undefined) throw new PicketError('PKT_ERR_DGA_MODEL', `the bundled DGA model (assets/intel/${MODEL_FILE}) is missing from this installation`);
  const model = loadModel(modelFile);
  const allow = new Set<string>();
  if (cfg.noBundledAllowlist !== true) {
    const bundled = intelAsset(ALLOWLIST_FILE);
    if (bundled === undefined) throw new PicketError('PKT_ERR_DGA_ALLOWLIST', `the bundled DGA allowlist (assets/intel/${ALLOWLIST_FILE}) is missing from this installation`);
    loadAllowlistFile(bundled, allow);
  }
  for (const f of cfg.allowlistFiles ?? []) loadAllowlistFile(path.resolve(baseDir, f), allow);
  if (cfg.allow !== undefined) parseAllowlist(cfg.allow.join('\n'), allow);
  return new ModelDgaScorer(model, {
    allow,
    ...(cfg.threshold !== undefined ? { threshold: cfg.threshold } : {}),
    ...(cfg.minLength !== undefined ? { minLength: cfg.minLength } : {}),
  });
}
