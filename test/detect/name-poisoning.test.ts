/**
 * name.poisoning on the lab capture (test/lab/captures/name-poisoning.pcap:
 * a Responder-style poisoner answering nmblookup, LLMNR and mDNS lookups,
 * beside nmbd answering for its own name), on real mDNS and NBNS traffic
 * from the Zeek corpus (quiet), and on built name.answer events for the
 * thresholds, the watched names and the options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import type { NameAnswerEvent } from '../../src/events/name-answer.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../helpers/paths.js';

const RULE = 'name.poisoning';
const LAB_CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'name-poisoning.pcap');

/** An answer from `responder` for `name`, giving `addrs` (default: the responder itself). */
function answer(ts: number, responder: string, name: string, c: Partial<NameAnswerEvent> = {}): NameAnswerEvent {
  return { type: 'name.answer', ts, uid: `C${ts}`, protocol: 'llmnr', responder, to: '10.77.2.20', name, addrs: [responder], ...c };
}

test('name-poisoning.pcap: the poisoner is reported with every name it answered, critical for WPAD; nmbd answering for itself is not', async () => {
  const alerts = await replayRuleAlerts(LAB_CAPTURE, [RULE]);
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.equal(a.source?.ip, '10.77.2.66');
  assert.equal(a.event.severity, 4);
  assert.equal(a.threat.technique.id, 'T1557.001');
  assert.deepEqual(a.evidence.names, ['ws21', 'filesrvv', 'fileshare', 'wpad', 'printer-2f']);
  assert.deepEqual(a.evidence.protocols, ['NBT-NS', 'LLMNR', 'mDNS']);
  assert.deepEqual(a.evidence.askers, ['10.77.2.20']);
  assert.match(
    a.message,
    /^10\.77\.2\.66 answered NBT-NS, LLMNR and mDNS queries for 5 names with its own address to 10\.77\.2\.20 in \d+ s \("ws21", "filesrvv", "fileshare", "wpad", "printer-2f"\): name-resolution poisoning \(Responder, Inveigh\); .*"wpad" makes it their web proxy \(WPAD\)/,
  );
});

test('real mDNS, LLMNR and NBNS traffic (Zeek corpus) raises nothing', async () => {
  for (const f of ['dns-mdns/mdns.pcap', 'wikipedia/wikipedia.pcap']) {
    assert.deepEqual(await replayRuleAlerts(path.join(ZEEK_CORPUS, f), [RULE]), [], f);
  }
});

test('a responder is reported at min_names distinct names of its own address; answers for others\u2019 addresses and repeats do not count', () => {
  const h = harness(SITE_YAML);
  h.emit(answer(1000, '10.77.2.66', 'FILESRV'));
  h.emit(answer(1001, '10.77.2.66', 'filesrv')); // the same name in another case
  // A WINS server or an mDNS sleep proxy answers for other hosts with their addresses.
  h.emit(answer(1002, '10.77.2.66', 'ws30', { addrs: ['10.77.2.30'] }));
  h.emit(answer(1003, '10.77.2.66', 'ws31', { addrs: ['10.77.2.31'] }));
  assert.equal(only(h.finish(), RULE).length, 0);

  const p = harness(SITE_YAML);
  p.emit(answer(1000, '10.77.2.66', 'FILESRV', { protocol: 'nbns' }));
  p.emit(answer(1001, '10.77.2.66', 'printer', { protocol: 'mdns', to: '224.0.0.251' }));
  p.emit(answer(1002, '10.77.2.66', 'intranet', { to: '10.77.2.21' }));
  p.emit(answer(1003, '10.77.2.66', 'sharepoint', { to: '10.77.2.22' }));
  const a = only(p.finish(), RULE);
  assert.equal(a.length, 1, 'later names join the open alert');
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.evidence.names_count, 4);
  assert.deepEqual(a[0]!.evidence.askers, ['10.77.2.20', '10.77.2.21', '10.77.2.22']);
  assert.deepEqual(a[0]!.evidence.protocols, ['NBT-NS', 'mDNS', 'LLMNR']);
});

test('names answered outside the window do not add up; a host with two names of its own stays quiet', () => {
  const h = harness(SITE_YAML);
  h.emit(answer(1000, '10.77.2.66', 'a'));
  h.emit(answer(1000 + 1800, '10.77.2.66', 'b'));
  h.emit(answer(1000 + 4000, '10.77.2.66', 'c'));
  // An mDNS host renamed after a conflict announces both names.
  h.emit(answer(1000, '10.77.2.40', 'macbook', { protocol: 'mdns', to: '224.0.0.251' }));
  h.emit(answer(1001, '10.77.2.40', 'macbook-2', { protocol: 'mdns', to: '224.0.0.251' }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('one answer for WPAD or ISATAP is critical at once; watch_names, protocols and allowed_responders are options', () => {
  const wpad = harness(SITE_YAML);
  wpad.emit(answer(1000, '10.77.2.66', 'WPAD', { protocol: 'nbns' }));
  const a = only(wpad.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.deepEqual(a[0]!.evidence.watched_names, ['wpad']);
  assert.match(a[0]!.message, /for a name with its own address .*"wpad" makes it their web proxy \(WPAD\) for every host that asks$/);

  const isatap = harness(SITE_YAML);
  isatap.emit(answer(1000, 'fe80::66', 'isatap', { to: 'fe80::20' }));
  assert.match(only(isatap.finish(), RULE)[0]!.message, /their IPv6 tunnel router \(ISATAP\)/);

  const custom = harness(`${SITE_YAML}detectors:\n  name.poisoning: { watch_names: [proxy], min_names: 10 }\n`);
  custom.emit(answer(1000, '10.77.2.66', 'wpad'));
  custom.emit(answer(1001, '10.77.2.66', 'PROXY'));
  assert.deepEqual(only(custom.finish(), RULE).map((x) => x.evidence.watched_names), [['proxy']]);

  const noNbns = harness(`${SITE_YAML}detectors:\n  name.poisoning: { protocols: [llmnr, mdns] }\n`);
  noNbns.emit(answer(1000, '10.77.2.66', 'wpad', { protocol: 'nbns' }));
  assert.equal(only(noNbns.finish(), RULE).length, 0);

  const allowed = harness(`${SITE_YAML}detectors:\n  name.poisoning: { allowed_responders: [10.77.2.66/32] }\n`);
  allowed.emit(answer(1000, '10.77.2.66', 'wpad'));
  assert.equal(only(allowed.finish(), RULE).length, 0);
});

test('a bad option names its key', () => {
  assert.throws(() => harness(`${SITE_YAML}detectors:\n  name.poisoning: { protocols: [dns] }\n`), /protocols/);
  assert.throws(() => harness(`${SITE_YAML}detectors:\n  name.poisoning: { allowed_responders: [not-a-network!] }\n`), /allowed_responders/);
});
