/**
 * `picket server` for the console benchmark, run from the same build as the
 * benchmark (bin/picket.js always loads dist/, which may be an older build):
 * the arguments are passed to the CLI as they are, after "server".
 */
import { main } from '../../src/cli/main.js';

main(['server', ...process.argv.slice(2)]).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`picket: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
