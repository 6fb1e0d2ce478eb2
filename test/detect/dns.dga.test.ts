/** dns.dga on synthetic dns events and on lab and corpus captures. */
import { test } from 'node:test';
import YAML from 'yaml';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE_YAML, config, dns, harness, only } from './harness.js';
import { LAB, replayFiles, replayLab } from '../intel/ua/helpers.js';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';
import { DgaTallies } from '../../src/detect/dns.dga.js';

const RULE = 'dns.dga';
const dga = createDgaScorer(process.cwd());
/** Held-out-style GameOver Zeus and CryptoLocker names (shapes from the shared data set). */
const GENERATED = ['xkjhqoucnxizdefezeiguontwpn.ru', 'ljbeutceyovxjnirdepudyfm.ru', 'xgvwgynjeuypbajfxwzpzmreiucdi.ru', '1ltp305gp8rm5avpg621cl1g4j.com'];

test('three generated-looking domains from one client alert once, with names, scores and NXDOMAIN count', () => {
  const h = harness(SITE_YAML, { intel: { dga } });
  GENERATED.forEach((q, i) => h.emit(dns(1000 + i, { query: q, rcode: 3, rcode_name: 'NXDOMAIN' })));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.evidence.domains, 4);
  assert.equal(a[0]!.evidence.nxdomain, 4);
  assert.deepEqual(a[0]!.evidence.names, GENERATED);
  assert.ok((a[0]!.evidence.scores as number[]).every((s) => s > 0.9));
  assert.match(a[0]!.message, /10\.77\.2\.20 looked up 4 names that look machine-generated/);
});

test('fewer than min_names, repeats of one domain, popular and allowed names do not alert', () => {
  const h = harness(`${SITE_YAML}\ndetectors:\n  dns.dga: { allow: [ljbeutceyovxjnirdepudyfm.ru] }\n`, { intel: { dga } });
  h.emit(dns(1000, { query: GENERATED[0] }));
  h.emit(dns(1001, { query: `a.${GENERATED[0]}` }));
  h.emit(dns(1002, { query: `mail.${GENERATED[1]}` }));
  h.emit(dns(1003, { query: 'd3k2lq8q7x0zzw.cloudfront.net' }));
  h.emit(dns(1004, { query: 'r4---sn-q4fl6nsr.googlevideo.com' }));
  h.emit(dns(1005, { query: GENERATED[2], 'id.resp_p': 5353 }));
  assert.deepEqual(only(h.finish(), RULE), []);
});

test('the window restarts after a quiet client; min_names 1 alerts on one name; no scorer means quiet', () => {
  const h = harness(`${SITE_YAML}\ndetectors:\n  dns.dga: { window: 10m }\n`, { intel: { dga } });
  h.emit(dns(1000, { query: GENERATED[0] }));
  h.emit(dns(1001, { query: GENERATED[1] }));
  h.emit(dns(5000, { query: GENERATED[2] }));
  assert.deepEqual(only(h.finish(), RULE), []);
  const one = harness(`${SITE_YAML}\ndetectors:\n  dns.dga: { min_names: 1 }\n`, { intel: { dga } });
  one.emit(dns(1000, { query: GENERATED[3] }));
  assert.equal(only(one.finish(), RULE).length, 1);
  const none = harness(SITE_YAML);
  for (const q of GENERATED) none.emit(dns(1000, { query: q }));
  assert.deepEqual(only(none.finish(), RULE), []);
});

test('flagged names held across clients stay within the budget; the least recently active clients go first', () => {
  const t = new DgaTallies(1000, 120);
  const note = (c: number, i: number, ts: number): ReturnType<DgaTallies['note']> => t.note(`10.0.0.${c}`, ts, 3600, `d${c}x${i}.ru`, `www.d${c}x${i}.ru`, 0.99);
  for (let c = 0; c < 10; c++) for (let i = 0; i < 50; i++) note(c, i, 1000 + c);
  assert.ok(t.namesHeld <= 120, String(t.namesHeld));
  const newest = note(9, 0, 1010);
  assert.equal(newest.added, false, 'the client being counted keeps its names');
  assert.equal(newest.tally.names.size, 50);
  assert.equal(note(0, 0, 1011).tally.names.size, 1, 'the oldest client was dropped and starts afresh');
  // A client whose window has passed gives its names back.
  const before = t.namesHeld;
  note(9, 100, 1009 + 3601);
  assert.equal(t.namesHeld, before - 49);
});

test('lab captures (intel and benign): ordinary lab names never alert, even at min_names 1', async () => {
  const lab = YAML.parse(fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8')) as { detectors?: Record<string, unknown> };
  lab.detectors = { ...lab.detectors, 'dns.dga': { min_names: 1 } };
  const cfg = config(YAML.stringify(lab));
  const alerts = only(await replayLab(['intel.pcap', 'benign.pcap', 'dns-flood.pcap'], { config: cfg, intel: { dga } }), RULE);
  assert.deepEqual(alerts.map((a) => a.evidence.names), []);
});

test('zeek corpus wikipedia.pcap (real names: wikimedia.org, NetBIOS, mDNS): nothing, even at min_names 1', async () => {
  const cfg = config(`${SITE_YAML}\ndetectors:\n  dns.dga: { min_names: 1 }\n`);
  const alerts = only(await replayFiles([path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap')], { config: cfg, intel: { dga } }), RULE);
  assert.deepEqual(alerts, []);
});

test('the threshold option decides which scored names count, a name asked again included (its verdict is kept)', () => {
  const scores = GENERATED.map((q) => dga.score(q).score).sort((x, y) => x - y);
  // Between the lowest and the second lowest score: one name less counts, and 3 of 4 still alert.
  const threshold = (scores[0]! + scores[1]!) / 2;
  const h = harness(`${SITE_YAML}\ndetectors:\n  dns.dga: { threshold: ${threshold}, min_names: 4 }\n`, { intel: { dga } });
  for (const q of [...GENERATED, ...GENERATED]) h.emit(dns(1000, { query: q }));
  assert.deepEqual(only(h.finish(), RULE), [], 'three names count, four needed');
  const low = harness(`${SITE_YAML}\ndetectors:\n  dns.dga: { threshold: ${scores[0]}, min_names: 4 }\n`, { intel: { dga } });
  for (const q of [...GENERATED, ...GENERATED]) low.emit(dns(1000, { query: q }));
  assert.deepEqual(only(low.finish(), RULE).map((a) => a.evidence.scores), [GENERATED.map((q) => dga.score(q).score)]);
});
