/**
 * Command-line option parsing shared by every command: node's parseArgs in
 * strict mode, with errors turned into a usage message and exit code 2.
 */
import type { AlertFormat } from './alert-output.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PicketError } from '../util/errors.js';
import { closestName } from '../util/suggest.js';

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
    throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: ${describeArgsError(err, options)} (see picket ${command} --help)`);
  }
}

/**
 * What parseArgs refused, in our words: an unknown option is named with the
 * closest known one (its own text tells how to pass a positional that starts
 * with '-', which is not what a misspelt option needs); an option without
 * its value says so.
 */
function describeArgsError(err: unknown, options: OptionSpec): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /^Unknown option '([^']+)'/.exec(msg)?.[1];
    if (given !== undefined) {
      const names = Object.keys(options).map((n) => `--${n}`);
      const best = given.startsWith('--') ? closestName(given, names) : undefined;
      return `unknown option ${given}${best !== undefined ? ` (did you mean ${best}?)` : ''}`;
    }
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const missing = /^Option '(?:-[A-Za-z], )?(--[^' ]+) <value>' argument missing/.exec(msg)?.[1];
    if (missing !== undefined) return `${missing} needs a value`;
  }
  return msg;
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
