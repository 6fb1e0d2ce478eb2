/**
 * `picket config check FILE`: validates a site configuration without
 * running anything; prints every problem with its line and key path.
 */
import { checkConfigFile } from '../config/load.js';
import { PicketError } from '../util/errors.js';

export const CONFIG_HELP = `Usage: picket config check FILE

Validates a site configuration (picket.yaml). Prints each problem as
FILE:LINE: key.path: what is wrong, and exits 2 when there is any.
`;

export async function configCommand(argv: string[]): Promise<number> {
  const [sub, file, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    process.stdout.write(CONFIG_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check' || file === undefined || rest.length > 0) {
    throw new PicketError('PKT_ERR_CLI_USAGE', 'config: usage: picket config check FILE');
  }
  const problems = checkConfigFile(file);
  if (problems.length === 0) {
    process.stdout.write(`${file}: valid\n`);
    return 0;
  }
  for (const p of problems) process.stderr.write(`${p}\n`);
  return 2;
}
