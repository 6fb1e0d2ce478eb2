/**
 * `picket server [--config FILE] [--data DIR] [--listen HOST:PORT] [--demo]`:
 * the central API that agents send to and the console and `picket query`
 * read from. Runs until SIGINT/SIGTERM, then stores the batches it already
 * accepted and closes the store. A stdout line "picket server listening on
 * URL" says where it listens (tests and scripts match it when --listen ends
 * in :0; fastify's own log lines share stdout unless --quiet).
 */
import { defaultRouteInterface, liveCaptureBlocker, startLocalSensor, type LocalSensor } from '../server/local-sensor.js';
import path from 'node:path';
import { parseCommandArgs, stringOpt } from './args.js';
import { runServer } from '../server/server.js';
import { ADMIN_TOKEN_ENV } from '../server/admin-token.js';

export const SERVER_HELP = `Usage: picket server [options]

Runs the Picket server: agent enrollment and ingest, admin and query API
under /api/v1 (see docs/api.md).

Options:
  --config FILE        site configuration (picket.yaml; its server: section
                       sets listen, tls, ingest limits)
  --data DIR           data directory (default ./data): picket.duckdb,
                       admin.token
  --listen HOST:PORT   listen address (default server.listen, 127.0.0.1:8780;
                       port 0 = any free port)
  --demo               fill an empty store from the bundled demo capture
  --local-sensor       also capture live on the default-route interface in this
                       process (needs root and tcpdump; says why when it cannot,
                       and then --demo's capture stands in)
  --quiet              log warnings and errors only

The admin token comes from ${ADMIN_TOKEN_ENV}, or DIR/admin.token, which is
created (mode 0600) on first start.
`;

export async function serverCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('server', argv, {
    config: { type: 'string' },
    data: { type: 'string' },
    listen: { type: 'string' },
    demo: { type: 'boolean' },
    'local-sensor': { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(SERVER_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`picket server: unexpected argument "${positionals[0]}"\n\n${SERVER_HELP}`);
    return 2;
  }
  const dataDir = path.resolve(stringOpt(values, 'data') ?? 'data');
  // With --local-sensor, the demo capture stands in only when live capture is not possible.
  const localSensor = values['local-sensor'] === true;
  const liveBlocker = localSensor ? liveCaptureBlocker(defaultRouteInterface()) : null;
  const demo = values.demo === true && (!localSensor || liveBlocker !== null);
  const server = await runServer({
    configFile: stringOpt(values, 'config'),
    dataDir,
    listen: stringOpt(values, 'listen'),
    logLevel: values.quiet === true ? 'warn' : 'info',
    demo,
  });
  // The stop signals are caught before the listening line is written: a
  // supervisor or script that stops the server as soon as it reads that line
  // must get a clean stop (accepted batches stored), not the default kill.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(`picket server listening on ${server.url}\n`);
  for (const n of server.consoleNotices) process.stderr.write(`picket server: ${n}\n`);
  for (const w of server.admin.warnings) process.stderr.write(`picket server: ${w}\n`);
  const where = server.admin.source === 'env' ? ADMIN_TOKEN_ENV : `${server.admin.file}${server.admin.source === 'created' ? ' (created)' : ''}`;
  process.stderr.write(`picket server: data in ${dataDir}; admin token from ${where}\n`);
  let sensor: LocalSensor | null = null;
  if (localSensor) {
    const started = liveBlocker ?? (await startLocalSensor(server.ctx, server.url, dataDir));
    if (typeof started === 'string') {
      process.stderr.write(`picket server: no local live capture (${started}); the console shows the stored data${demo ? ' and the bundled demo capture' : ''}\n`);
    } else {
      sensor = started;
      process.stderr.write(`picket server: local sensor capturing on ${started.iface}\n`);
    }
  }

  await stopRequested;
  process.stderr.write('picket server: stopping (storing accepted batches)\n');
  // The local sensor stops on the same signal; let it hand over its last batches first.
  if (sensor !== null) await sensor.done.catch(() => 1);
  await server.close();
  return 0;
}
