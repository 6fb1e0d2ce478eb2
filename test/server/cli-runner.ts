/**
 * Runs the `picket` CLI from the compiled tree, for tests that spawn it as a
 * child process (node cli-runner.js <args>).
 */
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`picket: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
