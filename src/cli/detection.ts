/**
 * Wires the detection engine to a pipeline's bus for the commands that
 * analyse traffic (replay, baseline, sensor, demo): loads the site
 * configuration, opens the state directory, and collects alerts.
 */
import { EventBus } from '../events/bus.js';
import { createEngine, type Engine } from '../detect/engine.js';
import { loadConfig } from '../config/load.js';
import type { Alert } from '../alerts/alert.js';

export interface DetectionSetup {
  bus: EventBus;
  engine: Engine;
  /** Alerts emitted so far. */
  readonly alerts: number;
  /** End of input: emit held alerts and save state. */
  finish(): void;
}

export interface DetectionOptions {
  configFile?: string | undefined;
  stateDir?: string | undefined;
  baseline?: boolean;
  live?: boolean;
  onAlert(alert: Alert): void;
}

export function setUpDetection(opts: DetectionOptions): DetectionSetup {
  const config = loadConfig(opts.configFile);
  const bus = new EventBus();
  let alerts = 0;
  const engine = createEngine({
    config,
    bus,
    ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
    baseline: opts.baseline === true,
    live: opts.live === true,
    prompt: opts.live === true,
    onAlert: (a) => {
      alerts++;
      opts.onAlert(a);
    },
  });
  return {
    bus,
    engine,
    get alerts() {
      return alerts;
    },
    finish() {
      engine.flush();
      engine.saveState();
    },
  };
}
