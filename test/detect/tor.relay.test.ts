/** tor.relay on synthetic flows with relays from real Tor documents, and on the lab's intel capture. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE_YAML, harness, only, session, flow } from './harness.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { parseTorDocument } from '../../src/intel/tor/parse.js';
import { TorRelayIndex } from '../../src/intel/tor/relay-index.js';
import { LAB_CAPTURES, labIntel, replayWithIntel } from '../intel/store/lab-intel.js';

const RULE = 'tor.relay';
const TOR = path.join(SHARED_DATA, 'tor');
const consensus = parseTorDocument(fs.readFileSync(path.join(TOR, 'consensus-2018-06-01-00-00-00.txt'), 'utf8'));
const exits = parseTorDocument(fs.readFileSync(path.join(TOR, 'exit-list-2018-11-02-01-02-01.txt'), 'utf8'));
const tor = TorRelayIndex.build([
  { source: 'tor:consensus', relays: consensus.relays },
  { source: 'tor:exit-list', relays: exits.relays },
]);

// From the consensus sample: seele 67.161.31.147 ORPort 9001 (not an exit);
// CalyxInstitute14 162.247.72.201 ORPort 443 DirPort 80 (Exit). From the exit list: 199.249.223.62.

test('a connection to a non-exit relay on its OR port alerts (medium) naming nickname, flags and port', () => {
  const h = harness(SITE_YAML, { intel: { tor } });
  h.emit(session({ ts: 1000, 'id.resp_h': '67.161.31.147', 'id.resp_p': 9001 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.equal(a[0]!.evidence.matched_on, 'or_port');
  assert.match(a[0]!.message, /10\.77\.2\.20 connected to Tor relay seele \(Fast HSDir Running Stable V2Dir Valid\) at 67\.161\.31\.147 on TCP 9001, its OR port/);
  const relay = a[0]!.evidence.relay as Record<string, unknown>;
  assert.equal(relay.nickname, 'seele');
  assert.equal(relay.or_port, 9001);
  assert.equal(relay.exit, false);
});

test('the same non-exit relay on another port does not alert; exits alert on any port (low) unless exit_any_port is off', () => {
  const h = harness(SITE_YAML, { intel: { tor } });
  h.emit(session({ ts: 1000, 'id.resp_h': '67.161.31.147', 'id.resp_p': 443 }));
  assert.equal(only(h.finish(), RULE).length, 0);
  const e = harness(SITE_YAML, { intel: { tor } });
  e.emit(session({ ts: 1000, 'id.resp_h': '199.249.223.62', 'id.resp_p': 8443 }));
  const a = only(e.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 1);
  assert.equal(a[0]!.evidence.matched_on, 'exit_address');
  const off = harness(SITE_YAML + 'detectors:\n  tor.relay: { exit_any_port: false }\n', { intel: { tor } });
  off.emit(session({ ts: 1000, 'id.resp_h': '162.247.72.201', 'id.resp_p': 8443 }));
  off.emit(session({ ts: 1001, 'id.resp_h': '162.247.72.201', 'id.resp_p': 80 }));
  const b = only(off.finish(), RULE);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.evidence.matched_on, 'dir_port');
});

test('exits_only (rule option or intel.tor_exits_only) ignores non-exit relays', () => {
  for (const yaml of ['detectors:\n  tor.relay: { exits_only: true }\n', 'intel:\n  tor_exits_only: true\n']) {
    const h = harness(SITE_YAML + yaml, { intel: { tor } });
    h.emit(session({ ts: 1000, 'id.resp_h': '67.161.31.147', 'id.resp_p': 9001 }));
    h.emit(session({ ts: 1001, 'id.orig_h': '10.77.2.21', 'id.resp_h': '162.247.72.201', 'id.resp_p': 443 }));
    const a = only(h.finish(), RULE);
    assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.21'], yaml);
  }
});

test('one alert per host listing the relays; inbound only with inbound_from_exits; UDP and internal traffic never', () => {
  const h = harness(SITE_YAML, { intel: { tor } });
  h.emit(session({ ts: 1000, 'id.resp_h': '67.161.31.147', 'id.resp_p': 9001 }));
  h.emit(session({ ts: 1010, 'id.resp_h': '162.247.72.201', 'id.resp_p': 443 }));
  h.emit(flow({ ts: 1020, proto: 'udp', 'id.resp_h': '67.161.31.147', 'id.resp_p': 9001 }));
  h.emit(session({ ts: 1030, 'id.orig_h': '199.249.223.62', 'id.resp_h': '10.77.1.10', 'id.resp_p': 443 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  assert.deepEqual(a[0]!.evidence.relays, ['seele 67.161.31.147:9001', 'CalyxInstitute14 162.247.72.201:443']);
  const inb = harness(SITE_YAML + 'detectors:\n  tor.relay: { inbound_from_exits: true }\n', { intel: { tor } });
  inb.emit(session({ ts: 1030, 'id.orig_h': '199.249.223.62', 'id.resp_h': '10.77.1.10', 'id.resp_p': 443 }));
  const b = only(inb.finish(), RULE);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.evidence.direction, 'inbound');
  assert.equal(b[0]!.event.severity, 1);
});

test('without Tor sources the rule stays quiet', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_h': '67.161.31.147', 'id.resp_p': 9001 }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('lab intel.pcap: 10.77.2.20 reaching the relay at 198.18.0.77:9001 alerts', async () => {
  const lab = await labIntel();
  try {
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], lab), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.source.ip, '10.77.2.20');
    assert.equal(a[0]!.destination?.ip, '198.18.0.77');
    assert.equal(a[0]!.destination?.port, 9001);
    assert.equal(a[0]!.evidence.matched_on, 'or_port');
    assert.match(a[0]!.message, /Tor relay labrelay \(Fast Guard Running Stable Valid\)/);
  } finally {
    lab.cleanup();
  }
});

test('real relay lists on the benign lab capture raise nothing', async () => {
  const lab = await labIntel(`intel:\n  tor: [${path.join(TOR, 'consensus-2018-06-01-00-00-00.txt')}, ${path.join(TOR, 'exit-list-2018-11-02-01-02-01.txt')}]\n`);
  try {
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'benign.pcap')], lab), RULE);
    assert.equal(a.length, 0);
    assert.ok(lab.sources.tor.size > 1000);
  } finally {
    lab.cleanup();
  }
});

test('IPv6 relays (consensus "a" lines) match on their OR port however the address is written; NAT64 reaches IPv4 relays', () => {
  const h = harness(SITE_YAML, { intel: { tor } });
  // PancakeWhore: r ... 198.27.66.209 9001 9030, a [2607:5300:60:1bd1::1]:9050 (Guard, not an exit).
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '2607:5300:60:1bd1:0:0:0:1', 'id.resp_p': 9050 }));
  // seele 67.161.31.147:9001 through the NAT64 well-known prefix (64:ff9b::43a1:1f93), from an IPv6-only host (ULA).
  h.emit(session({ ts: 1001, 'id.orig_h': 'fd77:2::30', 'id.resp_h': '64:ff9b::43a1:1f93', 'id.resp_p': 9001 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 2);
  assert.equal(a[0]!.evidence.matched_on, 'or_port');
  assert.equal((a[0]!.evidence.relay as Record<string, unknown>).nickname, 'PancakeWhore');
  assert.equal(a[1]!.source.ip, 'fd77:2::30');
  assert.equal((a[1]!.evidence.relay as Record<string, unknown>).nickname, 'seele');
});
