/**
 * Tunnels: a real VXLAN capture (test/fixtures/tunnels/record-vxlan.sh, the
 * kernel's own VXLAN device between two namespaces) must yield the inner
 * connections, as tshark reads them, and no flow for the tunnel itself.
 * The kernel it was recorded on had no GRE, ERSPAN, Geneve or IP-in-IP
 * devices, so the other kinds are built here around the same inner frames
 * (the bytes of each header per its RFC or Cisco's ERSPAN draft), checked
 * with tshark where it is installed, and must give the same connections.
 * Then: the option that turns decapsulation off, nesting and its bound,
 * headers that are not what their port says, and malformed tunnels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { LinkType } from '../../src/capture/packet.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { TUNNEL_NAMES, TunnelKind } from '../../src/decode/tunnel.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import { MAX_TUNNELS, TUNNEL_EXPIRY, TunnelTable, type TunnelEvent, type TunnelRecord } from '../../src/flows/tunnels.js';
import { replayCaptures, type ReplayOptions } from '../../src/pipeline/replay.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { concat, raw } from './packets.js';

const VXLAN_CAPTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels', 'vxlan.pcap');
const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));

interface Frame { ts: number; bytes: Uint8Array }

async function readFrames(file: string): Promise<Frame[]> {
  const out: Frame[] = [];
  await openCaptureFiles([file]).run((p) => out.push({ ts: p.ts, bytes: p.data.slice(p.offset, p.offset + p.caplen) }));
  return out;
}

// ---- header builders (checksums zero: neither Picket nor tshark checks them by default) ----

const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const OUTER_A = [10, 200, 0, 1];
const OUTER_B = [10, 200, 0, 2];

function ethernet(type: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa, ...be16(type)]), payload);
}
function ipv4(proto: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0x45, 0, ...be16(20 + payload.length), 0, 1, 0x40, 0, 64, proto, 0, 0, ...OUTER_A, ...OUTER_B]), payload);
}
function ipv6(next: number, payload: Uint8Array): Uint8Array {
  const a = [0x20, 0x01, 0x0d, 0xb8, 0xff, ...new Array<number>(10).fill(0), 1];
  const b = [...a.slice(0, 15), 2];
  return concat(new Uint8Array([0x60, 0, 0, 0, ...be16(payload.length), next, 64, ...a, ...b]), payload);
}
function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0]), payload);
}
function gre(proto: number, payload: Uint8Array, opts: { key?: number; seq?: number } = {}): Uint8Array {
  const flags = (opts.key !== undefined ? 0x20 : 0) | (opts.seq !== undefined ? 0x10 : 0);
  return concat(new Uint8Array([
    flags, 0, ...be16(proto),
    ...(opts.key !== undefined ? be32(opts.key) : []),
    ...(opts.seq !== undefined ? be32(opts.seq) : []),
  ]), payload);
}
/** ERSPAN type II header: version 1, VLAN 0, COS 0, En 0, T 0, session id, index 0. */
function erspan2(session: number, frame: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0x10, 0, ...be16(session & 0x3ff), 0, 0, 0, 0]), frame);
}
/** ERSPAN type III header: version 2, session id, a timestamp, frame type 0, and the 8-byte platform subheader when `sub`. */
function erspan3(session: number, frame: Uint8Array, sub: boolean): Uint8Array {
  const hwFlags = sub ? 1 : 0;
  return concat(new Uint8Array([0x20, 0, ...be16(session & 0x3ff), ...be32(0x01020304), 0, 0, 0, hwFlags, ...(sub ? [0x0c, 0, 0, 0, 0, 0, 0, 0] : [])]), frame);
}
function vxlan(vni: number, frame: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0x08, 0, 0, 0, (vni >>> 16) & 0xff, (vni >>> 8) & 0xff, vni & 0xff, 0]), frame);
}
/** Geneve with one 8-byte option (class 0x0102, type 3, 4 bytes of data). */
function geneve(vni: number, proto: number, inner: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0x02, 0, ...be16(proto), (vni >>> 16) & 0xff, (vni >>> 8) & 0xff, vni & 0xff, 0, 0x01, 0x02, 3, 1, 9, 9, 9, 9]), inner);
}

/** A small IPv4 UDP datagram (DNS port) to put in tunnels. */
const INNER_UDP = ipv4(17, udp(1111, 53, new Uint8Array([1, 2, 3, 4])));

/** The inner Ethernet frames of the VXLAN capture (outer Ethernet, IPv4 without options, UDP, VXLAN). */
function innerFrames(frames: Frame[]): Frame[] {
  return frames.map((f) => ({ ts: f.ts, bytes: f.bytes.subarray(14 + 20 + 8 + 8) }));
}

interface Variant {
  name: string;
  kind: number;
  id: number | undefined;
  /** Carries Ethernet (inner MACs kept) or only IP. */
  l2: boolean;
  /** The outer frame for an inner Ethernet frame, or null when this tunnel cannot carry it. */
  wrap(frame: Uint8Array): Uint8Array | null;
  /** tshark display filter that must match the wrapping. */
  tshark: string;
}

const IPV4_TYPE = 0x0800;
const IPV6_TYPE = 0x86dd;
const etherTypeOf = (frame: Uint8Array): number => (frame[12]! << 8) | frame[13]!;
const ipOnly = (frame: Uint8Array): Uint8Array | null => {
  const t = etherTypeOf(frame);
  return t === IPV4_TYPE || t === IPV6_TYPE ? frame.subarray(14) : null;
};

const VARIANTS: Variant[] = [
  {
    name: 'gre-ip', kind: TunnelKind.GRE, id: 42, l2: false, tshark: 'gre.key == 42',
    wrap: (f) => { const ip = ipOnly(f); return ip === null ? null : ethernet(IPV4_TYPE, ipv4(47, gre(etherTypeOf(f), ip, { key: 42 }))); },
  },
  {
    name: 'gretap', kind: TunnelKind.GRE, id: undefined, l2: true, tshark: 'gre.proto == 0x6558',
    wrap: (f) => ethernet(IPV4_TYPE, ipv4(47, gre(0x6558, f))),
  },
  {
    name: 'erspan-1', kind: TunnelKind.ERSPAN, id: undefined, l2: true, tshark: 'gre.proto == 0x88be',
    wrap: (f) => ethernet(IPV4_TYPE, ipv4(47, gre(0x88be, f))),
  },
  {
    name: 'erspan-2', kind: TunnelKind.ERSPAN, id: 7, l2: true, tshark: 'erspan.spanid == 7',
    wrap: (f) => ethernet(IPV4_TYPE, ipv4(47, gre(0x88be, erspan2(7, f), { seq: 1 }))),
  },
  {
    name: 'erspan-3', kind: TunnelKind.ERSPAN, id: 9, l2: true, tshark: 'erspan.spanid == 9',
    wrap: (f) => ethernet(IPV4_TYPE, ipv4(47, gre(0x22eb, erspan3(9, f, true), { seq: 1 }))),
  },
  {
    name: 'geneve', kind: TunnelKind.GENEVE, id: 77, l2: true, tshark: 'geneve.vni == 77',
    wrap: (f) => ethernet(IPV4_TYPE, ipv4(17, udp(40000, 6081, geneve(77, 0x6558, f)))),
  },
  {
    name: 'ip-in-ip', kind: TunnelKind.IP, id: undefined, l2: false, tshark: 'ip.proto == 4 || ip.proto == 41',
    wrap: (f) => { const ip = ipOnly(f); return ip === null ? null : ethernet(IPV4_TYPE, ipv4(etherTypeOf(f) === IPV4_TYPE ? 4 : 41, ip)); },
  },
  {
    name: 'ip-in-ipv6', kind: TunnelKind.IP, id: undefined, l2: false, tshark: 'ipv6.nxt == 4 || ipv6.nxt == 41',
    wrap: (f) => { const ip = ipOnly(f); return ip === null ? null : ethernet(IPV6_TYPE, ipv6(etherTypeOf(f) === IPV4_TYPE ? 4 : 41, ip)); },
  },
  {
    // VXLAN inside GRE: the innermost tunnel is what the connection says.
    name: 'vxlan-in-gre', kind: TunnelKind.VXLAN, id: 4242, l2: true, tshark: 'vxlan.vni == 4242 && gre',
    wrap: (f) => ethernet(IPV4_TYPE, ipv4(47, gre(0x6558, ethernet(IPV4_TYPE, ipv4(17, udp(50000, 4789, vxlan(4242, f)))), { key: 5 }))),
  },
];

/** A UDP tunnel's own connection: its service is the tunnel's name. */
const isCarrier = (r: ConnRecord): boolean => r.service !== undefined && TUNNEL_NAMES.includes(r.service);

/** The conn records of a replay of `file`: the tunnels' own UDP connections (`carriers`) apart from the rest. */
async function connRecords(
  file: string,
  opts: Partial<ReplayOptions> = {},
): Promise<{ conns: ConnRecord[]; carriers: ConnRecord[]; tunnels: Record<string, number>; lines: TunnelRecord[] }> {
  const conns: ConnRecord[] = [];
  const carriers: ConnRecord[] = [];
  const lines: TunnelRecord[] = [];
  const summary = await replayCaptures([file], {
    ...opts,
    protocols: [],
    onEvent: (e) => {
      if (e.type === 'flow.end') (isCarrier(e.record) ? carriers : conns).push(e.record);
      else if (e.type === 'tunnel') lines.push(e.record);
    },
  });
  return { conns, carriers, tunnels: summary.pipeline.tunnels, lines };
}

const tuple = (r: ConnRecord): string => `${r.proto} ${r['id.orig_h']}:${r['id.orig_p']} > ${r['id.resp_h']}:${r['id.resp_p']}`;
const COMPARED = ['conn_state', 'history', 'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes', 'orig_bytes', 'resp_bytes', 'duration'] as const;

function byTuple(conns: ConnRecord[]): Map<string, ConnRecord> {
  return new Map(conns.map((r) => [tuple(r), r]));
}

test('VXLAN (a real capture): the inner connections with their MACs, tunnel "vxlan" and VNI 4242, apart from the tunnel\'s own flows', async () => {
  const { conns, tunnels } = await connRecords(VXLAN_CAPTURE);
  const frames = await readFrames(VXLAN_CAPTURE);
  assert.equal(tunnels.vxlan, frames.length, 'every packet came out of the tunnel');
  assert.ok(conns.length > 0);
  for (const r of conns) {
    assert.equal(r.tunnel, 'vxlan', tuple(r));
    assert.equal(r.tunnel_id, 4242, tuple(r));
    assert.ok(!r['id.orig_h'].startsWith('10.200.') && r['id.resp_p'] !== 4789, `no outer flow: ${tuple(r)}`);
  }
  const tcp = conns.filter((r) => r.proto === 'tcp');
  assert.equal(tcp.length, 1);
  assert.equal(tcp[0]!['id.resp_p'], 8080);
  assert.equal(tcp[0]!.conn_state, 'SF');
  assert.equal(tcp[0]!.resp_bytes, 8, '"picket-1" from the server');
  // The inner frames' MACs (the tunnel devices'), not the underlay veth's.
  const underlay = new Set([frames[0]!.bytes.subarray(0, 6), frames[0]!.bytes.subarray(6, 12)].map((m) => [...m].map((b) => b.toString(16).padStart(2, '0')).join(':')));
  assert.ok(tcp[0]!.orig_l2_addr !== undefined && !underlay.has(tcp[0]!.orig_l2_addr), String(tcp[0]!.orig_l2_addr));
  assert.ok(conns.some((r) => r.proto === 'icmp' && r['id.orig_h'] === '10.201.1.1' && r.orig_pkts === 2 && r.resp_pkts === 2), 'the IPv4 pings');
  assert.ok(conns.some((r) => r.proto === 'icmp' && r['id.orig_h'] === '2001:db8:1::1' && r['id.orig_p'] === 128 && r.orig_pkts === 2), 'the IPv6 pings');
});

test('VXLAN: the same inner address pairs and TCP ports as tshark decodes', { skip: TSHARK === undefined ? 'tshark not installed' : false }, async () => {
  const out = execFileSync(TSHARK!, ['-n', '-r', VXLAN_CAPTURE, '-T', 'fields', '-E', 'occurrence=l', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-Y', 'vxlan && !arp'], { encoding: 'utf8' });
  const pairs = new Set<string>();
  const tcpPorts = new Set<string>();
  for (const line of out.trim().split('\n')) {
    const [ip4s, ip4d, ip6s, ip6d, sp, dp] = line.split('\t');
    const [s, d] = ip6s !== '' ? [ip6s!, ip6d!] : [ip4s!, ip4d!];
    pairs.add([s, d].sort().join(' '));
    if (sp !== '') tcpPorts.add([sp, dp].sort().join(' '));
  }
  const { conns } = await connRecords(VXLAN_CAPTURE);
  assert.deepEqual(new Set(conns.map((r) => [r['id.orig_h'], r['id.resp_h']].sort().join(' '))), pairs);
  assert.deepEqual(new Set(conns.filter((r) => r.proto === 'tcp').map((r) => [String(r['id.orig_p']), String(r['id.resp_p'])].sort().join(' '))), tcpPorts);
});

test('tunnel.jsonl: the VXLAN capture\'s tunnel is discovered once and closed at the end with its packets; its uid is no connection\'s', async () => {
  const { conns, lines } = await connRecords(VXLAN_CAPTURE);
  const frames = await readFrames(VXLAN_CAPTURE);
  assert.equal(lines.length, 2);
  const [found, closed] = lines as [TunnelRecord, TunnelRecord];
  assert.equal(found.action, 'Tunnel::DISCOVER');
  assert.equal(found.tunnel_type, 'Tunnel::VXLAN');
  assert.equal(found.kind, 'vxlan');
  assert.equal(found.tunnel_id, 4242);
  assert.equal(found['id.resp_p'], 4789);
  assert.equal(found.ts, frames[0]!.ts);
  assert.equal(found.packets, undefined);
  assert.equal(closed.action, 'Tunnel::CLOSE');
  assert.equal(closed.uid, found.uid);
  assert.equal(closed.ts, frames[frames.length - 1]!.ts);
  assert.equal(closed.packets, frames.length, 'every packet, whichever source port the kernel picked');
  assert.ok(!conns.some((c) => c.uid === found.uid));
  for (const c of conns) assert.deepEqual(c.tunnel_parents, [found.uid], 'every inner connection names its tunnel, as Zeek\'s tunnel_parents');
});

test('tunnel.jsonl: a tunnel idle for an hour of packet time expires; its next packet discovers it again', async () => {
  const inner = ethernet(IPV4_TYPE, ipv4(47, gre(0x0800, INNER_UDP, { key: 1 })));
  const dir = tempDir('picket-tunnels-');
  try {
    const file = path.join(dir, 'idle.pcap');
    const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
    for (const ts of [1000, 1010, 1010 + TUNNEL_EXPIRY + 5]) w.write(ts, inner);
    await w.close();
    const { lines } = await connRecords(file);
    assert.deepEqual(lines.map((l) => [l.action, l.ts, l.packets]), [
      ['Tunnel::DISCOVER', 1000, undefined],
      ['Tunnel::EXPIRE', 1010, 2],
      ['Tunnel::DISCOVER', 1010 + TUNNEL_EXPIRY + 5, undefined],
      ['Tunnel::CLOSE', 1010 + TUNNEL_EXPIRY + 5, 1],
    ]);
    assert.notEqual(lines[0]!.uid, lines[2]!.uid, 'a new uid for the tunnel seen again');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tunnels: off, the VXLAN capture is UDP flows to port 4789 between the underlay addresses and nothing is counted', async () => {
  const { conns, tunnels } = await connRecords(VXLAN_CAPTURE, { decoder: { tunnels: false } });
  assert.deepEqual(tunnels, {});
  assert.ok(conns.length > 0);
  for (const r of conns) {
    assert.equal(r.proto, 'udp');
    assert.equal(r['id.resp_p'], 4789, 'the kernel picks the source port by inner flow; the destination is VXLAN\'s');
    assert.deepEqual([r['id.orig_h'], r['id.resp_h']].sort(), ['10.200.0.1', '10.200.0.2']);
    assert.equal(r.tunnel, undefined);
  }
});

test('every tunnel kind around the same frames gives the same connections, with its kind and id', async (t) => {
  const frames = innerFrames(await readFrames(VXLAN_CAPTURE));
  const { conns: reference } = await connRecords(VXLAN_CAPTURE);
  const ref = byTuple(reference);
  const dir = tempDir('picket-tunnels-');
  try {
    for (const v of VARIANTS) {
      await t.test(v.name, async () => {
        const file = path.join(dir, `${v.name}.pcap`);
        const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
        let written = 0;
        for (const f of frames) {
          const wrapped = v.wrap(f.bytes);
          if (wrapped === null) continue;
          w.write(f.ts, wrapped);
          written++;
        }
        await w.close();
        if (TSHARK !== undefined) {
          const matched = execFileSync(TSHARK, ['-n', '-r', file, '-Y', v.tshark], { encoding: 'utf8' }).trim().split('\n').length;
          assert.equal(matched, written, `tshark reads every packet as ${v.tshark}`);
          assert.equal(execFileSync(TSHARK, ['-n', '-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= "error"'], { encoding: 'utf8' }).trim(), '', 'and finds nothing malformed');
        }
        const { conns, tunnels, lines } = await connRecords(file);
        assert.equal(tunnels[TUNNEL_NAMES[v.kind]!], written, 'every packet came out of its tunnel');
        // A nested tunnel's outer layer has lines of its own (see the VXLAN-inside-GRE test below).
        const own = lines.filter((l) => l.kind === TUNNEL_NAMES[v.kind]);
        assert.deepEqual(own.map((l) => [l.action, l.kind, l.tunnel_id, l['id.orig_h'], l['id.resp_h'], l.packets]), [
          ['Tunnel::DISCOVER', TUNNEL_NAMES[v.kind], v.id, '10.200.0.1', '10.200.0.2', undefined],
          ['Tunnel::CLOSE', TUNNEL_NAMES[v.kind], v.id, '10.200.0.1', '10.200.0.2', written],
        ].map((row) => (v.name === 'ip-in-ipv6' ? [row[0], row[1], row[2], '2001:db8:ff00::1', '2001:db8:ff00::2', row[5]] : row)));
        for (const r of conns) {
          const want = ref.get(tuple(r));
          assert.ok(want !== undefined, `${tuple(r)} is in the VXLAN original`);
          for (const f of COMPARED) assert.deepEqual(r[f], want[f], `${tuple(r)} ${f}`);
          assert.equal(r.tunnel, TUNNEL_NAMES[v.kind]);
          assert.equal(r.tunnel_id, v.id);
          if (v.l2) assert.equal(r.orig_l2_addr, want.orig_l2_addr, 'the inner frame\'s MACs');
          else assert.equal(r.orig_l2_addr, '02:00:00:00:00:0a', 'an IP tunnel keeps the outer frame\'s MACs');
        }
        // IP tunnels leave the ARP frames out, which make no connections: the same set either way.
        assert.deepEqual(new Set(conns.map(tuple)), new Set(reference.map(tuple)));
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the same tunnelled capture through a decode thread and two pipeline threads: the same records', async () => {
  const one = await connRecords(VXLAN_CAPTURE, { flows: { uidSeed: 1 } });
  const decodeThread = await connRecords(VXLAN_CAPTURE, { flows: { uidSeed: 1 }, decodeThread: true });
  const workers = await connRecords(VXLAN_CAPTURE, { flows: { uidSeed: 1 }, workers: 2 });
  // uids depend on the thread layout's numbering; what must hold is that each connection names its run's tunnel.
  for (const run of [one, decodeThread, workers]) {
    const tunnelUids = new Set(run.lines.map((l) => l.uid));
    for (const c of run.conns) assert.ok(c.tunnel_parents?.length === 1 && tunnelUids.has(c.tunnel_parents[0]!), `${c.uid}: ${String(c.tunnel_parents)}`);
  }
  const strip = (rs: readonly object[]): string[] => rs.map((r) => JSON.stringify({ ...r, uid: '', ...('tunnel_parents' in r ? { tunnel_parents: [] } : {}) })).sort();
  assert.deepEqual(strip(decodeThread.conns), strip(one.conns));
  assert.deepEqual(strip(workers.conns), strip(one.conns));
  assert.ok(one.carriers.length > 0);
  assert.deepEqual(strip(decodeThread.carriers), strip(one.carriers));
  assert.deepEqual(strip(workers.carriers), strip(one.carriers));
  assert.deepEqual(strip(decodeThread.lines), strip(one.lines));
  assert.deepEqual(strip(workers.lines), strip(one.lines));
  assert.equal(one.lines.length, 2);
});

// ---- unit cases on the decoder ----

function decodeOne(frame: Uint8Array): { ok: boolean; d: DecodedPacket; dec: PacketDecoder } {
  const dec = new PacketDecoder();
  const d = new DecodedPacket();
  const ok = dec.decode(raw(frame), d);
  return { ok, d, dec };
}

test('Teredo: an IPv6 packet in UDP 3544, with or without an origin indicator, is decoded; one whose length disagrees is left alone', () => {
  const inner6 = ipv6(17, udp(5555, 53, new Uint8Array([9, 9])));
  for (const prefix of [new Uint8Array(0), new Uint8Array([0, 0, 0x12, 0x34, 1, 2, 3, 4])]) {
    const { ok, d, dec } = decodeOne(ethernet(IPV4_TYPE, ipv4(17, udp(3544, 40001, concat(prefix, inner6)))));
    assert.equal(ok, true);
    assert.equal(d.l3, L3.IPV6);
    assert.equal(d.tunnel, TunnelKind.TEREDO);
    assert.equal(d.dstPort, 53);
    assert.deepEqual(dec.stats.tunnels, { teredo: 1 });
  }
  const bad = concat(inner6, new Uint8Array([0])); // one byte more than its header says
  const { ok, d, dec } = decodeOne(ethernet(IPV4_TYPE, ipv4(17, udp(40001, 3544, bad))));
  assert.equal(ok, true);
  assert.equal(d.tunnel, 0);
  assert.equal(d.dstPort, 3544, 'still the outer datagram');
  assert.deepEqual(dec.stats.tunnels, {});
});

test('UDP 4789 without the VXLAN I flag, and Geneve of another version, stay what they are', () => {
  const notVxlan = concat(new Uint8Array([0, 0, 0, 0, 0, 0, 1, 0]), ethernet(IPV4_TYPE, INNER_UDP));
  const a = decodeOne(ethernet(IPV4_TYPE, ipv4(17, udp(999, 4789, notVxlan))));
  assert.equal(a.ok, true);
  assert.equal(a.d.tunnel, 0);
  assert.equal(a.d.dstPort, 4789);
  const v1 = geneve(1, 0x6558, ethernet(IPV4_TYPE, INNER_UDP));
  v1[0] = 0x40;
  const b = decodeOne(ethernet(IPV4_TYPE, ipv4(17, udp(999, 6081, v1))));
  assert.equal(b.d.tunnel, 0);
  assert.equal(b.d.dstPort, 6081);
});

test('GRE: PPTP\'s version 1, source routing and unknown payload types are left as GRE; a cut header too', () => {
  const v1 = gre(0x880b, INNER_UDP);
  v1[1] = 1;
  const routed = gre(0x0800, INNER_UDP);
  routed[0] = 0x40;
  for (const g of [v1, routed, gre(0x883e, INNER_UDP), new Uint8Array([0x20, 0, 0x08, 0, 0, 0])]) {
    const { ok, d, dec } = decodeOne(ethernet(IPV4_TYPE, ipv4(47, g)));
    assert.equal(ok, true);
    assert.equal(d.proto, 47);
    assert.equal(d.tunnel, 0);
    assert.deepEqual(dec.stats.tunnels, {});
  }
});

test('a malformed inner packet is counted as malformed; the tunnel it came in is still counted', () => {
  const brokenInner = new Uint8Array([0x45, 0, 0, 10]); // an IPv4 header cut after 4 bytes
  const { ok, dec } = decodeOne(ethernet(IPV4_TYPE, ipv4(4, brokenInner)));
  assert.equal(ok, false);
  assert.deepEqual(dec.stats.tunnels, { ip: 1 });
  assert.ok(Object.values(dec.stats.malformed).reduce((a, b) => a + b, 0) === 1, JSON.stringify(dec.stats.malformed));
});

test('tunnels nest up to four deep; past that the packet is taken as it is and counted', () => {
  let pkt = INNER_UDP;
  for (let i = 0; i < 4; i++) pkt = ipv4(4, pkt);
  const four = decodeOne(ethernet(IPV4_TYPE, pkt));
  assert.equal(four.d.proto, 17);
  assert.equal(four.d.dstPort, 53);
  assert.deepEqual(four.dec.stats.tunnels, { ip: 4 });
  assert.deepEqual(four.dec.stats.anomalies, {});
  const five = decodeOne(ethernet(IPV4_TYPE, ipv4(4, pkt)));
  assert.equal(five.ok, true);
  assert.equal(five.d.proto, 4, 'the fifth layer is left as IP in IP');
  assert.deepEqual(five.dec.stats.tunnels, { ip: 4 });
  assert.equal(five.dec.stats.anomalies.tunnel_too_deep, 1);
});

test('an ARP request inside VXLAN is decoded as ARP', () => {
  const arp = ethernet(0x0806, new Uint8Array([0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2]));
  const { ok, d } = decodeOne(ethernet(IPV4_TYPE, ipv4(17, udp(999, 4789, vxlan(3, arp)))));
  assert.equal(ok, true);
  assert.equal(d.l3, L3.ARP);
  assert.equal(d.arpOp, 1);
  assert.equal(d.tunnel, TunnelKind.VXLAN);
  assert.equal(d.tunnelId, 3);
});

test('the tunnel table is bounded: past MAX_TUNNELS the one idle longest is reported expired and forgotten', () => {
  const events: TunnelEvent[] = [];
  const table = new TunnelTable((e) => events.push(e), 7);
  const d = new DecodedPacket();
  d.tunnel = TunnelKind.GRE;
  d.tunnelId = 1;
  d.tunnelSrc[0] = 0x0ac80001;
  for (let i = 0; i <= MAX_TUNNELS; i++) {
    d.ts = 1000 + i;
    d.tunnelDst[0] = 0xc6120000 + i; // 198.18.x.y: one tunnel per address
    table.packet(d);
    table.packet(d);
  }
  assert.equal(table.size, MAX_TUNNELS);
  assert.equal(table.evicted, 1);
  const expired = events.filter((e) => e.record.action === 'Tunnel::EXPIRE');
  assert.deepEqual(expired.map((e) => [e.record['id.resp_h'], e.record.packets, e.ts]), [['198.18.0.0', 2, 1000]]);
  table.closeAll();
  assert.equal(table.size, 0);
  assert.equal(events.filter((e) => e.record.action === 'Tunnel::CLOSE').length, MAX_TUNNELS);
});

// ---- a UDP tunnel's own connection ----

test('VXLAN (a real capture): each outer UDP flow is a connection of its own with service "vxlan", as tshark counts its datagrams', { skip: TSHARK === undefined ? 'tshark not installed' : false }, async () => {
  const out = execFileSync(TSHARK!, ['-n', '-r', VXLAN_CAPTURE, '-T', 'fields', '-E', 'occurrence=f', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'udp.length', '-Y', 'vxlan'], { encoding: 'utf8' });
  // Per outer 5-tuple (both directions under one key): datagrams and UDP payload bytes.
  const want = new Map<string, { pkts: number; bytes: number }>();
  for (const line of out.trim().split('\n')) {
    const [s, sp, d, dp, len] = line.split('\t');
    const key = [`${s!}:${sp!}`, `${d!}:${dp!}`].sort().join(' ');
    const w = want.get(key) ?? { pkts: 0, bytes: 0 };
    w.pkts++;
    w.bytes += Number(len) - 8;
    want.set(key, w);
  }
  const { carriers, conns, tunnels } = await connRecords(VXLAN_CAPTURE);
  const frames = await readFrames(VXLAN_CAPTURE);
  // Bytes as Zeek gives them: left out for a one-datagram connection (no duration).
  const got = new Map(
    carriers.map((r) => [
      [`${r['id.orig_h']}:${r['id.orig_p']}`, `${r['id.resp_h']}:${r['id.resp_p']}`].sort().join(' '),
      { pkts: r.orig_pkts + r.resp_pkts, bytes: r.duration === undefined ? undefined : (r.orig_bytes ?? 0) + (r.resp_bytes ?? 0) },
    ]),
  );
  assert.ok([...got.values()].some((g) => g.bytes !== undefined), 'some outer flows carried more than one datagram');
  assert.deepEqual(got, new Map([...want].map(([k, w]) => [k, { pkts: w.pkts, bytes: w.pkts === 1 ? undefined : w.bytes }])));
  for (const r of carriers) {
    assert.equal(r.proto, 'udp');
    assert.equal(r.service, 'vxlan');
    assert.equal(r['id.resp_p'], 4789);
    assert.equal(r.tunnel, undefined, 'the outermost layer came out of no tunnel');
    assert.equal(r.tunnel_parents, undefined);
  }
  assert.equal(tunnels.vxlan, frames.length, 'a frame counts once, though it makes two flows move');
  assert.ok(conns.every((r) => r.tunnel === 'vxlan'));
});

test('tunnelConns off: the inner connections only, the same as with it on', async () => {
  const on = await connRecords(VXLAN_CAPTURE, { flows: { uidSeed: 1 } });
  const off = await connRecords(VXLAN_CAPTURE, { flows: { uidSeed: 1 }, decoder: { tunnelConns: false } });
  assert.equal(off.carriers.length, 0);
  const strip = (rs: ConnRecord[]): string[] => rs.map((r) => JSON.stringify({ ...r, uid: '', tunnel_parents: [] })).sort();
  assert.deepEqual(strip(off.conns), strip(on.conns));
  assert.deepEqual(off.tunnels, on.tunnels);
});

test('Geneve and Teredo datagrams are connections named after their tunnel; IP and GRE tunnels make none', async () => {
  const inner6 = ipv6(17, udp(5555, 53, new Uint8Array([9, 9])));
  const cases: [string, Uint8Array, string | undefined][] = [
    ['geneve', ethernet(IPV4_TYPE, ipv4(17, udp(40000, 6081, geneve(77, 0x0800, INNER_UDP)))), 'geneve'],
    ['teredo', ethernet(IPV4_TYPE, ipv4(17, udp(3544, 40001, inner6))), 'teredo'],
    ['gre', ethernet(IPV4_TYPE, ipv4(47, gre(0x0800, INNER_UDP, { key: 3 }))), undefined],
    ['ip', ethernet(IPV4_TYPE, ipv4(4, INNER_UDP)), undefined],
  ];
  const dir = tempDir('picket-tunnels-');
  try {
    for (const [name, frame, service] of cases) {
      const file = path.join(dir, `${name}.pcap`);
      const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
      w.write(1000, frame);
      w.write(1001, frame);
      await w.close();
      const { conns, carriers } = await connRecords(file);
      assert.equal(conns.length, 1, name);
      assert.equal(conns[0]!.tunnel, name);
      assert.equal(conns[0]!.orig_pkts, 2);
      if (service === undefined) {
        assert.deepEqual(carriers, [], name);
        continue;
      }
      assert.equal(carriers.length, 1, name);
      const c = carriers[0]!;
      assert.equal(c.service, service);
      // The tunnel's port is the responder's, as for any service port (Teredo's relay sent first here).
      assert.equal(c['id.resp_p'], name === 'geneve' ? 6081 : 3544);
      assert.deepEqual([c['id.orig_h'], c['id.resp_h']].sort(), ['10.200.0.1', '10.200.0.2']);
      assert.equal(c.orig_pkts + c.resp_pkts, 2);
      assert.equal((c.orig_bytes ?? 0) + (c.resp_bytes ?? 0), 2 * (frame.length - 14 - 20 - 8), `${name}: the UDP payload, tunnel header and inner packet`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('VXLAN inside GRE: the VXLAN datagram\'s connection names the GRE tunnel as its parent; the inner ones name VXLAN', async () => {
  const frames = innerFrames(await readFrames(VXLAN_CAPTURE));
  const nested = VARIANTS.find((v) => v.name === 'vxlan-in-gre')!;
  const dir = tempDir('picket-tunnels-');
  try {
    const file = path.join(dir, 'nested.pcap');
    const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
    for (const f of frames) w.write(f.ts, nested.wrap(f.bytes)!);
    await w.close();
    for (const layout of [{}, { decodeThread: true }] as Partial<ReplayOptions>[]) {
      const { conns, carriers, lines } = await connRecords(file, layout);
      const gre = lines.find((l) => l.kind === 'gre' && l.action === 'Tunnel::DISCOVER')!;
      const vx = lines.find((l) => l.kind === 'vxlan' && l.action === 'Tunnel::DISCOVER')!;
      assert.ok(gre !== undefined && vx !== undefined, JSON.stringify(lines));
      assert.equal(lines.find((l) => l.kind === 'gre' && l.action === 'Tunnel::CLOSE')!.packets, frames.length, 'the GRE tunnel counts every frame once');
      assert.equal(carriers.length, 1);
      assert.equal(carriers[0]!.service, 'vxlan');
      assert.equal(carriers[0]!.tunnel, 'gre');
      assert.equal(carriers[0]!.tunnel_id, 5);
      assert.deepEqual(carriers[0]!.tunnel_parents, [gre.uid]);
      assert.equal(carriers[0]!.orig_pkts, frames.length);
      for (const c of conns) assert.deepEqual(c.tunnel_parents, [vx.uid]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
