/**
 * conn.log conformance against Zeek's own baselines: every folder of the
 * Zeek corpus that holds a conn.log (or a cut of one) is replayed through
 * capture -> decoder -> FlowTracker, and the connections must match Zeek's:
 * the same set of (orig_h, orig_p, resp_h, resp_p, proto), and per
 * connection the same packet, IP-byte and payload-byte counts, conn_state,
 * history, duration, missed_bytes, ip_proto and (where the baseline logs
 * them) local_orig/local_resp and VLAN ids.
 *
 * Intended differences, not compared:
 * - `service`: filled by protocol analyzers, which this test does not run.
 * - `uid`: random in Zeek, seeded here; only its form is checked.
 * - `tunnel_parents`: empty in every baseline (no corpus capture is
 *   tunnelled); tunnels are checked in test/decode/tunnel.test.ts.
 * - `duration` is compared to within 1 µs: Zeek reads captures through
 *   libpcap at microsecond resolution while Picket keeps pcapng's
 *   nanoseconds (pcapng-multi-interface: 0.013961447 s vs Zeek's 0.013961),
 *   and both subtract 1.7e9-second doubles (about 0.24 µs apart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { readZeekLog, type ZeekRow } from '../helpers/zeek-log.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import { FlowTracker } from '../../src/flows/tracker.js';

const CAPTURE = /\.(pcap|pcapng)$/;
const CONN_LOG = /(^|__)conn\.log(\.cut)?$/;
const DURATION_TOLERANCE = 1e-6;

/** Zeek's Site::private_address_space (IPv4 part and the common IPv6 blocks): local by default. */
const PRIVATE_V4: readonly [number, number][] = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0000000, 24],
  [0xc0000200, 24],
  [0xc0a80000, 16],
  [0xc6120000, 15],
  [0xc6336400, 24],
  [0xcb007100, 24],
  [0xe0000000, 24],
  [0xef000000, 8],
  [0xf0000000, 4],
  [0xffffffff, 32],
];

function isPrivate(p: DecodedPacket, which: 'src' | 'dst'): boolean {
  const a = which === 'src' ? p.src : p.dst;
  if (p.l3 === L3.IPV4) {
    const v = a[0]! >>> 0;
    return PRIVATE_V4.some(([net, bits]) => (bits === 0 ? true : v >>> (32 - bits) === net >>> (32 - bits)));
  }
  const w0 = a[0]! >>> 0;
  if (w0 >>> 22 === 0x3fa) return true; // fe80::/10
  if (w0 >>> 22 === 0x3fb) return true; // fec0::/10
  if (w0 >>> 25 === 0x7e) return true; // fc00::/7
  if (w0 === 0x20010db8) return true; // 2001:db8::/32
  return w0 === 0 && a[1] === 0 && a[2] === 0 && (a[3] === 0 || a[3] === 1); // :: and ::1
}

async function replay(file: string): Promise<ConnRecord[]> {
  const records: ConnRecord[] = [];
  const tracker = new FlowTracker({ uidSeed: 1 }, { onStart() {}, onEnd: (_slot, r) => records.push(r) });
  tracker.setLocalNets(isPrivate);
  const decoder = new PacketDecoder();
  const d = new DecodedPacket();
  let nextExpire = -Infinity;
  await openCaptureFiles([file]).run((pkt) => {
    if (pkt.ts >= nextExpire) {
      nextExpire = pkt.ts + 1;
      tracker.expire(pkt.ts);
    }
    if (decoder.decode(pkt, d)) tracker.track(d);
  });
  tracker.flushAll();
  return records;
}

/** Reads a `zeek-cut -m` output: a header line of column names, then rows. */
function readCut(file: string): ZeekRow[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  const cols = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const v = l.split('\t');
    const row: ZeekRow = {};
    cols.forEach((c, i) => (row[c] = v[i] === '-' ? undefined : v[i]));
    return row;
  });
}

function tupleOf(r: { [k: string]: unknown }): string {
  return [r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'], r['proto']].map(String).join(' ');
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list === undefined) m.set(k, [it]);
    else list.push(it);
  }
  return m;
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const bool = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v === 'T');

function compareRow(where: string, z: ZeekRow, r: ConnRecord): void {
  assert.equal(r.orig_pkts, num(z.orig_pkts), `${where} orig_pkts`);
  assert.equal(r.resp_pkts, num(z.resp_pkts), `${where} resp_pkts`);
  assert.equal(r.orig_ip_bytes, num(z.orig_ip_bytes), `${where} orig_ip_bytes`);
  assert.equal(r.resp_ip_bytes, num(z.resp_ip_bytes), `${where} resp_ip_bytes`);
  assert.equal(r.orig_bytes, num(z.orig_bytes), `${where} orig_bytes`);
  assert.equal(r.resp_bytes, num(z.resp_bytes), `${where} resp_bytes`);
  assert.equal(r.conn_state, z.conn_state, `${where} conn_state`);
  assert.equal(r.history, z.history ?? '', `${where} history`);
  assert.equal(r.missed_bytes, num(z.missed_bytes), `${where} missed_bytes`);
  if (z.ip_proto !== undefined) assert.equal(r.ip_proto, num(z.ip_proto), `${where} ip_proto`);
  const zd = num(z.duration);
  if (zd === undefined) assert.equal(r.duration, undefined, `${where} duration unset`);
  else assert.ok(r.duration !== undefined && Math.abs(r.duration - zd) <= DURATION_TOLERANCE, `${where} duration ${r.duration} vs ${zd}`);
  if ('local_orig' in z) {
    assert.equal(r.local_orig, bool(z.local_orig), `${where} local_orig`);
    assert.equal(r.local_resp, bool(z.local_resp), `${where} local_resp`);
  }
  if (z.service !== undefined && r.service !== undefined) assert.equal(r.service, z.service, `${where} service`);
  assert.match(r.uid, /^C[0-9A-Za-z]+$/);
  assert.match(r.community_id, /^1:[A-Za-z0-9+/]{27}=$/);
}

const folders = fs.existsSync(ZEEK_CORPUS)
  ? fs.readdirSync(ZEEK_CORPUS).filter((d) => fs.statSync(path.join(ZEEK_CORPUS, d)).isDirectory())
  : [];
const cases = folders
  .map((dir) => {
    const files = fs.readdirSync(path.join(ZEEK_CORPUS, dir));
    return {
      dir,
      logs: files.filter((f) => CONN_LOG.test(f)),
      captures: files.filter((f) => CAPTURE.test(f)),
    };
  })
  .filter((c) => c.logs.length > 0);

test('the corpus has conn.log baselines to compare against', () => {
  assert.ok(cases.length >= 6, `found ${cases.length} folders with conn logs under ${ZEEK_CORPUS}`);
});

for (const c of cases) {
  for (const log of c.logs) {
    test(`conn.log conformance: ${c.dir}/${log}`, async (t) => {
      if (c.captures.length !== 1) {
        t.skip(`${c.captures.length} captures in the folder; the baseline does not say which one`);
        return;
      }
      const records = await replay(path.join(ZEEK_CORPUS, c.dir, c.captures[0]!));
      const file = path.join(ZEEK_CORPUS, c.dir, log);
      if (log.endsWith('.cut')) {
        // Cut logs keep only some columns (here: VLAN ids); compare those as multisets.
        const rows = readCut(file);
        assert.equal(records.length, rows.length, 'connection count');
        const ours = records.map((r) => `${r.vlan ?? '-'} ${r.inner_vlan ?? '-'}`).sort();
        const theirs = rows.map((z) => `${z.vlan ?? '-'} ${z.inner_vlan ?? '-'}`).sort();
        assert.deepEqual(ours, theirs, 'vlan / inner_vlan');
        return;
      }
      const rows = readZeekLog(file);
      const ourGroups = groupBy(records, (r) => tupleOf(r as unknown as Record<string, unknown>));
      const zeekGroups = groupBy(rows, (z) => tupleOf(z));
      assert.deepEqual([...ourGroups.keys()].sort(), [...zeekGroups.keys()].sort(), 'set of connections');
      for (const [key, zs] of zeekGroups) {
        const rs = ourGroups.get(key)!;
        assert.equal(rs.length, zs.length, `${key}: number of connections`);
        for (let i = 0; i < zs.length; i++) compareRow(`${c.dir} ${key}#${i}`, zs[i]!, rs[i]!);
      }
    });
  }
}
