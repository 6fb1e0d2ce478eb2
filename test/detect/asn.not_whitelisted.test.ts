/**
 * asn.not_whitelisted on synthetic flow.end events (a fixed-answer enricher)
 * and on real captures with the bundled AS data: the zeek corpus
 * wikipedia.pcap (a campus host browsing Wikimedia, AS14907) and the lab's
 * intel.pcap (lab "Internet" addresses in documentation ranges, which have no AS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, flow, harness, only, session } from './harness.js';
import type { IpEnricher, IpOwner } from '../../src/intel/context.js';
import { createIpEnricher } from '../../src/intel/ipdb/enricher.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../helpers/paths.js';

const RULE = 'asn.not_whitelisted';

const OWNERS: Record<string, IpOwner> = {
  '91.189.91.38': { asn: 41231, as_org: 'Canonical Group Limited', cc: 'GB' },
  '185.125.190.36': { asn: 41231, as_org: 'Canonical Group Limited', cc: 'GB' },
  '88.198.0.1': { asn: 24940, as_org: 'Hetzner Online GmbH', cc: 'DE' },
  '88.198.0.2': { asn: 24940, as_org: 'Hetzner Online GmbH', cc: 'DE' },
  '51.68.0.1': { asn: 16276, as_org: 'OVH SAS', cc: 'FR' },
  '8.8.8.8': { asn: 15169, as_org: 'Google LLC', cc: 'US' },
};
const fake: IpEnricher = { lookup: (ip) => OWNERS[ip] };

const YAML = `${SITE_YAML}
asn_allowlists:
  - { hosts: servers, asns: ["canonical*"] }
`;

/** `enrich: null` runs without enrichment. */
function run(yaml: string, events: ReturnType<typeof flow>[], enrich: IpEnricher | null = fake) {
  const h = harness(yaml, enrich === null ? {} : { intel: { enrich } });
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

const SERVER = '10.77.1.10';

test('a server reaching Hetzner alerts, naming the AS and organisation; Canonical (by org glob) does not', () => {
  const a = run(YAML, [
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '91.189.91.38', 'id.resp_p': 443 }),
    session({ ts: 1001, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1', 'id.resp_p': 443, orig_bytes: 700, resp_bytes: 300 }),
  ]);
  assert.equal(a.length, 1);
  const al = a[0]!;
  assert.equal(al.source.ip, SERVER);
  assert.equal(al.destination?.ip, '88.198.0.1');
  assert.match(al.message, /AS24940 Hetzner Online GmbH \(DE\)/);
  assert.equal(al.evidence.asn, 24940);
  assert.equal(al.evidence.as_org, 'Hetzner Online GmbH');
  assert.equal(al.evidence.country, 'DE');
  assert.equal(al.evidence.destination, '88.198.0.1');
  assert.equal(al.evidence.bytes, 1000);
  assert.equal(al.evidence.allowlist, 'servers');
});

test('one alert per host and AS within the dedup interval; another AS is another alert', () => {
  const a = run(YAML, [
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1' }),
    session({ ts: 1010, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.2' }),
    session({ ts: 1020, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1' }),
    session({ ts: 1030, 'id.orig_h': SERVER, 'id.resp_h': '51.68.0.1' }),
  ]);
  assert.equal(a.length, 2);
  const hetzner = a.find((x) => x.evidence.asn === 24940)!;
  assert.equal(hetzner.count, 3);
  assert.equal(hetzner.evidence.connections, 3);
  assert.deepEqual(hetzner.evidence.destinations, ['88.198.0.1', '88.198.0.2']);
  assert.equal(a.find((x) => x.evidence.asn === 16276)?.count, 1);
});

test('internal peers, hosts no list covers, and connections others open are not judged', () => {
  const a = run(YAML, [
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '10.77.2.20' }),
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '192.168.9.9' }),
    session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '88.198.0.1' }),
    session({ ts: 1000, 'id.orig_h': '88.198.0.1', 'id.resp_h': SERVER, 'id.resp_p': 22 }),
    // A lone SYN-ACK from outside (Zeek's ^h): the server sent nothing, so it did not connect.
    flow({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.2', 'id.resp_p': 443, history: '^h', conn_state: 'SH', orig_pkts: 0, resp_pkts: 1 }),
  ]);
  assert.equal(a.length, 0);
  // Even when attempts count.
  const lone = flow({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.2', 'id.resp_p': 443, history: '^h', conn_state: 'SH', orig_pkts: 0, resp_pkts: 1 });
  assert.equal(run(`${YAML}detectors:\n  asn.not_whitelisted: { count_attempts: true }\n`, [lone]).length, 0);
});

test('unanswered attempts count only with count_attempts', () => {
  const attempts = [
    flow({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1', history: 'S', conn_state: 'S0', resp_pkts: 0 }),
    flow({ ts: 1001, 'id.orig_h': SERVER, 'id.resp_h': '51.68.0.1', proto: 'udp', history: 'D', conn_state: 'S0', resp_pkts: 0 }),
  ];
  assert.equal(run(YAML, attempts).length, 0);
  assert.equal(run(`${YAML}detectors:\n  asn.not_whitelisted: { count_attempts: true }\n`, attempts).length, 2);
  // A UDP exchange that was answered counts by default.
  const udp = flow({ ts: 1002, 'id.orig_h': SERVER, 'id.resp_h': '8.8.8.8', 'id.resp_p': 53, proto: 'udp', history: 'Dd', conn_state: 'SF', resp_pkts: 1 });
  assert.equal(run(YAML, [udp])[0]?.evidence.asn, 15169);
  assert.equal(run(`${YAML}detectors:\n  asn.not_whitelisted: { protocols: [tcp] }\n`, [udp]).length, 0);
});

test('ASN numbers, "AS" strings and countries allow; lists covering the same host add up', () => {
  const yaml = `${SITE_YAML}
asn_allowlists:
  - { hosts: servers, asns: [41231] }
  - { hosts: [10.77.1.10/32], asns: ["AS24940"], countries: [fr] }
`;
  const a = run(yaml, [
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '91.189.91.38' }),
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1' }),
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '51.68.0.1' }),
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '8.8.8.8' }),
    // 10.77.1.11 is covered by the first list only.
    session({ ts: 1000, 'id.orig_h': '10.77.1.11', 'id.resp_h': '88.198.0.1' }),
  ]);
  assert.deepEqual(
    a.map((x) => `${x.source.ip}>${x.evidence.asn}`).sort(),
    ['10.77.1.10>15169', '10.77.1.11>24940'],
  );
  assert.match(a.find((x) => x.source.ip === SERVER)!.evidence.allowlist as string, /servers; 10\.77\.1\.10\/32/);
});

test('public addresses without AS data alert as an unknown AS unless unknown_asn: ignore', () => {
  const ev = [session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '198.51.100.10' })];
  const a = run(YAML, ev);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.asn, null);
  assert.match(a[0]!.message, /an unknown AS/);
  assert.equal(run(`${YAML}detectors:\n  asn.not_whitelisted: { unknown_asn: ignore }\n`, ev).length, 0);
});

test('without an enricher the rule stays quiet, but records enriched upstream are still judged', () => {
  assert.equal(run(YAML, [session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1' })], null).length, 0);
  const enriched = session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.1', resp_asn: 24940, resp_as_org: 'Hetzner Online GmbH', resp_cc: 'DE' });
  assert.equal(run(YAML, [enriched], null)[0]?.evidence.asn, 24940);
});

test('excluded hosts are skipped; an unknown group name is a config error naming it', () => {
  assert.throws(
    () => run(`${SITE_YAML}\nasn_allowlists:\n  - { hosts: [servrs, servers], asns: [41231] }\n`, []),
    /asn_allowlists\[0\]\.hosts\[0\]: "servrs" is neither a configured network nor a CIDR/,
  );
  const yaml = `${SITE_YAML}
asn_allowlists:
  - { hosts: [servers], asns: [41231] }
detectors:
  asn.not_whitelisted: { exclude: [88.198.0.2] }
`;
  const a = run(yaml, [
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '88.198.0.2' }),
    session({ ts: 1000, 'id.orig_h': SERVER, 'id.resp_h': '51.68.0.1' }),
  ]);
  assert.deepEqual(a.map((x) => x.evidence.asn), [16276]);
});

// Captures, with the bundled AS data.
const WIKIPEDIA = path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap');
const CAMPUS = `
networks:
  - { name: campus, cidrs: [141.142.0.0/16] }
`;

async function replay(yaml: string, file: string) {
  const enrich = await createIpEnricher({}, REPO_ROOT);
  const h = harness(yaml, { intel: { enrich } });
  await replayCaptures([file], { bus: h.bus, protocols: [] });
  return only(h.finish(), RULE);
}

test('wikipedia.pcap: a campus host allowed only Canonical alerts on Wikimedia (AS14907)', async () => {
  const a = await replay(`${CAMPUS}asn_allowlists:\n  - { hosts: campus, asns: ["Canonical*"] }\n`, WIKIPEDIA);
  const wm = a.filter((x) => x.evidence.asn === 14907);
  assert.equal(wm.length, 1);
  assert.equal(wm[0]!.source.ip, '141.142.220.118');
  assert.match(wm[0]!.message, /AS14907 Wikimedia Foundation/);
  assert.ok((wm[0]!.evidence.connections as number) >= 5);
});

test('wikipedia.pcap: allowing AS14907 (and ignoring addresses without AS data) raises nothing', async () => {
  const a = await replay(`${CAMPUS}asn_allowlists:\n  - { hosts: campus, asns: [14907] }\ndetectors:\n  asn.not_whitelisted: { unknown_asn: ignore }\n`, WIKIPEDIA);
  assert.deepEqual(a, []);
});

test('lab intel.pcap: workstations allowed only Canonical alert on the lab Internet addresses (no AS data)', async () => {
  const lab = path.join(REPO_ROOT, 'test', 'lab');
  const a = await replay(`${SITE_YAML}asn_allowlists:\n  - { hosts: workstations, asns: ["Canonical*"] }\n`, path.join(lab, 'captures', 'intel.pcap'));
  const sources = new Set(a.map((x) => x.source.ip));
  assert.ok(sources.has('10.77.2.20'));
  assert.ok(sources.has('10.77.2.21'));
  assert.ok(a.every((x) => x.evidence.asn === null));
  // Only the servers group is listed in the benign capture's config: workstations are not judged.
  const benign = await replay(`${SITE_YAML}asn_allowlists:\n  - { hosts: servers, asns: ["Canonical*"] }\n`, path.join(lab, 'captures', 'benign.pcap'));
  assert.deepEqual(benign, []);
});

test('IPv6 destinations are judged by their AS (bundled data), and NAT64 addresses by the IPv4 host they stand for', async () => {
  const enrich = await createIpEnricher({}, REPO_ROOT);
  const yaml = `${SITE_YAML.replace('cidrs: [10.77.1.0/24]', 'cidrs: [10.77.1.0/24, "fd77:1::/64"]')}
asn_allowlists:
  - { hosts: servers, asns: [24940] }
detectors:
  asn.not_whitelisted: { unknown_asn: ignore }
`;
  const a = run(yaml, [
    // Hetzner (allowed) over IPv6, and over NAT64 (64:ff9b::58c6:1 is 88.198.0.1).
    session({ ts: 1000, 'id.orig_h': 'fd77:1::10', 'id.resp_h': '2a01:4f8::1', 'id.resp_p': 443 }),
    session({ ts: 1001, 'id.orig_h': 'fd77:1::10', 'id.resp_h': '64:ff9b::58c6:1', 'id.resp_p': 443 }),
    // Google over IPv6, and over NAT64 (64:ff9b::808:808 is 8.8.8.8): not on the list.
    session({ ts: 1002, 'id.orig_h': 'fd77:1::10', 'id.resp_h': '2001:4860:4860::8888', 'id.resp_p': 443 }),
    session({ ts: 1003, 'id.orig_h': 'fd77:1::11', 'id.resp_h': '64:ff9b::808:808', 'id.resp_p': 53, proto: 'udp' }),
  ], enrich);
  assert.deepEqual(a.map((x) => [x.source.ip, x.destination?.ip, x.evidence.asn]), [
    ['fd77:1::10', '2001:4860:4860::8888', 15169],
    ['fd77:1::11', '64:ff9b::808:808', 15169],
  ]);
});
