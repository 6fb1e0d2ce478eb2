/**
 * Tunnels: a real VXLAN capture (test/fixtures/tunnels/record-vxlan.sh, the
 * kernel's own VXLAN device between two namespaces) must yield the inner
 * connections, as tshark reads them, and no flow for the tunnel itself.
 * The kernel it was recorded on had no GRE, ERSPAN, Geneve, IP-in-IP,
 * PPTP, GTP-U, AYIYA or VXLAN-GPE devices, so the other kinds are built
 * around the same inner frames (tunnel-frames.ts: the bytes of each header
 * per its RFC, 3GPP TS 29.281, Cisco's ERSPAN draft or the AYIYA and
 * VXLAN-GPE drafts; the newer kinds also kept as captures in
 * test/fixtures/tunnels), checked with tshark where it is installed, and
 * must give the same connections, in one thread, with a decode thread and
 * on two pipeline threads. Then: the option that turns decapsulation off,
 * nesting and its bound, headers that are not what their port says, the
 * messages of each kind that carry no packet, and malformed or cut tunnels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LinkType } from '../../src/capture/packet.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { MAX_GTP_EXTENSIONS, mayBeTunnel, TUNNEL_NAMES, TunnelKind } from '../../src/decode/tunnel.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import { MAX_TUNNELS, TUNNEL_EXPIRY, TunnelTable, type TunnelEvent, type TunnelRecord } from '../../src/flows/tunnels.js';
import { replayCaptures, type ReplayOptions } from '../../src/pipeline/replay.js';
import { tempDir } from '../helpers/paths.js';
import { concat, raw } from './packets.js';
import {
  AYIYA_PORT, be16, be32, GTP_EXTS, GTP_PORT, GTP_TEID_DOWN, GTP_TEID_UP, IPV4_TYPE, IPV6_TYPE, PPTP_CALL_A, PPTP_CALL_B, TUNNEL_FIXTURES,
  VXLAN_CAPTURE, VXLAN_GPE_PORT, VXLAN_GPE_VNI, WRAPPED, ayiya, erspan2, erspan3, etherTypeOf, ethernet, geneve, gre, gtpv1,
  innerFrames, ipOnly, ipv4, ipv6, ppp, pptpGre, readFrames, udp, vxlan, vxlanGpe, writeWrapped, writeWrappedCaptures, type Wrap,
} from './tunnel-frames.js';

const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));

/** A small IPv4 UDP datagram (DNS port) to put in tunnels. */
const INNER_UDP = ipv4(17, udp(1111, 53, new Uint8Array([1, 2, 3, 4])));
/** The same in IPv6. */
const INNER_UDP6 = ipv6(17, udp(1111, 53, new Uint8Array([1, 2, 3, 4])));

interface Variant {
  name: string;
  kind: number;
  /** The id of packets from 10.200.0.1 (the first packet's: the tunnel's lines). */
  id: number | undefined;
  /** The id of packets from 10.200.0.2, when it differs (PPTP call ids, GTP TEIDs are the receiver's). */
  idBack?: number;
  /** Carries Ethernet (inner MACs kept) or only IP. */
  l2: boolean;
  /** The outer frame for an inner Ethernet frame, or null when this tunnel cannot carry it. */
  wrap: Wrap;
  /** The outer packets go the inner frame's way (from 10.200.0.2 when it sent it); else all from 10.200.0.1. */
  twoWay?: boolean;
  /** tshark display filter that must match the wrapping. */
  tshark: string;
}

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
  // The wrapped captures of test/fixtures/tunnels: the inner packet decoded by tshark too, every packet.
  {
    name: 'gtpv1', kind: TunnelKind.GTPV1, id: GTP_TEID_UP, idBack: GTP_TEID_DOWN, l2: false, twoWay: true, wrap: WRAPPED['gtpv1.pcap']!,
    tshark: `gtp.message == 0xff && (gtp.teid == ${GTP_TEID_UP} || gtp.teid == ${GTP_TEID_DOWN}) && (icmp || icmpv6 || tcp)`,
  },
  {
    name: 'ayiya', kind: TunnelKind.AYIYA, id: undefined, l2: false, twoWay: true, wrap: WRAPPED['ayiya.pcap']!,
    tshark: 'ayiya.opcode == 1 && (icmp || icmpv6 || tcp)',
  },
  {
    name: 'pptp', kind: TunnelKind.PPTP, id: PPTP_CALL_B, idBack: PPTP_CALL_A, l2: false, twoWay: true, wrap: WRAPPED['pptp.pcap']!,
    tshark: `(gre.key.call_id == ${PPTP_CALL_B} || gre.key.call_id == ${PPTP_CALL_A}) && (ppp.protocol == 0x0021 || ppp.protocol == 0x0057) && (icmp || icmpv6 || tcp)`,
  },
  {
    name: 'vxlan-gpe', kind: TunnelKind.VXLAN_GPE, id: VXLAN_GPE_VNI, l2: true, wrap: WRAPPED['vxlan-gpe.pcap']!,
    tshark: `vxlan.p_bit == 1 && vxlan.next_proto == 3 && vxlan.vni == ${VXLAN_GPE_VNI}`,
  },
  {
    name: 'vxlan-gpe-ip', kind: TunnelKind.VXLAN_GPE, id: 7, l2: false, tshark: 'vxlan.p_bit == 1 && vxlan.vni == 7 && (vxlan.next_proto == 1 || vxlan.next_proto == 2) && (icmp || icmpv6 || tcp)',
    wrap: (f) => { const ip = ipOnly(f); return ip === null ? null : ethernet(IPV4_TYPE, ipv4(17, udp(45001, VXLAN_GPE_PORT, vxlanGpe(7, etherTypeOf(f) === IPV4_TYPE ? 1 : 2, ip)))); },
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

/** The kinds that run over UDP: their outer datagrams are connections of their own. */
const UDP_KINDS = new Set(['vxlan', 'vxlan_gpe', 'geneve', 'gtpv1', 'teredo', 'ayiya']);

const macText = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

test('every tunnel kind around the same frames gives the same connections, with its kind and id', async (t) => {
  const frames = innerFrames(await readFrames(VXLAN_CAPTURE));
  const { conns: reference } = await connRecords(VXLAN_CAPTURE);
  const ref = byTuple(reference);
  // The inner MAC of 10.201.1.1's side, whose frame comes first: a connection it started went out from 10.200.0.1.
  const macA = macText(frames[0]!.bytes.subarray(6, 12));
  const dir = tempDir('picket-tunnels-');
  try {
    for (const v of VARIANTS) {
      await t.test(v.name, async () => {
        const file = path.join(dir, `${v.name}.pcap`);
        const written = await writeWrapped(file, frames, v.wrap);
        if (TSHARK !== undefined) {
          const matched = execFileSync(TSHARK, ['-n', '-r', file, '-Y', v.tshark], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '').length;
          assert.equal(matched, written, `tshark reads every packet as ${v.tshark}`);
          assert.equal(execFileSync(TSHARK, ['-n', '-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= "error"'], { encoding: 'utf8' }).trim(), '', 'and finds nothing malformed');
        }
        const { conns, carriers, tunnels, lines } = await connRecords(file);
        assert.equal(tunnels[TUNNEL_NAMES[v.kind]!], written, 'every packet came out of its tunnel');
        // A UDP tunnel's datagrams are connections named after it; IP, GRE and PPTP tunnels make none.
        assert.equal(carriers.length > 0, UDP_KINDS.has(TUNNEL_NAMES[v.kind]!), `${carriers.length} outer connections`);
        for (const c of carriers) assert.equal(c.service, TUNNEL_NAMES[v.kind]);
        assert.equal(carriers.reduce((n, c) => n + c.orig_pkts + c.resp_pkts, 0), UDP_KINDS.has(TUNNEL_NAMES[v.kind]!) ? written : 0);
        // A nested tunnel's outer layer has lines of its own (see the VXLAN-inside-GRE test below).
        const own = lines.filter((l) => l.kind === TUNNEL_NAMES[v.kind]);
        assert.deepEqual(own.map((l) => [l.action, l.kind, l.tunnel_id, l['id.orig_h'], l['id.resp_h'], l.packets]), [
          ['Tunnel::DISCOVER', TUNNEL_NAMES[v.kind], v.id, '10.200.0.1', '10.200.0.2', undefined],
          ['Tunnel::CLOSE', TUNNEL_NAMES[v.kind], v.id, '10.200.0.1', '10.200.0.2', written],
        ].map((row) => (v.name === 'ip-in-ipv6' ? [row[0], row[1], row[2], '2001:db8:ff00::1', '2001:db8:ff00::2', row[5]] : row)));
        let back = 0;
        for (const r of conns) {
          const want = ref.get(tuple(r));
          assert.ok(want !== undefined, `${tuple(r)} is in the VXLAN original`);
          for (const f of COMPARED) assert.deepEqual(r[f], want[f], `${tuple(r)} ${f}`);
          assert.equal(r.tunnel, TUNNEL_NAMES[v.kind]);
          const fromA = v.twoWay !== true || want.orig_l2_addr === macA;
          if (!fromA) back++;
          assert.equal(r.tunnel_id, fromA ? v.id : v.idBack ?? v.id, `${tuple(r)}: the id of its first packet`);
          if (v.l2) assert.equal(r.orig_l2_addr, want.orig_l2_addr, 'the inner frame\'s MACs');
          else assert.equal(r.orig_l2_addr, fromA ? '02:00:00:00:00:0a' : '02:00:00:00:00:0b', 'an IP tunnel keeps the outer frame\'s MACs');
        }
        if (v.twoWay === true) assert.ok(back > 0, 'some connections were started from the other side');
        // IP tunnels leave the ARP frames out, which make no connections: the same set either way.
        assert.deepEqual(new Set(conns.map(tuple)), new Set(reference.map(tuple)));
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the wrapped captures in test/fixtures/tunnels are what make-wrapped.ts writes', async () => {
  const dir = tempDir('picket-tunnels-');
  try {
    await writeWrappedCaptures(dir);
    for (const name of Object.keys(WRAPPED)) {
      assert.ok(fs.readFileSync(path.join(TUNNEL_FIXTURES, name)).equals(fs.readFileSync(path.join(dir, name))), `${name}: run make-wrapped.js again`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const TUNNEL_CAPTURES = [VXLAN_CAPTURE, ...Object.keys(WRAPPED).map((name) => path.join(TUNNEL_FIXTURES, name))];

test('each tunnelled capture through a decode thread and two pipeline threads: the same records', async (t) => {
  for (const file of TUNNEL_CAPTURES) {
    await t.test(path.basename(file), async () => {
      const one = await connRecords(file, { flows: { uidSeed: 1 } });
      const decodeThread = await connRecords(file, { flows: { uidSeed: 1 }, decodeThread: true });
      const workers = await connRecords(file, { flows: { uidSeed: 1 }, workers: 2 });
      // uids depend on the thread layout's numbering; what must hold is that each connection names its run's tunnel.
      for (const run of [one, decodeThread, workers]) {
        const tunnelUids = new Set(run.lines.map((l) => l.uid));
        for (const c of run.conns) assert.ok(c.tunnel_parents?.length === 1 && tunnelUids.has(c.tunnel_parents[0]!), `${c.uid}: ${String(c.tunnel_parents)}`);
      }
      const strip = (rs: readonly object[]): string[] => rs.map((r) => JSON.stringify({ ...r, uid: '', ...('tunnel_parents' in r ? { tunnel_parents: [] } : {}) })).sort();
      assert.ok(one.conns.length > 5);
      assert.deepEqual(strip(decodeThread.conns), strip(one.conns));
      assert.deepEqual(strip(workers.conns), strip(one.conns));
      assert.deepEqual(strip(decodeThread.carriers), strip(one.carriers));
      assert.deepEqual(strip(workers.carriers), strip(one.carriers));
      assert.deepEqual(strip(decodeThread.lines), strip(one.lines));
      assert.deepEqual(strip(workers.lines), strip(one.lines));
      assert.equal(one.lines.length, 2);
    });
  }
});

/** conn.jsonl and tunnel.jsonl lines of a replay of `file` written to `dir`, uids and tunnel_parents blanked, sorted. */
async function logLines(file: string, dir: string, opts: Partial<ReplayOptions>): Promise<{ conn: string[]; tunnel: string[]; connLogThread: boolean }> {
  const summary = await replayCaptures([file], { ...opts, protocols: [], logsDir: dir, flows: { uidSeed: 1 } });
  const read = (log: string): string[] =>
    fs.readFileSync(path.join(dir, `${log}.jsonl`), 'utf8').trim().split('\n')
      .map((l) => JSON.stringify({ ...(JSON.parse(l) as object), uid: '', tunnel_parents: [] })).sort();
  return { conn: read('conn'), tunnel: read('tunnel'), connLogThread: summary.connLogThread === true };
}

test('a GTP TEID above 2^31 reaches conn.jsonl and tunnel.jsonl unchanged, written by one thread, the conn log thread or two pipeline threads', async () => {
  const file = path.join(TUNNEL_FIXTURES, 'gtpv1.pcap');
  const dir = tempDir('picket-tunnels-');
  try {
    const one = await logLines(file, dir, {});
    const threads = await logLines(file, dir, { decodeThread: true });
    const workers = await logLines(file, dir, { workers: 2 });
    assert.equal(threads.connLogThread, true, 'conn.jsonl was built from the flow records copied to its thread');
    assert.ok(GTP_TEID_UP > 2 ** 31);
    assert.ok(one.conn.some((l) => l.includes(`"tunnel":"gtpv1","tunnel_id":${GTP_TEID_UP},`)), one.conn.join('\n'));
    assert.ok(one.conn.some((l) => l.includes(`"tunnel_id":${GTP_TEID_DOWN},`)));
    assert.ok(one.tunnel.every((l) => l.includes(`"tunnel_id":${GTP_TEID_UP}`) && l.includes('"tunnel_type":"Tunnel::GTPv1"')), one.tunnel.join('\n'));
    assert.equal(one.tunnel.length, 2);
    assert.deepEqual(threads, { ...one, connLogThread: true });
    assert.deepEqual(workers, one);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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

test('GRE: version 1 without PPTP\'s key, source routing and unknown payload types are left as GRE; a cut header too', () => {
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

/** `frame` decoded and left as its outer packet (protocol `proto`, destination port `port`), no tunnel counted; the anomalies counted. */
function leftAlone(frame: Uint8Array, proto: number, port: number): Record<string, number> {
  const { ok, d, dec } = decodeOne(frame);
  assert.equal(ok, true);
  assert.equal(d.tunnel, 0);
  assert.equal(d.proto, proto);
  assert.equal(d.dstPort, port);
  assert.deepEqual(dec.stats.tunnels, {});
  assert.deepEqual(dec.stats.malformed, {});
  return dec.stats.anomalies;
}

const gtpFrame = (gtp: Uint8Array, sport = GTP_PORT): Uint8Array => ethernet(IPV4_TYPE, ipv4(17, udp(sport, GTP_PORT, gtp)));

test('GTPv1-U: G-PDUs with a sequence number, extension headers or the N-PDU flag give the IPv4 or IPv6 packet inside and the 32-bit TEID', () => {
  const cases: [Uint8Array, number][] = [
    [gtpv1(GTP_TEID_UP, INNER_UDP), L3.IPV4],
    [gtpv1(GTP_TEID_UP, INNER_UDP6, { seq: 7 }), L3.IPV6],
    [gtpv1(GTP_TEID_UP, INNER_UDP, { seq: 8, exts: GTP_EXTS }), L3.IPV4],
    // PN alone: the optional 4 bytes are there; their next-extension byte (0x85) counts only with E.
    [concat([0x31, 0xff, 0, 4 + INNER_UDP.length, 0x9a, 0xbc, 0xde, 0xf0, 0, 0, 3, 0x85], INNER_UDP), L3.IPV4],
  ];
  for (const [gtp, l3] of cases) {
    const { ok, d, dec } = decodeOne(gtpFrame(gtp, 33000));
    assert.equal(ok, true);
    assert.equal(d.tunnel, TunnelKind.GTPV1);
    assert.equal(d.tunnelId, GTP_TEID_UP);
    assert.equal(d.l3, l3);
    assert.equal(d.dstPort, 53);
    assert.equal(d.tunnelSrcPort, 33000);
    assert.deepEqual(dec.stats.tunnels, { gtpv1: 1 });
    assert.deepEqual(dec.stats.anomalies, {});
  }
});

test('GTPv1-U: the extension chain is followed up to MAX_GTP_EXTENSIONS; one more, a zero length or a cut chain is counted and the datagram left as UDP', () => {
  const many = (n: number): [number, number[]][] => Array.from({ length: n }, () => [0xc0, [0, 1]] as [number, number[]]);
  const atBound = decodeOne(gtpFrame(gtpv1(5, INNER_UDP, { exts: many(MAX_GTP_EXTENSIONS) })));
  assert.equal(atBound.d.tunnel, TunnelKind.GTPV1);
  assert.equal(atBound.d.dstPort, 53);
  const past = gtpv1(5, INNER_UDP, { exts: many(MAX_GTP_EXTENSIONS + 1) });
  const zeroLength = gtpv1(5, INNER_UDP, { exts: GTP_EXTS });
  zeroLength[12] = 0; // the first extension's length
  const longer = gtpv1(5, new Uint8Array(0), { exts: GTP_EXTS });
  longer[16] = 200; // the second extension's length: past the packet
  const noOptional = concat([0x34, 0xff, 0, 0, 0, 0, 0, 5]); // E set, the 4 optional bytes missing
  const pastDatagram = gtpv1(5, INNER_UDP);
  pastDatagram[3]! += 1; // GTP length one byte more than the datagram holds
  const empty = gtpv1(5, new Uint8Array(0), { seq: 1 });
  for (const g of [past, zeroLength, longer, noOptional, pastDatagram, empty]) {
    assert.deepEqual(leftAlone(gtpFrame(g), 17, GTP_PORT), { gtpv1_bad_header: 1 }, Buffer.from(g.subarray(0, 24)).toString('hex'));
  }
});

test('GTPv1-U: echo, end marker and error indication, GTPv2, GTP\' and a non-IP payload stay UDP, not counted as bad', () => {
  const echo = gtpv1(0, new Uint8Array(0), { type: 1, seq: 9 });
  const echoResponse = gtpv1(0, new Uint8Array([14, 0]), { type: 2, seq: 9 }); // Recovery IE
  const endMarker = gtpv1(GTP_TEID_UP, new Uint8Array(0), { type: 0xfe });
  const errorIndication = gtpv1(0, new Uint8Array([16, 0, 0, 0, 5]), { type: 0x1a, seq: 1 });
  const v2 = concat([0x48, 0x20, 0, 8, 0, 0, 0, 1, 0, 0, 1, 0], INNER_UDP); // GTPv2-C Create Session Request
  const prime = gtpv1(5, INNER_UDP);
  prime[0] = 0x20; // PT 0: GTP'
  const notIp = gtpv1(5, new Uint8Array([0x00, 1, 2, 3, 4, 5]));
  for (const g of [echo, echoResponse, endMarker, errorIndication, v2, prime, notIp]) {
    assert.deepEqual(leftAlone(gtpFrame(g), 17, GTP_PORT), {});
  }
});

const ayiyaFrame = (body: Uint8Array, toServer = true): Uint8Array =>
  ethernet(IPV4_TYPE, ipv4(17, toServer ? udp(40001, AYIYA_PORT, body) : udp(AYIYA_PORT, 40001, body)));

test('AYIYA: forwarded IPv6 and IPv4 either way are decoded; other opcodes and next headers stay UDP; an identity past the end or the wrong IP version is counted', () => {
  for (const [body, toServer, l3] of [[ayiya(41, INNER_UDP6), true, L3.IPV6], [ayiya(4, INNER_UDP), false, L3.IPV4]] as const) {
    const { ok, d, dec } = decodeOne(ayiyaFrame(body, toServer));
    assert.equal(ok, true);
    assert.equal(d.tunnel, TunnelKind.AYIYA);
    assert.equal(d.tunnelId, -1);
    assert.equal(d.l3, l3);
    assert.equal(d.dstPort, 53);
    assert.deepEqual(dec.stats.tunnels, { ayiya: 1 });
  }
  // Opcode 0 (no operation: a heartbeat) and 2 (echo request); next header 59 (nothing).
  for (const body of [ayiya(41, INNER_UDP6, 0), ayiya(41, INNER_UDP6, 2), ayiya(59, new Uint8Array(0))]) {
    assert.deepEqual(leftAlone(ayiyaFrame(body), 17, AYIYA_PORT), {});
  }
  const longIdentity = ayiya(41, INNER_UDP6);
  longIdentity[0] = 0xf1; // 2^15 bytes of identity
  const wrongVersion = ayiya(41, INNER_UDP);
  const cut = ayiya(41, new Uint8Array(0));
  for (const body of [longIdentity, wrongVersion, cut]) assert.deepEqual(leftAlone(ayiyaFrame(body), 17, AYIYA_PORT), { ayiya_bad_header: 1 });
});

const greFrame = (g: Uint8Array): Uint8Array => ethernet(IPV4_TYPE, ipv4(47, g));

test('PPTP: IPv4 and IPv6 in PPP, with or without address/control and protocol-field compression, sequence and acknowledgement, give the inner packet and the call id', () => {
  for (const opts of [{}, { acfc: true }, { pfc: true }, { acfc: true, pfc: true }]) {
    for (const [inner, proto, l3] of [[INNER_UDP, 0x21, L3.IPV4], [INNER_UDP6, 0x57, L3.IPV6]] as const) {
      for (const numbers of [{}, { seq: 1 }, { seq: 2, ack: 1 }]) {
        const { ok, d, dec } = decodeOne(greFrame(pptpGre(PPTP_CALL_A, ppp(proto, inner, opts), numbers)));
        assert.equal(ok, true);
        assert.equal(d.tunnel, TunnelKind.PPTP, JSON.stringify([opts, numbers]));
        assert.equal(d.tunnelId, PPTP_CALL_A);
        assert.equal(d.l3, l3);
        assert.equal(d.dstPort, 53);
        assert.deepEqual(dec.stats.tunnels, { pptp: 1 });
      }
    }
  }
});

test('PPTP: acknowledgements alone, LCP, CCP and MPPE data stay GRE, uncounted; a payload length past the packet or a cut PPP header is counted', () => {
  const ackOnly = concat([0x20, 0x81, 0x88, 0x0b, 0, 0, ...be16(PPTP_CALL_A), 0, 0, 0, 9]);
  const lcp = pptpGre(PPTP_CALL_A, ppp(0xc021, new Uint8Array([1, 1, 0, 8, 5, 6, 1, 2])), { seq: 0 });
  const ccp = pptpGre(PPTP_CALL_A, ppp(0x80fd, new Uint8Array([1, 1, 0, 10, 18, 6, 1, 0, 0, 0x40])), { seq: 1 });
  const mppe = pptpGre(PPTP_CALL_A, ppp(0xfd, new Uint8Array([0x90, 0x01, 0xaa, 0xbb, 0xcc]), { pfc: true }), { seq: 2 });
  const mppeLong = pptpGre(PPTP_CALL_A, ppp(0x00fd, new Uint8Array([0x90, 0x02, 0xaa, 0xbb]), { acfc: true }), { seq: 3 });
  const withChecksum = pptpGre(PPTP_CALL_A, ppp(0x21, INNER_UDP));
  withChecksum[0]! |= 0x80;
  for (const g of [ackOnly, lcp, ccp, mppe, mppeLong, withChecksum]) assert.deepEqual(leftAlone(greFrame(g), 47, 0), {});
  const pastPacket = pptpGre(PPTP_CALL_A, ppp(0x21, INNER_UDP));
  pastPacket[5]! += 1; // payload length one more than the packet holds
  const cutPpp = pptpGre(PPTP_CALL_A, new Uint8Array([0xff, 0x03, 0x00]));
  const cutHeader = new Uint8Array([0x30, 0x81, 0x88, 0x0b, 0, 20]);
  for (const g of [pastPacket, cutPpp, cutHeader]) assert.deepEqual(leftAlone(greFrame(g), 47, 0), { pptp_bad_header: 1 });
});

test('PPTP: the control connection on TCP 1723 is TCP; with GRE beside it, only the PPP frames that carry IP leave the tunnel', async () => {
  // Start-Control-Connection-Request: length 156, message type 1, magic cookie, control type 1.
  const sccrq = concat([0, 156, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0], new Uint8Array(144));
  const tcp = (sport: number, dport: number, flags: number, seq: number, ack: number, data: Uint8Array): Uint8Array =>
    concat([...be16(sport), ...be16(dport), ...be32(seq), ...be32(ack), 0x50, flags, 0xff, 0xff, 0, 0, 0, 0], data);
  const control = decodeOne(ethernet(IPV4_TYPE, ipv4(6, tcp(40000, 1723, 0x18, 1, 1, sccrq))));
  assert.equal(control.d.proto, 6);
  assert.equal(control.d.dstPort, 1723);
  assert.equal(control.d.tunnel, 0);
  assert.deepEqual(control.dec.stats.tunnels, {});
  const dir = tempDir('picket-tunnels-');
  try {
    const file = path.join(dir, 'pptp-call.pcap');
    const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
    const empty = new Uint8Array(0);
    w.write(1000, ethernet(IPV4_TYPE, ipv4(6, tcp(40000, 1723, 0x02, 0, 0, empty))));
    w.write(1000.01, ethernet(IPV4_TYPE, ipv4(6, tcp(1723, 40000, 0x12, 0, 1, empty), true), true));
    w.write(1000.02, ethernet(IPV4_TYPE, ipv4(6, tcp(40000, 1723, 0x10, 1, 1, empty))));
    w.write(1000.03, ethernet(IPV4_TYPE, ipv4(6, tcp(40000, 1723, 0x18, 1, 1, sccrq))));
    w.write(1001, greFrame(pptpGre(PPTP_CALL_B, ppp(0xc021, new Uint8Array([1, 1, 0, 4])), { seq: 0 })));
    w.write(1001.1, ethernet(IPV4_TYPE, ipv4(47, concat([0x20, 0x81, 0x88, 0x0b, 0, 0, ...be16(PPTP_CALL_A), 0, 0, 0, 0]), true), true));
    w.write(1002, greFrame(pptpGre(PPTP_CALL_B, ppp(0x21, INNER_UDP), { seq: 1 })));
    w.write(1002.1, greFrame(pptpGre(PPTP_CALL_B, ppp(0xfd, new Uint8Array([0x90, 3, 1, 2]), { pfc: true }), { seq: 2 })));
    await w.close();
    const { conns, tunnels, lines } = await connRecords(file);
    assert.deepEqual(tunnels, { pptp: 1 });
    assert.deepEqual(conns.map((c) => [tuple(c), c.tunnel, c.tunnel_id]).sort(), [
      ['tcp 10.200.0.1:40000 > 10.200.0.2:1723', undefined, undefined],
      ['udp 10.200.0.1:1111 > 10.200.0.2:53', 'pptp', PPTP_CALL_B],
    ]);
    assert.deepEqual(lines.map((l) => [l.action, l.tunnel_type, l.kind, l.tunnel_id, l.packets]), [
      ['Tunnel::DISCOVER', 'Tunnel::GRE', 'pptp', PPTP_CALL_B, undefined],
      ['Tunnel::CLOSE', 'Tunnel::GRE', 'pptp', PPTP_CALL_B, 1],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const gpeFrame = (body: Uint8Array): Uint8Array => ethernet(IPV4_TYPE, ipv4(17, udp(45000, VXLAN_GPE_PORT, body)));

test('VXLAN-GPE: IPv4, IPv6 and Ethernet are decoded with the VNI; NSH, MPLS, a clear P or I flag and another version stay UDP', () => {
  for (const [body, l3] of [[vxlanGpe(9, 1, INNER_UDP), L3.IPV4], [vxlanGpe(9, 2, INNER_UDP6), L3.IPV6], [vxlanGpe(9, 3, ethernet(IPV4_TYPE, INNER_UDP)), L3.IPV4]] as const) {
    const { ok, d, dec } = decodeOne(gpeFrame(body));
    assert.equal(ok, true);
    assert.equal(d.tunnel, TunnelKind.VXLAN_GPE);
    assert.equal(d.tunnelId, 9);
    assert.equal(d.l3, l3);
    assert.equal(d.dstPort, 53);
    assert.deepEqual(dec.stats.tunnels, { vxlan_gpe: 1 });
  }
  const noP = vxlanGpe(9, 1, INNER_UDP);
  noP[0] = 0x08;
  const noI = vxlanGpe(9, 1, INNER_UDP);
  noI[0] = 0x04;
  const v1 = vxlanGpe(9, 1, INNER_UDP);
  v1[0] = 0x1c;
  for (const body of [vxlanGpe(9, 4, INNER_UDP), vxlanGpe(9, 5, INNER_UDP), noP, noI, v1, new Uint8Array([0x0c, 0, 0, 1])]) {
    assert.deepEqual(leftAlone(gpeFrame(body), 17, VXLAN_GPE_PORT), {});
  }
});

test('every cut of a GTP, AYIYA, PPTP or VXLAN-GPE packet decodes without throwing: as the tunnel, as the outer packet, or counted', () => {
  const frames = [
    gtpFrame(gtpv1(GTP_TEID_UP, INNER_UDP, { seq: 1, exts: GTP_EXTS })),
    ayiyaFrame(ayiya(41, INNER_UDP6)),
    greFrame(pptpGre(PPTP_CALL_A, ppp(0x21, INNER_UDP), { seq: 1, ack: 1 })),
    gpeFrame(vxlanGpe(9, 3, ethernet(IPV4_TYPE, INNER_UDP))),
  ];
  for (const frame of frames) {
    let asTunnel = 0;
    for (let caplen = 0; caplen <= frame.length; caplen++) {
      const dec = new PacketDecoder();
      const d = new DecodedPacket();
      const ok = dec.decode(raw(frame, LinkType.ETHERNET, 1000, caplen), d);
      if (ok && d.tunnel !== 0) asTunnel++;
      if (!ok) assert.ok(Object.keys(dec.stats.malformed).length > 0, `caplen ${caplen}: a packet not decoded is counted`);
    }
    assert.ok(asTunnel > 0, 'the whole packet comes out of its tunnel');
  }
});

test('mayBeTunnel: the new ports by destination (AYIYA by source too); ports beside them and TCP are not looked at', () => {
  const d = new DecodedPacket();
  const may = (proto: number, src: number, dst: number): boolean => {
    d.proto = proto;
    d.srcPort = src;
    d.dstPort = dst;
    return mayBeTunnel(d);
  };
  for (const port of [GTP_PORT, VXLAN_GPE_PORT, AYIYA_PORT, 4789, 6081, 3544]) assert.equal(may(17, 50000, port), true, String(port));
  for (const port of [AYIYA_PORT, 3544]) assert.equal(may(17, port, 50000), true, `from ${port}`);
  for (const port of [53, 2151, 2153, 4788, 4791, 5071, 5073, 6080, 6082, 50000]) assert.equal(may(17, 50001, port), false, String(port));
  assert.equal(may(17, GTP_PORT, 50000), false, 'GTP-U is read by destination port, as 29.281 sends it');
  assert.equal(may(6, 50000, GTP_PORT), false);
  assert.equal(may(47, 0, 0), true);
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
    await writeWrapped(file, frames, nested.wrap);
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

test('GRE, ERSPAN, VXLAN and Geneve headers that run past the packet on the wire are counted; one cut by the snap length is not', () => {
  const inner = ethernet(IPV4_TYPE, INNER_UDP);
  const lying: [string, Uint8Array][] = [
    // K flag set, the key missing.
    ['gre_bad_header', ethernet(IPV4_TYPE, ipv4(47, new Uint8Array([0x20, 0, 0x08, 0, 0, 0])))],
    // ERSPAN type III, its 12-byte header cut at 6.
    ['erspan_bad_header', ethernet(IPV4_TYPE, ipv4(47, concat(gre(0x22eb, new Uint8Array(0), { seq: 1 }), new Uint8Array([0x20, 0, 0, 9, 0, 0]))))],
    // The I flag, five bytes in all.
    ['vxlan_bad_header', ethernet(IPV4_TYPE, ipv4(17, udp(999, 4789, new Uint8Array([0x08, 0, 0, 0, 0]))))],
    // Version 0 with 8 words of options announced and none there.
    ['geneve_bad_header', ethernet(IPV4_TYPE, ipv4(17, udp(999, 6081, new Uint8Array([0x08, 0, 0x65, 0x58, 0, 0, 1, 0]))))],
  ];
  for (const [reason, frame] of lying) {
    const { ok, d, dec } = decodeOne(frame);
    assert.equal(ok, true, reason);
    assert.equal(d.tunnel, 0, `${reason}: left as the outer packet`);
    assert.deepEqual(dec.stats.anomalies, { [reason]: 1 });
    assert.deepEqual(dec.stats.tunnels, {});
  }
  // Whole headers on the wire, the capture cut inside them (a small snap length): not tunnels here, and no anomaly.
  const whole: Uint8Array[] = [
    ethernet(IPV4_TYPE, ipv4(47, gre(0x6558, inner, { key: 7 }))),
    ethernet(IPV4_TYPE, ipv4(17, udp(999, 4789, vxlan(3, inner)))),
    ethernet(IPV4_TYPE, ipv4(17, udp(999, 6081, geneve(77, 0x6558, inner)))),
  ];
  for (const frame of whole) {
    const headers = 14 + 20 + (frame[23] === 47 ? 6 : 8 + 5);
    const dec = new PacketDecoder();
    const d = new DecodedPacket();
    assert.equal(dec.decode(raw(frame, LinkType.ETHERNET, 1000, headers), d), true);
    assert.equal(d.tunnel, 0);
    assert.deepEqual(dec.stats.anomalies, {}, `cut at ${headers} bytes`);
    // And whole, each is a tunnel.
    const full = decodeOne(frame);
    assert.notEqual(full.d.tunnel, 0);
  }
});
