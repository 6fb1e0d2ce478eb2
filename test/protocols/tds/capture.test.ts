/**
 * SQL Server sign-ins in a real capture (the lab's mssql.pcap: Impacket's
 * TDS client signing in to test/lab/tds-server.py without encryption and
 * sending SQL batches, and hydra 9.4's mssql module guessing sa's password
 * with pre-TDS 7 login records): one auth event per connection, whose user
 * is the LOGIN7 user tshark decodes, and whose outcome matches the LOGINACK
 * or error number tshark decodes from the server's answer; one mssql.batch
 * event per SQL batch, with the text tshark decodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { TSHARK, TSHARK_SKIP } from '../../helpers/tshark-objects.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import type { MssqlBatchEvent } from '../../../src/protocols/tds/events.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'mssql.pcap');

/** Per client port: the LOGIN7 user tshark decodes, and "LOGINACK" or the error number of the server's answer. */
function tsharkView(): Promise<{ users: Map<number, string>; answers: Map<number, string> }> {
  return new Promise((resolve, reject) => {
    execFile(TSHARK!, ['-r', CAPTURE, '-Y', 'tds', '-T', 'fields', '-E', 'separator=/t', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tds.7login.username', '-e', 'tds.error.number', '-e', 'tds.loginack.progname'], (err, out) => {
      if (err) return reject(err);
      const users = new Map<number, string>();
      const answers = new Map<number, string>();
      for (const line of out.trim().split('\n')) {
        const [src, dst, user, error, ack] = line.split('\t');
        if (user !== undefined && user !== '') users.set(Number(src), user);
        if (error !== undefined && error !== '') answers.set(Number(dst), error);
        if (ack !== undefined && ack !== '') answers.set(Number(dst), 'LOGINACK');
      }
      resolve({ users, answers });
    });
  });
}

test('one sign-in per connection, with the user and answer tshark decodes', { skip: TSHARK_SKIP }, async () => {
  const all = await replayEvents([CAPTURE]);
  const auths = all.filter((e): e is AuthEvent => e.type === 'auth');
  const { users, answers } = await tsharkView();
  assert.equal(auths.length, 25);
  assert.equal(answers.size, 25);
  for (const a of auths) {
    assert.equal(a.service, 'mssql');
    const answer = answers.get(a.client_port)!;
    assert.equal(a.outcome, answer === 'LOGINACK' ? 'success' : answer === '18456' ? 'failure' : 'unknown', `port ${a.client_port}`);
    // tshark names LOGIN7 users; hydra's pre-TDS 7 records are named by the server's error.
    if (users.has(a.client_port)) assert.equal(a.user, users.get(a.client_port));
    else assert.equal(a.user, 'sa');
    assert.equal(a.cleartext, true);
  }
  const count = (client: string, outcome: string) => auths.filter((a) => a.client === client && a.outcome === outcome).length;
  assert.deepEqual([count('10.77.2.22', 'success'), count('198.51.100.10', 'success'), count('10.77.2.26', 'success'), count('10.77.2.24', 'failure')], [2, 1, 2, 20]);
  assert.ok(all.some((e) => e.type === 'flow.end' && e.record.service === 'mssql'));
});

test('one mssql.batch event per SQL batch, with the text tshark decodes', { skip: TSHARK_SKIP }, async () => {
  const batches = (await replayEvents([CAPTURE])).filter((e): e is MssqlBatchEvent => e.type === 'mssql.batch');
  const theirs = await new Promise<string[]>((resolve, reject) => {
    execFile(TSHARK!, ['-r', CAPTURE, '-Y', 'tds.type == 1', '-T', 'fields', '-e', 'tds.query'], (err, out) => {
      if (err) return reject(err);
      // tshark writes the batch's closing CR LF as \r\n.
      resolve(out.trim().split('\n').map((q) => q.replace(/\\r\\n$/, '')));
    });
  });
  assert.equal(batches.length, 4);
  assert.deepEqual(batches.map((b) => b.text), theirs);
  assert.ok(batches.every((b) => b.client === '10.77.2.26' && b.user === 'app' && b.server_port === 1433));
});
