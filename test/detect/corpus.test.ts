/**
 * Detectors on real captures from the shared Zeek corpus, replayed through
 * the real pipeline (capture, decode, flows, analyzers) into the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import type { PicketEvent } from '../../src/events/types.js';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import type { Alert } from '../../src/alerts/alert.js';
import { config, only } from './harness.js';

const cache = new Map<string, PicketEvent[]>();

async function events(rel: string): Promise<PicketEvent[]> {
  let ev = cache.get(rel);
  if (ev === undefined) {
    ev = await replayEvents([path.join(ZEEK_CORPUS, rel)]);
    cache.set(rel, ev);
  }
  return ev;
}

async function run(rel: string, yaml = ''): Promise<Alert[]> {
  const bus = new EventBus();
  const alerts: Alert[] = [];
  const engine = createEngine({ config: config(yaml), bus, onAlert: (a) => alerts.push(a) });
  for (const e of await events(rel)) bus.emit(e);
  engine.flush();
  assert.deepEqual(engine.stats().handler_errors, {}, 'no detector threw');
  return alerts;
}

const present = (rel: string): boolean => fs.existsSync(path.join(ZEEK_CORPUS, rel));

test('nmap-vsn: the ARP sweep of 192.168.1.0/24 is one scan.arp alert', { skip: !present('nmap-vsn/nmap-vsn.pcap') }, async () => {
  const a = only(await run('nmap-vsn/nmap-vsn.pcap'), 'scan.arp');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.1.71');
  assert.equal(a[0]!.source.mac, 'c4:2c:03:3b:6c:aa');
  assert.equal(a[0]!.evidence.segment, '192.168.1.0/24');
  assert.ok((a[0]!.evidence.targets_count as number) > 200);
  // Above the number of addresses asked for, the same capture is quiet.
  assert.equal(only(await run('nmap-vsn/nmap-vsn.pcap', 'detectors:\n  scan.arp: { threshold: 300 }\n'), 'scan.arp').length, 0);
});

test('sshguess: password guessing from 192.168.56.1 at Zeek test threshold (10); each of the 28 guesses in its 11 connections counts', { skip: !present('ssh-bruteforce/sshguess.pcap') }, async () => {
  const yaml = (n: number) => `detectors:\n  auth.bruteforce:\n    failures: { ssh: { threshold: ${n}, window: 30m } }\n`;
  const a = only(await run('ssh-bruteforce/sshguess.pcap', yaml(10)), 'auth.bruteforce');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.56.1');
  assert.equal(a[0]!.evidence.mode, 'failures');
  assert.deepEqual(a[0]!.evidence.servers, ['192.168.56.103']);
  assert.equal(a[0]!.count, 28, 'every guess the size heuristic saw, not one per connection as Zeek counts');
  assert.equal(only(await run('ssh-bruteforce/sshguess.pcap', yaml(28)), 'auth.bruteforce').length, 1);
  assert.equal(only(await run('ssh-bruteforce/sshguess.pcap', yaml(29)), 'auth.bruteforce').length, 0);
  // Default (30 failures) is quiet on 28 guesses, and the connections with an auth event are not double-counted.
  assert.equal(only(await run('ssh-bruteforce/sshguess.pcap'), 'auth.bruteforce').length, 0);
});

test('dhcp_flood: 250 ACKs through one Server Identifier are one unauthorized server, or none when it is listed', { skip: !present('dhcp-flood/dhcp_flood.pcap') }, async () => {
  const rogue = only(await run('dhcp-flood/dhcp_flood.pcap', 'dhcp:\n  authorized_servers: [128.2.7.1]\n'), 'dhcp.rogue_server');
  assert.equal(rogue.length, 1);
  assert.equal(rogue[0]!.source.ip, '128.2.6.152');
  assert.equal(rogue[0]!.count, 250);
  assert.equal(only(await run('dhcp-flood/dhcp_flood.pcap', 'dhcp:\n  authorized_servers: [128.2.6.152]\n'), 'dhcp.rogue_server').length, 0);
  // Without a list, one server answering is no conflict.
  assert.equal(only(await run('dhcp-flood/dhcp_flood.pcap'), 'dhcp.rogue_server').length, 0);
});

test('ftp bruteforce: 20 failed logins (Zeek FTP::Bruteforcing) once FTP auth events exist', { skip: !present('ftp-bruteforce/bruteforce.pcap') }, async (t) => {
  const ev = await events('ftp-bruteforce/bruteforce.pcap');
  if (!ev.some((e) => e.type === 'auth')) {
    t.skip('no FTP analyzer publishing auth events yet');
    return;
  }
  const a = only(await run('ftp-bruteforce/bruteforce.pcap'), 'auth.bruteforce');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.56.1');
  assert.equal(a[0]!.evidence.service, 'ftp');
});
