/**
 * Starts the picket CLI of this build as a child process (optionally inside
 * a network namespace through `ip netns exec`) and collects its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PICKET_CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'picket-cli.js');

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export function startCli(args: string[], opts: { netns?: string; env?: Record<string, string> } = {}): CliRun {
  const cmd = opts.netns !== undefined ? 'ip' : process.execPath;
  const argv = opts.netns !== undefined ? ['netns', 'exec', opts.netns, process.execPath, PICKET_CLI, ...args] : [PICKET_CLI, ...args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}
