/**
 * Command-line option parsing shared by every command: node's parseArgs in
 * strict mode, with errors turned into a usage message and exit code 2.
 */
import type { AlertFormat } from './alert-output.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PicketError } from '../util/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends OptionSpec>(
  command: string,
  argv: string[],
  options: O,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: ${msg} (see picket ${command} --help)`);
  }
}

export function stringOpt(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function intOpt(values: Record<string, unknown>, name: string, command: string): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --${name} must be a positive whole number, got "${v}"`);
  }
  return n;
}

/** `--format json|text` (default json): how alerts are written. */
export function alertFormatOpt(values: Record<string, unknown>, command: string): AlertFormat {
  const format = stringOpt(values, 'format') ?? 'json';
  if (format !== 'json' && format !== 'text') {
    throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --format must be json or text, got "${format}"`);
  }
  return format;
}
