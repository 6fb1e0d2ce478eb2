/**
 * `picket rules [RULE...]`: the detection rules this build ships, as the
 * site configuration leaves them: id, severity, ATT&CK technique, on or
 * off, name; with rule ids (or a prefix ending in "*"), each rule's
 * description and every option with its value (the file's, else the
 * default). `--format json` prints one JSON line per rule. What to write
 * under `detectors:` in picket.yaml, without reading the source.
 */
import { parseCommandArgs, stringOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { loadConfig } from '../config/load.js';
import { DETECTORS } from '../detect/index.js';
import { closestName } from '../util/suggest.js';
import { textTable } from './text-table.js';
import type { DetectorDefinition } from '../detect/detector.js';
import { ruleView, type RuleView } from '../detect/rule-view.js';

export const RULES_HELP = `Usage: picket rules [RULE...] [options]

Lists the detection rules: id, severity, ATT&CK technique, on or off (as
the site configuration leaves them) and name. Given rule ids (or a prefix
such as "dns.*"), shows each one's description and options with their
values: the configuration file's, else the defaults.

Options:
  --config FILE       site configuration (picket.yaml) whose detectors: section applies
  --format text|json  a table for people (default), or one JSON line per rule
  -h, --help          this help
`;

/** The rules `patterns` name (all without patterns); an unknown id is a usage error naming the closest one. */
function pick(patterns: readonly string[]): DetectorDefinition[] {
  if (patterns.length === 0) return [...DETECTORS];
  const out: DetectorDefinition[] = [];
  for (const p of patterns) {
    const matched = p.endsWith('*') ? DETECTORS.filter((d) => d.id.startsWith(p.slice(0, -1))) : DETECTORS.filter((d) => d.id === p);
    if (matched.length === 0) {
      const best = closestName(p, DETECTORS.map((d) => d.id));
      throw new PicketError('PKT_ERR_CLI_USAGE', `rules: no rule "${p}"${best !== undefined ? ` (did you mean "${best}"?)` : ''}`);
    }
    for (const d of matched) if (!out.includes(d)) out.push(d);
  }
  return out;
}

function table(rows: readonly RuleView[]): string {
  return textTable(['RULE', 'SEVERITY', 'TECHNIQUE', 'STATE', 'NAME'], rows.map((r) => [r.id, r.severity, r.technique, r.enabled ? 'on' : 'off', r.name]));
}

function details(r: RuleView): string {
  const lines = [`${r.id}: ${r.name}`, `  ${r.description}`, `  severity ${r.severity}, ${r.technique}, ${r.enabled ? 'on' : 'off'}`, '  options:'];
  for (const [key, value] of Object.entries(r.options)) lines.push(`    ${key}: ${JSON.stringify(value)}`);
  return lines.join('\n') + '\n';
}

export async function rulesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('rules', argv, {
    config: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(RULES_HELP);
    return 0;
  }
  const format = stringOpt(values, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new PicketError('PKT_ERR_CLI_USAGE', `rules: --format must be text or json, got "${format}"`);
  const config = loadConfig(stringOpt(values, 'config'));
  const rows = pick(positionals).map((d) => ruleView(d, config.detectors));
  if (format === 'json') process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  else if (positionals.length === 0) process.stdout.write(table(rows));
  else process.stdout.write(rows.map(details).join('\n'));
  return 0;
}
