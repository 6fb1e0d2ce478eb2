/**
 * Builds a data directory for the console benchmark: the embedded DuckDB store
 * (DIR/picket.duckdb, tables created by the store's own init) filled inside
 * DuckDB with INSERT ... SELECT FROM range(N), every column derived from
 * hash(row, salt), so the default sizes take minutes (about 12 on two busy
 * cores) rather than hours of row-by-row inserts and the same sizes always give the same rows.
 *
 * The shape aims at a mid-size site over 7 days: 500 internal hosts on three
 * networks (office 10.1.0.0/24, lab 10.2.0.0/24, guest 192.168.1.0/24) with a
 * skewed load (host 0, 10.1.0.10, makes several percent of all connections),
 * 200,000 external peers with countries and ASNs, DNS through one resolver per
 * network, alerts from a dozen rules and ~2,000 devices. Rows are appended in
 * time order, as ingest appends them.
 *
 * The result is cached under bench/.cache/console-<version>-<sizes>; change
 * DATA_VERSION whenever the generator changes so a stale directory is not reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDb } from '../../src/store/duckdb/db.js';
import { DuckDbMetadataStore } from '../../src/store/duckdb/store.js';
import { DuckDbMetaStore } from '../../src/store/meta.js';
import { STORE_FILE } from '../../src/store/open.js';

/** Bump when the generated rows change: the cache key includes it. */
export const DATA_VERSION = 'v1';
/** The newest row's time (2026-01-01T00:00:00Z): fixed, so the cached data never depends on the day it was built. */
export const DATA_END = 1_767_225_600;
/** The data spans this many seconds before DATA_END. */
export const DATA_SPAN = 7 * 86_400;
/** Internal hosts; host h is on network h % 3 and has address PREFIX[h % 3] + (h / 3 + 10). */
export const INTERNAL_HOSTS = 500;
/** Distinct external peers (skewed: a few are very popular). */
const EXTERNAL_PEERS = 200_000;
/** Distinct DNS names asked for (skewed). */
const DNS_NAMES = 50_000;

export interface ScaleSizes {
  conn: number;
  dns: number;
  alerts: number;
  devices: number;
}

export const DEFAULT_SIZES: ScaleSizes = { conn: 10_000_000, dns: 3_000_000, alerts: 100_000, devices: 2_000 };

/** The busiest internal host (h = 0). */
export const BUSY_HOST = '10.1.0.10';

/** Networks as [name, first three octets as a number << 8]. */
const NETWORKS: readonly [string, number][] = [
  ['office', (10 << 24) | (1 << 16)],
  ['lab', (10 << 24) | (2 << 16)],
  ['guest', ((192 << 24) | (168 << 16) | (1 << 8)) >>> 0],
];

function sqlList(items: readonly (string | number)[]): string {
  return `[${items.map((x) => (typeof x === 'number' ? String(x) : `'${x.replace(/'/g, "''")}'`)).join(', ')}]`;
}

/**
 * Macros shared by the statements (temporary: they live on the write
 * connection only and are not stored in the file).
 */
function macros(): string[] {
  const nets = sqlList(NETWORKS.map((n) => n[1]));
  const names = sqlList(NETWORKS.map((n) => n[0]));
  // Public first octets for external peers (no private, reserved or multicast blocks).
  const octets = sqlList([23, 31, 37, 45, 52, 62, 77, 81, 89, 104, 142, 151, 185, 193, 203, 212]);
  const ccs = sqlList(['US', 'DE', 'NL', 'GB', 'FR', 'IE', 'SE', 'JP', 'SG', 'CA', 'CH', 'PL', 'BR', 'IN', 'AU', 'RU', 'CN', 'KR', 'UA', 'ZA', 'IT', 'ES', 'FI', 'HK', 'RO']);
  return [
    // A uniform number in [0, 1) from a row number and a salt.
    // hash() is UBIGINT; halved it fits BIGINT, which list indexing and the arithmetic below want.
    `CREATE OR REPLACE TEMP MACRO hb(i, k) AS (hash(i, k) >> 1)::BIGINT`,
    `CREATE OR REPLACE TEMP MACRO u(i, k) AS (hb(i, k) % 1000003)::DOUBLE / 1000003`,
    `CREATE OR REPLACE TEMP MACRO ip_text(n) AS ((n >> 24) & 255)::VARCHAR || '.' || ((n >> 16) & 255)::VARCHAR || '.' || ((n >> 8) & 255)::VARCHAR || '.' || (n & 255)::VARCHAR`,
    `CREATE OR REPLACE TEMP MACRO ip_key(n) AS '00000000000000000000ffff' || printf('%08x', n)`,
    `CREATE OR REPLACE TEMP MACRO net_num(h) AS (${nets})[(h % 3) + 1]::BIGINT`,
    `CREATE OR REPLACE TEMP MACRO host_num(h) AS net_num(h) + (h // 3) + 10`,
    `CREATE OR REPLACE TEMP MACRO net_name(h) AS (${names})[(h % 3) + 1]`,
    `CREATE OR REPLACE TEMP MACRO ext_num(x) AS ((${octets})[(hb(x, 101) % 16) + 1]::BIGINT << 24) + (hb(x, 102) % 16777214) + 1`,
    // AS number of a peer: a few big hosting/CDN networks, a long tail; the country follows the ASN.
    `CREATE OR REPLACE TEMP MACRO ext_asn(x) AS 1000 + floor(3000 * pow(u(x, 103), 2))::BIGINT`,
    `CREATE OR REPLACE TEMP MACRO asn_cc(a) AS (${ccs})[floor(25 * pow(u(a, 104), 2))::INTEGER + 1]`,
    `CREATE OR REPLACE TEMP MACRO asn_org(a) AS 'AS' || a::VARCHAR || ' ' || (['Hosting', 'Telecom', 'Cloud', 'Networks', 'Broadband', 'CDN'])[(a % 6) + 1]`,
    `CREATE OR REPLACE TEMP MACRO iso(t) AS strftime(make_timestamp((t * 1000000)::BIGINT), '%Y-%m-%dT%H:%M:%S.%gZ')`,
  ];
}

function connSql(n: number): string {
  const step = DATA_SPAN / n;
  const start = DATA_END - DATA_SPAN;
  // resp ports with their service and proto, most common first; picked with a skew.
  const ports = sqlList([443, 80, 53, 22, 123, 445, 3389, 8080, 993, 25, 5353, 8443]);
  const services = sqlList(['ssl', 'http', 'dns', 'ssh', 'ntp', 'smb', 'rdp', 'http', 'imap', 'smtp', 'dns', 'ssl']);
  const states = sqlList(['SF', 'SF', 'SF', 'SF', 'S0', 'REJ', 'RSTO', 'SH', 'OTH', 'S1']);
  const histories = sqlList(['ShADadFf', 'ShADadfF', 'ShADadFf', 'ShADadFf', 'S', 'Sr', 'ShADadR', 'H', 'D', 'ShAD']);
  // Columns named: a new file's conn table has more (tunnel fields) in between these, left NULL here.
  return `INSERT INTO conn (ts, uid, orig_h, orig_p, resp_h, resp_p, proto, service, duration, orig_bytes, resp_bytes,
      conn_state, local_orig, local_resp, missed_bytes, history, orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes,
      ip_proto, orig_l2_addr, resp_l2_addr, vlan, inner_vlan, community_id, orig_asn, orig_as_org, orig_cc,
      resp_asn, resp_as_org, resp_cc, agent, orig_key, resp_key)
    WITH b AS (
      SELECT i,
        ${start} + i * ${step} + u(i, 1) * ${step} AS ts,
        md5(i::VARCHAR) AS m,
        floor(${INTERNAL_HOSTS} * pow(u(i, 2), 2))::BIGINT AS h,
        floor(${INTERNAL_HOSTS} * pow(u(i, 3), 3))::BIGINT AS h2,
        floor(${EXTERNAL_PEERS} * pow(u(i, 4), 3))::BIGINT AS x,
        u(i, 5) AS dir,
        floor(12 * pow(u(i, 6), 2.5))::INTEGER + 1 AS pi,
        floor(10 * u(i, 7))::INTEGER + 1 AS si,
        u(i, 8) AS icmp,
        u(i, 9) AS v1, u(i, 10) AS v2, u(i, 11) AS v3
      FROM range(${n}) t(i)
    ), c AS (
      SELECT *,
        -- 62% outbound to the internet, 28% internal, 10% inbound from the internet
        CASE WHEN dir < 0.62 THEN 'out' WHEN dir < 0.90 THEN 'int' ELSE 'in' END AS kind,
        ext_asn(x) AS asn,
        icmp < 0.02 AS is_icmp,
        (${ports})[pi] AS port
      FROM b
    ), d AS (
      SELECT *,
        CASE kind WHEN 'in' THEN ext_num(x) ELSE host_num(h) END AS o,
        CASE kind WHEN 'out' THEN ext_num(x) WHEN 'int' THEN host_num(h2) ELSE host_num(h) END AS r,
        CASE WHEN is_icmp THEN 'icmp' WHEN port IN (53, 123, 5353) THEN 'udp' ELSE 'tcp' END AS pr,
        CASE WHEN is_icmp THEN 'S0' ELSE (${states})[si] END AS st
      FROM c
    )
    SELECT
      ts,
      'C' || substr(m, 1, 17) AS uid,
      ip_text(o), CASE WHEN is_icmp THEN 8 ELSE 1024 + (hb(i, 12) % 64000)::INTEGER END,
      ip_text(r), CASE WHEN is_icmp THEN 0 ELSE port END,
      pr,
      CASE WHEN is_icmp OR st <> 'SF' THEN NULL ELSE (${services})[pi] END,
      CASE WHEN st = 'S0' THEN NULL ELSE round(300 * pow(v1, 4), 6) END,
      CASE WHEN st = 'S0' THEN NULL WHEN st = 'REJ' THEN 0 ELSE floor(2000000 * pow(v2, 8))::BIGINT END,
      CASE WHEN st = 'S0' THEN NULL WHEN st = 'REJ' THEN 0 ELSE floor(20000000 * pow(v3, 8))::BIGINT END,
      st,
      kind <> 'in', kind <> 'out',
      0,
      CASE WHEN is_icmp THEN NULL ELSE (${histories})[si] END,
      1 + floor(2000 * pow(v2, 8))::BIGINT, 40 + floor(2060000 * pow(v2, 8))::BIGINT,
      CASE WHEN st = 'S0' THEN 0 ELSE 1 + floor(15000 * pow(v3, 8))::BIGINT END,
      CASE WHEN st = 'S0' THEN 0 ELSE 40 + floor(20600000 * pow(v3, 8))::BIGINT END,
      CASE pr WHEN 'tcp' THEN 6 WHEN 'udp' THEN 17 ELSE 1 END,
      NULL, NULL, NULL, NULL,
      '1:' || substr(m, 18, 15) || '=',
      CASE WHEN kind = 'in' THEN asn END, CASE WHEN kind = 'in' THEN asn_org(asn) END, CASE WHEN kind = 'in' THEN asn_cc(asn) END,
      CASE WHEN kind = 'out' THEN asn END, CASE WHEN kind = 'out' THEN asn_org(asn) END, CASE WHEN kind = 'out' THEN asn_cc(asn) END,
      'sensor-' || net_name(h),
      ip_key(o), ip_key(r)
    FROM d`;
}

function dnsSql(n: number): string {
  const step = DATA_SPAN / n;
  const start = DATA_END - DATA_SPAN;
  const tlds = sqlList(['com', 'net', 'org', 'io', 'de', 'co.uk']);
  const qtypes = sqlList([1, 1, 1, 28, 28, 65, 12, 16]);
  const qnames = sqlList(['A', 'A', 'A', 'AAAA', 'AAAA', 'HTTPS', 'PTR', 'TXT']);
  return `INSERT INTO dns
    WITH b AS (
      SELECT i,
        ${start} + i * ${step} + u(i, 21) * ${step} AS ts,
        md5(i::VARCHAR || 'd') AS m,
        floor(${INTERNAL_HOSTS} * pow(u(i, 22), 2))::BIGINT AS h,
        floor(${DNS_NAMES} * pow(u(i, 23), 3))::BIGINT AS q,
        floor(8 * u(i, 24))::INTEGER + 1 AS ti,
        u(i, 25) AS nx
      FROM range(${n}) t(i)
    ), c AS (
      SELECT *, host_num(h) AS o, (host_num(h) & ~255) + 2 AS r,
        (['www', 'api', 'cdn', 'mail', 'login', 'static', 'img', 'update'])[(q % 8) + 1] || '.' || 'site' || (q // 8)::VARCHAR || '.' || (${tlds})[(hb(q, 26) % 6) + 1] AS name
      FROM b
    )
    SELECT ts, 'C' || substr(m, 1, 17), ip_text(o), 1024 + (hb(i, 27) % 64000)::INTEGER, ip_text(r), 53, 'udp',
      (hb(i, 28) % 65536)::INTEGER, round(0.001 + 0.08 * u(i, 29), 6),
      name, 1, 'C_INTERNET', (${qtypes})[ti], (${qnames})[ti],
      CASE WHEN nx < 0.05 THEN 3 ELSE 0 END, CASE WHEN nx < 0.05 THEN 'NXDOMAIN' ELSE 'NOERROR' END,
      false, false, true, true, 0,
      CASE WHEN nx < 0.05 THEN NULL ELSE [ip_text(ext_num(q))] END,
      CASE WHEN nx < 0.05 THEN NULL ELSE [300.0] END,
      false, 0, 'QUERY',
      'sensor-' || net_name(h), ip_key(o), ip_key(r)
    FROM c`;
}

function alertsSql(n: number): string {
  const step = DATA_SPAN / n;
  const start = DATA_END - DATA_SPAN;
  // [id, name, severity, technique, message verb] ordered by how often each fires.
  const rules: [string, string, number, string, string][] = [
    ['scan.port_scan', 'Port scan', 2, 'T1046', 'scanned ports on'],
    ['dns.dga', 'Algorithmically generated domain', 2, 'T1568.002', 'looked up generated names near'],
    ['tls.self_signed', 'Self-signed certificate', 1, 'T1573', 'used a self-signed certificate with'],
    ['beacon.periodic', 'Periodic beacon', 2, 'T1071', 'connected at a fixed interval to'],
    ['intel.ip_match', 'Known-bad address', 3, 'T1071', 'talked to a listed address'],
    ['policy.cleartext_auth', 'Cleartext credentials', 1, 'T1552', 'sent a password in clear text to'],
    ['scan.host_sweep', 'Host sweep', 2, 'T1018', 'swept hosts including'],
    ['bruteforce.ssh', 'SSH brute force', 3, 'T1110', 'tried many SSH logins on'],
    ['exfil.large_upload', 'Large upload', 3, 'T1048', 'uploaded an unusual amount to'],
    ['dns.tunnel', 'DNS tunnel', 3, 'T1071.004', 'tunnelled data over DNS through'],
    ['ua.attack_tool', 'Attack tool user agent', 3, 'T1595', 'used an attack tool against'],
    ['lateral.smb_admin', 'SMB admin share access', 4, 'T1021.002', 'opened an admin share on'],
  ];
  const ids = sqlList(rules.map((r) => r[0]));
  const names = sqlList(rules.map((r) => r[1]));
  const sevs = sqlList(rules.map((r) => r[2]));
  const techs = sqlList(rules.map((r) => r[3]));
  const verbs = sqlList(rules.map((r) => r[4]));
  return `INSERT INTO alerts
    WITH b AS (
      SELECT i,
        ${start} + i * ${step} + u(i, 31) * ${step} AS ts,
        md5(i::VARCHAR || 'a') AS m,
        floor(${rules.length} * pow(u(i, 32), 2))::INTEGER + 1 AS ri,
        floor(${INTERNAL_HOSTS} * pow(u(i, 33), 2))::BIGINT AS h,
        floor(${EXTERNAL_PEERS} * pow(u(i, 34), 3))::BIGINT AS x,
        1 + floor(50 * pow(u(i, 35), 4))::BIGINT AS cnt,
        u(i, 36) AS ack
      FROM range(${n}) t(i)
    ), c AS (
      SELECT *, (${ids})[ri] AS rule, (${names})[ri] AS rname, (${sevs})[ri] AS sev, (${techs})[ri] AS tech,
        ip_text(host_num(h)) AS src, ip_text(ext_num(x)) AS dst, ext_asn(x) AS asn, net_name(h) AS net,
        substr(m, 1, 8) || '-' || substr(m, 9, 4) || '-4' || substr(m, 14, 3) || '-8' || substr(m, 18, 3) || '-' || substr(m, 21, 12) AS id
      FROM b
    )
    SELECT id, ts, rule, rname, sev, src, dst, net,
      src || ' ' || (${verbs})[ri] || ' ' || dst AS message, cnt, src || '>' || dst AS dk, 'sensor-' || net,
      ack < 0.3, NULL,
      json_object(
        '@timestamp', iso(ts),
        'event', json_object('kind', 'alert', 'severity', sev, 'category', ['network']),
        'rule', json_object('id', rule, 'name', rname),
        'source', json_object('ip', src, 'port', 1024 + (hb(i, 37) % 64000)),
        'destination', json_object('ip', dst, 'port', 443, 'as', json_object('number', asn, 'organization', json_object('name', asn_org(asn))),
          'geo', json_object('country_iso_code', asn_cc(asn))),
        'network', json_object('transport', 'tcp', 'name', net),
        'threat', json_object('technique', json_object('id', tech)),
        'message', src || ' ' || (${verbs})[ri] || ' ' || dst,
        'evidence', json_object('connections', cnt * 7, 'ports', [443, 80, 22]),
        'count', cnt,
        'first_seen', iso(ts),
        'last_seen', iso(ts + cnt * 30),
        'observer', json_object('name', 'sensor-' || net),
        'dedup_key', src || '>' || dst
      )::VARCHAR
    FROM c`;
}

function devicesSql(n: number): string {
  const start = DATA_END - DATA_SPAN;
  const vendors = sqlList(['Dell Inc.', 'Apple, Inc.', 'Hewlett Packard', 'Lenovo', 'Intel Corporate', 'Samsung Electronics', 'Cisco Systems', 'Raspberry Pi Trading', 'Ubiquiti Inc', 'Espressif Inc.']);
  // The first INTERNAL_HOSTS devices are the internal hosts (fixed address, seen all week);
  // the rest come and go (DHCP leases in .180-.254 of each network, names from DHCP).
  return `INSERT INTO devices
    SELECT
      net_name(i),
      printf('02:%02x:%02x:%02x:%02x:%02x', (i >> 32) & 255, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255),
      CASE WHEN i < ${INTERNAL_HOSTS} THEN [ip_text(host_num(i))]
           ELSE [ip_text(net_num(i) + 180 + (hb(i, 41) % 75)), ip_text(net_num(i) + 180 + (hb(i, 42) % 75))] END,
      CASE WHEN i < ${INTERNAL_HOSTS} THEN ['ws-' || i::VARCHAR] WHEN u(i, 43) < 0.6 THEN ['phone-' || i::VARCHAR] ELSE [] END,
      (${vendors})[(hb(i, 44) % 10) + 1],
      CASE WHEN i < ${INTERNAL_HOSTS} THEN ${start} ELSE ${start} + u(i, 45) * ${DATA_SPAN * 0.9} END AS fs,
      CASE WHEN i < ${INTERNAL_HOSTS} THEN ${DATA_END} - u(i, 46) * 600 ELSE ${start} + u(i, 45) * ${DATA_SPAN * 0.9} + u(i, 47) * ${DATA_SPAN * 0.1} END
    FROM range(${n}) t(i)`;
}

/** The cache directory name for these sizes. */
export function dataDirName(s: ScaleSizes): string {
  return `console-${DATA_VERSION}-${s.conn}-${s.dns}-${s.alerts}-${s.devices}`;
}

async function run(conn: DuckDBConnection, sql: string): Promise<void> {
  await conn.run(sql);
}

/**
 * Returns a data directory holding `sizes` rows, building it under `cacheDir`
 * first when it is not there yet (built in DIR.tmp, renamed when complete).
 */
export async function ensureScaleData(cacheDir: string, sizes: ScaleSizes, log: (line: string) => void): Promise<string> {
  const dir = path.join(cacheDir, dataDirName(sizes));
  if (fs.existsSync(path.join(dir, STORE_FILE))) return dir;
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const db = await DuckDb.open(path.join(tmp, STORE_FILE));
  try {
    // The store's own schema: the same tables `picket server --data DIR` creates.
    const meta = new DuckDbMetaStore(db);
    await meta.init();
    await new DuckDbMetadataStore(db, { dataDir: tmp }).init();
    // One sensor per network (the names the rows carry in `agent`), with a health report, and one unused token.
    for (const [name] of NETWORKS) {
      const a = await meta.createAgent({ name: `sensor-${name}`, kind: 'sensor', hostname: `${name}-tap`, version: '0.1.0' });
      await meta.recordHealth(a.agent_id, { packets_per_s: 42_000, kernel_drops: 0, spool_bytes: 0 }, DATA_END);
    }
    await meta.createEnrollmentToken('spare', 'sensor');
    await db.exclusive(async (conn) => {
      for (const m of macros()) await run(conn, m);
      const steps: [string, string][] = [
        [`${sizes.conn.toLocaleString('en-US')} conn rows`, connSql(sizes.conn)],
        [`${sizes.dns.toLocaleString('en-US')} dns rows`, dnsSql(sizes.dns)],
        [`${sizes.alerts.toLocaleString('en-US')} alerts`, alertsSql(sizes.alerts)],
        [`${sizes.devices.toLocaleString('en-US')} devices`, devicesSql(sizes.devices)],
      ];
      for (const [what, sql] of steps) {
        const t0 = Date.now();
        await run(conn, sql);
        log(`  ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      await run(conn, 'CHECKPOINT');
    });
  } finally {
    await db.close();
  }
  fs.renameSync(tmp, dir);
  return dir;
}
