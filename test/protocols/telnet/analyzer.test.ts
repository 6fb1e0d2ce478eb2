/**
 * Telnet analyzer unit tests: option negotiation stripped (RFC 854/855),
 * login prompts counted, the typed user collected (character mode and line
 * mode, with backspace), "Login incorrect" as a failure, "Last login:" as
 * a success, an unanswered password as unknown, a connection without any
 * login as one unknown, the probe, chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeTelnet, telnetSpec } from '../../../src/protocols/telnet/index.js';
import { IacStripper } from '../../../src/protocols/telnet/parser.js';
import { C, S, assertSplitInvariant, auths, bytes, fuzz, outcomes, play, text, type Step } from '../mail/session.js';
import { fakeContext } from '../http/fake-ctx.js';
import { retainedBytes } from '../../helpers/heap.js';

const IAC_DO_TTYPE = [0xff, 0xfd, 0x18];
const IAC_WILL_ECHO = [0xff, 0xfb, 0x01];
const IAC_WILL_SGA = [0xff, 0xfb, 0x03];
/** IAC SB TERMINAL-TYPE IS "xterm" IAC SE. */
const SB_TTYPE = [0xff, 0xfa, 0x18, 0x00, ...text('xterm'), 0xff, 0xf0];

/** Character mode: every keystroke its own segment, echoed by the server. */
function typed(s: string): Step[] {
  const out: Step[] = [];
  for (const ch of s) {
    out.push([C, text(ch)]);
    if (ch !== '\r') out.push([S, text(ch)]);
  }
  return out;
}

const FAIL_THEN_OK: Step[] = [
  [S, bytes(IAC_DO_TTYPE, IAC_WILL_ECHO, IAC_WILL_SGA)],
  [C, bytes([0xff, 0xfb, 0x18], SB_TTYPE)],
  [S, text('\r\nUbuntu 22.04.3 LTS\r\nweb01 login: ')],
  ...typed('rooz\x7ft\r'),
  [S, text('\r\nPassword: ')],
  [C, text('toor\r\n')],
  [S, text('\r\n')],
  [S, text('Login incorrect\r\nweb01 login: ')],
  [C, text('admin\r\n')],
  [S, text('admin\r\nPassword: ')],
  [C, text('s3cret\r\n')],
  [S, text('\r\nLast login: Mon Mar  4 10:00:00 2024 from 10.0.0.5\r\n$ ')],
  [C, text('id\r\n')],
];

test('telnet: the stripper removes negotiation and keeps IAC IAC as data', () => {
  const s = new IacStripper();
  const out = new Uint8Array(64);
  const n = s.strip(bytes(IAC_DO_TTYPE, text('ab'), [0xff, 0xff], SB_TTYPE, text('c')), out);
  assert.deepEqual([...out.subarray(0, n)], [0x61, 0x62, 0xff, 0x63]);
  assert.equal(s.commands, 2);
  // State carries across calls: IAC at the end of one chunk, its option in the next.
  const t = new IacStripper();
  assert.equal(t.strip(text('x\xff'), out), 1);
  assert.equal(t.strip(text('\xfd\x01y'), out), 1);
  assert.equal(out[0], 0x79);
});

test('telnet: a failed login then a successful one, users from the typing', () => {
  const ctx = play(telnetSpec, FAIL_THEN_OK, { conn: { resp_p: 23 } });
  assert.deepEqual(ctx.services, ['telnet']);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'root', 'Login incorrect'],
    ['success', 'admin', 'Last login: Mon Mar  4 10:00:00 2024 from 10.0.0.5'],
  ]);
  assert.deepEqual(auths(ctx).map((a) => a.cleartext), [true, true]);
  const text = JSON.stringify(ctx.events);
  assert.ok(!text.includes('toor') && !text.includes('s3cret'));
});

test('telnet: a password sent without a visible outcome is one unknown attempt', () => {
  const ctx = play(telnetSpec, [
    [S, bytes(IAC_WILL_ECHO, text('\r\nrouter login: '))],
    [C, text('cisco\r')],
    [S, text('\r\nPassword: ')],
    [C, text('cisco\r')],
    [S, text('\r\nrouter> ')],
  ]);
  assert.deepEqual(outcomes(ctx), [['unknown', 'cisco', 'password sent, no outcome seen']]);
});

test('telnet: Cisco-style failures; a session without any login is one unknown', () => {
  const ctx = play(telnetSpec, [
    [S, text('\r\nUser Access Verification\r\n\r\nUsername: ')],
    [C, text('admin\r\n')],
    [S, text('Password: ')],
    [C, text('admin\r\n')],
    [S, text('% Login invalid\r\n\r\nUsername: ')],
  ]);
  assert.deepEqual(outcomes(ctx), [['failure', 'admin', '% Login invalid']]);
  const none = play(telnetSpec, [[S, bytes(IAC_DO_TTYPE)], [C, bytes([0xff, 0xfc, 0x18])]]);
  assert.deepEqual(outcomes(none), [['unknown', undefined, '0 login prompts, no outcome seen']]);
  // Not Telnet at all: nothing recognised, nothing emitted.
  const other = play(telnetSpec, [[C, text('GET / HTTP/1.0\r\n\r\n')], [S, text('HTTP/1.0 400 Bad\r\n')]]);
  assert.deepEqual(other.services, []);
  assert.deepEqual(outcomes(other), []);
});

test('telnet: same events whatever the chunking', () => {
  assertSplitInvariant(telnetSpec, FAIL_THEN_OK);
});

test('telnet: probe', () => {
  assert.equal(probeTelnet(new Uint8Array(IAC_DO_TTYPE), false), true);
  assert.equal(probeTelnet(new Uint8Array(IAC_DO_TTYPE), true), false);
  assert.equal(probeTelnet(text('login: '), false), false);
});

test('telnet: mutated sessions never throw', () => {
  fuzz(telnetSpec, [FAIL_THEN_OK], 0x5eed05, 2000);
});

test('a flow does not keep its own scratch buffer for stripped data', () => {
  const kept = retainedBytes(() => {
    const flows: unknown[] = [];
    for (let i = 0; i < 8000; i++) {
      const a = telnetSpec.create(fakeContext({ resp_p: 23 }));
      a.data(false, bytes(IAC_DO_TTYPE, text('login: ')), 1);
      flows.push(a);
    }
    return flows;
  });
  // With a 2 KiB scratch each, these 8,000 flows (and their test contexts) kept about 31 MB; without, about 13 MB.
  assert.ok(kept < 22 * 1024 * 1024, `${kept} bytes kept`);
});
