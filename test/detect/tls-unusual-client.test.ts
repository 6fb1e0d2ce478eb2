/**
 * tls.unusual_client on synthetic ssl events and on lab captures: a JA4
 * first seen in a network after the learning period, from few hosts,
 * alerts (low); fingerprints of the baseline, of many hosts, ignored ones
 * and clients outside the site do not. Learned from an earlier capture as a
 * baseline, intel-direct.pcap (curl) makes doh.pcap's dig over TLS the only
 * new hello.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { SITE_YAML, config, harness, only } from './harness.js';
import { LAB, replayLab } from '../intel/ua/helpers.js';
import type { SslLogEvent, SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'tls.unusual_client';
const DAY = 86400;
const BROWSER = 't13d1516h2_8daaf6152771_02713d6af862';
const IMPLANT = 't13d190900_9dc949149365_97f8aa674fd9';

function ssl(ts: number, client: string, ja4: string, server_name?: string): SslLogEvent {
  const record = { ts, uid: `Cssl${ts}${client}`, 'id.orig_h': client, 'id.orig_p': 50000, 'id.resp_h': '203.0.113.10', 'id.resp_p': 443, resumed: false, established: true, ja4, ja3: 'e7d705a3286e19ea42f587b344ee6865', ...(server_name !== undefined ? { server_name } : {}) } as SslRecord;
  return { type: 'ssl', log: 'ssl', ts, uid: record.uid, record };
}

/** Baseline: the browser's JA4 from three workstations inside the 24 h learning period. */
function learned(yaml = SITE_YAML) {
  const h = harness(yaml);
  for (const host of ['10.77.2.20', '10.77.2.21', '10.77.2.22']) h.emit(ssl(1000, host, BROWSER, 'www.example.com'));
  return h;
}

test('a new fingerprint after the learning period, from one host, alerts low with the server name', () => {
  const h = learned();
  const t = 1000 + DAY + 5;
  h.emit(ssl(t, '10.77.2.40', IMPLANT, 'cdn-sync.example.net'));
  h.emit(ssl(t + 1, '10.77.2.41', BROWSER, 'www.example.com'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.network?.name], [1, '10.77.2.40', 'workstations']);
  assert.equal(x.message, `10.77.2.40 made a TLS connection with a client fingerprint not seen before in workstations: JA4 ${IMPLANT}, to cdn-sync.example.net`);
  assert.deepEqual([x.evidence.ja4, x.evidence.server_name, x.evidence.hosts], [IMPLANT, 'cdn-sync.example.net', ['10.77.2.40']]);
});

test('past max_hosts a fingerprint is ordinary; during learning it joins the baseline; ignored and outside clients stay quiet', () => {
  const h = learned(`${SITE_YAML}\ndetectors:\n  tls.unusual_client: { ignore_fingerprints: ["t12d*"] }\n`);
  h.emit(ssl(2000, '10.77.2.50', 't13d0000aa_000000000000_000000000000'));
  const t = 1000 + DAY + 5;
  for (let i = 0; i < 4; i++) h.emit(ssl(t + i, `10.77.2.${60 + i}`, IMPLANT));
  h.emit(ssl(t, '10.77.2.51', 't13d0000aa_000000000000_000000000000'));
  h.emit(ssl(t, '10.77.2.52', 't12d1209h2_d34a8e72043a_b39be8c56a14'));
  h.emit(ssl(t, '198.51.100.7', 't13d7777zz_000000000000_000000000000'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1, 'the implant until it reached max_hosts, as one alert');
  assert.deepEqual(a[0]!.evidence.hosts, ['10.77.2.60', '10.77.2.61']);
  assert.equal(a[0]!.count, 2);
});

test('lab: learned from intel-direct.pcap (curl), the later doh.pcap shows only dig\'s DNS-over-TLS hello as new', async () => {
  const labText = fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8');
  const immediate = config(`${labText}\nlearning_period: 0\n`);
  const dir = tempDir('picket-ja4-lab-');
  try {
    assert.deepEqual(only(await replayLab(['intel-direct.pcap'], { config: immediate, stateDir: dir, baseline: true }), RULE), []);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'user-agent-hosts.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.ok(saved['tls:workstations'] !== undefined, 'kept under tls:<network> beside the user-agents');
    const a = only(await replayLab(['doh.pcap'], { config: immediate, stateDir: dir }), RULE);
    assert.deepEqual(a.map((x) => [x.source.ip, x.evidence.ja4]), [['10.77.2.22', 't13i3110dt_e8f1e7e78f70_1f22a2ca17c4']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
