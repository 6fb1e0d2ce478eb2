/**
 * Test driver for the login-service analyzers (FTP, Telnet, RDP, mail,
 * MySQL, PostgreSQL, VNC): plays a scripted conversation through a spec's
 * analyzer with the fake context, optionally cut into small pieces, and runs
 * seeded mutation rounds that must never throw nor leave a recognised
 * connection without an auth event.
 */
import assert from 'node:assert/strict';
import type { ProtocolSpec } from '../../../src/protocols/analyzer.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import type { ConnId } from '../../../src/events/conn-id.js';
import { ascii, concat, rng } from '../../helpers/bytes.js';
import { fakeContext, mutate, type FakeContext } from '../http/fake-ctx.js';

/** One message of a conversation: who sends it and its bytes. */
export type Step = [fromOrig: boolean, bytes: Uint8Array];

export const C = true;
export const S = false;

/** Bytes from latin1 text (protocol lines are written as readable strings). */
export const text = ascii;

/** Concatenation of byte arrays and byte lists. */
export const bytes = concat;

export function b64(s: string): string {
  return Buffer.from(s, 'latin1').toString('base64');
}

export interface PlayOptions {
  conn?: Partial<ConnId>;
  /** Cut every step into pieces of this many bytes. */
  pieceSize?: number;
  /** Leave the connection open (do not call end). */
  open?: boolean;
}

/** Plays `steps` through a fresh analyzer of `spec`; timestamps are 1, 2, 3... per step. */
export function play(spec: ProtocolSpec, steps: readonly Step[], opts: PlayOptions = {}): FakeContext {
  const ctx = fakeContext(opts.conn);
  const a = spec.create(ctx);
  let ts = 0;
  for (const [fromOrig, data] of steps) {
    ts++;
    if (a.wants !== undefined && !a.wants(fromOrig)) continue;
    const size = opts.pieceSize ?? data.length;
    for (let i = 0; i < data.length; i += Math.max(1, size)) a.data(fromOrig, data.subarray(i, Math.min(data.length, i + size)), ts);
  }
  if (opts.open !== true) a.end(ts + 1);
  return ctx;
}

export function auths(ctx: FakeContext): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (const e of ctx.events) if (e.type === 'auth') out.push(e);
  return out;
}

/** [outcome, user, detail] of each auth event, for compact assertions. */
export function outcomes(ctx: FakeContext): [string, string | undefined, string | undefined][] {
  return auths(ctx).map((a) => [a.outcome, a.user, a.detail]);
}

/** The same conversation whole and in 1-, 2- and 7-byte pieces must give the same events. */
export function assertSplitInvariant(spec: ProtocolSpec, steps: readonly Step[]): void {
  const whole = play(spec, steps).events;
  for (const size of [1, 2, 7]) assert.deepEqual(play(spec, steps, { pieceSize: size }).events, whole, `pieces of ${size}`);
}

/**
 * Mutation rounds: each round mutates every step of one of the sessions
 * (bit flips, truncation, length lies, duplicated slices) and plays it,
 * whole or in random pieces. Nothing may throw; returns the events seen.
 */
export function fuzz(spec: ProtocolSpec, sessions: readonly (readonly Step[])[], seed: number, rounds: number): number {
  const rand = rng(seed);
  let events = 0;
  for (let r = 0; r < rounds; r++) {
    const base = sessions[r % sessions.length]!;
    const steps: Step[] = base.map(([o, d]) => [o, rand() < 0.5 ? mutate(d, rand) : d]);
    const size = rand() < 0.5 ? undefined : 1 + Math.floor(rand() * 16);
    const ctx = play(spec, steps, size === undefined ? {} : { pieceSize: size });
    events += ctx.events.length;
    // Whatever happened: a recognised connection always ends with at least one auth event,
    // and every event is well formed.
    const list = auths(ctx);
    if (ctx.services.length > 0) assert.ok(list.length >= 1, 'a recognised connection has an auth event');
    for (const a of list) {
      assert.ok(a.outcome === 'success' || a.outcome === 'failure' || a.outcome === 'unknown');
      assert.equal(a.uid, ctx.conn.uid);
    }
  }
  return events;
}
