/**
 * The store test suite, run unchanged against every engine (duckdb.test.ts,
 * clickhouse.test.ts). Hand-made records with numbers worked out in the
 * comments, then the wikipedia capture: its replayed conn.jsonl/dns.jsonl
 * summed here must equal what the store answers for every host.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ALERT_SORT_FIELDS,
  CONN_SORT_FIELDS,
  DEVICE_SORT_FIELDS,
  type AlertSortField,
  type ConnRow,
  type ConnSortField,
  type Device,
  type DeviceSortField,
  type MetadataStore,
  type Page,
  type StoredAlert,
} from '../../src/store/types.js';
import type { RetentionOptions } from '../../src/store/options.js';
import { ingestReplay } from '../../src/store/ingest-replay.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { PicketError } from '../../src/util/errors.js';
import { REPO_ROOT, ZEEK_CORPUS, tempDir } from '../helpers/paths.js';

export interface StoreHandle {
  store: MetadataStore;
  close(): Promise<void>;
}

/** Opens a fresh, empty store with these retention options (the object is kept, not copied). */
export type StoreFactory = (retention: RetentionOptions) => Promise<StoreHandle>;

/** 2024-05-01T00:00:00Z. */
export const DAY0 = 1714521600;
const DAY = 86400;

const A = '10.0.0.5';
const B = '10.0.0.9';
const E1 = '93.184.216.34';
const E2 = '2001:db8::1';
const E3 = '8.8.8.8';

let uidSeq = 0;
export function conn(over: Record<string, unknown>): Record<string, unknown> {
  uidSeq++;
  return {
    ts: DAY0,
    uid: `Ctest${uidSeq}`,
    'id.orig_h': A,
    'id.orig_p': 40000 + (uidSeq % 20000),
    'id.resp_h': E1,
    'id.resp_p': 443,
    proto: 'tcp',
    conn_state: 'SF',
    missed_bytes: 0,
    history: 'ShADadFf',
    orig_pkts: 1,
    orig_ip_bytes: 60,
    resp_pkts: 1,
    resp_ip_bytes: 60,
    ip_proto: 6,
    community_id: '1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ...over,
  };
}

function dnsRec(ts: number, client: string, query: string): Record<string, unknown> {
  uidSeq++;
  return {
    ts,
    uid: `Cdns${uidSeq}`,
    'id.orig_h': client,
    'id.orig_p': 50000 + (uidSeq % 10000),
    'id.resp_h': E3,
    'id.resp_p': 53,
    proto: 'udp',
    trans_id: uidSeq % 65536,
    query,
    qclass: 1,
    qclass_name: 'C_INTERNET',
    qtype: 1,
    qtype_name: 'A',
    rcode: 0,
    rcode_name: 'NOERROR',
    AA: false,
    TC: false,
    RD: true,
    RA: true,
    Z: 0,
    answers: ['93.184.216.34'],
    TTLs: [300],
    rejected: false,
  };
}

export function alert(rule: string, severity: number, src: string, ts: number, network?: string): Record<string, unknown> {
  const iso = new Date(ts * 1000).toISOString();
  return {
    '@timestamp': iso,
    event: { kind: 'alert', severity, category: ['network'] },
    rule: { id: rule, name: rule },
    source: { ip: src },
    ...(network !== undefined ? { network: { name: network } } : {}),
    threat: { technique: { id: 'T1046' } },
    message: `test ${rule}`,
    evidence: { n: 1 },
    count: 1,
    first_seen: iso,
    last_seen: iso,
    observer: { name: 'test' },
    dedup_key: src,
  };
}

/**
 * The hand-made connections. Host A (10.0.0.5) over all time:
 * #1 A->E1 tcp/443 100/1000 bytes, 5/7 pkts, US AS15133
 * #2 A->E1 tcp/443 200/2000, 6/8, US AS15133
 * #3 A->E3 udp/53 40/80, 1/1, US AS15169
 * #4 B->A tcp/22 500/600, 10/12 (A answers: sends 600 in 12 packets)
 * #5 A->E2 tcp/80 next day, no payload counts, 1/0 pkts, DE AS3320
 * #6 B->E3 udp/53 30/60, 1/1, US AS15169 (not A's)
 */
function fixtureConns(): Record<string, unknown>[] {
  const us1 = { resp_cc: 'US', resp_asn: 15133, resp_as_org: 'EDGECAST' };
  const us2 = { resp_cc: 'US', resp_asn: 15169, resp_as_org: 'GOOGLE' };
  return [
    conn({ ts: DAY0 + 100, orig_bytes: 100, resp_bytes: 1000, orig_pkts: 5, resp_pkts: 7, ...us1 }),
    conn({ ts: DAY0 + 200, orig_bytes: 200, resp_bytes: 2000, orig_pkts: 6, resp_pkts: 8, ...us1 }),
    conn({ ts: DAY0 + 300, 'id.resp_h': E3, 'id.resp_p': 53, proto: 'udp', ip_proto: 17, orig_bytes: 40, resp_bytes: 80, ...us2 }),
    conn({ ts: DAY0 + 400, 'id.orig_h': B, 'id.resp_h': A, 'id.resp_p': 22, orig_bytes: 500, resp_bytes: 600, orig_pkts: 10, resp_pkts: 12 }),
    conn({ ts: DAY0 + DAY + 50, 'id.resp_h': E2, 'id.resp_p': 80, conn_state: 'S0', history: 'S', resp_pkts: 0, resp_ip_bytes: 0, resp_cc: 'DE', resp_asn: 3320, resp_as_org: 'DTAG' }),
    conn({ ts: DAY0 + 500, 'id.orig_h': B, 'id.resp_h': E3, 'id.resp_p': 53, proto: 'udp', ip_proto: 17, orig_bytes: 30, resp_bytes: 60, ...us2 }),
  ];
}

function readJsonl(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export function storeSuite(label: string, factory: () => StoreFactory | null, skipReason: () => string | undefined): void {
  describe(`${label} store`, () => {
    const open: StoreHandle[] = [];
    const make = async (retention: RetentionOptions = {}): Promise<MetadataStore> => {
      const f = factory();
      assert.ok(f !== null, 'store factory not ready');
      const h = await f(retention);
      open.push(h);
      return h.store;
    };
    after(async () => {
      for (const h of open) await h.close();
    });

    describe('hand-made records', () => {
      let store: MetadataStore;
      before(async () => {
        if (skipReason() !== undefined) return;
        store = await make();
        const r = await store.insert('conn', fixtureConns());
        assert.deepEqual(r, { stored: 6, skipped: {} });
        const d = await store.insert('dns', [
          dnsRec(DAY0 + 10, A, 'example.com'),
          dnsRec(DAY0 + 20, A, 'example.com'),
          dnsRec(DAY0 + 30, A, 'www.example.com'),
          dnsRec(DAY0 + DAY + 10, A, 'example.com'),
          dnsRec(DAY0 + 40, B, 'example.com'),
          dnsRec(DAY0 + 50, B, 'other.org'),
        ]);
        assert.equal(d.stored, 6);
        const a = await store.insert('alert', [
          alert('scan.port.vertical', 3, A, DAY0 + 600),
          alert('dhcp.rogue_server', 4, B, DAY0 + 700, 'lan'),
        ]);
        assert.equal(a.stored, 2);
      });

      test('bad rows are skipped and counted by reason, never thrown', { skip: skipReason() }, async () => {
        const r = await store.insert('conn', [
          null,
          'text',
          conn({ 'id.orig_h': 'not-an-ip' }),
          conn({ uid: undefined }),
          conn({ 'id.resp_p': 70000 }),
          conn({ ts: '2024-05-01' }),
          conn({ proto: 'sctp' }),
          conn({ orig_bytes: 'many' }),
        ]);
        assert.deepEqual(r, {
          stored: 0,
          skipped: { not_object: 2, bad_address: 1, missing_field: 1, bad_port: 1, bad_time: 1, bad_proto: 1, bad_type: 1 },
        });
        const k = await store.insert('Bad Kind!', [{ ts: 1 }]);
        assert.deepEqual(k, { stored: 0, skipped: { bad_kind: 1 } });
        const stats = await store.stats();
        assert.equal(stats.rows.conn, 6);
        assert.equal(stats.skipped.bad_address, 1);
      });

      test('host summary: counts, bytes and packets from the host side, breakdowns', { skip: skipReason() }, async () => {
        const s = await store.hostSummary(A);
        assert.equal(s.host, A);
        assert.equal(s.connections, 5);
        assert.equal(s.bytes_sent, 100 + 200 + 40 + 600 + 0);
        assert.equal(s.bytes_received, 1000 + 2000 + 80 + 500 + 0);
        assert.equal(s.packets_sent, 5 + 6 + 1 + 12 + 1);
        assert.equal(s.packets_received, 7 + 8 + 1 + 10 + 0);
        assert.deepEqual(s.dns, [
          { query: 'example.com', count: 3 },
          { query: 'www.example.com', count: 1 },
        ]);
        assert.deepEqual(s.countries, [
          { country: 'US', connections: 3, bytes: 1100 + 2200 + 120, share: 3 / 5 },
          { country: 'DE', connections: 1, bytes: 0, share: 1 / 5 },
        ]);
        assert.deepEqual(s.asns, [
          { asn: 15133, org: 'EDGECAST', connections: 2, bytes: 3300, share: 2 / 5 },
          { asn: 3320, org: 'DTAG', connections: 1, bytes: 0, share: 1 / 5 },
          { asn: 15169, org: 'GOOGLE', connections: 1, bytes: 120, share: 1 / 5 },
        ]);
        assert.deepEqual(s.top_peers, [
          { ip: E1, connections: 2, bytes: 3300 },
          { ip: B, connections: 1, bytes: 1100 },
          { ip: E3, connections: 1, bytes: 120 },
          { ip: E2, connections: 1, bytes: 0 },
        ]);
        assert.deepEqual(s.ports, [
          { port: 443, proto: 'tcp', connections: 2, bytes: 3300 },
          { port: 22, proto: 'tcp', connections: 1, bytes: 1100 },
          { port: 53, proto: 'udp', connections: 1, bytes: 120 },
          { port: 80, proto: 'tcp', connections: 1, bytes: 0 },
        ]);
        assert.equal(s.alerts.length, 1);
        assert.equal(s.alerts[0]!.rule, 'scan.port.vertical');
        const tl = s.timeline ?? [];
        assert.equal(tl.reduce((a, p) => a + p.connections, 0), 5);
        assert.equal(tl.reduce((a, p) => a + p.bytes_out, 0), s.bytes_sent);
        assert.equal(tl.reduce((a, p) => a + p.bytes_in, 0), s.bytes_received);
        // 100 s into day 0 to 50 s into day 1: 15-minute buckets (96 of them at most), empty ones left out.
        assert.equal(s.timeline_step, 900);
        assert.ok(tl.every((p) => (Date.parse(p.t) / 1000) % 900 === 0));
        assert.equal(tl.length, 2);
        assert.equal((await store.hostSummary('192.0.2.77')).timeline_step, undefined, 'no connections, no step');
      });

      test('host summary over a window leaves the next day out', { skip: skipReason() }, async () => {
        const s = await store.hostSummary(A, DAY0, DAY0 + DAY);
        assert.equal(s.from, '2024-05-01T00:00:00.000Z');
        assert.equal(s.to, '2024-05-02T00:00:00.000Z');
        assert.equal(s.connections, 4);
        assert.deepEqual(s.dns, [
          { query: 'example.com', count: 2 },
          { query: 'www.example.com', count: 1 },
        ]);
        const none = await store.hostSummary('192.0.2.77');
        assert.equal(none.connections, 0);
        assert.deepEqual(none.top_peers, []);
        await assert.rejects(store.hostSummary('nope'), (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_STORE_QUERY');
      });

      test('host last seen: newest connection on either side, null for a stranger', { skip: skipReason() }, async () => {
        assert.equal(await store.hostLastSeen(A), DAY0 + DAY + 50);
        assert.equal(await store.hostLastSeen(B), DAY0 + 500);
        assert.equal(await store.hostLastSeen(E3), DAY0 + 500, 'seen only as a responder');
        assert.equal(await store.hostLastSeen('192.0.2.77'), null);
        await assert.rejects(store.hostLastSeen('nope'), (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_STORE_QUERY');
      });

      test('connection search by IP, CIDR, port, country, ASN, time, with paging', { skip: skipReason() }, async () => {
        assert.equal((await store.connections({ ip: A })).total, 5);
        assert.equal((await store.connections({ ip: E3 })).total, 2);
        // #4 has both sides in the block and still counts once.
        assert.equal((await store.connections({ cidr: '10.0.0.0/24' })).total, 6);
        assert.equal((await store.connections({ cidr: '10.0.0.8/29' })).total, 2);
        assert.equal((await store.connections({ cidr: '2001:db8::/32' })).total, 1);
        assert.equal((await store.connections({ ip: B, cidr: '8.0.0.0/8' })).total, 1);
        assert.equal((await store.connections({ port: 53 })).total, 2);
        assert.equal((await store.connections({ country: 'us' })).total, 4);
        assert.equal((await store.connections({ asn: 15169 })).total, 2);
        assert.equal((await store.connections({ from: DAY0 + 150, to: DAY0 + 450 })).total, 3);
        assert.equal((await store.connections({ ip: A, port: 443, from: DAY0 + 150 })).total, 1);
        const page = await store.connections({ limit: 2 });
        assert.equal(page.total, 6);
        assert.equal(page.rows.length, 2);
        assert.equal(page.rows[0]!.ts, DAY0 + DAY + 50);
        const next = await store.connections({ limit: 2, offset: 2 });
        assert.deepEqual(
          next.rows.map((r) => r.ts),
          [DAY0 + 400, DAY0 + 300],
        );
        // A row reads back as the log line it was (unset fields absent).
        const one = await store.connections({ ip: E2 });
        const row = one.rows[0]!;
        assert.equal(row['id.resp_h'], E2);
        assert.equal(row.resp_cc, 'DE');
        assert.equal(row.orig_bytes, undefined);
        assert.equal(row.conn_state, 'S0');
        await assert.rejects(store.connections({ cidr: '10.0.0.1/24' }), /host bits/);
      });

      test('dns search and rows as logged', { skip: skipReason() }, async () => {
        assert.equal((await store.dns({})).total, 6);
        assert.equal((await store.dns({ ip: B })).total, 2);
        assert.equal((await store.dns({ ip: E3 })).total, 6);
        assert.equal((await store.dns({ name: '*.example.com' })).total, 5);
        assert.equal((await store.dns({ name: 'other.org' })).total, 1);
        const r = (await store.dns({ name: 'other.org' })).rows[0]!;
        assert.deepEqual(r.answers, ['93.184.216.34']);
        assert.deepEqual(r.TTLs, [300]);
        assert.equal(r.RD, true);
        assert.equal(r.AA, false);
      });

      test('alerts: filters, acknowledge and note', { skip: skipReason() }, async () => {
        assert.equal((await store.alerts({})).total, 2);
        assert.equal((await store.alerts({ rule: 'scan.*' })).total, 1);
        assert.equal((await store.alerts({ severity: 4 })).total, 1);
        assert.equal((await store.alerts({ host: B })).total, 1);
        assert.equal((await store.alerts({ network: 'lan' })).total, 1);
        const a = (await store.alerts({ rule: 'scan.port.vertical' })).rows[0]!;
        assert.equal(a.acknowledged, false);
        assert.equal(a.message, 'test scan.port.vertical');
        const u = await store.updateAlert(a.id, { acknowledged: true, note: 'known scanner' });
        assert.equal(u?.acknowledged, true);
        assert.equal(u?.note, 'known scanner');
        assert.equal((await store.alerts({ acknowledged: false })).total, 1);
        const again = await store.getAlert(a.id);
        assert.equal(again?.note, 'known scanner');
        assert.equal((await store.updateAlert(a.id, { note: null }))?.note, null);
        assert.equal(await store.updateAlert('no-such-id', { acknowledged: true }), null);
      });

      test('other logs are kept whole and searchable by host', { skip: skipReason() }, async () => {
        const r = await store.insert('http', [
          { ts: DAY0 + 5, uid: 'Chttp1', 'id.orig_h': A, 'id.orig_p': 1234, 'id.resp_h': E1, 'id.resp_p': 80, host: 'example.com', uri: '/' },
          { ts: 'bad' },
        ]);
        assert.deepEqual(r, { stored: 1, skipped: { bad_time: 1 } });
        const page = await store.logs({ kind: 'http', ip: E1 });
        assert.equal(page.total, 1);
        assert.equal(page.rows[0]!.data.uri, '/');
        assert.equal(page.rows[0]!.uid, 'Chttp1');
      });
    });

    describe('sorted lists', () => {
      let store: MetadataStore;
      const H = '10.20.0.1';
      /**
       * One host's connections, named by uid: "Csort4" and "Csort5" share a time,
       * "Csort1" and "Csort5" a duration, bytes and peer; 10.0.0.10 comes after
       * 10.0.0.9 as an address (before it as text); Csort6 names the host IPv4-mapped.
       *   uid     ts   peer          port  duration  bytes
       *   Csort1  +10  10.0.0.9      443   1.5       100 + 200
       *   Csort2  +20  10.0.0.10     53    0.5       10 + 20
       *   Csort3  +30  203.0.113.5   22    10        1000 + 50 (the peer originated)
       *   Csort4  +40  2001:db8::1   80    -         -
       *   Csort5  +40  10.0.0.9      443   1.5       300 + 0
       *   Csort6  +50  10.0.0.10     443   2         5 + 0
       */
      const connRows = (): Record<string, unknown>[] => [
        conn({ uid: 'Csort1', ts: DAY0 + 10, 'id.orig_h': H, 'id.resp_h': '10.0.0.9', duration: 1.5, orig_bytes: 100, resp_bytes: 200 }),
        conn({ uid: 'Csort2', ts: DAY0 + 20, 'id.orig_h': H, 'id.resp_h': '10.0.0.10', 'id.resp_p': 53, proto: 'udp', ip_proto: 17, duration: 0.5, orig_bytes: 10, resp_bytes: 20 }),
        conn({ uid: 'Csort3', ts: DAY0 + 30, 'id.orig_h': '203.0.113.5', 'id.resp_h': H, 'id.resp_p': 22, duration: 10, orig_bytes: 1000, resp_bytes: 50 }),
        conn({ uid: 'Csort4', ts: DAY0 + 40, 'id.orig_h': H, 'id.resp_h': E2, 'id.resp_p': 80, conn_state: 'S0', history: 'S' }),
        conn({ uid: 'Csort5', ts: DAY0 + 40, 'id.orig_h': H, 'id.resp_h': '10.0.0.9', duration: 1.5, orig_bytes: 300, resp_bytes: 0 }),
        conn({ uid: 'Csort6', ts: DAY0 + 50, 'id.orig_h': `::ffff:${H}`, 'id.resp_h': '10.0.0.10', duration: 2, orig_bytes: 5, resp_bytes: 0 }),
        // Not the host's.
        conn({ uid: 'Csort7', ts: DAY0 + 60, 'id.orig_h': '10.0.0.9', 'id.resp_h': E3 }),
      ];
      const connOrders: Record<ConnSortField, { asc: string; desc: string }> = {
        // Ascending time breaks the tie by uid alone: the default's "ts DESC" cannot break it.
        time: { asc: '1 2 3 4 5 6', desc: '6 4 5 3 2 1' },
        // Unknown durations last either way; equal ones newest first.
        duration: { asc: '2 5 1 6 3 4', desc: '3 6 5 1 2 4' },
        bytes: { asc: '4 6 2 5 1 3', desc: '3 5 1 2 6 4' },
        peer: { asc: '5 1 6 2 3 4', desc: '4 3 6 2 5 1' },
        port: { asc: '3 2 4 6 5 1', desc: '6 5 1 4 2 3' },
      };
      /** Alerts with ties on every field and on time, so the last key (the id) decides some places. */
      const alertRows = (): Record<string, unknown>[] => [
        { ...alert('b.rule', 2, A, DAY0 + 1), count: 5 },
        { ...alert('a.rule', 4, A, DAY0 + 2), count: 1 },
        { ...alert('c.rule', 4, B, DAY0 + 2), count: 5 },
        { ...alert('a.rule', 1, B, DAY0 + 3), count: 20 },
        { ...alert('b.rule', 2, A, DAY0 + 3), count: 5 },
        { ...alert('b.rule', 2, B, DAY0 + 3), count: 5 },
      ];
      /**
       * Devices: two share a first_seen, two a last_seen, two a MAC (on other networks).
       *   d1 lan   ...:0a  first 100  last 500
       *   d2 lan   ...:0b  first 300  last 500
       *   d3 guest ...:0a  first 300  last 400
       *   d4 ''    ...:01  first 50   last 600
       */
      const deviceRows = [
        { network: 'lan', mac: '02:00:00:00:00:0a', first_seen: 100, last_seen: 500 },
        { network: 'lan', mac: '02:00:00:00:00:0b', first_seen: 300, last_seen: 500 },
        { network: 'guest', mac: '02:00:00:00:00:0a', first_seen: 300, last_seen: 400 },
        { network: '', mac: '02:00:00:00:00:01', first_seen: 50, last_seen: 600 },
      ];
      const deviceOrders: Record<DeviceSortField, { asc: string; desc: string }> = {
        // Ties fall back on the default order: network, last seen (newest first), MAC.
        first_seen: { asc: '4 1 3 2', desc: '3 2 1 4' },
        last_seen: { asc: '3 1 2 4', desc: '4 1 2 3' },
        mac: { asc: '4 3 1 2', desc: '2 3 1 4' },
        network: { asc: '4 3 1 2', desc: '1 2 3 4' },
      };
      const deviceName = (d: Device): string => String(deviceRows.findIndex((x) => x.network === d.network && x.mac === d.mac) + 1);

      before(async () => {
        if (skipReason() !== undefined) return;
        store = await make();
        assert.equal((await store.insert('conn', connRows())).stored, 7);
        assert.equal((await store.insert('alert', alertRows())).stored, 6);
        await store.upsertDevices(deviceRows);
      });

      /** Every page of `limit` rows from `read`, joined: what a user paging through the list sees. */
      async function paged<T>(read: (limit: number, offset: number) => Promise<Page<T>>, limit: number): Promise<T[]> {
        const out: T[] = [];
        for (let offset = 0; ; offset += limit) {
          const p = await read(limit, offset);
          out.push(...p.rows);
          if (offset + limit >= p.total) return out;
        }
      }

      test('a host\'s connections in each field\'s order, both ways, the same over pages', { skip: skipReason() }, async () => {
        const names = (rows: ConnRow[]): string => rows.map((r) => r.uid.slice('Csort'.length)).join(' ');
        assert.equal(names((await store.connections({ ip: H })).rows), '6 4 5 3 2 1', 'no sort: newest first');
        for (const field of CONN_SORT_FIELDS) {
          for (const dir of ['asc', 'desc'] as const) {
            const sort = { field, dir };
            const all = await store.connections({ ip: H, sort });
            assert.equal(all.total, 6);
            assert.equal(names(all.rows), connOrders[field][dir], `${field} ${dir}`);
            // Pages of two cut through the ties (4/5 on time, 5/1 on bytes and peer).
            assert.equal(names(await paged((limit, offset) => store.connections({ ip: H, sort, limit, offset }), 2)), connOrders[field][dir], `${field} ${dir}, paged`);
          }
        }
        // Asked by the other spelling: the same host, the same peers.
        assert.equal(names((await store.connections({ ip: `::ffff:${H}`, sort: { field: 'peer', dir: 'asc' } })).rows), connOrders.peer.asc);
        // Without a host, the peer is the responder (as numbers: 10.20.0.1 above 10.0.0.10, above 8.8.8.8).
        const byResponder = await store.connections({ from: DAY0 + 10, to: DAY0 + 70, sort: { field: 'peer', dir: 'desc' } });
        assert.deepEqual(byResponder.rows.map((r) => r['id.resp_h']), [E2, H, '10.0.0.10', '10.0.0.10', '10.0.0.9', '10.0.0.9', E3]);
      });

      test('alerts in each field\'s order, both ways, ties broken the same way on every page', { skip: skipReason() }, async () => {
        const every = (await store.alerts({ limit: 100 })).rows;
        assert.equal(every.length, 6);
        const value: Record<AlertSortField, (a: StoredAlert) => number | string> = {
          time: (a) => Date.parse(a['@timestamp']),
          severity: (a) => a.event.severity,
          rule: (a) => a.rule.id,
          count: (a) => a.count,
        };
        const cmp = (x: number | string, y: number | string): number => (x < y ? -1 : x > y ? 1 : 0);
        for (const field of ALERT_SORT_FIELDS) {
          for (const dir of ['asc', 'desc'] as const) {
            const sign = dir === 'asc' ? 1 : -1;
            // The field, then the default order: newest first, then the id.
            const expected = [...every]
              .sort((a, b) => sign * cmp(value[field](a), value[field](b)) || cmp(value.time(b), value.time(a)) || cmp(a.id, b.id))
              .map((a) => a.id);
            const sort = { field, dir };
            const got = await store.alerts({ sort });
            assert.deepEqual(got.rows.map((a) => a.id), expected, `${field} ${dir}`);
            for (const limit of [1, 4]) {
              assert.deepEqual((await paged((l, offset) => store.alerts({ sort, limit: l, offset }), limit)).map((a) => a.id), expected, `${field} ${dir} by ${limit}`);
            }
          }
        }
        const bySeverity = await store.alerts({ sort: { field: 'severity', dir: 'desc' } });
        assert.deepEqual(bySeverity.rows.map((a) => a.event.severity), [4, 4, 2, 2, 2, 1], 'most severe first');
        assert.deepEqual(bySeverity.rows.slice(0, 2).map((a) => a.rule.id).sort(), ['a.rule', 'c.rule']);
        assert.deepEqual((await store.alerts({ sort: { field: 'count', dir: 'desc' } })).rows.map((a) => a.count), [20, 5, 5, 5, 5, 1]);
        assert.deepEqual((await store.alerts({ sort: { field: 'rule', dir: 'asc' } })).rows.map((a) => a.rule.id), ['a.rule', 'a.rule', 'b.rule', 'b.rule', 'b.rule', 'c.rule']);
        // Filters, exclusions and totals work as without a sort.
        const fromB = await store.alerts({ host: B, exclude: [{ rule: 'c.*', host: null, network: null }], sort: { field: 'severity', dir: 'asc' } });
        assert.equal(fromB.total, 2);
        assert.deepEqual(fromB.rows.map((a) => a.event.severity), [1, 2]);
      });

      test('devices in each field\'s order, both ways, the same over pages', { skip: skipReason() }, async () => {
        const names = (rows: Device[]): string => rows.map(deviceName).join(' ');
        assert.equal(names((await store.devices({})).rows), '4 3 1 2', 'no sort: by network, then last seen');
        for (const field of DEVICE_SORT_FIELDS) {
          for (const dir of ['asc', 'desc'] as const) {
            const sort = { field, dir };
            assert.equal(names((await store.devices({ sort })).rows), deviceOrders[field][dir], `${field} ${dir}`);
            assert.equal(names(await paged((limit, offset) => store.devices({ sort, limit, offset }), 1)), deviceOrders[field][dir], `${field} ${dir}, paged`);
          }
        }
        assert.equal(names((await store.devices({ network: 'lan', sort: { field: 'first_seen', dir: 'desc' } })).rows), '2 1');
      });

      test('a field outside the allowlist does not type-check and is refused', { skip: skipReason() }, async () => {
        const refused = (e: unknown): boolean => e instanceof PicketError && e.code === 'PKT_ERR_STORE_QUERY';
        // @ts-expect-error: only the alert list's fields are accepted
        await assert.rejects(store.alerts({ sort: { field: 'message', dir: 'asc' } }), refused);
        // @ts-expect-error: a column name is not a field either
        await assert.rejects(store.devices({ sort: { field: 'vendor; DROP TABLE devices', dir: 'desc' } }), refused);
        // @ts-expect-error: nor is anything of Object's
        await assert.rejects(store.connections({ ip: H, sort: { field: 'constructor', dir: 'desc' } }), refused);
        // @ts-expect-error: two directions only
        await assert.rejects(store.connections({ ip: H, sort: { field: 'time', dir: 'up' } }), refused);
        assert.equal((await store.devices({})).total, 4);
      });
    });

    test('devices: reports of one MAC on one network merge', { skip: skipReason() }, async () => {
      const store = await make();
      const mac = 'aa:bb:cc:00:11:22';
      assert.equal(await store.upsertDevices([{ network: 'lan', mac, ips: [A], hostnames: ['laptop'], first_seen: 100, last_seen: 200 }]), 1);
      await store.upsertDevices([
        { network: 'lan', mac: mac.toUpperCase(), ips: ['10.0.0.6'], hostnames: ['laptop'], vendor: 'Acme', first_seen: 50, last_seen: 300 },
        { network: 'guest', mac, ips: ['192.168.1.4'], first_seen: 10, last_seen: 20 },
      ]);
      const r = await store.insert('device', [{ network: 'lan', mac: 'zz', first_seen: 1, last_seen: 2 }, { mac: '00:11:22:33:44:55', ts: 400 }]);
      assert.deepEqual(r, { stored: 1, skipped: { bad_mac: 1 } });
      const lan = await store.devices({ network: 'lan', mac });
      assert.deepEqual(lan.rows, [
        { network: 'lan', mac, ips: [A, '10.0.0.6'], hostnames: ['laptop'], vendor: 'Acme', first_seen: 50, last_seen: 300 },
      ]);
      assert.equal((await store.devices({})).total, 3);
      assert.equal((await store.devices({ ip: '192.168.1.4' })).rows[0]?.network, 'guest');
      // Host names: any part, any case.
      assert.deepEqual((await store.devices({ name: 'LAP' })).rows.map((d) => d.network), ['lan']);
      assert.equal((await store.devices({ name: 'top' })).total, 1);
      assert.equal((await store.devices({ name: 'printer' })).total, 0);
      assert.equal((await store.devices({ name: 'laptop\n' })).total, 0);
    });

    test('an IPv4 host written IPv4-mapped (::ffff:a.b.c.d) is the same host for every exact search', { skip: skipReason() }, async () => {
      // The decoder writes an IPv6 packet's IPv4-mapped address as "::ffff:a.b.c.d" and an IPv4
      // packet's as "a.b.c.d": rows of one host hold both spellings.
      const store = await make();
      const H = '10.1.2.3';
      const HM = `::ffff:${H}`;
      const E1M = `::ffff:${E1}`;
      // #1 H->E1 100/1000; #2 HM->E1M 200/2000 (E1 again); #3 B->HM, H answers 600, receives 500;
      // #4 H->HM: the host to itself, counted once as originated (10 sent, 20 received). Not H's: #5.
      await store.insert('conn', [
        conn({ ts: DAY0 + 10, 'id.orig_h': H, 'id.resp_h': E1, orig_bytes: 100, resp_bytes: 1000, orig_pkts: 2, resp_pkts: 3 }),
        conn({ ts: DAY0 + 20, 'id.orig_h': HM, 'id.resp_h': E1M, orig_bytes: 200, resp_bytes: 2000, orig_pkts: 4, resp_pkts: 5 }),
        conn({ ts: DAY0 + 30, 'id.orig_h': B, 'id.resp_h': HM, 'id.resp_p': 22, orig_bytes: 500, resp_bytes: 600, orig_pkts: 6, resp_pkts: 7 }),
        conn({ ts: DAY0 + 40, 'id.orig_h': H, 'id.resp_h': HM, 'id.resp_p': 53, proto: 'udp', ip_proto: 17, orig_bytes: 10, resp_bytes: 20, orig_pkts: 1, resp_pkts: 1 }),
        conn({ ts: DAY0 + 50, 'id.orig_h': B, 'id.resp_h': E1 }),
      ]);
      await store.insert('dns', [dnsRec(DAY0 + 11, H, 'plain.example'), dnsRec(DAY0 + 21, HM, 'plain.example'), dnsRec(DAY0 + 22, HM, 'mapped.example')]);
      await store.insert('alert', [alert('x.plain', 2, H, DAY0 + 12), alert('x.mapped', 2, HM, DAY0 + 23), { ...alert('x.dest', 2, E1, DAY0 + 24), destination: { ip: HM } }]);
      await store.insert('http', [{ ts: DAY0 + 25, uid: 'Cmapped', 'id.orig_h': HM, 'id.orig_p': 1, 'id.resp_h': E1M, 'id.resp_p': 80 }]);
      await store.upsertDevices([{ network: 'lan', mac: '02:00:00:00:01:02', ips: [HM], hostnames: ['mapped-box'], first_seen: DAY0, last_seen: DAY0 + 50 }]);

      for (const spelling of [H, HM, '::FFFF:10.1.2.3', '0:0:0:0:0:ffff:a01:203']) {
        const s = await store.hostSummary(spelling);
        assert.equal(s.host, H, `${spelling}: the summary names the host in the store's spelling`);
        assert.equal(s.connections, 4, spelling);
        assert.equal(s.bytes_sent, 100 + 200 + 600 + 10);
        assert.equal(s.bytes_received, 1000 + 2000 + 500 + 20);
        assert.equal(s.packets_sent, 2 + 4 + 7 + 1);
        assert.equal(s.packets_received, 3 + 5 + 6 + 1);
        // E1 once, under its dotted spelling, with both of its connections.
        assert.deepEqual(s.top_peers, [
          { ip: E1, connections: 2, bytes: 3300 },
          { ip: B, connections: 1, bytes: 1100 },
          { ip: H, connections: 1, bytes: 30 },
        ]);
        assert.deepEqual(s.dns, [
          { query: 'plain.example', count: 2 },
          { query: 'mapped.example', count: 1 },
        ]);
        assert.deepEqual(s.alerts.map((a) => a.rule).sort(), ['x.dest', 'x.mapped', 'x.plain']);
        assert.equal(await store.hostLastSeen(spelling), DAY0 + 40);
        assert.equal((await store.connections({ ip: spelling })).total, 4);
        assert.equal((await store.dns({ ip: spelling })).total, 3);
        assert.equal((await store.alerts({ host: spelling })).total, 3);
        assert.equal((await store.logs({ kind: 'http', ip: spelling })).total, 1);
        assert.deepEqual((await store.devices({ ip: spelling })).rows.map((d) => d.hostnames), [['mapped-box']]);
      }
      // The CIDR search on the address keys agrees.
      assert.equal((await store.connections({ cidr: `${H}/32` })).total, 4);
      // A suppression of one host hides its alerts in either spelling.
      const shown = await store.alerts({ exclude: [{ rule: 'x.*', host: H, network: null }] });
      assert.deepEqual(shown.rows.map((a) => a.rule.id), []);
      assert.equal((await store.alerts({ exclude: [{ rule: 'x.*', host: HM, network: null }] })).total, 0);
      // The window applies as before: #1 and #2 only.
      assert.equal((await store.hostSummary(HM, DAY0, DAY0 + 25)).connections, 2);
    });

    test('tunnel fields: stored and read back as logged, unset ones left out', { skip: skipReason() }, async () => {
      const store = await make();
      // A GRE key above 2^31 (the column is 64 bits), a VNI, a tunnel without an id, and no tunnel at all.
      const gre = conn({ uid: 'Ctun1', ts: DAY0 + 1, tunnel: 'gre', tunnel_id: 4294967295, tunnel_parents: ['CgreParent1'] });
      const vx = conn({ uid: 'Ctun2', ts: DAY0 + 2, 'id.orig_h': B, tunnel: 'vxlan', tunnel_id: 4242, tunnel_parents: ['CvxParent1', 'CvxParent2'] });
      const ipip = conn({ uid: 'Ctun3', ts: DAY0 + 3, tunnel: 'ip', tunnel_parents: ['CipParent1'] });
      const plain = conn({ uid: 'Ctun4', ts: DAY0 + 4 });
      assert.deepEqual(await store.insert('conn', [gre, vx, ipip]), { stored: 3, skipped: {} });
      // Through a batch as well, where rows carry their agent.
      assert.equal((await store.insertBatch('ag_t', 1, [{ kind: 'conn', data: plain }])).stored, 1);
      const byUid = async (uid: string): Promise<Record<string, unknown>> => {
        const page = await store.connections({ uid });
        assert.equal(page.total, 1, uid);
        return page.rows[0] as unknown as Record<string, unknown>;
      };
      assert.deepEqual(await byUid('Ctun1'), gre);
      assert.deepEqual(await byUid('Ctun2'), vx);
      assert.deepEqual(await byUid('Ctun3'), ipip);
      const back = await byUid('Ctun4');
      assert.deepEqual(back, { ...plain, agent: 'ag_t' });
      for (const f of ['tunnel', 'tunnel_id', 'tunnel_parents']) assert.ok(!(f in back), `${f} left out when unset`);
      // The host reads see them too: a host search and the summary count the tunnelled connections.
      const ofB = await store.connections({ ip: B });
      assert.deepEqual(ofB.rows.map((r) => [r.tunnel, r.tunnel_id, r.tunnel_parents]), [['vxlan', 4242, ['CvxParent1', 'CvxParent2']]]);
      assert.equal((await store.hostSummary(A)).connections, 3);
    });

    test('tunnel fields of the wrong type are refused, not dropped', { skip: skipReason() }, async () => {
      const store = await make();
      const r = await store.insert('conn', [
        conn({ tunnel: 4 }),
        conn({ tunnel: ['vxlan'] }),
        conn({ tunnel_id: '4242' }),
        conn({ tunnel_id: 1.5 }),
        conn({ tunnel_id: 2 ** 53 }),
        conn({ tunnel_parents: 'Cparent' }),
        conn({ tunnel_parents: ['Cparent', 7] }),
        conn({ tunnel: 'vxlan', tunnel_id: 1, tunnel_parents: ['Cparent'] }),
      ]);
      assert.deepEqual(r, { stored: 1, skipped: { bad_type: 7 } });
      assert.equal((await store.stats()).rows.conn, 1);
    });

    test('vxlan.pcap: the inner connections are stored with their tunnel', { skip: skipReason() }, async () => {
      const pcap = path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels', 'vxlan.pcap');
      const logs = tempDir('picket-store-logs-');
      try {
        // One replay writes the logs and fills the store, so both hold the same uids.
        const store = await make();
        const res = await ingestReplay(store, [pcap], { replay: { logsDir: logs } });
        assert.deepEqual(res.skipped, {});
        const lines = readJsonl(path.join(logs, 'conn.jsonl'));
        const tunnelled = lines.filter((c) => c.tunnel !== undefined);
        assert.ok(tunnelled.length > 0, 'the capture has connections inside the tunnel');
        // Every conn.jsonl line is in the store as written: no field of it is dropped.
        for (const c of lines) {
          const page = await store.connections({ uid: String(c.uid) });
          assert.deepEqual(page.rows, [c]);
        }
        const vx = await store.connections({ limit: 1000 });
        const inner = vx.rows.filter((r) => r.tunnel === 'vxlan');
        assert.equal(inner.length, tunnelled.length);
        assert.ok(inner.every((r) => r.tunnel_id === 4242), 'the capture\'s VNI');
        // tunnel_parents names the tunnel's line in tunnel.jsonl, stored in the other logs.
        const tunnels = await store.logs({ kind: 'tunnel' });
        const uids = new Set(tunnels.rows.map((t) => t.uid));
        assert.ok(uids.size > 0);
        assert.ok(inner.every((r) => r.tunnel_parents?.length === 1 && uids.has(r.tunnel_parents[0]!)), JSON.stringify(inner[0]));
      } finally {
        fs.rmSync(logs, { recursive: true, force: true });
      }
    });

    test('batches are stored exactly once per (agent, seq)', { skip: skipReason() }, async () => {
      const store = await make();
      const batch = [
        { kind: 'conn', data: conn({ ts: DAY0 + 1 }) },
        { kind: 'dns', data: dnsRec(DAY0 + 2, A, 'example.com') },
        { kind: 'alert', data: alert('scan.port.horizontal', 2, A, DAY0 + 3) },
        { kind: 'http', data: { ts: DAY0 + 4, uid: 'Cx', 'id.orig_h': A, 'id.resp_h': E1 } },
        { kind: 'conn', data: { broken: true } },
      ];
      assert.deepEqual(await store.insertBatch('ag_1', 1, batch), { stored: 4, skipped: { missing_field: 1 }, duplicate: false });
      assert.deepEqual(await store.insertBatch('ag_1', 1, batch), { stored: 0, skipped: {}, duplicate: true });
      assert.equal((await store.insertBatch('ag_2', 1, batch)).duplicate, false);
      assert.equal((await store.insertBatch('ag_1', 2, batch.slice(0, 1))).stored, 1);
      const s = await store.stats();
      assert.equal(s.rows.conn, 3);
      assert.equal(s.rows.dns, 2);
      assert.equal(s.rows.alerts, 2);
      assert.equal(s.rows.logs, 2);
      const rows = (await store.connections({ ip: A })).rows;
      assert.ok(rows.every((r) => (r as { agent?: string }).agent === 'ag_1' || (r as { agent?: string }).agent === 'ag_2'));
      await assert.rejects(store.insertBatch('ag_1', 0, batch), /positive integer/);
    });

    test('a used (agent, seq) with other records is a conflict: nothing of it is stored', { skip: skipReason() }, async () => {
      const store = await make();
      const first = [{ kind: 'conn', data: conn({ ts: DAY0 + 1 }) }, { kind: 'dns', data: dnsRec(DAY0 + 2, A, 'first.example') }];
      const other = [
        { kind: 'conn', data: conn({ ts: DAY0 + 5 }) },
        { kind: 'dns', data: dnsRec(DAY0 + 6, A, 'other.example') },
        { kind: 'alert', data: alert('scan.port.horizontal', 2, A, DAY0 + 7) },
      ];
      assert.equal((await store.insertBatch('ag_c', 1, first)).stored, 2);
      assert.deepEqual(await store.insertBatch('ag_c', 1, other), { stored: 0, skipped: {}, duplicate: false, conflict: true });
      assert.deepEqual(await store.insertBatch('ag_c', 1, first), { stored: 0, skipped: {}, duplicate: true });
      const s = await store.stats();
      assert.equal(s.rows.conn, 1);
      assert.equal(s.rows.dns, 1);
      assert.equal(s.rows.alerts ?? 0, 0);
      assert.equal((await store.insertBatch('ag_c', 2, other)).stored, 3);
    });

    test('retention by age deletes rows older than max_age_days', { skip: skipReason() }, async () => {
      const store = await make({ max_age_days: 1 });
      await store.insert('conn', [conn({ ts: DAY0 + 10 }), conn({ ts: DAY0 + DAY + 10 }), conn({ ts: DAY0 + 3 * DAY + 10 })]);
      await store.insert('dns', [dnsRec(DAY0 + 10, A, 'old.example'), dnsRec(DAY0 + 3 * DAY + 10, A, 'new.example')]);
      await store.insert('alert', [alert('x.old', 1, A, DAY0 + 10), alert('x.new', 1, A, DAY0 + 3 * DAY + 10)]);
      const report = await store.enforceRetention(DAY0 + 3 * DAY + 100);
      assert.ok(report.reasons.includes('age'));
      assert.deepEqual(report.deleted, { conn: 2, dns: 1, alerts: 1 });
      const s = await store.stats();
      assert.equal(s.rows.conn, 1);
      assert.equal(s.oldest, DAY0 + 3 * DAY + 10);
      assert.deepEqual(
        (await store.dns({})).rows.map((r) => r.query),
        ['new.example'],
      );
      // A second run has nothing left to do.
      const again = await store.enforceRetention(DAY0 + 3 * DAY + 100);
      assert.deepEqual(again.deleted, {});
    });

    test('retention by size trims the oldest rows until under max_bytes', { skip: skipReason() }, async () => {
      const retention: RetentionOptions = { max_bytes: Number.MAX_SAFE_INTEGER };
      const store = await make(retention);
      // What an empty store already uses (catalog, agent tables): the bound is set above it.
      await store.enforceRetention(DAY0);
      const empty = (await store.stats()).bytes;
      const rows: Record<string, unknown>[] = [];
      // Ten days of distinct rows: enough data that blocks/parts of it can go.
      for (let i = 0; i < 30000; i++) {
        rows.push(
          conn({
            ts: DAY0 + Math.floor(i / 3000) * DAY + (i % 3000),
            uid: `Csize${i}x${(i * 2654435761) % 1000003}`,
            'id.orig_h': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            'id.orig_p': 1024 + (i % 60000),
            orig_bytes: (i * 7919) % 100000,
            resp_bytes: (i * 104729) % 1000000,
            community_id: `1:${String(i * 31).padStart(27, 'x')}=`,
          }),
        );
      }
      await store.insert('conn', rows);
      // Sizes are compared after a checkpoint (DuckDB's write-ahead log is folded into the file by a retention run).
      await store.enforceRetention(DAY0 + 10 * DAY);
      const full = await store.stats();
      assert.equal(full.rows.conn, 30000);
      assert.ok(full.bytes > empty, `${full.bytes} <= ${empty}`);
      // The store reads its options on every run: bound it to the empty size plus half of the data.
      retention.max_bytes = empty + Math.floor((full.bytes - empty) / 2);
      const report = await store.enforceRetention(DAY0 + 10 * DAY);
      assert.ok(report.reasons.includes('size'), JSON.stringify(report));
      assert.ok(report.bytes_after <= retention.max_bytes, JSON.stringify(report));
      const after = await store.stats();
      assert.ok(after.rows.conn < 30000 && after.rows.conn > 0, `${String(after.rows.conn)} rows, ${empty}/${full.bytes} bytes`);
      assert.equal(report.deleted.conn, 30000 - after.rows.conn);
      // The oldest went first: the newest day is whole.
      assert.ok((after.oldest ?? 0) > DAY0, String(after.oldest));
      assert.equal((await store.connections({ from: DAY0 + 9 * DAY })).total, 3000);
    });

    test('inserts are refused once the disk is below the free-space floor', { skip: skipReason() }, async () => {
      const store = await make({ min_free_bytes: Number.MAX_SAFE_INTEGER });
      await assert.rejects(
        store.insert('conn', [conn({})]),
        (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_STORE_DISK_FULL',
      );
      await assert.rejects(
        store.insertBatch('ag', 1, [{ kind: 'conn', data: conn({}) }]),
        (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_STORE_DISK_FULL',
      );
      const report = await store.enforceRetention();
      assert.ok(report.reasons.includes('disk'));
    });

    test('wikipedia.pcap: host summaries equal sums over the replayed logs', { skip: skipReason() }, async () => {
      const pcap = path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap');
      const logs = tempDir('picket-store-logs-');
      try {
        await replayCaptures([pcap], { logsDir: logs });
        const conns = readJsonl(path.join(logs, 'conn.jsonl'));
        const dnsLines = readJsonl(path.join(logs, 'dns.jsonl'));
        assert.ok(conns.length > 20 && dnsLines.length > 20, `${conns.length} conns, ${dnsLines.length} dns`);
        const store = await make();
        const res = await ingestReplay(store, [pcap]);
        assert.deepEqual(res.skipped, {});
        assert.equal(res.stored.conn, conns.length);
        assert.equal((await store.connections({})).total, conns.length);
        assert.equal((await store.dns({})).total, dnsLines.length);
        const hosts = new Set<string>();
        for (const c of conns) {
          hosts.add(String(c['id.orig_h']));
          hosts.add(String(c['id.resp_h']));
        }
        assert.ok(hosts.size > 5);
        for (const h of hosts) {
          const exp = { connections: 0, bytes_sent: 0, bytes_received: 0, packets_sent: 0, packets_received: 0 };
          for (const c of conns) {
            const orig = c['id.orig_h'] === h;
            if (!orig && c['id.resp_h'] !== h) continue;
            exp.connections++;
            exp.bytes_sent += num(orig ? c.orig_bytes : c.resp_bytes);
            exp.bytes_received += num(orig ? c.resp_bytes : c.orig_bytes);
            exp.packets_sent += num(orig ? c.orig_pkts : c.resp_pkts);
            exp.packets_received += num(orig ? c.resp_pkts : c.orig_pkts);
          }
          const names = new Map<string, number>();
          for (const d of dnsLines) {
            if (d['id.orig_h'] !== h || typeof d.query !== 'string') continue;
            names.set(d.query, (names.get(d.query) ?? 0) + 1);
          }
          const s = await store.hostSummary(h);
          assert.deepEqual(
            {
              connections: s.connections,
              bytes_sent: s.bytes_sent,
              bytes_received: s.bytes_received,
              packets_sent: s.packets_sent,
              packets_received: s.packets_received,
            },
            exp,
            h,
          );
          const got = new Map(s.dns.map((d) => [d.query, d.count]));
          assert.deepEqual(got, names, h);
          if (s.top_peers.length < 20) assert.equal(s.top_peers.reduce((a, p) => a + p.connections, 0), exp.connections, h);
        }
        // The busiest host really moved bytes, so the comparison above was not all zeros.
        const busiest = [...hosts].sort(
          (x, y) => conns.filter((c) => c['id.orig_h'] === y).length - conns.filter((c) => c['id.orig_h'] === x).length,
        )[0]!;
        const s = await store.hostSummary(busiest);
        assert.ok(s.bytes_sent > 1000 && s.bytes_received > 1000 && s.dns.length > 2, JSON.stringify(s).slice(0, 300));
      } finally {
        fs.rmSync(logs, { recursive: true, force: true });
      }
    });
  });
}
