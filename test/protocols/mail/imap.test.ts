/**
 * IMAP login outcomes (RFC 9051 examples, adapted): LOGIN with NO then OK,
 * quoted user names, AUTHENTICATE PLAIN over a continuation, SASL-IR, BAD as
 * an unknown outcome, STARTTLS, literals stepped over, chunking and
 * mutation robustness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imapSpec, probeImap } from '../../../src/protocols/mail/index.js';
import { C, S, assertSplitInvariant, auths, b64, fuzz, outcomes, play, text, type Step } from './session.js';

const GREETING: Step = [S, text('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready.\r\n')];

const LOGIN_NO_OK: Step[] = [
  GREETING,
  [C, text('a001 LOGIN smith sesame\r\n')],
  [S, text('a001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')],
  [C, text('a002 login "J. Smith" "open sesame"\r\n')],
  [S, text('* CAPABILITY IMAP4rev1\r\na002 OK [CAPABILITY IMAP4rev1] Logged in\r\n')],
  [C, text('a003 SELECT INBOX\r\n')],
];

const AUTHENTICATE: Step[] = [
  GREETING,
  [C, text('A01 AUTHENTICATE PLAIN\r\n')],
  [S, text('+ \r\n')],
  [C, text(`${b64('\0tim\0tanstaaftanstaaf')}\r\n`)],
  [S, text('A01 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n')],
  [C, text(`A02 AUTHENTICATE PLAIN ${b64('\0ann\0pw')}\r\n`)],
  [S, text('A02 OK Success\r\n')],
];

test('imap: LOGIN answered NO is a failure, OK a success; quoted users', () => {
  const ctx = play(imapSpec, LOGIN_NO_OK, { conn: { resp_p: 143 } });
  assert.deepEqual(ctx.services, ['imap']);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'smith', 'LOGIN: NO [AUTHENTICATIONFAILED] Authentication failed.'],
    ['success', 'J. Smith', 'LOGIN: OK [CAPABILITY IMAP4rev1] Logged in'],
  ]);
  assert.equal(auths(ctx)[0]!.service, 'imap');
  assert.deepEqual(auths(ctx).map((a) => a.cleartext), [true, true]);
  assert.ok(!JSON.stringify(ctx.events).includes('sesame'));
});

test('imap: AUTHENTICATE PLAIN with a continuation, and with SASL-IR', () => {
  const ctx = play(imapSpec, AUTHENTICATE);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'tim', 'AUTHENTICATE PLAIN: NO [AUTHENTICATIONFAILED] Invalid credentials'],
    ['success', 'ann', 'AUTHENTICATE PLAIN: OK Success'],
  ]);
  assert.deepEqual(auths(ctx).map((a) => a.cleartext), [true, true]);
});

test('imap: BAD is an attempt of unknown outcome; an unanswered LOGIN too', () => {
  const ctx = play(imapSpec, [
    GREETING,
    [C, text('t1 LOGIN\r\n')],
    [S, text('t1 BAD Missing arguments\r\n')],
    [C, text('t2 LOGIN dave x\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [
    ['unknown', undefined, 'LOGIN: BAD Missing arguments'],
    ['unknown', 'dave', 'LOGIN: no reply seen'],
  ]);
});

test('imap: STARTTLS answered OK stops parsing: one unknown', () => {
  const ctx = play(imapSpec, [
    GREETING,
    [C, text('s1 STARTTLS\r\n')],
    [S, text('s1 OK Begin TLS negotiation now.\r\n')],
    [C, text('s2 LOGIN x y\r\n')],
    [S, text('s2 NO nope\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [['unknown', undefined, 'STARTTLS']]);
});

test('imap: literals are stepped over; their bytes are never commands', () => {
  const ctx = play(imapSpec, [
    GREETING,
    // The user and the password sent as synchronising literals: the user stays unknown.
    [C, text('L1 LOGIN {5}\r\n')],
    [S, text('+ Ready\r\n')],
    [C, text('fred {14}\r\n')],
    [S, text('+ Ready\r\n')],
    [C, text('x2 LOGIN a b\r\n\r\n')],
    [S, text('L1 NO bad\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [['failure', undefined, 'LOGIN: NO bad']]);
});

test('imap: same events whatever the chunking', () => {
  assertSplitInvariant(imapSpec, LOGIN_NO_OK);
  assertSplitInvariant(imapSpec, AUTHENTICATE);
});

test('imap: probe', () => {
  assert.equal(probeImap(text('* OK IMAP4rev1 Service Ready\r\n'), false), true);
  assert.equal(probeImap(text('* OK ready\r\n'), false), false);
  assert.equal(probeImap(text('a1 LOGIN x y\r\n'), true), false);
});

test('imap: mutated sessions never throw', () => {
  fuzz(imapSpec, [LOGIN_NO_OK, AUTHENTICATE], 0x5eed02, 2000);
});
