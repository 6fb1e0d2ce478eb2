/**
 * exfil.large_upload on the lab's capture (test/lab/captures/
 * exfil-upload.pcap: an archive pushed over 443 with ncat, a PUT to
 * transfer.sh, a download and a small upload that stay quiet), on every
 * other capture with the default threshold (quiet), and on built
 * connections: sums over the window, the upload/download ratio, snapshots
 * of open connections counted once, names, popular and watched domains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { SITE_YAML, harness, only, replayRuleAlerts, session } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';
import type { FlowEndEvent, FlowLongEvent, PicketEvent } from '../../src/events/types.js';
import type { SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'exfil.large_upload';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const LAB_YAML = fs.readFileSync(path.join(REPO_ROOT, 'test', 'lab', 'picket.yaml'), 'utf8');
const dga = createDgaScorer(REPO_ROOT);
const MB = 1_000_000;

function upload(ts: number, sent: number, received: number, r: Partial<FlowEndEvent['record']> = {}): FlowEndEvent {
  return session({ ts, 'id.resp_h': '203.0.113.50', 'id.resp_p': 443, duration: 30, orig_bytes: sent, resp_bytes: received, ...r });
}

function tls(end: FlowEndEvent, name: string): PicketEvent {
  const r = end.record;
  const record = { ts: r.ts, uid: r.uid, 'id.orig_h': r['id.orig_h'], 'id.orig_p': r['id.orig_p'], 'id.resp_h': r['id.resp_h'], 'id.resp_p': r['id.resp_p'], server_name: name } as unknown as SslRecord;
  return { type: 'ssl', log: 'ssl', ts: r.ts, uid: r.uid, record };
}

function snapshot(end: FlowEndEvent, age: number, sent: number, received: number): FlowLongEvent {
  const r = end.record;
  return { type: 'flow.long', ts: r.ts + age, record: { ...r, duration: age, orig_bytes: sent, resp_bytes: received }, openedWithAck: false };
}

function run(events: PicketEvent[], yaml = SITE_YAML) {
  const h = harness(yaml, { intel: { dga } });
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('exfil-upload.pcap: the archive over 443 and the PUT to transfer.sh alert; the download and the small upload do not', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'exfil-upload.pcap'), [RULE], LAB_YAML, { intel: { dga } });
  assert.deepEqual(a.map((x) => [x.source?.ip, x.destination?.port, x.event.severity, x.evidence.destination, x.evidence.bytes_sent]), [
    ['10.77.2.20', 443, 3, '198.51.100.10', 1_500_000],
    ['10.77.2.23', 8000, 4, 'transfer.sh', 600_113],
  ]);
  assert.equal(a[0]!.threat.technique.id, 'T1048');
  assert.match(a[1]!.message, /^10\.77\.2\.23 \(workstations\) sent 600 KB to transfer\.sh \(198\.51\.100\.10\) and received 0 bytes \(1 connection over \d+ ms\): an upload to a file-sharing service$/);
});

test('no other capture raises it at the default threshold', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE], '', { intel: { dga } }), [], f);
});

test('bytes sum over the window per client and destination; downloads and calls (ratio under min_ratio) do not alert', () => {
  // 5 uploads of 120 MB within the hour: 600 MB.
  const a = run([0, 600, 1200, 1800, 2400].map((t) => upload(1000 + t, 120 * MB, 2 * MB)));
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.bytes_sent, 600 * MB);
  assert.equal(a[0]!.evidence.connections, 5);
  assert.equal(a[0]!.evidence.ratio, 60);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) sent 600 MB to 203.0.113.50 and received 10 MB (5 connections over 40 min)');
  assert.equal(a[0]!.first_seen, new Date(1000 * 1000).toISOString());
  // Spread over five hours: never 500 MB in one.
  assert.equal(run([0, 1, 2, 3, 4].map((h) => upload(1000 + h * 4000, 120 * MB, 2 * MB))).length, 0);
  // A download, and a video call (as much back as sent).
  assert.equal(run([upload(1000, 5 * MB, 900 * MB)]).length, 0);
  assert.equal(run([upload(1000, 700 * MB, 600 * MB)]).length, 0);
  // Another client, or another destination, is another tally.
  assert.equal(run([upload(1000, 300 * MB, 0), upload(1001, 300 * MB, 0, { 'id.orig_h': '10.77.2.21' }), upload(1002, 300 * MB, 0, { 'id.resp_h': '203.0.113.51' })]).length, 0);
});

test('a long upload is seen at its snapshots while open; bytes of a snapshot are not counted again at the end', () => {
  // Under the threshold at its snapshots, over it at its end: 900 MB in all, one connection.
  const slow = { ...upload(1000, 900 * MB, 1 * MB, { duration: 3000 }), ts: 1000 + 3000 };
  const a = run([snapshot(slow, 600, 100 * MB, 0), slow]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.still_open, false);
  assert.equal(a[0]!.evidence.connections, 1);
  assert.equal(a[0]!.evidence.bytes_sent, 900 * MB);
  assert.equal(a[0]!.evidence.sent_in_window, 900 * MB);
  assert.match(a[0]!.message, /\(1 connection over 50 min\)$/);
  // Over it at the one-hour snapshot: the alert comes while the upload runs. The engine judges a
  // connection once, so its end changes nothing.
  const running = { ...upload(1000, 900 * MB, 1 * MB, { duration: 5400 }), ts: 1000 + 5400 };
  const early = run([snapshot(running, 600, 100 * MB, 0), snapshot(running, 3600, 520 * MB, 1 * MB), running]);
  assert.equal(early.length, 1);
  assert.equal(early[0]!.evidence.still_open, true);
  assert.equal(early[0]!.evidence.bytes_sent, 520 * MB);
  assert.match(early[0]!.message, /\(1 connection over 60 min, one still open\)$/);
});

test('internal destinations, public clients, UDP off and excluded hosts are not judged', () => {
  assert.equal(run([upload(1000, 900 * MB, 0, { 'id.resp_h': '10.77.1.10' })]).length, 0);
  assert.equal(run([upload(1000, 900 * MB, 0, { 'id.orig_h': '198.51.100.7' })]).length, 0);
  const udp = upload(1000, 900 * MB, 0, { proto: 'udp', 'id.resp_p': 51820 });
  assert.equal(run([udp]).length, 1);
  assert.equal(run([udp], `${SITE_YAML}detectors:\n  exfil.large_upload: { protocols: [tcp] }\n`).length, 0);
  assert.equal(run([upload(1000, 900 * MB, 0)], `${SITE_YAML}detectors:\n  exfil.large_upload: { exclude: [203.0.113.0/24] }\n`).length, 0);
});

test('popular and allowed domains are skipped; file-sharing services are judged anyway, lower and critical', () => {
  const backup = upload(1000, 900 * MB, 1 * MB);
  assert.equal(run([tls(backup, 'upload.drive.google.com'), backup]).length, 0);
  const own = upload(1000, 900 * MB, 1 * MB);
  assert.equal(run([tls(own, 'offsite.backup-corp.example')], `${SITE_YAML}detectors:\n  exfil.large_upload: { allow: [backup-corp.example] }\n`).length, 0);
  const off = upload(1000, 900 * MB, 1 * MB);
  assert.equal(run([tls(off, 'upload.drive.google.com'), off], `${SITE_YAML}detectors:\n  exfil.large_upload: { skip_popular: false }\n`).length, 1);
  const mega = upload(1000, 80 * MB, 1 * MB);
  const a = run([tls(mega, 'gfs270n101.userstorage.mega.co.nz'), mega]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(a[0]!.evidence.file_sharing, true);
  assert.equal(a[0]!.evidence.destination, 'gfs270n101.userstorage.mega.co.nz');
  const small = upload(1000, 30 * MB, 1 * MB);
  assert.equal(run([tls(small, 'mega.nz'), small]).length, 0);
  const listed = upload(1000, 60 * MB, 1 * MB);
  assert.equal(run([tls(listed, 'files.partner-drop.example'), listed], `${SITE_YAML}detectors:\n  exfil.large_upload: { watch_domains: [partner-drop.example] }\n`).length, 1);
});

test('sizes in options take units; a bad size names the key', () => {
  assert.equal(run([upload(1000, 3 * MB, 0)], `${SITE_YAML}detectors:\n  exfil.large_upload: { min_bytes: 2MB }\n`).length, 1);
  assert.equal(run([upload(1000, 3 * MB, 0)], `${SITE_YAML}detectors:\n  exfil.large_upload: { min_bytes: 4MiB }\n`).length, 0);
  assert.throws(() => harness(`${SITE_YAML}detectors:\n  exfil.large_upload: { min_bytes: lots }\n`), /min_bytes.*is not a size/);
});
