/**
 * RDP analyzer unit tests on hand-built X.224 messages ([MS-RDPBCGR]
 * 2.2.1.1 and 2.2.1.2, 4.1.1/4.1.2 examples adapted): the mstshash cookie
 * and requested protocols, the selected protocol or negotiation failure,
 * one unknown auth event per connection, malformed input, the probe,
 * chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRdpSpec, probeRdp, rdpSpec } from '../../../src/protocols/rdp/index.js';
import type { RdpRecord } from '../../../src/protocols/rdp/events.js';
import { parseConnectionRequest, tpktLength } from '../../../src/protocols/rdp/parser.js';
import { C, S, assertSplitInvariant, bytes, fuzz, outcomes, play, text, type Step } from '../mail/session.js';

/** TPKT + X.224 TPDU with `code` and the variable part `rest`. */
function tpdu(code: number, rest: Uint8Array): Uint8Array {
  const li = 6 + rest.length;
  const len = 4 + 1 + li;
  return bytes([0x03, 0x00, len >> 8, len & 0xff, li, code, 0x00, 0x00, 0x12, 0x34, 0x00], rest);
}

/** RDP_NEG_REQ/RSP/FAILURE: type, flags, length 8 (LE), u32 LE value. */
function neg(type: number, value: number): number[] {
  return [type, 0x00, 0x08, 0x00, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >>> 24];
}

const REQUEST = tpdu(0xe0, bytes(text('Cookie: mstshash=administr\r\n'), neg(0x01, 0x0b)));
const CONFIRM_HYBRID = tpdu(0xd0, new Uint8Array(neg(0x02, 0x02)));
const SESSION: Step[] = [
  [C, REQUEST],
  [S, CONFIRM_HYBRID],
  // TLS / CredSSP follows: never read.
  [C, bytes([0x16, 0x03, 0x01, 0x00, 0x10], new Uint8Array(16))],
];

function logged(steps: readonly Step[]): { records: RdpRecord[]; ctx: ReturnType<typeof play> } {
  const records: RdpRecord[] = [];
  const ctx = play(createRdpSpec({ log: (e) => records.push(e.record) }), steps, { conn: { resp_p: 3389 } });
  return { records, ctx };
}

test('rdp: cookie user and requested protocols; HYBRID selected; one unknown outcome', () => {
  const { records, ctx } = logged(SESSION);
  assert.deepEqual(ctx.services, ['rdp']);
  assert.deepEqual(outcomes(ctx), [['unknown', 'administr', 'HYBRID security']]);
  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.deepEqual(Object.keys(r), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'cookie', 'security_protocol', 'requested_protocols']);
  assert.equal(r.cookie, 'administr');
  assert.equal(r.security_protocol, 'HYBRID');
  assert.deepEqual(r.requested_protocols, ['SSL', 'HYBRID', 'HYBRID_EX']);
  assert.equal(r.ts, 1);
});

test('rdp: a negotiation failure is the result; no cookie and no RDP_NEG_REQ; no confirm at all', () => {
  const fail = logged([[C, tpdu(0xe0, new Uint8Array(neg(0x01, 0x00)))], [S, tpdu(0xd0, new Uint8Array(neg(0x03, 0x05)))]]);
  assert.equal(fail.records[0]!.result, 'HYBRID_REQUIRED_BY_SERVER');
  assert.equal(fail.records[0]!.security_protocol, undefined);
  assert.deepEqual(fail.records[0]!.requested_protocols, ['RDP']);
  assert.deepEqual(outcomes(fail.ctx), [['unknown', undefined, 'HYBRID_REQUIRED_BY_SERVER']]);
  // An old client: no negotiation request, and a confirm without RDP_NEG_RSP means standard RDP security.
  const old = logged([[C, tpdu(0xe0, text('Cookie: mstshash=bob\r\n'))], [S, tpdu(0xd0, new Uint8Array(0))]]);
  assert.equal(old.records[0]!.security_protocol, 'RDP');
  assert.equal(old.records[0]!.requested_protocols, undefined);
  // The server never answered: still one record and one unknown.
  const lone = logged([[C, REQUEST]]);
  assert.equal(lone.records.length, 1);
  assert.deepEqual(outcomes(lone.ctx), [['unknown', 'administr', 'no connection confirm']]);
});

test('rdp: routing tokens are not users; unknown protocol and failure codes keep their numbers', () => {
  const { records } = logged([
    [C, tpdu(0xe0, bytes(text('Cookie: msts=3640205228.15629.0000\r\n'), neg(0x01, 0x40)))],
    [S, tpdu(0xd0, new Uint8Array(neg(0x02, 0x40)))],
  ]);
  assert.equal(records[0]!.cookie, undefined);
  assert.equal(records[0]!.security_protocol, 'security_protocol-64');
  assert.deepEqual(records[0]!.requested_protocols, ['security_protocol-64']);
});

test('rdp: not TPKT, or not a connection request: anomaly, nothing recognised', () => {
  const http = play(rdpSpec, [[C, text('GET / HTTP/1.1\r\n\r\n')]]);
  assert.deepEqual(http.anomalies, ['rdp_not_tpkt']);
  assert.deepEqual(outcomes(http), []);
  // A data TPDU (0xf0) where the request should be.
  const data = play(rdpSpec, [[C, tpdu(0xf0, new Uint8Array(4))]]);
  assert.deepEqual(data.anomalies, ['rdp_malformed_x224']);
  assert.deepEqual(outcomes(data), []);
  // A length indicator that runs past the TPKT.
  const lie = REQUEST.slice();
  lie[4] = 0xff;
  assert.equal(parseConnectionRequest(lie, 0, lie.length), null);
  // A cookie without its CR LF.
  const open = tpdu(0xe0, text('Cookie: mstshash=eve'));
  assert.equal(parseConnectionRequest(open, 0, open.length), null);
  assert.equal(tpktLength(new Uint8Array([3, 0, 0, 4]), 0, 4), -1);
});

test('rdp: same events whatever the chunking', () => {
  assertSplitInvariant(rdpSpec, SESSION);
});

test('rdp: probe', () => {
  assert.equal(probeRdp(REQUEST, true), true);
  assert.equal(probeRdp(REQUEST, false), false);
  assert.equal(probeRdp(CONFIRM_HYBRID, true), false);
});

test('rdp: mutated sessions never throw', () => {
  fuzz(rdpSpec, [SESSION], 0x5eed06, 3000);
});
