/**
 * ssh.bad_fingerprint on Zeek's ssh-bruteforce capture: its client HASSH
 * and server HASSH are read by replaying it, then listed (a CSV with a
 * reason column, a plain list) and the capture replayed with that intel.
 * Eleven guessing connections from one client are one alert; unlisted
 * fingerprints and a switched-off side stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import { only } from './harness.js';
import { replayWithIntel, siteIntel } from '../intel/store/lab-intel.js';
import type { SshRecord } from '../../src/protocols/ssh/events.js';

const RULE = 'ssh.bad_fingerprint';
const SSHGUESS = path.join(ZEEK_CORPUS, 'ssh-bruteforce', 'sshguess.pcap');
const OTHER = 'ffeeddccbbaa99887766554433221100';

/** The capture's one client and one server fingerprint (every connection has the same pair). */
async function fingerprints(): Promise<{ hassh: string; hasshServer: string; records: SshRecord[] }> {
  const records: SshRecord[] = [];
  for (const e of await replayEvents([SSHGUESS])) if (e.type === 'ssh') records.push(e.record);
  const clients = new Set(records.map((r) => r.hassh));
  const servers = new Set(records.map((r) => r.hasshServer));
  assert.equal(clients.size, 1);
  assert.equal(servers.size, 1);
  return { hassh: [...clients][0]!, hasshServer: [...servers][0]!, records };
}

test('a listed client HASSH: the eleven guessing connections are one alert, with the reason, both banners and the count', async () => {
  const fp = await fingerprints();
  const site = await siteIntel('intel:\n  lists: [{ path: hassh.csv, kind: hassh }]\n', {
    'hassh.csv': `hassh,first_seen,reason\n${OTHER},2024-01-01,other tool\n${fp.hassh.toUpperCase()},2024-02-02,lab password guesser\n`,
  });
  try {
    const a = only(await replayWithIntel([SSHGUESS], site), RULE);
    assert.equal(a.length, 1);
    const x = a[0]!;
    assert.equal(x.count, fp.records.length);
    assert.equal(x.count, 11);
    assert.equal(x.event.severity, 2);
    assert.equal(x.source.ip, '192.168.56.1');
    assert.equal(x.destination?.ip, '192.168.56.103');
    assert.equal(x.destination?.port, 22);
    assert.equal(x.dedup_key, `192.168.56.1\u0002${fp.hassh}`);
    assert.equal(
      x.message,
      `SSH client 192.168.56.1 (SSH-2.0-OpenSSH_6.2) connected to 192.168.56.103:22 with HASSH ${fp.hassh}, listed in hassh.csv as "lab password guesser"`,
    );
    assert.equal(x.evidence.fingerprint_kind, 'hassh');
    assert.equal(x.evidence.hassh_server, fp.hasshServer);
    assert.equal(x.evidence.client_banner, 'SSH-2.0-OpenSSH_6.2');
    assert.equal(x.evidence.server_banner, 'SSH-2.0-OpenSSH_6.7p1 Debian-3');
    assert.equal(x.evidence.listing_reason, 'lab password guesser');
  } finally {
    site.cleanup();
  }
});

test('a listed server HASSH alerts on the server side; server: false silences it', async () => {
  const fp = await fingerprints();
  const files = { 'servers.txt': `# attacker infrastructure\n${fp.hasshServer}\n` };
  const site = await siteIntel('intel:\n  lists: [{ path: servers.txt, kind: hassh_server }]\n', files);
  try {
    const a = only(await replayWithIntel([SSHGUESS], site), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.evidence.fingerprint_kind, 'hassh_server');
    assert.equal(a[0]!.evidence.listing_reason, null);
    assert.equal(
      a[0]!.message,
      `SSH server 192.168.56.103:22 (SSH-2.0-OpenSSH_6.7p1 Debian-3) answered 192.168.56.1 with HASSH server ${fp.hasshServer}, listed in servers.txt`,
    );
  } finally {
    site.cleanup();
  }
  const off = await siteIntel('intel:\n  lists: [{ path: servers.txt, kind: hassh_server }]\ndetectors:\n  ssh.bad_fingerprint: { server: false }\n', files);
  try {
    assert.deepEqual(only(await replayWithIntel([SSHGUESS], off), RULE), []);
  } finally {
    off.cleanup();
  }
});

test('lists without the capture\'s fingerprints raise nothing; a server fingerprint listed as a client one does not match', async () => {
  const fp = await fingerprints();
  const site = await siteIntel('intel:\n  lists: [{ path: clients.txt, kind: hassh }, { path: servers.txt, kind: hassh_server }]\n', {
    'clients.txt': `${OTHER}\n${fp.hasshServer}\n`,
    'servers.txt': `${OTHER}\n${fp.hassh}\n`,
  });
  try {
    assert.deepEqual(only(await replayWithIntel([SSHGUESS], site), RULE), []);
  } finally {
    site.cleanup();
  }
});
