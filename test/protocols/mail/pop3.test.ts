/**
 * POP3 login outcomes (RFC 1939 / RFC 5034 examples, adapted): USER/PASS
 * with -ERR then +OK, APOP, AUTH PLAIN, CAPA's multi-line answer, STLS,
 * chunking and mutation robustness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
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

/** A message with a text part and a base64 program attached, as RETR sends it (dot-stuffed). */
const PROGRAM = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.from('x'.repeat(3000))]);
const MESSAGE = [
  'From: billing@invoices.example',
  'To: mrose@lab.example',
  'Subject: Invoice',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'Please see the attachment.',
  '..a line that began with a dot',
  '--b1',
  'Content-Type: application/octet-stream; name="invoice.exe"',
  'Content-Transfer-Encoding: base64',
  '',
  ...PROGRAM.toString('base64').match(/.{1,76}/g)!,
  '--b1--',
  '',
].join('\r\n');
const RETRIEVAL: Step[] = [
  ...USER_PASS,
  [C, text('LIST\r\n')],
  [S, text('+OK 2 messages\r\n1 120\r\n2 4200\r\n.\r\n')],
  [C, text('TOP 1 0\r\n')],
  [S, text('+OK\r\nSubject: hi\r\n\r\n.\r\n')],
  [C, text('RETR 2\r\n')],
  [S, text(`+OK 4200 octets\r\n${MESSAGE}.\r\n`)],
  [C, text('QUIT\r\n')],
  [S, text('+OK bye\r\n')],
];

function files(ctx: ReturnType<typeof play>) {
  return ctx.events.flatMap((e) => (e.type === 'file' ? [e.record] : []));
}

test('pop3: a message RETR fetches after the login gives its files (source POP3, to the client), digests of the decoded bytes, in any chunking', () => {
  for (const pieceSize of [undefined, 7]) {
    const ctx = play(pop3Spec, RETRIEVAL, { conn: { resp_p: 110 }, ...(pieceSize !== undefined ? { pieceSize } : {}) });
    const f = files(ctx);
    assert.deepEqual(
      f.map((r) => [r.source, r.is_orig, r.filename, r.mime_type, r.sha256]),
      [
        ['POP3', false, undefined, 'text/plain', crypto.createHash('sha256').update('Please see the attachment.\r\n.a line that began with a dot').digest('hex')],
        ['POP3', false, 'invoice.exe', 'application/x-dosexec', crypto.createHash('sha256').update(PROGRAM).digest('hex')],
      ],
      `pieces of ${pieceSize ?? 'whole steps'}`,
    );
    // The login is still reported.
    assert.deepEqual(outcomes(ctx).map((o) => o[0]), ['failure', 'success']);
  }
});

test('pop3: a fetched message that lost bytes or was cut by the connection\'s end has no digests; -ERR to RETR reads nothing', () => {
  const cut = play(pop3Spec, [...RETRIEVAL.slice(0, -4), [C, text('RETR 2\r\n')], [S, text(`+OK\r\n${MESSAGE.slice(0, MESSAGE.length - 300)}`)]], { conn: { resp_p: 110 } });
  const exe = files(cut).find((r) => r.filename === 'invoice.exe')!;
  assert.equal(exe.sha256, undefined);
  const refused = play(pop3Spec, [...USER_PASS, [C, text('RETR 9\r\n')], [S, text('-ERR no such message\r\n')], [C, text('QUIT\r\n')], [S, text('+OK\r\n')]], { conn: { resp_p: 110 } });
  assert.deepEqual(files(refused), []);
});

test('pop3: retrieval sessions, mutated, never throw; same events whatever the chunking', () => {
  assertSplitInvariant(pop3Spec, RETRIEVAL);
  assert.ok(fuzz(pop3Spec, [RETRIEVAL], 0x9093, 800) > 0);
});
