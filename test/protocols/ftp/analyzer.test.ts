/**
 * FTP analyzer unit tests (RFC 959 dialogues, adapted): login success and
 * failure, 5xx to USER, multi-line replies, preliminary 1xx replies,
 * commands never answered, AUTH TLS, the probe, chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFtpSpec, ftpSpec, probeFtp } from '../../../src/protocols/ftp/index.js';
import type { FtpRecord } from '../../../src/protocols/ftp/events.js';
import { C, S, assertSplitInvariant, fuzz, outcomes, play, text, type Step } from '../mail/session.js';

function logged(steps: readonly Step[]): { records: FtpRecord[]; ctx: ReturnType<typeof play> } {
  const records: FtpRecord[] = [];
  const ctx = play(createFtpSpec({ log: (e) => records.push(e.record) }), steps, { conn: { resp_p: 21 } });
  return { records, ctx };
}

const GREETING: Step = [S, text('220 (vsFTPd 3.0.3)\r\n')];

const FAIL_THEN_OK: Step[] = [
  GREETING,
  [C, text('USER alice\r\n')],
  [S, text('331 Please specify the password.\r\n')],
  [C, text('PASS hunter2\r\n')],
  [S, text('530 Login incorrect.\r\n')],
  [C, text('USER alice\r\n')],
  [S, text('331 Please specify the password.\r\n')],
  [C, text('PASS correct\r\n')],
  [S, text('230-Welcome to the archive.\r\n230-Be nice.\r\n230 Login successful.\r\n')],
  [C, text('RETR /pub/file.txt\r\n')],
  [S, text('150 Opening BINARY mode data connection for /pub/file.txt (12 bytes).\r\n')],
  [S, text('226 Transfer complete.\r\n')],
  [C, text('QUIT\r\n')],
  [S, text('221 Goodbye.\r\n')],
];

test('ftp: 530 to PASS is a failure, 230 a success, with the user from USER', () => {
  const { ctx } = logged(FAIL_THEN_OK);
  assert.deepEqual(ctx.services, ['ftp']);
  assert.deepEqual(outcomes(ctx), [
    ['failure', 'alice', '530 Login incorrect.'],
    ['success', 'alice', '230 Login successful.'],
  ]);
  assert.ok(!JSON.stringify(ctx.events).includes('hunter2'));
});

test('ftp: one ftp.log record per command with its final reply; PASS hidden', () => {
  const { records } = logged(FAIL_THEN_OK);
  assert.deepEqual(
    records.map((r) => [r.user, r.command, r.arg, r.reply_code, r.reply_msg]),
    [
      ['alice', 'USER', 'alice', 331, 'Please specify the password.'],
      ['alice', 'PASS', '<hidden>', 530, 'Login incorrect.'],
      ['alice', 'USER', 'alice', 331, 'Please specify the password.'],
      ['alice', 'PASS', '<hidden>', 230, 'Login successful.'],
      // 150 is preliminary: the record carries the final 226.
      // A file command's argument becomes the file's URL, as in Zeek.
      ['alice', 'RETR', 'ftp://192.0.2.10/pub/file.txt', 226, 'Transfer complete.'],
      ['alice', 'QUIT', undefined, 221, 'Goodbye.'],
    ],
  );
  const r = records[0]!;
  assert.deepEqual(Object.keys(r), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'user', 'command', 'arg', 'reply_code', 'reply_msg']);
  assert.equal(r.ts, 2);
  assert.ok(!JSON.stringify(records).includes('hunter2'));
});

test('ftp: file URLs follow CWD accepted with 250 and CDUP, not refused ones; IPv6 servers in brackets', () => {
  const steps: Step[] = [
    GREETING,
    [C, text('USER alice\r\n')],
    [S, text('331 Password.\r\n')],
    [C, text('PASS x\r\n')],
    [S, text('230 Login successful.\r\n')],
    [C, text('STOR notes.txt\r\n')],
    [S, text('226 Transfer complete.\r\n')],
    [C, text('CWD pub/./tools//\r\n')],
    [S, text('250 Directory successfully changed.\r\n')],
    [C, text('CWD secret\r\n')],
    [S, text('550 Failed to change directory.\r\n')],
    [C, text('RETR ../tools/a.exe\r\n')],
    [S, text('226 Transfer complete.\r\n')],
    [C, text('CDUP\r\n')],
    [S, text('200 Directory changed.\r\n')],
    [C, text('APPE log.txt\r\nRETR /etc/../etc/motd\r\nCWD ../../../..\r\n')],
    [S, text('226 Done.\r\n226 Done.\r\n250 Changed.\r\n')],
    [C, text('STOU x\r\nLIST sub\r\n')],
    [S, text('226 Done.\r\n226 Done.\r\n')],
  ];
  const { records } = logged(steps);
  const args = records.filter((r) => r.command !== 'USER' && r.command !== 'PASS').map((r) => [r.command, r.arg]);
  assert.deepEqual(args, [
    ['STOR', 'ftp://192.0.2.10/notes.txt'],
    ['CWD', 'pub/./tools//'],
    ['CWD', 'secret'],
    ['RETR', 'ftp://192.0.2.10/pub/tools/a.exe'],
    ['CDUP', undefined],
    ['APPE', 'ftp://192.0.2.10/pub/log.txt'],
    ['RETR', 'ftp://192.0.2.10/etc/motd'],
    ['CWD', '../../../..'],
    // ".." never climbs above the root; LIST keeps its argument as sent.
    ['STOU', 'ftp://192.0.2.10/x'],
    ['LIST', 'sub'],
  ]);
  const v6: FtpRecord[] = [];
  play(createFtpSpec({ log: (e) => v6.push(e.record) }), [GREETING, [C, text('RETR a b.txt\r\n')], [S, text('226 Done.\r\n')]], {
    conn: { resp_p: 21, resp_h: '2001:db8::21' },
  });
  assert.equal(v6[0]!.arg, 'ftp://[2001:db8::21]/a b.txt');
});

test('ftp: 5xx to USER is a failure; pipelined commands pair in order; unanswered ones are logged at the end', () => {
  const { records, ctx } = logged([
    GREETING,
    [C, text('USER root\r\nSYST\r\n')],
    [S, text('530 Permission denied.\r\n215 UNIX Type: L8\r\n')],
    [C, text('USER anonymous\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [['failure', 'root', '530 Permission denied.']]);
  assert.deepEqual(
    records.map((r) => [r.user, r.command, r.reply_code]),
    [['root', 'USER', 530], ['root', 'SYST', 215], ['anonymous', 'USER', undefined]],
  );
});

test('ftp: AUTH TLS accepted stops parsing: one unknown outcome', () => {
  const ctx = play(ftpSpec, [
    GREETING,
    [C, text('AUTH TLS\r\n')],
    [S, text('234 Proceed with negotiation.\r\n')],
    [C, text('\x16\x03\x01\x00\x05hello')],
    [S, text('530 Login incorrect.\r\n')],
  ]);
  assert.deepEqual(outcomes(ctx), [['unknown', undefined, 'AUTH TLS']]);
});

test('ftp: a greeting and nothing else is one unknown; garbage is counted, not recognised', () => {
  assert.deepEqual(outcomes(play(ftpSpec, [GREETING])), [['unknown', undefined, 'no login reply seen']]);
  const junk = play(ftpSpec, [[S, text('\x00\x01binary junk\r\n')], [C, text('\xff\xf4\xff\xf2\r\n')]]);
  assert.deepEqual(junk.services, []);
  assert.deepEqual(outcomes(junk), []);
  assert.ok(junk.anomalies.includes('ftp_malformed_reply'));
  assert.ok(junk.anomalies.includes('ftp_malformed_command'));
});

test('ftp: pending commands are bounded', () => {
  const flood = 'NOOP\r\n'.repeat(50);
  const { records, ctx } = logged([GREETING, [C, text(flood)]]);
  // The greeting took the <init> shim's place; 20 commands wait, 30 are dropped and counted.
  assert.equal(records.length, 20);
  assert.equal(ctx.anomalies.filter((a) => a === 'ftp_too_many_pending_commands').length, 30);
});

test('ftp: same events whatever the chunking', () => {
  assertSplitInvariant(ftpSpec, FAIL_THEN_OK);
});

test('ftp: probe', () => {
  assert.equal(probeFtp(text('USER bob\r\n'), true), true);
  assert.equal(probeFtp(text('220 redmint FTP server (Version 6.4) ready.\r\n'), false), true);
  assert.equal(probeFtp(text('220-Welcome to Pure-FTPd.\r\n'), false), true);
  // A greeting that does not say FTP is left to the port: probes only claim what is unmistakable.
  assert.equal(probeFtp(text('220-FileZilla Server 1.7\r\n'), false), false);
  assert.equal(probeFtp(text('220 mx ESMTP Postfix\r\n'), false), false);
  assert.equal(probeFtp(text('220 ftp.example.org ESMTP Exim\r\n'), false), false);
  assert.equal(probeFtp(text('EHLO x\r\n'), true), false);
});

test('ftp: mutated sessions never throw', () => {
  fuzz(ftpSpec, [FAIL_THEN_OK], 0x5eed04, 3000);
});
