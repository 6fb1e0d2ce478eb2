/**
 * Robustness: thousands of seeded random mutations of TLS handshake flights
 * and hello bodies, fed in random pieces; nothing may throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsSpec } from '../../../src/protocols/tls/index.js';
import { parseClientHello, parseServerHello, serverKeyExchangeCurve } from '../../../src/protocols/tls/parser.js';
import { ja3, ja4 } from '../../../src/protocols/tls/fingerprint.js';
import { fakeContext, feedInterleaved, mutate, rng } from '../http/fake-ctx.js';
import {
  alpn, bytes, clientHelloBody, clientVersions, ext, groups, handshake, pointFormats, record, serverHelloBody,
  serverKeyShare, serverVersion, sigAlgs, sni, u16,
} from './build.js';

const ITERATIONS = 3000;

const CH = clientHelloBody({
  sessionId: new Uint8Array(32).fill(1),
  ciphers: [0x0a0a, 0x1301, 0xc02f],
  extensions: [sni('fuzz.example'), alpn('h2'), groups(29, 23), pointFormats(0), sigAlgs(0x0403), clientVersions(0x0304, 0x0303), ext(41, [0, 0])],
});
const SH = serverHelloBody({ cipher: 0x1301, extensions: [serverVersion(0x0304), serverKeyShare(29), alpn('h2'), ext(41, u16(0))] });
const SKE = bytes([3], u16(23), [65], new Uint8Array(65));

const CLIENT = bytes(record(22, handshake(1, CH)), record(20, new Uint8Array([1])), record(23, new Uint8Array(30)));
const SERVER = bytes(record(22, bytes(handshake(2, SH), handshake(12, SKE), handshake(14, new Uint8Array(0)))), record(21, new Uint8Array([1, 0])), record(20, new Uint8Array([1])), record(23, new Uint8Array(30)));

test('the TLS analyzer never throws on mutated, randomly split flights', () => {
  const rand = rng(0x544c53);
  for (let n = 0; n < ITERATIONS; n++) {
    const a = tlsSpec.create(fakeContext());
    const c = mutate(CLIENT, rand);
    const s = mutate(SERVER, rand);
    feedInterleaved(a, c, s, rand, n, 64);
    a.end(n + 1);
  }
});

test('hello parsers and fingerprints never throw on mutated bodies', () => {
  const rand = rng(99);
  for (let n = 0; n < ITERATIONS; n++) {
    const ch = parseClientHello(mutate(CH, rand));
    if (typeof ch !== 'string') {
      assert.equal(typeof ja3(ch).hash, 'string');
      assert.equal(typeof ja4(ch), 'string');
    }
    parseServerHello(mutate(SH, rand));
    serverKeyExchangeCurve(mutate(SKE, rand));
  }
});
