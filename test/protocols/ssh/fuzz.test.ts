/**
 * Robustness: thousands of seeded random mutations of SSH identification
 * lines, KEXINIT and key-exchange packets and encrypted segments, fed in
 * random pieces; nothing may throw.
 */
import { test } from 'node:test';
import { sshSpec } from '../../../src/protocols/ssh/index.js';
import { hostKeyFingerprint, parseKexInit } from '../../../src/protocols/ssh/parser.js';
import { ascii, fakeContext, feedInterleaved, mutate, rng } from '../http/fake-ctx.js';

const ITERATIONS = 3000;

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function packet(payload: number[]): number[] {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return [...u32(1 + payload.length + pad), pad, ...payload, ...new Array(pad).fill(0)];
}

function kexinit(): number[] {
  const out = [20, ...new Array(16).fill(1)];
  for (const l of ['curve25519-sha256', 'ssh-ed25519', 'aes128-ctr', 'aes128-ctr', 'hmac-sha2-256', 'hmac-sha2-256', 'none', 'none', '', '']) {
    out.push(...u32(l.length), ...Buffer.from(l));
  }
  out.push(0, 0, 0, 0, 0);
  return out;
}

const KEXINIT = kexinit();
const REPLY = [31, ...u32(8), 1, 2, 3, 4, 5, 6, 7, 8];
const CLIENT = new Uint8Array([...ascii('SSH-2.0-fuzz\r\n'), ...packet(KEXINIT), ...packet([21]), ...new Array(52).fill(0), ...new Array(84).fill(0)]);
const SERVER = new Uint8Array([...ascii('banner\r\nSSH-2.0-srv\r\n'), ...packet(KEXINIT), ...packet(REPLY), ...packet([21]), ...new Array(52).fill(0)]);

test('the SSH analyzer never throws on mutated, randomly split input', () => {
  const rand = rng(0x535348);
  for (let n = 0; n < ITERATIONS; n++) {
    const a = sshSpec.create(fakeContext());
    const c = mutate(CLIENT, rand);
    const s = mutate(SERVER, rand);
    feedInterleaved(a, c, s, rand, n, 48, () => 10);
    a.end(n + 1);
  }
});

test('KEXINIT and host-key parsers never throw on mutated payloads', () => {
  const rand = rng(5);
  for (let n = 0; n < ITERATIONS; n++) {
    parseKexInit(mutate(new Uint8Array(KEXINIT), rand));
    hostKeyFingerprint(mutate(new Uint8Array(REPLY), rand));
  }
});
