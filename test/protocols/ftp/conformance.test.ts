/**
 * FTP conformance against Zeek's ftp-bruteforce capture (30 connections,
 * each USER bro / PASS n / 530 / QUIT). Zeek's ftp.log keeps only some
 * commands (its `logged_commands`, plus the command still pending when the
 * connection is removed: here QUIT); Picket logs every command/reply pair, so
 * each Zeek row must have its Picket twin, and the extra rows are the
 * USER/PASS pairs Zeek leaves out. notice.log names the brute forcer: its
 * failures must all be Picket `auth` failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { replayWithSummary } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { ZEEK_CORPUS } from '../../helpers/paths.js';
import { createFtpSpec } from '../../../src/protocols/ftp/index.js';
import type { FtpRecord } from '../../../src/protocols/ftp/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import { harness, only } from '../../detect/harness.js';

const DIR = path.join(ZEEK_CORPUS, 'ftp-bruteforce');

async function run(): Promise<{ logs: FtpRecord[]; auths: AuthEvent[]; exceptions: object }> {
  const logs: FtpRecord[] = [];
  const spec = createFtpSpec({ log: (e) => logs.push(e.record) });
  const { events, summary } = await replayWithSummary([path.join(DIR, 'bruteforce.pcap')], [spec]);
  const auths: AuthEvent[] = [];
  for (const e of events) if (e.type === 'auth') auths.push(e);
  return { logs, auths, exceptions: summary.pipeline.app.exceptions };
}

test('ftp-bruteforce: every Zeek ftp.log row has an identical Picket record', async () => {
  const { logs, exceptions } = await run();
  assert.deepEqual(exceptions, {});
  const zeek = readZeekLog(path.join(DIR, 'ftp.log'));
  assert.equal(zeek.length, 30);
  for (const z of zeek) {
    const mine = logs.filter((r) => String(r['id.orig_p']) === z['id.orig_p'] && r.command === z.command);
    assert.equal(mine.length, 1, `one ${z.command} record for port ${z['id.orig_p']}`);
    const r = mine[0]!;
    assert.equal(r['id.orig_h'], z['id.orig_h']);
    assert.equal(r['id.resp_h'], z['id.resp_h']);
    assert.equal(String(r['id.resp_p']), z['id.resp_p']);
    assert.equal(r.user, z.user);
    assert.equal(r.arg, z.arg);
    assert.equal(String(r.reply_code), z.reply_code);
    assert.equal(r.reply_msg, z.reply_msg);
    // Zeek shows the password field as "<hidden>"; Picket leaves it out entirely.
    assert.equal(z.password, '<hidden>');
    assert.equal('password' in r, false);
  }
  // The rows Zeek does not log: USER (331) and PASS (530, argument hidden) of each connection.
  const extra = logs.filter((r) => r.command !== 'QUIT');
  assert.equal(extra.length, 60);
  for (const r of extra) {
    if (r.command === 'USER') assert.deepEqual([r.arg, r.reply_code, r.reply_msg], ['bro', 331, 'Password required for bro.']);
    else assert.deepEqual([r.command, r.arg, r.reply_code, r.reply_msg], ['PASS', '<hidden>', 530, 'Login incorrect.']);
  }
});

test('ftp-bruteforce: the notice source failed its logins, one auth failure per attempt', async () => {
  const { auths } = await run();
  const notice = readZeekLog(path.join(DIR, 'notice.log'));
  assert.equal(notice.length, 1);
  assert.equal(notice[0]!.note, 'FTP::Bruteforcing');
  const src = notice[0]!.src!;
  const needed = Number(/had (\d+) failed logins/.exec(notice[0]!.msg!)![1]);
  const failures = auths.filter((a) => a.client === src && a.outcome === 'failure');
  assert.ok(failures.length >= needed, `${failures.length} failures, notice needs ${needed}`);
  // Every one of the 30 connections is one failed attempt, and nothing else.
  assert.equal(failures.length, 30);
  assert.equal(auths.length, 30);
  assert.equal(new Set(failures.map((a) => a.uid)).size, 30);
  for (const a of failures) {
    assert.equal(a.service, 'ftp');
    assert.equal(a.user, 'bro');
    assert.equal(a.detail, '530 Login incorrect.');
    assert.equal(a.server, '192.168.56.101');
    assert.equal(a.server_port, 21);
  }
});

test('ftp-bruteforce: the brute-force detector names the same source as Zeek, at the same count', async () => {
  const spec = createFtpSpec();
  const { events } = await replayWithSummary([path.join(DIR, 'bruteforce.pcap')], [spec]);
  const h = harness('networks: []\n');
  for (const e of events) h.emit(e);
  const alerts = only(h.finish(), 'auth.bruteforce');
  const notice = readZeekLog(path.join(DIR, 'notice.log'))[0]!;
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.equal(a.source.ip, notice.src);
  // Zeek: "192.168.56.1 had 20 failed logins on 1 FTP server in 0m37s": its notice fires at the threshold.
  const zeekCount = Number(/had (\d+) failed logins/.exec(notice.msg!)![1]);
  assert.equal(a.evidence.failures_in_window, zeekCount);
  // Ours is final: it counts every failure of the attack (30 in the capture), as its count does.
  assert.equal(a.message, `192.168.56.1 failed ${a.count} FTP logins on 192.168.56.101 in 57 s`);
  assert.equal(a.count, 30);
});
