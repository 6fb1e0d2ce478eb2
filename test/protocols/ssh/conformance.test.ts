/**
 * SSH conformance against Zeek's ssh-bruteforce capture: Zeek's notice.log
 * says 192.168.56.1 was guessing passwords (10 connections to
 * 192.168.56.103); Picket's per-connection auth events must show those
 * failures from that source, and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { replayWithSummary } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { ZEEK_CORPUS } from '../../helpers/paths.js';
import { sshSpec } from '../../../src/protocols/ssh/index.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import type { SshRecord } from '../../../src/protocols/ssh/events.js';

test('ssh-bruteforce: failed logins from the guessing source, one per connection', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ssh-bruteforce');
  const { events, summary } = await replayWithSummary([path.join(dir, 'sshguess.pcap')], [sshSpec]);
  assert.deepEqual(summary.pipeline.app.exceptions, {});
  const notice = readZeekLog(path.join(dir, 'notice.log'));
  assert.equal(notice.length, 1);
  const guesser = notice[0]!.src!;
  const seenIn = Number(/seen in (\d+) connections/.exec(notice[0]!.msg!)![1]);

  const auths: AuthEvent[] = [];
  const logs: SshRecord[] = [];
  for (const e of events) {
    if (e.type === 'auth') auths.push(e);
    if (e.type === 'ssh') logs.push(e.record);
  }
  const failures = auths.filter((a) => a.service === 'ssh' && a.outcome === 'failure' && a.client === guesser);
  // Zeek raises the notice when the count reaches its threshold ("seen in N connections");
  // the capture holds one more failed connection after that point (11 in all).
  const failedConnections = new Set(failures.map((a) => a.uid)).size;
  assert.ok(failedConnections >= seenIn, `${failedConnections} failed connections, notice needs ${seenIn}`);
  assert.equal(failedConnections, 11);
  assert.equal(auths.filter((a) => a.outcome === 'success').length, 0);
  for (const a of failures) assert.equal(a.server, '192.168.56.103');
  // Every connection got an ssh.log line with the algorithms from KEXINIT.
  assert.equal(logs.length, auths.length);
  for (const r of logs) {
    assert.equal(r.version, 2);
    assert.equal(r.client, 'SSH-2.0-OpenSSH_6.2');
    assert.equal(r.server, 'SSH-2.0-OpenSSH_6.7p1 Debian-3');
    assert.equal(r.kex_alg, 'diffie-hellman-group-exchange-sha256');
    assert.equal(r.cipher_alg, 'aes128-ctr');
    assert.equal(r.auth_success, false);
    assert.ok(r.auth_attempts >= 1);
  }
});
