/**
 * RFB analyzer unit tests on hand-built handshakes (RFC 6143 section 7):
 * 3.8 VNC authentication that succeeds (with ClientInit/ServerInit), 3.3
 * and 3.7 variants, security type None, a refused connection with its
 * reason, other security types (outcome unknown), Apple's 3.889, malformed
 * versions, the probe, chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVncSpec, probeVnc, vncSpec } from '../../../src/protocols/vnc/index.js';
import type { RfbRecord } from '../../../src/protocols/vnc/events.js';
import { protocolLevel } from '../../../src/protocols/vnc/parser.js';
import { C, S, assertSplitInvariant, bytes, fuzz, outcomes, play, text, type Step } from '../mail/session.js';

function u32(v: number): number[] {
  return [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

function str(s: string): Uint8Array {
  return bytes(u32(s.length), text(s));
}

const V38 = text('RFB 003.008\n');
const CHALLENGE = new Uint8Array(16).fill(0xaa);
const RESPONSE = new Uint8Array(16).fill(0xbb);
/** 1024x768, 32 bpp true colour, then the desktop name. */
const SERVER_INIT = bytes([0x04, 0x00, 0x03, 0x00], [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0], str("alice's desktop"));

const OK38: Step[] = [
  [S, V38],
  [C, V38],
  [S, new Uint8Array([2, 2, 16])],
  [C, new Uint8Array([2])],
  [S, CHALLENGE],
  [C, RESPONSE],
  [S, new Uint8Array(u32(0))],
  [C, new Uint8Array([1])],
  [S, SERVER_INIT],
  [C, new Uint8Array([2, 0, 0, 0])],
];

function logged(steps: readonly Step[]): { records: RfbRecord[]; ctx: ReturnType<typeof play> } {
  const records: RfbRecord[] = [];
  const ctx = play(createVncSpec({ log: (e) => records.push(e.record) }), steps, { conn: { resp_p: 5900 } });
  return { records, ctx };
}

test('vnc: RFB 3.8 VNC authentication accepted, ServerInit logged', () => {
  const { records, ctx } = logged(OK38);
  assert.deepEqual(ctx.services, ['rfb']);
  assert.deepEqual(outcomes(ctx), [['success', undefined, 'VNC']]);
  assert.equal(ctx.events[0]!.type === 'auth' && ctx.events[0]!.service, 'vnc');
  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.deepEqual(Object.keys(r), [
    'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p',
    'client_major_version', 'client_minor_version', 'server_major_version', 'server_minor_version',
    'authentication_method', 'auth', 'share_flag', 'desktop_name', 'width', 'height',
  ]);
  assert.deepEqual(
    [r.client_major_version, r.client_minor_version, r.authentication_method, r.auth, r.share_flag, r.desktop_name, r.width, r.height],
    ['003', '008', 'VNC', true, true, "alice's desktop", 1024, 768],
  );
  assert.equal(r.ts, 1);
});

test('vnc: RFB 3.3 (server picks VNC) with a failed SecurityResult', () => {
  const v33 = text('RFB 003.003\n');
  const { records, ctx } = logged([[S, v33], [C, v33], [S, new Uint8Array(u32(2))], [S, CHALLENGE], [C, RESPONSE], [S, new Uint8Array(u32(1))]]);
  assert.deepEqual(outcomes(ctx), [['failure', undefined, 'SecurityResult 1']]);
  assert.equal(records[0]!.auth, false);
  assert.equal(records[0]!.authentication_method, 'VNC');
});

test('vnc: RFB 3.7 with security type None goes straight to the init messages', () => {
  const v37 = text('RFB 003.007\n');
  const { records, ctx } = logged([[S, v37], [C, v37], [S, new Uint8Array([1, 1])], [C, new Uint8Array([1, 0])], [S, SERVER_INIT]]);
  assert.deepEqual(outcomes(ctx), [['success', undefined, 'None']]);
  assert.equal(records[0]!.share_flag, false);
  assert.equal(records[0]!.width, 1024);
});

test('vnc: a server refusing with no security types gives its reason; other types stay unknown', () => {
  const refused = logged([[S, V38], [C, V38], [S, bytes([0], str('Too many security failures'))]]);
  assert.deepEqual(outcomes(refused.ctx), [['unknown', undefined, 'Too many security failures']]);
  assert.deepEqual(refused.ctx.anomalies, ['rfb_no_security_types']);
  const tight = logged([[S, V38], [C, V38], [S, new Uint8Array([1, 16])], [C, new Uint8Array([16])], [S, new Uint8Array(64)]]);
  assert.deepEqual(outcomes(tight.ctx), [['unknown', undefined, 'Tight']]);
  assert.equal(tight.records[0]!.authentication_method, 'Tight');
  assert.equal(tight.records[0]!.auth, undefined);
});

test('vnc: Apple 3.889 speaks 3.8; odd minors fall back to 3.3', () => {
  assert.equal(protocolLevel('889'), 8);
  assert.equal(protocolLevel('007'), 7);
  assert.equal(protocolLevel('005'), 3);
  const apple = text('RFB 003.889\n');
  const ctx = play(vncSpec, [[S, apple], [C, apple], [S, new Uint8Array([1, 2])], [C, new Uint8Array([2])], [S, CHALLENGE], [C, RESPONSE], [S, bytes(u32(1), str('Authentication failed'))]]);
  assert.deepEqual(outcomes(ctx), [['failure', undefined, 'Authentication failed']]);
});

test('vnc: malformed versions and length lies are counted, never thrown', () => {
  const bad = play(vncSpec, [[S, text('RFB 3.8 hello\n')]]);
  assert.deepEqual(bad.anomalies, ['rfb_malformed_version']);
  assert.deepEqual(outcomes(bad), []);
  const lie = play(vncSpec, [[S, V38], [C, V38], [S, bytes([0], u32(0xffffffff))]]);
  assert.ok(lie.anomalies.includes('rfb_string_too_long'));
  assert.equal(outcomes(lie).length, 1);
});

test('vnc: same events whatever the chunking', () => {
  assertSplitInvariant(vncSpec, OK38);
});

test('vnc: probe', () => {
  assert.equal(probeVnc(V38), true);
  assert.equal(probeVnc(text('RFB')), false);
  assert.equal(probeVnc(text('SSH-2.0-x')), false);
});

test('vnc: mutated sessions never throw', () => {
  fuzz(vncSpec, [OK38], 0x5eed09, 3000);
});
