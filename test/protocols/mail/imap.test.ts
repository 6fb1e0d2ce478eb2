/**
 * IMAP login outcomes (RFC 9051 examples, adapted): LOGIN with NO then OK,
 * quoted user names, AUTHENTICATE PLAIN over a continuation, SASL-IR, BAD as
 * an unknown outcome, STARTTLS, literals stepped over, chunking and
 * mutation robustness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { imapSpec, probeImap } from '../../../src/protocols/mail/index.js';
import { C, S, assertSplitInvariant, auths, b64, bytes, fuzz, outcomes, play, text, type Step } from './session.js';

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

/** A message with a base64 program attached, as a FETCH literal carries it. */
const PROGRAM = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.from('y'.repeat(2500))]);
const MESSAGE = Buffer.from(
  [
    'From: billing@invoices.example',
    'Subject: Invoice',
    'Content-Type: multipart/mixed; boundary="m1"',
    '',
    '--m1',
    'Content-Type: text/plain',
    '',
    'See attached.',
    '--m1',
    'Content-Type: application/octet-stream',
    'Content-Disposition: attachment; filename="invoice.exe"',
    'Content-Transfer-Encoding: base64',
    '',
    ...PROGRAM.toString('base64').match(/.{1,76}/g)!,
    '--m1--',
    '',
  ].join('\r\n'),
  'latin1',
);
const FETCHING: Step[] = [
  ...LOGIN_NO_OK,
  [C, text('a3 SELECT INBOX\r\n')],
  [S, text('* 2 EXISTS\r\na3 OK [READ-WRITE] SELECT completed\r\n')],
  [C, text('a4 FETCH 1 (BODY.PEEK[HEADER])\r\n')],
  [S, bytes(text('* 1 FETCH (BODY[HEADER] {20}\r\n'), text('Subject: header\r\n\r\n'), text(')\r\na4 OK done\r\n'))],
  [C, text('a5 UID FETCH 7 (UID RFC822.SIZE BODY.PEEK[])\r\n')],
  [S, bytes(text(`* 2 FETCH (UID 7 RFC822.SIZE ${MESSAGE.length} BODY[] {${MESSAGE.length}}\r\n`), MESSAGE, text(')\r\na5 OK Fetch completed\r\n'))],
  [C, text('a6 LOGOUT\r\n')],
  [S, text('* BYE\r\na6 OK bye\r\n')],
];

function files(ctx: ReturnType<typeof play>) {
  return ctx.events.flatMap((e) => (e.type === 'file' ? [e.record] : []));
}

test('imap: a whole message a FETCH returns after the login gives its files (source IMAP, to the client); headers alone do not; in any chunking', () => {
  for (const pieceSize of [undefined, 5]) {
    const ctx = play(imapSpec, FETCHING, pieceSize !== undefined ? { pieceSize } : {});
    assert.deepEqual(
      files(ctx).map((r) => [r.source, r.is_orig, r.filename, r.mime_type, r.sha256]),
      [
        ['IMAP', false, undefined, 'text/plain', crypto.createHash('sha256').update('See attached.').digest('hex')],
        ['IMAP', false, 'invoice.exe', 'application/x-dosexec', crypto.createHash('sha256').update(PROGRAM).digest('hex')],
      ],
      `pieces of ${pieceSize ?? 'whole steps'}`,
    );
    assert.deepEqual(outcomes(ctx).map((o) => o[0]), ['failure', 'success']);
  }
  assertSplitInvariant(imapSpec, FETCHING);
});

/** Steps of FETCHING before its whole-message FETCH (login, SELECT, a header fetch). */
const PIECES_AT = 10;

/** The FETCHING session with the message fetched in pieces of `size` octets, as Thunderbird fetches large messages. */
function fetchInPieces(size: number, opts: { announceSize: boolean; skip?: number; endWithEmpty?: boolean }): Step[] {
  const steps: Step[] = [...FETCHING.slice(0, PIECES_AT)];
  let tag = 5;
  for (let at = 0, i = 0; at <= MESSAGE.length; at += size, i++) {
    const piece = MESSAGE.subarray(at, at + size);
    if (piece.length === 0 && opts.endWithEmpty !== true) break;
    if (i === opts.skip) continue;
    const sizeItem = opts.announceSize ? `RFC822.SIZE ${MESSAGE.length} ` : '';
    steps.push([C, text(`a${tag} UID FETCH 7 (UID ${sizeItem === '' ? '' : 'RFC822.SIZE '}BODY.PEEK[]<${at}.${size}>)\r\n`)]);
    steps.push([S, bytes(text(`* 2 FETCH (UID 7 ${sizeItem}BODY[]<${at}> {${piece.length}}\r\n`), piece, text(`)\r\na${tag} OK Fetch completed\r\n`))]);
    tag++;
    if (piece.length < size) break;
  }
  steps.push([C, text(`a${tag} LOGOUT\r\n`)], [S, text(`* BYE\r\na${tag} OK bye\r\n`)]);
  return steps;
}

test('imap: a message fetched in pieces is read across them: whole by RFC822.SIZE, by a short last piece, or by an empty one', () => {
  const programSha = crypto.createHash('sha256').update(PROGRAM).digest('hex');
  // Pieces that end exactly at the message's end: the client cannot tell until it asks for more.
  const exact = MESSAGE.length;
  const cases: [string, Step[]][] = [
    ['size announced', fetchInPieces(1000, { announceSize: true })],
    ['short last piece', fetchInPieces(1000, { announceSize: false })],
    ['empty piece after an exact fit', fetchInPieces(exact, { announceSize: false, endWithEmpty: true })],
    ['exact fit with the size announced', fetchInPieces(exact, { announceSize: true })],
  ];
  for (const [name, steps] of cases) {
    for (const pieceSize of [undefined, 7]) {
      const ctx = play(imapSpec, steps, pieceSize !== undefined ? { pieceSize } : {});
      const got = files(ctx);
      assert.deepEqual(got.map((r) => r.filename), [undefined, 'invoice.exe'], name);
      assert.equal(got[1]!.sha256, programSha, `${name}, pieces of ${pieceSize ?? 'whole steps'}`);
      assert.equal(got[1]!.missing_bytes ?? 0, 0, name);
    }
  }
  assertSplitInvariant(imapSpec, fetchInPieces(1000, { announceSize: false }));
});

test('imap: a message whose pieces do not follow on is not taken as whole', () => {
  // The second piece never came: the third does not start where the first ended.
  const gap = files(play(imapSpec, fetchInPieces(1000, { announceSize: true, skip: 1 })));
  assert.equal(gap.find((r) => r.filename === 'invoice.exe')?.sha256, undefined);
  // The connection ended between pieces.
  const cut = files(play(imapSpec, fetchInPieces(1000, { announceSize: true }).slice(0, PIECES_AT + 2)));
  assert.equal(cut.find((r) => r.filename === 'invoice.exe')?.sha256, undefined);
  // A piece of a message whose first piece was not seen is stepped over, and later lines still parse.
  const all = fetchInPieces(1000, { announceSize: true });
  assert.ok(all.length > PIECES_AT + 6);
  const late = play(imapSpec, [...all.slice(0, PIECES_AT), ...all.slice(PIECES_AT + 2)]);
  assert.deepEqual(outcomes(late).map((o) => o[0]), ['failure', 'success']);
  assert.equal(files(late).find((r) => r.filename === 'invoice.exe')?.sha256, undefined);
  assert.ok(fuzz(imapSpec, [fetchInPieces(1000, { announceSize: false })], 0x1aa, 600) > 0);
});

test('imap: a fetched message cut by a loss or the connection\'s end has no digests; mutated fetches never throw', () => {
  const cutAt = MESSAGE.length - 200;
  const cut = play(imapSpec, [...FETCHING.slice(0, 6), [S, bytes(text(`* 2 FETCH (BODY[] {${MESSAGE.length}}\r\n`), MESSAGE.subarray(0, cutAt))]]);
  assert.equal(files(cut).find((r) => r.filename === 'invoice.exe')?.sha256, undefined);
  assert.ok(fuzz(imapSpec, [FETCHING], 0x1a9, 800) > 0);
});

/** FETCHING's login and SELECT, then `steps`, then a LOGOUT. */
function afterLogin(steps: Step[]): Step[] {
  return [...FETCHING.slice(0, 8), ...steps, [C, text('z9 LOGOUT\r\n')], [S, text('* BYE\r\nz9 OK bye\r\n')]];
}

const SECOND = Buffer.from('From: me@example.org\r\nSubject: notes\r\nContent-Type: text/plain\r\n\r\nsecond message\r\n', 'latin1');
const APPENDING = afterLogin([
  // Synchronising literal: the message follows the server's "+".
  [C, text(`a7 APPEND Sent (\\Seen) {${MESSAGE.length}}\r\n`)],
  [S, text('+ Ready for literal data\r\n')],
  [C, bytes(MESSAGE, text('\r\n'))],
  [S, text('a7 OK [APPENDUID 38505 3955] APPEND completed\r\n')],
]);

test('imap: a message the client uploads with APPEND gives its files (source IMAP, from the client), with its From and Subject; in any chunking', () => {
  const programSha = crypto.createHash('sha256').update(PROGRAM).digest('hex');
  for (const pieceSize of [undefined, 5]) {
    const ctx = play(imapSpec, APPENDING, pieceSize !== undefined ? { pieceSize } : {});
    assert.deepEqual(
      files(ctx).map((r) => [r.source, r.is_orig, r.filename, r.mime_type, r.sha256]),
      [
        ['IMAP', true, undefined, 'text/plain', crypto.createHash('sha256').update('See attached.').digest('hex')],
        ['IMAP', true, 'invoice.exe', 'application/x-dosexec', programSha],
      ],
      `pieces of ${pieceSize ?? 'whole steps'}`,
    );
    const ev = ctx.events.find((e) => e.type === 'file' && e.record.filename === 'invoice.exe');
    assert.ok(ev !== undefined && ev.type === 'file');
    assert.deepEqual(ev.smtp, { rcptto: [], from: 'billing@invoices.example', subject: 'Invoice' });
    assert.deepEqual(outcomes(ctx).map((o) => o[0]), ['failure', 'success']);
  }
  assertSplitInvariant(imapSpec, APPENDING);
});

test('imap: LITERAL+ and MULTIAPPEND uploads are read message by message; the lines after them are commands again', () => {
  const ctx = play(
    imapSpec,
    afterLogin([
      // Non-synchronising: the message comes with the command, no "+".
      [C, bytes(text(`a7 APPEND Drafts (\\Draft) {${SECOND.length}+}\r\n`), SECOND, text('\r\n'))],
      [S, text('a7 OK APPEND completed\r\n')],
      // MULTIAPPEND (RFC 3502): a second message literal on the line after the first.
      [C, text(`a8 APPEND Sent (\\Seen) {${MESSAGE.length}}\r\n`)],
      [S, text('+ go on\r\n')],
      [C, bytes(MESSAGE, text(` (\\Seen) {${SECOND.length}}\r\n`))],
      [S, text('+ go on\r\n')],
      [C, bytes(SECOND, text('\r\n'))],
      [S, text('a8 OK [APPENDUID 38505 3956:3957] APPEND completed\r\n')],
      [C, text('a9 LOGIN other secret\r\n')],
      [S, text('a9 OK Logged in\r\n')],
    ]),
  );
  assert.deepEqual(
    files(ctx).map((r) => [r.is_orig, r.filename ?? r.mime_type, r.depth]),
    [
      [true, 'text/plain', 1],
      [true, 'text/plain', 2],
      [true, 'invoice.exe', 2],
      [true, 'text/plain', 3],
    ],
  );
  assert.deepEqual(outcomes(ctx).map((o) => [o[0], o[1]]), [['failure', 'smith'], ['success', 'J. Smith'], ['success', 'other']]);
});

test('imap: an APPEND refused before "+" sends no message: the next client line is a command; CATENATE pieces are not messages', () => {
  const refused = play(
    imapSpec,
    afterLogin([
      [C, text(`a7 APPEND NoSuchBox {${MESSAGE.length}}\r\n`)],
      [S, text('a7 NO [TRYCREATE] Mailbox does not exist\r\n')],
      [C, text('a8 LOGIN other secret\r\n')],
      [S, text('a8 OK Logged in\r\n')],
    ]),
  );
  assert.deepEqual(files(refused), []);
  assert.deepEqual(outcomes(refused).map((o) => o[1]), ['smith', 'J. Smith', 'other']);

  const catenate = play(
    imapSpec,
    afterLogin([
      [C, bytes(text('a7 APPEND Drafts CATENATE (URL "/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER" TEXT {'), text(`${SECOND.length}+}\r\n`), SECOND, text(')\r\n'))],
      [S, text('a7 OK [APPENDUID 385759045 45] CATENATE completed\r\n')],
      [C, text('a8 LOGIN other secret\r\n')],
      [S, text('a8 OK Logged in\r\n')],
    ]),
  );
  assert.deepEqual(files(catenate), []);
  assert.deepEqual(outcomes(catenate).map((o) => o[1]), ['smith', 'J. Smith', 'other']);
});

test('imap: an upload cut by a loss or the connection\'s end has no digests; mutated uploads never throw', () => {
  const cut = play(imapSpec, [...APPENDING.slice(0, 10), [C, MESSAGE.subarray(0, MESSAGE.length - 200)]]);
  const program = files(cut).find((r) => r.filename === 'invoice.exe');
  assert.ok(program !== undefined);
  assert.equal(program.sha256, undefined);
  assert.ok(fuzz(imapSpec, [APPENDING], 0x1ab, 800) > 0);
});
