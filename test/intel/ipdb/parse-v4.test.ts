/** The one-pass IPv4 parser agrees with the config parser on valid and invalid text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseV4Text, V4_INVALID, V4_OTHER } from '../../../src/intel/ipdb/parse-v4.js';
import { parseIpInto } from '../../../src/config/ip.js';

test('valid dotted quads', () => {
  assert.equal(parseV4Text('0.0.0.0'), 0);
  assert.equal(parseV4Text('255.255.255.255'), 0xffffffff);
  assert.equal(parseV4Text('91.189.91.38'), 0x5bbd5b26);
  assert.equal(parseV4Text('10.0.0.1'), 0x0a000001);
});

test('digits-and-dots text that is not an address is invalid; other characters defer to the full parser', () => {
  for (const t of ['', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '256.1.1.1', '01.2.3.4', '1.2.3.00', '1.2.3.4444']) {
    assert.equal(parseV4Text(t), V4_INVALID, t);
  }
  for (const t of ['::1', '2001:db8::1', '2a00:1450::1', '1234::', '0001::1', '1.2.3.4.5:6', '::ffff:1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1.2.3.4%eth0']) assert.equal(parseV4Text(t), V4_OTHER, t);
});

test('agrees with parseIpInto on every IPv4 answer over a sample', () => {
  const w = new Uint32Array(4);
  const texts: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const x = Math.imul(i, 2654435761) >>> 0;
    texts.push(`${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`, `${x & 511}.${x >>> 23}.0${x & 3}.1`);
  }
  for (const t of texts) {
    const v = parseIpInto(t, w);
    const n = parseV4Text(t);
    if (v === 4) assert.equal(n, w[0], t);
    else assert.ok(n < 0, t);
  }
});
