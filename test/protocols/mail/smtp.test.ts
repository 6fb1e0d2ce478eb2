/**
 * SMTP AUTH outcomes (RFC 4954 examples, adapted): PLAIN with an initial
 * response and 235, LOGIN over 334 challenges and 535, a retry on the same
 * connection, STARTTLS ending parsing (one unknown event), message bodies
 * not read as commands, multi-line replies, the probe, chunking and
 * mutation robustness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeSmtp, smtpSpec } from '../../../src/protocols/mail/index.js';
import { C, S, assertSplitInvariant, auths, b64, fuzz, outcomes, play, text, type Step } from './session.js';

const GREETING: Step = [S, text('220 mail.example.org ESMTP Postfix\r\n')];
const EHLO: Step[] = [
  [C, text('EHLO client.example.com\r\n')],
  [S, text('250-mail.example.org\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n')],
];

const PLAIN_OK: Step[] = [
  GREETING,
  ...EHLO,
  [C, text(`AUTH PLAIN ${b64('\0alice\0tanstaaftanstaaf')}\r\n`)],
  [S, text('235 2.7.0 Authentication successful\r\n')],
  [C, text('MAIL FROM:<alice@example.com>\r\n')],
];

const LOGIN_FAIL_THEN_OK: Step[] = [
  GREETING,
  ...EHLO,
  [C, text('AUTH LOGIN\r\n')],
  [S, text(`334 ${b64('Username:')}\r\n`)],
  [C, text(`${b64('bob')}\r\n`)],
  [S, text(`334 ${b64('Password:')}\r\n`)],
  [C, text(`${b64('wrong')}\r\n`)],
  [S, text('535 5.7.8 Error: authentication failed: authentication failure\r\n')],
  [C, text(`AUTH LOGIN ${b64('carol')}\r\n`)],
  [S, text(`334 ${b64('Password:')}\r\n`)],
  [C, text(`${b64('right')}\r\n`)],
  [S, text('235 2.7.0 Authentication successful\r\n')],
];

test('smtp: AUTH PLAIN with initial response, 235 is a success for the authcid', () => {
  const ctx = play(smtpSpec, PLAIN_OK, { conn: { resp_p: 587 } });
  assert.deepEqual(ctx.services, ['smtp']);
  assert.deepEqual(outcomes(ctx), [['success', 'alice', 'AUTH PLAIN: 235 2.7.0 Authentication successful']]);
  const a = auths(ctx)[0]!;
  assert.equal(a.service, 'smtp');
  assert.equal(a.server_port, 587);
  assert.equal(a.cleartext, true);
  assert.equal(a.ts, 5);
  // The password never appears anywhere in what was emitted.
  assert.ok(!JSON.stringify(ctx.events).includes('tanstaaf'));
});

test('smtp: AUTH LOGIN failure (535) then a second attempt that succeeds', () => {
  const ctx = play(smtpSpec, LOGIN_FAIL_THEN_OK);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'bob', 'AUTH LOGIN: 535 5.7.8 Error: authentication failed: authentication failure'],
    ['success', 'carol', 'AUTH LOGIN: 235 2.7.0 Authentication successful'],
  ]);
  assert.ok(!JSON.stringify(ctx.events).includes('wrong') && !JSON.stringify(ctx.events).includes('right'));
});

test('smtp: STARTTLS stops parsing; the connection gets one unknown outcome', () => {
  const ctx = play(smtpSpec, [
    GREETING,
    ...EHLO,
    [C, text('STARTTLS\r\n')],
    [S, text('220 2.0.0 Ready to start TLS\r\n')],
    [C, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])],
    [C, text(`AUTH PLAIN ${b64('\0eve\0x')}\r\n`)],
  ]);
  assert.deepEqual(outcomes(ctx), [['unknown', undefined, 'STARTTLS']]);
});

test('smtp: a message body is not read as commands; a relay without AUTH is one unknown', () => {
  const ctx = play(smtpSpec, [
    GREETING,
    [C, text('HELO relay\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n')],
    [S, text('250 ok\r\n250 ok\r\n250 ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n')],
    [C, text(`Subject: x\r\n\r\nAUTH PLAIN ${b64('\0mallory\0pw')}\r\n.\r\n`)],
    [S, text('250 queued\r\n')],
    [C, text('QUIT\r\n')],
    [S, text('221 bye\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [['unknown', undefined, 'no AUTH outcome seen']]);
});

test('smtp: other AUTH replies are attempts of unknown outcome; cancelled exchanges too', () => {
  const ctx = play(smtpSpec, [
    GREETING,
    [C, text('AUTH CRAM-MD5\r\n')],
    [S, text('334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n')],
    [C, text(`${b64('tim b913a602c7eda7a495b4e6e7334d3890')}\r\n`)],
    [S, text('454 4.7.0 Temporary authentication failure\r\n')],
    [C, text('AUTH PLAIN\r\n')],
    [S, text('334 \r\n')],
    [C, text('*\r\n')],
    [S, text('501 5.7.0 Authentication aborted\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [
    ['unknown', 'tim', 'AUTH CRAM-MD5: 454 4.7.0 Temporary authentication failure'],
    ['unknown', undefined, 'AUTH PLAIN: 501 5.7.0 Authentication aborted'],
  ]);
});

test('smtp: non-SMTP bytes on the port confirm nothing and emit nothing', () => {
  const ctx = play(smtpSpec, [[S, text('SSH-2.0-OpenSSH_9.6\r\n')], [C, text('SSH-2.0-x\r\n')]]);
  assert.deepEqual(ctx.services, []);
  assert.equal(auths(ctx).length, 0);
  assert.ok(ctx.anomalies.includes('smtp_malformed_reply'));
});

test('smtp: same events whatever the chunking', () => {
  assertSplitInvariant(smtpSpec, PLAIN_OK);
  assertSplitInvariant(smtpSpec, LOGIN_FAIL_THEN_OK);
});

test('smtp: probe', () => {
  assert.equal(probeSmtp(text('EHLO x\r\n'), true), true);
  assert.equal(probeSmtp(text('220 mx.example ESMTP ready\r\n'), false), true);
  assert.equal(probeSmtp(text('220 ProFTPD Server ready\r\n'), false), false);
  assert.equal(probeSmtp(text('GET / HTTP/1.1\r\n'), true), false);
});

test('smtp: mutated sessions never throw', () => {
  fuzz(smtpSpec, [PLAIN_OK, LOGIN_FAIL_THEN_OK], 0x5eed01, 2000);
});
