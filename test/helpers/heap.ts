/**
 * Memory a structure keeps, for the tests that hold parsers and detectors to
 * their bounds: the JavaScript heap plus ArrayBuffer memory still reachable
 * after `build` ran and a full collection, minus what was there before. The
 * collector is reached at run time (no `--expose-gc` needed on the command line).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Keeps `build`'s result reachable while memory is measured. */
let sink: unknown;

/** A full collection now. */
export function collectGarbage(): void {
  gc();
  gc();
}

function used(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Bytes still held after `build` returned (its result kept alive) and a full collection. */
export function retainedBytes(build: () => unknown): number {
  const before = used();
  sink = build();
  const after = used();
  sink = undefined;
  return after - before;
}
