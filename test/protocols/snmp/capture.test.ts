/**
 * SNMP in a real capture (the lab's snmp.pcap: net-snmp 5.9 agents and
 * tools, onesixtyone): each flow's snmp.jsonl counts equal those tshark
 * decodes from the same packets; the sign-ins come out as the agents
 * decided them (v2c reads answered, v3 right password, wrong digest,
 * unknown user, onesixtyone's 29 wrong communities and one right).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { TSHARK, TSHARK_SKIP } from '../../helpers/tshark-objects.js';
import type { SnmpRecord } from '../../../src/protocols/snmp/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'snmp.pcap');

let cached: Promise<{ logs: SnmpRecord[]; auths: AuthEvent[] }> | undefined;
function logs(): Promise<{ logs: SnmpRecord[]; auths: AuthEvent[] }> {
  cached ??= replayEvents([CAPTURE]).then((events) => ({
    logs: events.flatMap((e) => (e.type === 'snmp' ? [e.record] : [])),
    auths: events.flatMap((e) => (e.type === 'auth' ? [e] : [])),
  }));
  return cached;
}

test('snmp.jsonl: one line per flow, the first community and version, the agents\' sysDescr', async () => {
  const { logs: lines } = await logs();
  assert.equal(lines.length, 8);
  const by = (h: string) => lines.filter((r) => r['id.orig_h'] === h);
  const [manager] = by('10.77.2.20');
  assert.deepEqual([manager!.version, manager!.community, manager!.get_requests, manager!.get_responses, manager!.display_string], ['2c', 'labread', 2, 2, 'Lab server 10.77.1.10 (net-snmp)']);
  assert.ok(Math.abs(manager!.up_since! - manager!.ts) < 600, 'the agent came up with the lab, minutes before');
  const [walk] = by('10.77.2.21');
  assert.deepEqual([walk!.community, walk!['id.resp_h'], walk!.display_string], ['netops', '198.51.100.10', 'Internet host (net-snmp)']);
  const [guesser] = by('10.77.2.24');
  assert.deepEqual([guesser!.version, guesser!.community, guesser!.get_requests, guesser!.get_responses], ['1', 'guess01', 30, 1]);
  assert.ok(by('10.77.2.22').every((r) => r.version === '3' && r.community === undefined));
  const defaults = by('10.77.2.23');
  assert.deepEqual(defaults.map((r) => [r.community, r.get_requests, r.set_requests, r.get_responses]), [['public', 1, 0, 1], ['private', 0, 1, 1]]);
});

test('the sign-ins, as the agents decided them', async () => {
  const { auths } = await logs();
  const snmp = auths.filter((e) => e.service === 'snmp');
  const count = (client: string, outcome: string) => snmp.filter((e) => e.client === client && e.outcome === outcome).length;
  assert.deepEqual([count('10.77.2.20', 'success'), count('10.77.2.21', 'success'), count('10.77.2.23', 'success'), count('10.77.2.24', 'success'), count('10.77.2.24', 'unknown')], [1, 1, 2, 1, 29]);
  assert.equal(new Set(snmp.filter((e) => e.outcome === 'unknown').map((e) => e.secret_tag)).size, 29);
  const v3 = snmp.filter((e) => e.client === '10.77.2.22').map((e) => [e.user, e.outcome, e.unknown_user === true, e.cleartext === true]);
  assert.deepEqual(v3, [['opsuser', 'success', false, false], ['opsuser', 'failure', false, false], ['nobody', 'failure', true, false]]);
  assert.ok(snmp.filter((e) => e.client !== '10.77.2.22').every((e) => e.cleartext === true));
});

/** Bindings per flow and PDU kind, as tshark decodes them. */
async function tsharkCounts(): Promise<Map<string, number[]>> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(TSHARK!, ['-n', '-r', CAPTURE, '-Y', 'snmp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'snmp.data', '-e', 'snmp.name'], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
  const counts = new Map<string, number[]>();
  for (const line of out.trim().split('\n')) {
    const [src, sp, dst, dp, data, names] = line.split('\t');
    const key = [`${src}:${sp}`, `${dst}:${dp}`].sort().join(' ');
    const c = counts.get(key) ?? [0, 0, 0, 0];
    const n = names === undefined || names === '' ? 0 : names.split('|').length;
    // snmp.data: 0 get, 1 get-next, 2 response, 3 set, 5 getBulk (v3 encrypted PDUs have none).
    if (data === '0' || data === '1') c[0]! += n;
    else if (data === '5') c[1]! += n;
    else if (data === '2') c[2]! += n;
    else if (data === '3') c[3]! += n;
    counts.set(key, c);
  }
  return counts;
}

test('each flow\'s counts equal tshark\'s', { skip: TSHARK_SKIP }, async () => {
  const { logs: lines } = await logs();
  const theirs = await tsharkCounts();
  assert.equal(theirs.size, lines.length);
  for (const r of lines) {
    const key = [`${r['id.orig_h']}:${r['id.orig_p']}`, `${r['id.resp_h']}:${r['id.resp_p']}`].sort().join(' ');
    assert.deepEqual([r.get_requests, r.get_bulk_requests, r.get_responses, r.set_requests], theirs.get(key), key);
  }
});
