/**
 * net.tunnel: tunnel discoveries through the engine, and the real VXLAN
 * capture replayed as it was recorded (both ends private: infrastructure,
 * no alert) and with its far end moved to a documentation address standing
 * in for the Internet (an alert), as is the GTP-U capture built around the
 * same frames.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE_YAML, harness, only } from './harness.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { LinkType } from '../../src/capture/packet.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import type { TunnelEvent, TunnelRecord } from '../../src/flows/tunnels.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const RULE = 'net.tunnel';
const VXLAN_CAPTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels', 'vxlan.pcap');

function tunnel(ts: number, r: Partial<TunnelRecord>): TunnelEvent {
  const record: TunnelRecord = {
    ts,
    uid: `T${ts}`,
    'id.orig_h': '10.77.2.5',
    'id.orig_p': 0,
    'id.resp_h': '203.0.113.9',
    'id.resp_p': 0,
    tunnel_type: 'Tunnel::GRE',
    action: 'Tunnel::DISCOVER',
    kind: 'gre',
    ...r,
  };
  return { type: 'tunnel', log: 'tunnel', ts, uid: record.uid, record };
}

test('a GRE tunnel from inside to a public address alerts once per host, listing peers and kinds', () => {
  const h = harness(SITE_YAML);
  h.emit(tunnel(1000, { tunnel_id: 42 }));
  h.emit(tunnel(1001, { 'id.orig_h': '198.51.100.7', 'id.orig_p': 40000, 'id.resp_h': '10.77.2.5', 'id.resp_p': 3544, kind: 'teredo', tunnel_type: 'Tunnel::TEREDO' }));
  h.emit(tunnel(1002, { action: 'Tunnel::CLOSE', packets: 9 })); // a tunnel's end is not a new one
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  // The held alert carries the latest tunnel's words and the running tally.
  assert.match(a[0]!.message, /^10\.77\.2\.5 received Teredo \(IPv6 over UDP 3544\) tunnel traffic from public address 198\.51\.100\.7 \(2 tunnels with 2 public hosts: gre, teredo\)$/);
  assert.deepEqual(a[0]!.evidence.peers, ['203.0.113.9', '198.51.100.7']);
  assert.deepEqual(a[0]!.evidence.kinds, ['gre', 'teredo']);
});

test('the first report names the tunnel: kind, id, direction and peer', () => {
  const h = harness(SITE_YAML);
  h.emit(tunnel(1000, { tunnel_id: 42 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.5 sent GRE key 42 tunnel traffic to public address 203.0.113.9');
  assert.equal(a[0]!.evidence.tunnel_uid, 'T1000');
});

test('tunnels inside the site, passing through it, of kinds left out, or excluded do not alert', () => {
  const h = harness(SITE_YAML + 'detectors:\n  net.tunnel:\n    kinds: [gre, ip, teredo]\n    exclude: [192.0.2.0/24]\n');
  h.emit(tunnel(1000, { 'id.resp_h': '10.77.1.10' })); // internal to internal
  h.emit(tunnel(1000, { 'id.orig_h': '198.51.100.1', 'id.resp_h': '203.0.113.2' })); // transit
  h.emit(tunnel(1000, { kind: 'vxlan', tunnel_type: 'Tunnel::VXLAN', 'id.resp_p': 4789 })); // kind not listed
  h.emit(tunnel(1000, { 'id.resp_h': '192.0.2.50' })); // an excluded peer (a planned GRE link)
  assert.equal(only(h.finish(), RULE).length, 0);
});

/** The VXLAN capture (or `from`) with 10.200.0.2 replaced by `far` in the outer IPv4 headers. */
async function withFarEnd(far: number[], file: string, from = VXLAN_CAPTURE): Promise<void> {
  const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
  await openCaptureFiles([from]).run((p) => {
    const f = p.data.slice(p.offset, p.offset + p.caplen);
    for (const at of [14 + 12, 14 + 16]) {
      if (f[at] === 10 && f[at + 1] === 200 && f[at + 2] === 0 && f[at + 3] === 2) f.set(far, at);
    }
    w.write(p.ts, f);
  });
  await w.close();
}

test('the real VXLAN capture: no alert between private ends; one when the far end is public', async () => {
  const quiet = harness(SITE_YAML);
  await replayCaptures([VXLAN_CAPTURE], { bus: quiet.bus, protocols: [] });
  assert.equal(only(quiet.finish(), RULE).length, 0, 'both ends private: infrastructure');
  const dir = tempDir('picket-tunnel-rule-');
  try {
    const file = path.join(dir, 'vxlan-out.pcap');
    await withFarEnd([203, 0, 113, 9], file);
    const h = harness(SITE_YAML);
    await replayCaptures([file], { bus: h.bus, protocols: [] });
    const a = only(h.finish(), RULE);
    assert.equal(a.length, 1);
    assert.match(a[0]!.message, /^10\.200\.0\.1 sent VXLAN VNI 4242 tunnel traffic to public address 203\.0\.113\.9/);
    assert.equal(a[0]!.evidence.kind, 'vxlan');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the newer kinds are valid `kinds` and name their ids: GTP TEID, PPTP call id, VXLAN-GPE VNI; AYIYA has none', () => {
  const h = harness(SITE_YAML + 'detectors:\n  net.tunnel:\n    kinds: [gtpv1, ayiya, pptp, vxlan_gpe]\n');
  const host = (n: number): Partial<TunnelRecord> => ({ 'id.orig_h': `10.77.2.${n}` });
  h.emit(tunnel(1000, { ...host(1), kind: 'gtpv1', tunnel_type: 'Tunnel::GTPv1', tunnel_id: 2596069104, 'id.orig_p': 2152, 'id.resp_p': 2152 }));
  h.emit(tunnel(1000, { ...host(2), kind: 'pptp', tunnel_type: 'Tunnel::GRE', tunnel_id: 16385 }));
  h.emit(tunnel(1000, { ...host(3), kind: 'vxlan_gpe', tunnel_type: 'Tunnel::VXLAN', tunnel_id: 43981, 'id.resp_p': 4790 }));
  h.emit(tunnel(1000, { ...host(4), kind: 'ayiya', tunnel_type: 'Tunnel::AYIYA', 'id.orig_p': 40001, 'id.resp_p': 5072 }));
  h.emit(tunnel(1000, { ...host(5) })); // gre: not listed
  const messages = only(h.finish(), RULE).map((a) => a.message).sort();
  assert.deepEqual(messages, [
    '10.77.2.1 sent GTPv1-U TEID 2596069104 tunnel traffic to public address 203.0.113.9',
    '10.77.2.2 sent PPTP (GRE) call id 16385 tunnel traffic to public address 203.0.113.9',
    '10.77.2.3 sent VXLAN-GPE VNI 43981 tunnel traffic to public address 203.0.113.9',
    '10.77.2.4 sent AYIYA (IP over UDP 5072) tunnel traffic to public address 203.0.113.9',
  ]);
});

test('a kind that does not exist is refused in the configuration', () => {
  assert.throws(() => harness(SITE_YAML + 'detectors:\n  net.tunnel:\n    kinds: [gtp]\n'), /kinds/);
});

test('the GTP-U capture with its gateway moved to a public address: one alert naming the uplink TEID', async () => {
  const dir = tempDir('picket-tunnel-rule-');
  try {
    const file = path.join(dir, 'gtp-out.pcap');
    await withFarEnd([203, 0, 113, 9], file, path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels', 'gtpv1.pcap'));
    const h = harness(SITE_YAML);
    await replayCaptures([file], { bus: h.bus, protocols: [] });
    const a = only(h.finish(), RULE);
    assert.equal(a.length, 1);
    assert.match(a[0]!.message, /^10\.200\.0\.1 sent GTPv1-U TEID 2596069104 tunnel traffic to public address 203\.0\.113\.9/);
    assert.equal(a[0]!.evidence.kind, 'gtpv1');
    assert.equal(a[0]!.evidence.tunnel_type, 'Tunnel::GTPv1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
