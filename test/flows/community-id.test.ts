/**
 * Community ID v1 against the published test vectors of the spec
 * (corelight/community-id-spec, baseline/baseline_deflt.json, seed 0), both
 * through the standalone function and through flows the tracker builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../src/decode/decoder.js';
import { communityId } from '../../src/flows/community-id.js';
import { icmp4Counterpart, icmp6Counterpart } from '../../src/flows/icmp.js';
import { pkt, runOne } from './packets.js';

interface Vector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  id: string;
}

/** The spec's vectors (ICMP ports are already the type/counterpart equivalents). */
const VECTORS: Vector[] = [
  { proto: 58, saddr: 'fe80::200:86ff:fe05:80da', daddr: 'fe80::260:97ff:fe07:69ea', sport: 135, dport: 136, id: '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=' },
  { proto: 58, saddr: 'fe80::260:97ff:fe07:69ea', daddr: 'fe80::200:86ff:fe05:80da', sport: 136, dport: 135, id: '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=' },
  { proto: 58, saddr: 'fe80::260:97ff:fe07:69ea', daddr: 'fe80::200:86ff:fe05:80da', sport: 135, dport: 136, id: '1:zavyT/cezQr1fmImYCwYnMXbgck=' },
  { proto: 58, saddr: '3ffe:501:1800:2345::2', daddr: '3ffe:507:0:1:200:86ff:fe05:80da', sport: 3, dport: 0, id: '1:2ObVBgIn28oZvibYZhZMBgh7WdQ=' },
  { proto: 58, saddr: '3ffe:501:410:0:2c0:dfff:fe47:33e', daddr: '3ffe:507:0:1:200:86ff:fe05:80da', sport: 1, dport: 4, id: '1:hLZd0XGWojozrvxqE0dWB1iM6R0=' },
  { proto: 58, saddr: '3ffe:507:0:1:200:86ff:fe05:80da', daddr: '3ffe:501:0:1001::2', sport: 128, dport: 129, id: '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=' },
  { proto: 58, saddr: '3ffe:501:0:1001::2', daddr: '3ffe:507:0:1:200:86ff:fe05:80da', sport: 129, dport: 128, id: '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=' },
  { proto: 58, saddr: 'fe80::200:86ff:fe05:80da', daddr: 'ff02::2', sport: 133, dport: 134, id: '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=' },
  { proto: 58, saddr: 'fe80::260:97ff:fe07:69ea', daddr: 'ff02::1', sport: 134, dport: 133, id: '1:pkvHqCL88/tg1k4cPigmZXUtL00=' },
  { proto: 1, saddr: '192.168.0.89', daddr: '192.168.0.1', sport: 8, dport: 0, id: '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=' },
  { proto: 1, saddr: '192.168.0.1', daddr: '192.168.0.89', sport: 0, dport: 8, id: '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=' },
  { proto: 1, saddr: '10.0.0.1', daddr: '10.0.0.2', sport: 11, dport: 0, id: '1:YHxtAirCG//0OzkcVAukqKQN9xM=' },
  { proto: 6, saddr: '2001:470:e5bf:dead:4957:2174:e82c:4887', daddr: '2607:f8b0:400c:c03::1a', sport: 63943, dport: 25, id: '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=' },
  { proto: 6, saddr: '2607:f8b0:400c:c03::1a', daddr: '2001:470:e5bf:dead:4957:2174:e82c:4887', sport: 25, dport: 63943, id: '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=' },
  { proto: 6, saddr: '128.232.110.120', daddr: '66.35.250.204', sport: 34855, dport: 80, id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' },
  { proto: 6, saddr: '66.35.250.204', daddr: '128.232.110.120', sport: 80, dport: 34855, id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' },
  { proto: 17, saddr: '192.168.1.52', daddr: '8.8.8.8', sport: 54585, dport: 53, id: '1:d/FP5EW3wiY1vCndhwleRRKHowQ=' },
  { proto: 17, saddr: '8.8.8.8', daddr: '192.168.1.52', sport: 53, dport: 54585, id: '1:d/FP5EW3wiY1vCndhwleRRKHowQ=' },
];

function isOneWay(v: Vector): boolean {
  if (v.proto === 1) return icmp4Counterpart(v.sport) < 0;
  if (v.proto === 58) return icmp6Counterpart(v.sport) < 0;
  return false;
}

test('communityId() reproduces every spec vector', () => {
  for (const v of VECTORS) {
    const s = parseIp(v.saddr)!;
    const d = parseIp(v.daddr)!;
    assert.equal(communityId(s.v === 6, v.proto, s.words, v.sport, d.words, v.dport, isOneWay(v)), v.id, JSON.stringify(v));
  }
});

test('the tracker emits the spec vectors for flows built from packets', () => {
  for (const v of VECTORS) {
    // ICMP packets carry the real type and code: the counterpart becomes the "port".
    const icmp = v.proto === 1 || v.proto === 58;
    const code = icmp && !isOneWay(v) ? 0 : v.dport;
    const p = pkt({ src: v.saddr, dst: v.daddr, proto: v.proto, sp: v.sport, dp: icmp ? code : v.dport, flags: 'S', ts: 1 });
    assert.equal(runOne([p]).record.community_id, v.id, JSON.stringify(v));
  }
});

test('a different seed changes the hash', () => {
  const s = parseIp('10.0.0.1')!.words;
  const d = parseIp('10.0.0.2')!.words;
  assert.notEqual(communityId(false, 6, s, 1, d, 2, false, 1), communityId(false, 6, s, 1, d, 2, false, 0));
});

test('the one-block SHA-1 agrees with node:crypto for every length it accepts', async () => {
  const { createHash } = await import('node:crypto');
  const { sha1Base64, SHA1_ONE_BLOCK_MAX } = await import('../../src/flows/sha1.js');
  const msg = new Uint8Array(SHA1_ONE_BLOCK_MAX);
  let x = 12345;
  for (let len = 0; len <= SHA1_ONE_BLOCK_MAX; len++) {
    for (let i = 0; i < len; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      msg[i] = x >>> 24;
    }
    const want = createHash('sha1').update(msg.subarray(0, len)).digest('base64');
    assert.equal(sha1Base64(msg, len, '1:'), `1:${want}`, `length ${len}`);
  }
});
