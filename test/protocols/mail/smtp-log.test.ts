/**
 * smtp.log lines and the files a message carries: a transaction's envelope
 * (HELO, MAIL FROM, RCPT TO) and its message's header fields in Zeek's
 * smtp.log columns; the body's MIME entities as files.jsonl lines (a
 * nested multipart split, base64 decoded before hashing, dot-stuffing
 * undone, quoted-printable not hashed); RSET, a second MAIL, STARTTLS and
 * the connection's end closing a transaction; a cut message losing its
 * digests; and the same events whatever the chunking. Then the lab's
 * mail-files capture (aiosmtpd and curl).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { createSmtpSpec, smtpSpec } from '../../../src/protocols/mail/index.js';
import type { SmtpRecord } from '../../../src/protocols/mail/events.js';
import type { FileEvent, FilesRecord } from '../../../src/events/file.js';
import { SMTP_MAX_LINE } from '../../../src/protocols/mail/consts.js';
import { C, S, assertSplitInvariant, fuzz, play, text, type Step } from './session.js';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import type { FakeContext } from '../http/fake-ctx.js';

const PROGRAM = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(0x3a), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(0x40), Buffer.from('PE\0\0'), crypto.randomBytes(5000)]);
const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');

/** Base64 in 76-character lines, as mail clients write it. */
function base64Lines(b: Buffer): string {
  return b.toString('base64').replace(/.{76}/g, '$&\r\n');
}

const MESSAGE = [
  'Received: from mx2.example.net (mx2.example.net [192.0.2.25]) by mail.example.org; Mon, 30 Nov 2026 10:00:02 +0000',
  'Received: from [198.51.100.7] (helo=laptop) by mx2.example.net; Mon, 30 Nov 2026 10:00:01 +0000',
  'Date: Mon, 30 Nov 2026 10:00:00 +0000',
  'From: "Billing Dept" <billing@example.net>',
  'To: alice@example.org, "Bob, Accounts" <bob@example.org>',
  'Cc: carol@example.org',
  'Reply-To: pay@example.net',
  'Message-ID: <123@example.net>',
  'In-Reply-To: <122@example.org>',
  'Subject: Invoice',
  '  overdue',
  'X-Originating-IP: [198.51.100.7]',
  'X-Mailer: Lab Mailer 1.0',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'This is a multi-part message in MIME format.',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain',
  '',
  'Please pay.',
  '..a line that began with a dot',
  '--inner',
  'Content-Type: text/html',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<html><body><p>Please pay=2E</p></body></html>',
  '--inner--',
  '--outer',
  'Content-Type: application/octet-stream; name="invoice.exe"',
  'Content-Transfer-Encoding: base64',
  '',
  base64Lines(PROGRAM),
  '--outer--',
].join('\r\n');

const GREETING: Step = [S, text('220 mail.example.org ESMTP\r\n')];
const SESSION: Step[] = [
  GREETING,
  [C, text('EHLO mx2.example.net\r\n')],
  [S, text('250-mail.example.org\r\n250 8BITMIME\r\n')],
  [C, text('MAIL FROM:<billing@example.net> SIZE=9000\r\n')],
  [S, text('250 2.1.0 Ok\r\n')],
  [C, text('RCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n')],
  [S, text('250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n')],
  [C, text('DATA\r\n')],
  [S, text('354 End data with <CR><LF>.<CR><LF>\r\n')],
  [C, text(`${MESSAGE}\r\n.\r\n`)],
  [S, text('250 2.0.0 Ok: queued as 4F2A1\r\n')],
  [C, text('QUIT\r\n')],
  [S, text('221 2.0.0 Bye\r\n')],
];

function smtpLines(ctx: FakeContext): SmtpRecord[] {
  return ctx.events.flatMap((e) => (e.type === 'smtp' ? [e.record] : []));
}
function files(ctx: FakeContext): FileEvent[] {
  return ctx.events.filter((e): e is FileEvent => e.type === 'file');
}

test('one smtp.log line per transaction: envelope, header fields, Received hops, fuids, in Zeek\'s column order', () => {
  const ctx = play(smtpSpec, SESSION, { conn: { orig_h: '192.0.2.25', resp_h: '10.0.0.25', resp_p: 25 } });
  const [r] = smtpLines(ctx);
  assert.ok(r !== undefined);
  assert.equal(smtpLines(ctx).length, 1);
  assert.deepEqual(Object.keys(r), [
    'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'trans_depth', 'helo', 'mailfrom', 'rcptto', 'date', 'from', 'to', 'cc',
    'reply_to', 'msg_id', 'in_reply_to', 'subject', 'x_originating_ip', 'first_received', 'second_received', 'last_reply', 'path', 'user_agent',
    'tls', 'fuids',
  ]);
  assert.equal(r.ts, 4);
  assert.equal(r.trans_depth, 1);
  assert.equal(r.helo, 'mx2.example.net');
  assert.equal(r.mailfrom, 'billing@example.net');
  assert.deepEqual(r.rcptto, ['alice@example.org', 'bob@example.org']);
  assert.equal(r.date, 'Mon, 30 Nov 2026 10:00:00 +0000');
  assert.equal(r.from, '"Billing Dept" <billing@example.net>');
  assert.deepEqual(r.to, ['alice@example.org', '"Bob, Accounts" <bob@example.org>']);
  assert.deepEqual(r.cc, ['carol@example.org']);
  assert.equal(r.reply_to, 'pay@example.net');
  assert.equal(r.msg_id, '<123@example.net>');
  assert.equal(r.in_reply_to, '<122@example.org>');
  assert.equal(r.subject, 'Invoice overdue');
  assert.equal(r.x_originating_ip, '198.51.100.7');
  assert.match(r.first_received!, /^from \[198\.51\.100\.7\]/);
  assert.match(r.second_received!, /^from mx2\.example\.net/);
  assert.equal(r.last_reply, '250 2.0.0 Ok: queued as 4F2A1');
  assert.deepEqual(r.path, ['10.0.0.25', '192.0.2.25', '192.0.2.25', '198.51.100.7']);
  assert.equal(r.user_agent, 'Lab Mailer 1.0');
  assert.equal(r.tls, false);
  assert.deepEqual(r.fuids, files(ctx).map((f) => f.record.fuid));
});

test('the message\'s files: the nested alternative\'s text and HTML, and the attachment decoded from base64 and hashed', () => {
  const ctx = play(smtpSpec, SESSION);
  const f = files(ctx);
  assert.deepEqual(
    f.map((e) => [e.record.source, e.record.depth, e.record.is_orig, e.record.mime_type, e.record.filename ?? null]),
    [
      ['SMTP', 1, true, 'text/plain', null],
      ['SMTP', 1, true, 'text/html', null],
      ['SMTP', 1, true, 'application/x-dosexec', 'invoice.exe'],
    ],
  );
  // Dot-stuffing undone: the part's bytes are what the sender wrote.
  assert.equal(f[0]!.record.sha256, sha256('Please pay.\r\n.a line that began with a dot'));
  // Quoted-printable: typed, not hashed.
  assert.deepEqual(f[1]!.record.analyzers, []);
  const exe = f[2]!.record;
  assert.equal(exe.seen_bytes, PROGRAM.length);
  assert.equal(exe.sha256, sha256(PROGRAM));
  assert.deepEqual(f[2]!.smtp, { mailfrom: 'billing@example.net', rcptto: ['alice@example.org', 'bob@example.org'], from: '"Billing Dept" <billing@example.net>', subject: 'Invoice overdue' });
});

test('a plain message is one file; RSET and a second MAIL close transactions; their depths count on', () => {
  const plain = 'From: a@example.org\r\nSubject: hi\r\n\r\nHello, see you at noon.\r\n';
  const ctx = play(createSmtpSpec(), [
    GREETING,
    [C, text('HELO host\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRSET\r\n')],
    [S, text('250 ok\r\n250 ok\r\n250 ok\r\n250 reset\r\n')],
    [C, text('MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n')],
    [S, text('250 ok\r\n250 ok\r\n354 go\r\n')],
    [C, text(`${plain}.\r\n`)],
    [S, text('250 queued\r\n')],
    [C, text('MAIL FROM:<>\r\nRCPT TO:<d@example.org>\r\nMAIL FROM:<e@example.org>\r\n')],
    [S, text('250 ok\r\n550 no such user\r\n250 ok\r\n')],
  ]);
  const lines = smtpLines(ctx);
  assert.deepEqual(
    lines.map((r) => [r.trans_depth, r.mailfrom, r.rcptto, r.subject, r.last_reply, r.fuids?.length ?? 0]),
    [
      [1, 'a@example.org', ['b@example.org'], undefined, '250 reset', 0],
      [2, 'a@example.org', ['c@example.org'], 'hi', '250 queued', 1],
      // The null sender "<>" is "".
      [3, '', ['d@example.org'], undefined, '550 no such user', 0],
      [4, 'e@example.org', undefined, undefined, '250 ok', 0],
    ],
  );
  const [f] = files(ctx);
  assert.equal(f!.record.mime_type, 'text/plain');
  assert.equal(f!.record.sha256, sha256('Hello, see you at noon.\r\n'));
});

test('STARTTLS: one line with tls, and parsing stops; a login first does not stop the mail', () => {
  const tls = play(smtpSpec, [
    GREETING,
    [C, text('EHLO client\r\n')],
    [S, text('250 ok\r\n')],
    [C, text('STARTTLS\r\n')],
    [S, text('220 2.0.0 Ready to start TLS\r\n')],
    [C, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])],
  ]);
  const [t] = smtpLines(tls);
  assert.deepEqual([t!.helo, t!.tls, t!.last_reply, t!.mailfrom], ['client', true, '220 2.0.0 Ready to start TLS', undefined]);
  assert.equal(smtpLines(tls).length, 1);

  const auth = play(smtpSpec, [
    GREETING,
    [C, text(`EHLO client\r\nAUTH PLAIN ${Buffer.from('\0alice\0pw').toString('base64')}\r\n`)],
    [S, text('250 ok\r\n235 2.7.0 Authentication successful\r\n')],
    [C, text('MAIL FROM:<alice@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n')],
    [S, text('250 ok\r\n250 ok\r\n354 go\r\n')],
    [C, text('Subject: s\r\n\r\nbody\r\n.\r\n')],
    [S, text('250 queued\r\n')],
  ]);
  assert.deepEqual(smtpLines(auth).map((r) => [r.mailfrom, r.subject]), [['alice@example.org', 's']]);
  // A session of logins alone writes no line.
  const login = play(smtpSpec, [GREETING, [C, text('EHLO c\r\nAUTH LOGIN\r\n')], [S, text('250 ok\r\n535 no\r\n')]]);
  assert.deepEqual(smtpLines(login), []);
});

test('a message cut by the connection\'s end, or with a line past the reader\'s bound, keeps no digests', () => {
  const cut = play(smtpSpec, SESSION.slice(0, 9).concat([[C, text(MESSAGE.slice(0, MESSAGE.length - 2000))]]));
  const [r] = smtpLines(cut);
  assert.equal(r!.last_reply, '354 End data with <CR><LF>.<CR><LF>');
  const exe = files(cut).find((f) => f.record.filename === 'invoice.exe')!.record;
  assert.equal(exe.sha256, undefined);

  const long = play(smtpSpec, [
    GREETING,
    [C, text('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n')],
    [S, text('250 ok\r\n250 ok\r\n354 go\r\n')],
    [C, text(`Subject: long\r\n\r\n${'x'.repeat(SMTP_MAX_LINE + 10)}\r\n.\r\n`)],
    [S, text('250 queued\r\n')],
  ]);
  const [l] = files(long);
  assert.equal(l!.record.seen_bytes, SMTP_MAX_LINE + 2);
  assert.equal(l!.record.sha256, undefined);
});

test('a message in BDAT chunks (no dot-stuffing) gives the same line and files as over DATA; one without its LAST chunk is cut', () => {
  // The message as sent, with its line that begins with a dot not doubled.
  const raw = Buffer.from(`${MESSAGE.replace('..a line', '.a line')}\r\n`, 'latin1');
  const cut = 1000;
  const BDAT: Step[] = [
    GREETING,
    [C, text('EHLO mx2.example.net\r\nMAIL FROM:<billing@example.net>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n')],
    [S, text('250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n')],
    [C, Buffer.concat([text(`BDAT ${cut}\r\n`), raw.subarray(0, cut)])],
    [S, text('250 2.0.0 1000 octets received\r\n')],
    [C, Buffer.concat([text(`BDAT ${raw.length - cut} LAST\r\n`), raw.subarray(cut)])],
    [S, text('250 2.0.0 Ok: queued as 4F2A2\r\n')],
    [C, text('QUIT\r\n')],
    [S, text('221 2.0.0 Bye\r\n')],
  ];
  const viaData = play(smtpSpec, SESSION);
  for (const piece of [undefined, 7]) {
    const ctx = play(smtpSpec, BDAT, piece !== undefined ? { pieceSize: piece } : {});
    const [r] = smtpLines(ctx);
    assert.equal(smtpLines(ctx).length, 1);
    assert.deepEqual([r!.subject, r!.from, r!.to, r!.last_reply, r!.fuids?.length], ['Invoice overdue', '"Billing Dept" <billing@example.net>', ['alice@example.org', '"Bob, Accounts" <bob@example.org>'], '250 2.0.0 Ok: queued as 4F2A2', 3]);
    assert.deepEqual(
      files(ctx).map((f) => [f.record.mime_type, f.record.seen_bytes, f.record.sha256]),
      files(viaData).map((f) => [f.record.mime_type, f.record.seen_bytes, f.record.sha256]),
      `pieces of ${piece ?? 'whole steps'}`,
    );
  }
  // A message that ends without a line end (BDAT allows it): its last line still counts.
  const bare = raw.subarray(0, raw.length - 2);
  const unended = play(smtpSpec, [...BDAT.slice(0, 5), [C, Buffer.concat([text(`BDAT ${bare.length - cut} LAST\r\n`), bare.subarray(cut)])], ...BDAT.slice(6)]);
  assert.deepEqual(
    files(unended).map((f) => [f.record.mime_type, f.record.seen_bytes, f.record.sha256]),
    files(viaData).map((f) => [f.record.mime_type, f.record.seen_bytes, f.record.sha256]),
  );
  const note = Buffer.from('Subject: note\r\n\r\nfirst line\r\nlast line, no end', 'latin1');
  for (const piece of [undefined, 5]) {
    const plain = play(
      smtpSpec,
      [GREETING, [C, text('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n')], [S, text('250 ok\r\n250 ok\r\n')], [C, Buffer.concat([text(`BDAT ${note.length} LAST\r\n`), note])], [S, text('250 queued\r\n')]],
      piece !== undefined ? { pieceSize: piece } : {},
    );
    const body = Buffer.from('first line\r\nlast line, no end', 'latin1');
    assert.deepEqual(files(plain).map((f) => [f.record.seen_bytes, f.record.sha256]), [[body.length, crypto.createHash('sha256').update(body).digest('hex')]]);
    assert.equal(smtpLines(plain)[0]!.subject, 'note');
  }
  // The connection ends inside the second chunk, before the attachment's end: the message is cut, the attachment has no digests.
  const open = play(smtpSpec, [...BDAT.slice(0, 5), [C, Buffer.concat([text(`BDAT ${raw.length - cut} LAST\r\n`), raw.subarray(cut, raw.length - 300)])]]);
  const exe = files(open).find((f) => f.record.filename === 'invoice.exe')!;
  assert.equal(exe.record.sha256, undefined);
  assert.equal(smtpLines(open).length, 1);
});

test('the same lines and files whatever the chunking; mutated sessions never throw', () => {
  assertSplitInvariant(smtpSpec, SESSION);
  assert.ok(fuzz(smtpSpec, [SESSION], 0x5eed25, 1500) > 0);
});

test('the lab\'s mail: an invoice with a program attached from the Internet host, a note, and a STARTTLS session', async () => {
  const events = await replayEvents([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'mail-files.pcap')]);
  const lines = events.flatMap((e) => (e.type === 'smtp' ? [e.record] : []));
  const fileLines = events.flatMap((e) => (e.type === 'file' ? [e.record] : []));
  assert.equal(lines.length, 3);
  const inv = lines.find((r) => r['id.orig_h'] === '198.51.100.10')!;
  assert.equal(inv.helo, 'mx.invoices.example');
  assert.equal(inv.mailfrom, 'billing@invoices.example');
  assert.deepEqual(inv.rcptto, ['jdoe@lab.example', 'ap@lab.example']);
  assert.deepEqual(inv.to, ['jdoe@lab.example', '"Accounts Payable" <ap@lab.example>']);
  assert.equal(inv.subject, 'Invoice 4471 overdue');
  assert.equal(inv.msg_id, '<4471@invoices.example>');
  assert.equal(inv.user_agent, 'Lab Mailer 1.0');
  assert.deepEqual(inv.path, ['10.77.1.10', '198.51.100.10', '203.0.113.66']);
  assert.match(inv.last_reply!, /^250 /);
  const byFuid = new Map<string, FilesRecord>(fileLines.map((f) => [f.fuid, f]));
  assert.deepEqual(
    inv.fuids!.map((id) => [byFuid.get(id)!.mime_type, byFuid.get(id)!.filename ?? null]),
    [['text/plain', null], ['text/html', null], ['application/x-dosexec', 'invoice.exe']],
  );
  // The lab's program (run-lab.sh pe_program), as sha256sum gives it.
  assert.equal(byFuid.get(inv.fuids![2]!)!.sha256, '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7');
  const note = lines.find((r) => r['id.orig_h'] === '10.77.2.20')!;
  assert.deepEqual([note.helo, note.subject, note.tls, note.fuids?.length], ['ws20.lab.example', 'lunch', false, 1]);
  assert.equal(byFuid.get(note.fuids![0]!)!.sha256, sha256('Noon at the usual place.\r\n'));
  const tls = lines.find((r) => r['id.orig_h'] === '10.77.2.21')!;
  assert.deepEqual([tls.helo, tls.tls, tls.mailfrom, tls.fuids], ['ws21.lab.example', true, undefined, undefined]);
});
