/**
 * One rule as people see it: id, name, description, severity, ATT&CK
 * technique, categories, whether the site configuration leaves it on, and its
 * options (the configuration file's values, else the defaults). The `rules`
 * command and the console's settings view both show this.
 */
import { DETECTORS } from './index.js';
import { SEVERITY_NAMES } from '../alerts/alert.js';
import type { DetectorDefinition } from './detector.js';
import type { DetectorsConfig } from '../config/schema.js';

export interface RuleView {
  id: string;
  name: string;
  description: string;
  severity: string;
  technique: string;
  category: readonly string[];
  enabled: boolean;
  options: Record<string, unknown>;
}

export function ruleView(def: DetectorDefinition, detectors: DetectorsConfig): RuleView {
  const options = (detectors as Readonly<Record<string, Record<string, unknown>>>)[def.id] ?? {};
  return {
    id: def.id,
    name: def.name,
    description: def.description,
    severity: SEVERITY_NAMES[def.severity],
    technique: def.technique,
    category: def.category,
    enabled: options.enabled !== false,
    options,
  };
}

/** Every shipped rule, in the detector registry's order. */
export function ruleViews(detectors: DetectorsConfig): RuleView[] {
  return DETECTORS.map((d) => ruleView(d, detectors));
}
