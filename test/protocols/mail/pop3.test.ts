/**
 * POP3 login outcomes (RFC 1939 / RFC 5034 examples, adapted): USER/PASS
 * with -ERR then +OK, APOP, AUTH PLAIN, CAPA's multi-line answer, STLS,
 * chunking and mutation robustness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pop3Spec, probePop3 } from '../../../src/protocols/mail/index.js';
import { C, S, assertSplitInvariant, auths, b64, fuzz, outcomes, play, text, type Step } from './session.js';

const GREETING: Step = [S, text('+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n')];

const USER_PASS: Step[] = [
  GREETING,
  [C, text('CAPA\r\n')],
  // A capability list line that looks like a status line must not be taken for one.
  [S, text('+OK Capability list follows\r\nUSER\r\n-ERR looking line\r\nSASL PLAIN\r\n.\r\n')],
  [C, text('USER mrose\r\n')],
  [S, text('+OK mrose is a real hoopy frood\r\n')],
  [C, text('PASS secret\r\n')],
  [S, text('-ERR [AUTH] Authentication failed.\r\n')],
  [C, text('USER mrose\r\n')],
  [S, text('+OK\r\n')],
  [C, text('PASS tanstaaf\r\n')],
  [S, text("+OK mrose's maildrop has 2 messages (320 octets)\r\n")],
];

const APOP_AUTH: Step[] = [
  GREETING,
  [C, text('APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n')],
  [S, text('-ERR permission denied\r\n')],
  [C, text('AUTH PLAIN\r\n')],
  [S, text('+ \r\n')],
  [C, text(`${b64('\0ann\0pw')}\r\n`)],
  [S, text('+OK Maildrop locked and ready\r\n')],
];

test('pop3: PASS answered -ERR is a failure, +OK a success, user from USER', () => {
  const ctx = play(pop3Spec, USER_PASS, { conn: { resp_p: 110 } });
  assert.deepEqual(ctx.services, ['pop3']);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'mrose', 'PASS: -ERR [AUTH] Authentication failed.'],
    ['success', 'mrose', "PASS: +OK mrose's maildrop has 2 messages (320 octets)"],
  ]);
  assert.equal(auths(ctx)[0]!.service, 'pop3');
  assert.deepEqual(auths(ctx).map((a) => a.cleartext), [true, true]);
  assert.ok(!JSON.stringify(ctx.events).includes('tanstaaf'));
});

test('pop3: APOP failure and AUTH PLAIN success', () => {
  const ctx = play(pop3Spec, APOP_AUTH);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'mrose', 'APOP: -ERR permission denied'],
    ['success', 'ann', 'AUTH PLAIN: +OK Maildrop locked and ready'],
  ]);
  // APOP sends a digest; SASL PLAIN the password itself.
  assert.deepEqual(auths(ctx).map((a) => a.cleartext), [undefined, true]);
});

test('pop3: STLS stops parsing; a session with no login is one unknown', () => {
  const tls = play(pop3Spec, [GREETING, [C, text('STLS\r\n')], [S, text('+OK Begin TLS\r\n')], [C, text('USER x\r\nPASS y\r\n')], [S, text('-ERR\r\n')]]);
  assert.deepEqual(outcomes(tls), [['unknown', undefined, 'STLS']]);
  const quit = play(pop3Spec, [GREETING, [C, text('QUIT\r\n')], [S, text('+OK bye\r\n')]]);
  assert.deepEqual(outcomes(quit), [['unknown', undefined, 'no login outcome seen']]);
});

test('pop3: same events whatever the chunking', () => {
  assertSplitInvariant(pop3Spec, USER_PASS);
  assertSplitInvariant(pop3Spec, APOP_AUTH);
});

test('pop3: probe', () => {
  assert.equal(probePop3(text('+OK Dovecot ready.\r\n'), false), true);
  assert.equal(probePop3(text('+OK\r\n'), false), true);
  assert.equal(probePop3(text('USER x\r\n'), true), false);
});

test('pop3: mutated sessions never throw', () => {
  fuzz(pop3Spec, [USER_PASS, APOP_AUTH], 0x5eed03, 2000);
});
