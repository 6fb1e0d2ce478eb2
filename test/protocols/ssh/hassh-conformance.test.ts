/**
 * HASSH conformance against tshark: for every SSH connection of Zeek's
 * ssh-bruteforce capture (the corpus's only SSH capture) and of the lab's
 * captures with SSH in them (OpenSSH and hydra against OpenSSH), ssh.log's
 * `hassh`, `hasshServer` and the hashed texts must equal what Wireshark's
 * SSH dissector reports for the client's and the server's KEXINIT. Skipped
 * when tshark is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import { sshSpec } from '../../../src/protocols/ssh/index.js';

const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));
const LAB_CAPTURES = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const CAPTURES = [
  path.join(ZEEK_CORPUS, 'ssh-bruteforce', 'sshguess.pcap'),
  ...['ssh-brute.pcap', 'ssh-hydra.pcap', 'lateral.pcap', 'benign.pcap'].map((f) => path.join(LAB_CAPTURES, f)),
];

/** Per connection ("client-ip port"): what one side's KEXINIT fingerprints to. */
type Side = Map<string, { hash: string; algorithms: string }>;

/** tshark's hassh (client KEXINITs, keyed by source) and hasshServer (server KEXINITs, keyed by destination). */
function tsharkHassh(file: string): Promise<{ client: Side; server: Side }> {
  const fields = ['ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport',
    'ssh.kex.hassh', 'ssh.kex.hassh_algorithms', 'ssh.kex.hasshserver', 'ssh.kex.hasshserver_algorithms'];
  const args = ['-r', file, '-Y', 'ssh.kex.hassh || ssh.kex.hasshserver', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of fields) args.push('-e', f);
  return new Promise((resolve, reject) => {
    execFile(TSHARK!, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      const client: Side = new Map();
      const server: Side = new Map();
      for (const line of stdout.split('\n')) {
        if (line === '') continue;
        const [src4, src6, sport, dst4, dst6, dport, hassh, hasshAlgs, hasshServer, hasshServerAlgs] = line.split('\t');
        if (hassh !== '') client.set(`${src4 || src6} ${sport}`, { hash: hassh!, algorithms: hasshAlgs! });
        if (hasshServer !== '') server.set(`${dst4 || dst6} ${dport}`, { hash: hasshServer!, algorithms: hasshServerAlgs! });
      }
      resolve({ client, server });
    });
  });
}

test('hassh and hasshServer equal tshark\'s for every SSH connection', { skip: TSHARK === undefined ? 'tshark not installed: nothing to compare with' : false }, async () => {
  for (const file of CAPTURES) {
    const name = path.basename(file);
    const ours = { client: new Map(), server: new Map() } as { client: Side; server: Side };
    for (const e of await replayEvents([file], [sshSpec])) {
      if (e.type !== 'ssh') continue;
      const r = e.record;
      const key = `${r['id.orig_h']} ${r['id.orig_p']}`;
      if (r.hassh !== undefined) ours.client.set(key, { hash: r.hassh, algorithms: r.hasshAlgorithms! });
      if (r.hasshServer !== undefined) ours.server.set(key, { hash: r.hasshServer, algorithms: r.hasshServerAlgorithms! });
    }
    const theirs = await tsharkHassh(file);
    assert.ok(theirs.client.size > 0 && theirs.server.size > 0, `${name}: tshark saw SSH key exchanges`);
    assert.deepEqual(ours.client, theirs.client, `${name}: client HASSH`);
    assert.deepEqual(ours.server, theirs.server, `${name}: server HASSH`);
  }
});
