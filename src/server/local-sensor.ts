/**
 * The local sensor that `picket server --local-sensor` (and so `npm start`)
 * runs in the same process: live capture on the default-route interface when
 * this process may capture (root and tcpdump present), shipping to the server
 * it runs beside through the ordinary enrollment and ingest path. When live
 * capture is not possible it says why and leaves the console to the bundled
 * demo capture.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ServerContext } from './context.js';

/** The interface of the IPv4 default route, from /proc/net/route (Linux), or undefined. */
export function defaultRouteInterface(routeTable = '/proc/net/route'): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(routeTable, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // Iface Destination Gateway Flags ...: destination 00000000 is the default route.
    if (cols.length > 3 && cols[1] === '00000000' && cols[0] !== undefined && cols[0] !== '') return cols[0];
  }
  return undefined;
}

/** Why live capture cannot run here, or null when it can. */
export function liveCaptureBlocker(iface: string | undefined): string | null {
  if (iface === undefined) return 'no default route, so no interface to watch';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'capturing needs root (or CAP_NET_RAW)';
  const which = spawnSync('sh', ['-c', 'command -v tcpdump'], { encoding: 'utf8' });
  if (which.status !== 0) return 'tcpdump is not installed';
  return null;
}

export interface LocalSensor {
  /** The interface watched. */
  iface: string;
  /** Resolves when the sensor stopped (it stops on SIGINT/SIGTERM like the server). */
  done: Promise<number>;
}

/** Starts the local sensor, or returns the reason it cannot run. */
export async function startLocalSensor(ctx: ServerContext, serverUrl: string, dataDir: string): Promise<LocalSensor | string> {
  const iface = defaultRouteInterface();
  const blocker = liveCaptureBlocker(iface);
  if (blocker !== null) return blocker;
  const spool = path.join(dataDir, 'local-sensor');
  const credential = path.join(spool, 'credential.json');
  const args = ['--server', serverUrl, '--interface', iface!, '--spool', spool, '--name', 'local-sensor', '--flush-timeout', '10'];
  // Enroll once: later starts reuse the stored credential.
  if (!fs.existsSync(credential)) {
    const { token } = await ctx.stores.meta.createEnrollmentToken('local-sensor', 'sensor', 3600);
    args.push('--token', token);
  }
  const { sensorAgentCommand } = await import('../agents/sensor-agent.js');
  return { iface: iface!, done: sensorAgentCommand(args) };
}
