/**
 * The decoder against real captures from the Zeek corpus: every packet of
 * each trace is read with the project's file reader and decoded, and the
 * results are compared with what the trace's README and Zeek baselines say
 * (VLAN ids, ARP fields, reassembled datagrams, per-direction packet and IP
 * byte totals of conn.log, and no malformed counts on clean traces).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { readZeekLog } from '../helpers/zeek-log.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { PacketDecoder, addrToString, macToString, ipv4ToString } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';

/** What a test wants to know about one decoded packet (copied: the decoder reuses its record). */
interface Row {
  ok: boolean;
  l3: number;
  vlan: number;
  innerVlan: number;
  mplsLabels: number;
  srcMac: string;
  dstMac: string;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  ipLen: number;
  ttl: number;
  fragment: boolean;
  reassembled: boolean;
  payloadWireLen: number;
  payload: string;
  /** First next-header value of an IPv6 packet (44 = fragment header), else -1. */
  v6FirstNext: number;
  arp: { op: number; sha: string; spa: string; tha: string; tpa: string } | null;
}

async function decodeTrace(dir: string, file: string): Promise<{ d: PacketDecoder; rows: Row[] }> {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const rows: Row[] = [];
  await openCaptureFiles([path.join(ZEEK_CORPUS, dir, file)]).run((pkt) => {
    const ok = d.decode(pkt, out);
    rows.push({
      ok,
      l3: out.l3,
      vlan: out.vlan,
      innerVlan: out.innerVlan,
      mplsLabels: out.mplsLabels,
      srcMac: macToString(out.srcMac),
      dstMac: macToString(out.dstMac),
      src: out.l3 === L3.ARP ? '' : addrToString(out, 'src'),
      dst: out.l3 === L3.ARP ? '' : addrToString(out, 'dst'),
      proto: out.proto,
      sport: out.srcPort,
      dport: out.dstPort,
      ipLen: out.ipLen,
      ttl: out.ttl,
      fragment: out.fragment,
      reassembled: out.reassembled,
      payloadWireLen: out.payloadWireLen,
      payload: ok ? Buffer.from(out.buf.subarray(out.payloadOffset, out.payloadOffset + out.payloadLen)).toString('latin1') : '',
      v6FirstNext: out.l3 === L3.IPV6 ? out.buf[out.l3Offset + 6]! : -1,
      arp:
        out.l3 === L3.ARP
          ? {
              op: out.arpOp,
              sha: macToString(out.arpSha),
              spa: ipv4ToString(out.arpSpa),
              tha: macToString(out.arpTha),
              tpa: ipv4ToString(out.arpTpa),
            }
          : null,
    });
  });
  return { d, rows };
}

/** Baseline lines of a btest stdout file (the first line is btest's header). */
function baselineLines(dir: string, file: string): string[] {
  return fs
    .readFileSync(path.join(ZEEK_CORPUS, dir, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('### BTest'));
}

/** A `zeek-cut -m` file: a header line of field names, then tab-separated rows ("-" = unset). */
function readCut(dir: string, file: string): Array<Record<string, string | undefined>> {
  const [header, ...rows] = baselineLines(dir, file);
  const names = header!.split('\t');
  return rows.map((line) => {
    const values = line.split('\t');
    const row: Record<string, string | undefined> = {};
    names.forEach((n, i) => (row[n] = values[i] === '-' ? undefined : values[i]));
    return row;
  });
}

function assertClean(d: PacketDecoder): void {
  assert.deepEqual(d.stats.malformed, {});
  assert.deepEqual(d.stats.unsupported, {});
  assert.equal(d.stats.decoded, d.stats.packets);
}

/** Per-direction packet and IP byte totals, keyed "src:sport>dst:dport/proto". */
function directionTotals(rows: Row[]): Map<string, { pkts: number; bytes: number }> {
  const m = new Map<string, { pkts: number; bytes: number }>();
  for (const r of rows) {
    if (!r.ok || (r.l3 !== L3.IPV4 && r.l3 !== L3.IPV6)) continue;
    const k = `${r.src}:${r.sport}>${r.dst}:${r.dport}/${r.proto}`;
    const t = m.get(k) ?? { pkts: 0, bytes: 0 };
    t.pkts++;
    t.bytes += r.ipLen;
    m.set(k, t);
  }
  return m;
}

/** Every conn.log line's orig/resp packet and IP byte counts equal the decoded per-direction totals. */
function assertConnTotals(rows: Row[], connLog: string): void {
  const totals = directionTotals(rows);
  const conns = readZeekLog(connLog);
  assert.ok(conns.length > 0);
  for (const c of conns) {
    const proto = c['proto'] === 'tcp' ? 6 : c['proto'] === 'udp' ? 17 : 1;
    const fwd = totals.get(`${c['id.orig_h']}:${c['id.orig_p']}>${c['id.resp_h']}:${c['id.resp_p']}/${proto}`) ?? { pkts: 0, bytes: 0 };
    const rev = totals.get(`${c['id.resp_h']}:${c['id.resp_p']}>${c['id.orig_h']}:${c['id.orig_p']}/${proto}`) ?? { pkts: 0, bytes: 0 };
    const what = `${c['id.orig_h']}:${c['id.orig_p']} -> ${c['id.resp_h']}:${c['id.resp_p']}`;
    assert.equal(fwd.pkts, Number(c['orig_pkts']), `${what} orig_pkts`);
    assert.equal(fwd.bytes, Number(c['orig_ip_bytes']), `${what} orig_ip_bytes`);
    assert.equal(rev.pkts, Number(c['resp_pkts']), `${what} resp_pkts`);
    assert.equal(rev.bytes, Number(c['resp_ip_bytes']), `${what} resp_ip_bytes`);
  }
}

test('linux-dlt-sll2: ICMP, ICMPv6 and ARP over Linux cooked v2', async () => {
  const { d, rows } = await decodeTrace('linux-dlt-sll2', 'linux_dlt_sll2.pcap');
  assert.equal(rows.length, 6);
  assert.deepEqual(d.stats.malformed, {});
  // The sixth packet is RARP (0x8035), which Picket does not decode.
  assert.deepEqual(d.stats.unsupported, { ethertype_0x8035: 1 });
  // stdout: [orig_h=192.0.2.1, orig_p=8/icmp, ...], [v6=F, itype=8, icode=0, len=56, ttl=64]
  const icmp = rows.slice(0, 4).map((r) => [r.src, r.dst, r.proto, r.sport, r.dport, r.payloadWireLen, r.ttl]);
  assert.deepEqual(icmp, [
    ['192.0.2.1', '192.0.2.1', 1, 8, 0, 56, 64],
    ['192.0.2.1', '192.0.2.1', 1, 0, 0, 56, 64],
    ['fe80::8c36:6ff:fe44:acaf', 'fe80::8c36:6ff:fe44:acaf', 58, 128, 0, 56, 64],
    ['fe80::8c36:6ff:fe44:acaf', 'fe80::8c36:6ff:fe44:acaf', 58, 129, 0, 56, 64],
  ]);
  // ARP line: src mac, dst mac, SPA, SHA, TPA, THA. SLL2 has no destination MAC (Zeek prints zeros).
  const [srcMac, , spa, sha, tpa, tha] = baselineLines('linux-dlt-sll2', 'stdout.txt')[4]!.split(', ');
  const arp = rows[4]!;
  assert.equal(arp.srcMac, srcMac);
  assert.equal(arp.dstMac, '');
  assert.deepEqual(arp.arp, { op: 1, sha, spa, tha, tpa });
});

test('linuxsll-arp: every ARP packet matches the baseline', async () => {
  const { d, rows } = await decodeTrace('linuxsll-arp', 'linuxsll-arp.pcap');
  assertClean(d);
  const lines = baselineLines('linuxsll-arp', 'stdout.txt');
  assert.equal(rows.length, lines.length);
  for (let i = 0; i < rows.length; i++) {
    const [srcMac, , spa, sha, tpa, tha] = lines[i]!.split(', ');
    const r = rows[i]!;
    assert.equal(r.l3, L3.ARP);
    assert.equal(r.srcMac, srcMac, `packet ${i}`);
    assert.equal(r.arp?.sha, sha, `packet ${i}`);
    assert.equal(r.arp?.spa, spa, `packet ${i}`);
    assert.equal(r.arp?.tha, tha, `packet ${i}`);
    assert.equal(r.arp?.tpa, tpa, `packet ${i}`);
  }
});

test('http-qinq-0: every packet carries outer VLAN 0 and inner VLAN 0', async () => {
  const { d, rows } = await decodeTrace('http-qinq-0', 'http-qinq-0.pcap');
  assertClean(d);
  // conn.log.cut: vlan 0, inner_vlan 0
  const cut = readCut('http-qinq-0', 'conn.log.cut');
  assert.equal(cut.length, 1);
  for (const r of rows) {
    assert.equal(r.vlan, Number(cut[0]!['vlan']));
    assert.equal(r.innerVlan, Number(cut[0]!['inner_vlan']));
    assert.equal(r.proto, 6);
  }
});

test('http-vlan-0: VLAN id 0 (priority tag), no inner VLAN', async () => {
  const { d, rows } = await decodeTrace('http-vlan-0', 'http-vlan-0.pcap');
  assertClean(d);
  const cut = readCut('http-vlan-0', 'conn.log.cut');
  assert.equal(cut.length, 1);
  assert.equal(cut[0]!['inner_vlan'], undefined);
  for (const r of rows) {
    assert.equal(r.vlan, Number(cut[0]!['vlan']));
    assert.equal(r.innerVlan, -1);
  }
});

test('mixed-vlan-mpls: MPLS and VLAN packets; per-direction totals equal conn.log', async () => {
  const { d, rows } = await decodeTrace('mixed-vlan-mpls', 'mixed-vlan-mpls.pcap');
  assertClean(d);
  const telnet = rows.filter((r) => r.dport === 23);
  assert.equal(telnet.length, 11);
  for (const r of telnet) assert.equal(r.mplsLabels, 1);
  assert.ok(rows.some((r) => r.vlan >= 0), 'some packets are VLAN-tagged');
  assertConnTotals(rows, path.join(ZEEK_CORPUS, 'mixed-vlan-mpls', 'conn.log'));
});

test('pcapng-multi-interface: per-direction totals equal conn.log', async () => {
  const { d, rows } = await decodeTrace('pcapng-multi-interface', 'pcapng-multi-interface.pcapng');
  assertClean(d);
  assertConnTotals(rows, path.join(ZEEK_CORPUS, 'pcapng-multi-interface', 'conn.log'));
});

test('ipv4-fragments: fragmented-1..4 reassembly outcomes', async () => {
  // 1: [0,18)+, [48,164) last, then [0,304)+ runs past the known end -> dropped, never completes.
  let r = await decodeTrace('ipv4-fragments', 'fragmented-1.pcap');
  assert.deepEqual(r.d.stats.fragments, { seen: 3, reassembled: 0, pending: 1, expired: 0, dropped: 0 });
  assert.deepEqual(r.d.stats.malformed, { frag_inconsistent: 1 });
  // 2: the first fragment again (Zeek: fragment_overlap); the hole at [18,48) stays.
  r = await decodeTrace('ipv4-fragments', 'fragmented-2.pcap');
  assert.deepEqual(r.d.stats.fragments, { seen: 3, reassembled: 0, pending: 1, expired: 0, dropped: 0 });
  assert.equal(r.d.stats.anomalies['frag_overlap'], 1);
  assert.deepEqual(r.d.stats.malformed, {});
  // 3: five fragments with DF set (Zeek: fragment_with_DF x5), the last one never captured.
  r = await decodeTrace('ipv4-fragments', 'fragmented-3.pcap');
  assert.equal(r.d.stats.anomalies['frag_with_df'], 5);
  assert.equal(r.d.stats.fragments.reassembled, 0);
  // 4: SYN, four fragments of an HTTP request with a conflicting overlap, FIN.
  r = await decodeTrace('ipv4-fragments', 'fragmented-4.pcap');
  assert.deepEqual(r.d.stats.fragments, { seen: 4, reassembled: 1, pending: 0, expired: 0, dropped: 0 });
  assert.equal(r.d.stats.anomalies['frag_overlap_conflict'], 1);
  assert.deepEqual(r.d.stats.malformed, {});
  const whole = r.rows.find((x) => x.reassembled)!;
  assert.equal(whole.src, '128.32.46.142');
  assert.equal(whole.sport, 7790);
  assert.equal(whole.dport, 80);
  assert.equal(whole.ipLen, 68); // the completing packet's own length
  assert.equal(whole.payloadWireLen, 89 - 20);
  // First arrival wins: bytes 48..71 come from the earlier fragment ("winnt/system32"),
  // not from the later overlapping one ("RKNWUrdooM...").
  assert.ok(whole.payload.startsWith('GET /msadc/'), whole.payload);
  assert.ok(whole.payload.includes('winnt/system32/cmd.exe?/c+dir+c:'), whole.payload);
  assert.ok(!whole.payload.includes('RKNW'), whole.payload);
  // tcp/reassembly.pcap has no IP fragments and decodes cleanly, but five
  // packets hold less than their IP length although the capture kept the
  // whole frame (Zeek: truncated_IP_len).
  r = await decodeTrace('ipv4-fragments', 'reassembly.pcap');
  assertClean(r.d);
  assert.equal(r.d.stats.fragments.seen, 0);
  assert.deepEqual(r.d.stats.anomalies, { ip_truncated: 5 });
});

test('ipv6-fragmented-dns: one datagram reassembled, one lone fragment pending', async () => {
  const { d, rows } = await decodeTrace('ipv6-fragmented-dns', 'ipv6-fragmented-dns.pcap');
  assert.deepEqual(d.stats.malformed, {});
  assert.deepEqual(d.stats.fragments, { seen: 4, reassembled: 1, pending: 1, expired: 0, dropped: 0 });
  const udp = rows.filter((r) => r.ok);
  // Zeek's output has five UDP packets; the fifth is the reassembled 3238-byte answer.
  assert.equal(udp.length, 5);
  const whole = udp[4]!;
  assert.equal(whole.reassembled, true);
  assert.equal(whole.src, '2607:f740:b::f93');
  assert.equal(whole.dst, '2001:470:1f11:81f:d138:5f55:6d4:1fe2');
  assert.equal(whole.sport, 53);
  assert.equal(whole.dport, 51851);
  assert.equal(whole.payloadWireLen, 3238 - 8); // output: len=3238, ulen=3238
  assert.equal(whole.ttl, 53);
  assert.deepEqual(
    udp.slice(0, 4).map((r) => r.ipLen - 40),
    [81, 331, 82, 82],
  );
});

test('ipv6-http-atomic-frag: atomic fragments decode as whole packets', async () => {
  const { d, rows } = await decodeTrace('ipv6-http-atomic-frag', 'ipv6-http-atomic-frag.pcap');
  assertClean(d);
  assert.equal(d.stats.fragments.seen, 0);
  assert.ok(rows.filter((r) => r.v6FirstNext === 44).length > 0, 'the trace has fragment headers');
  const conns = new Set(rows.filter((r) => r.proto === 6 && r.dport === 80).map((r) => `${r.src} ${r.sport} ${r.dst} ${r.dport}`));
  const want = baselineLines('ipv6-http-atomic-frag', 'output').map((l) => {
    const m = /orig_h=([^,]+), orig_p=(\d+)\/tcp, resp_h=([^,]+), resp_p=(\d+)/.exec(l)!;
    return `${m[1]} ${m[2]} ${m[3]} ${m[4]}`;
  });
  assert.deepEqual([...conns].sort(), want.sort());
});

test('arp-who-has: request and reply fields match the baseline', async () => {
  const { d, rows } = await decodeTrace('arp-who-has', 'arp-who-has.pcap');
  assertClean(d);
  const lines = baselineLines('arp-who-has', 'stdout.txt');
  assert.equal(rows.length, 2);
  for (let i = 0; i < 2; i++) {
    const [srcMac, dstMac, spa, sha, tpa, tha] = lines[i]!.split(', ');
    const r = rows[i]!;
    assert.deepEqual([r.srcMac, r.dstMac], [srcMac, dstMac]);
    assert.deepEqual(r.arp, { op: i + 1, sha, spa, tha, tpa });
  }
});

test('arp-leak: corrupt ARP headers are malformed, by the field Zeek names', async () => {
  const { d, rows } = await decodeTrace('arp-leak', 'arp-leak.pcap');
  const lines = baselineLines('arp-leak', 'stdout.txt');
  // Zeek: 4 x "corrupt-arp-header (hrd=1, hln=255)", 2 x "(pro=2048, pln=255)".
  const hln = lines.filter((l) => l.includes('hln=255')).length;
  const pln = lines.filter((l) => l.includes('pln=255')).length;
  assert.deepEqual(d.stats.malformed, { arp_bad_hln: hln, arp_bad_pln: pln });
  assert.equal(d.stats.decoded, 0);
  assert.equal(rows.length, 6);
});
