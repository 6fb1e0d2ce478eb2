/**
 * What `picket sensor` and the networked sensor (`picket sensor --server`)
 * share on the command line: the live-capture, detection and output options,
 * and opening the tcpdump capture those options describe.
 */
import { openLiveCapture, type LiveCaptureSource } from '../capture/live-source.js';
import { intOpt, stringOpt, type OptionSpec } from './args.js';

export const SENSOR_OPTIONS = {
  interface: { type: 'string', short: 'i' },
  filter: { type: 'string' },
  snaplen: { type: 'string' },
  'buffer-kib': { type: 'string' },
  logs: { type: 'string' },
  config: { type: 'string' },
  state: { type: 'string' },
  'stats-interval': { type: 'string' },
  metrics: { type: 'string' },
  format: { type: 'string' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

/** The live capture on `iface` with --filter, --snaplen and --buffer-kib from the options. */
export function openLiveCaptureFromOptions(values: Record<string, unknown>, iface: string): LiveCaptureSource {
  const filter = stringOpt(values, 'filter');
  const snaplen = intOpt(values, 'snaplen', 'sensor');
  const bufferKiB = intOpt(values, 'buffer-kib', 'sensor');
  return openLiveCapture({
    interface: iface,
    ...(filter !== undefined ? { filter } : {}),
    ...(snaplen !== undefined ? { snaplen } : {}),
    ...(bufferKiB !== undefined ? { bufferKiB } : {}),
  });
}
