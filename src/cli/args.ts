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

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days):
 * longer ones fire at once, so a 30-day --duration stopped after 1 ms.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A positive whole number of seconds that a timer is set from (see MAX_TIMER_SECONDS). */
export function secondsOpt(values: Record<string, unknown>, name: string, command: string): number | undefined {
  const n = intOpt(values, name, command);
  if (n !== undefined && n > MAX_TIMER_SECONDS) {
    throw new PicketError(
      'PKT_ERR_CLI_USAGE',
      `${command}: --${name} must be at most ${MAX_TIMER_SECONDS} seconds (24.8 days), got ${n}` +
        (name === 'duration' ? '; leave it out to run until stopped' : ''),
    );
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
