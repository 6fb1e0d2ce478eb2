/**
 * The running tally behind one alert key: the one kept while the engine
 * holds that key's alert open (each finding adds to it, and the alert's
 * evidence is rebuilt from it), a fresh one once the alert has gone out, so
 * the next alert starts from nothing.
 */
import type { LruMap } from '../state/lru.js';
import type { HeldView } from './detector.js';

export function openTally<T>(ctx: { held(key: string): HeldView | undefined }, tallies: LruMap<string, T>, key: string, fresh: () => NoInfer<T>): T {
  let t = tallies.get(key);
  if (t === undefined || ctx.held(key) === undefined) {
    t = fresh();
    tallies.set(key, t);
  }
  return t;
}
