/**
 * The query routes over a store filled through the ingest API with real
 * records: the zeek corpus captures wikipedia.pcap (conn, dns, http) and
 * dhcp-all-msg-types (dhcp) replayed through the pipeline and shipped in
 * gzip batches, as an agent does. Each answer is checked against sums
 * computed here from the shipped records, and against the store's own
 * answer for the same question.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, ZEEK_CORPUS } from '../helpers/paths.js';
import { adminGet, call, enroll, ingest, replayRecords, startTestServer, type BatchRecordIn, type TestServer } from './helpers.js';

/** Records per batch: several batches, as a sensor would send them. */
const BATCH = 40;

type Conn = Record<string, unknown> & { 'id.orig_h': string; 'id.resp_h': string; ts: number };

describe('query routes', () => {
  let s: TestServer;
  let records: BatchRecordIn[];
  let conns: Conn[];
  before(async () => {
    s = await startTestServer();
    records = await replayRecords([path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap'), path.join(ZEEK_CORPUS, 'dhcp-all-msg-types', 'dhcp.pcap')]);
    conns = records.filter((r) => r.kind === 'conn').map((r) => r.data as Conn);
    const agent = await enroll(s, 'sensor-q');
    let seq = 0;
    for (let i = 0; i < records.length; i += BATCH) {
      const r = await ingest(s, agent, ++seq, records.slice(i, i + BATCH));
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  });
  after(async () => {
    await s.stop();
  });

  it('shipped a real capture (conn, dns, http and dhcp records)', () => {
    const kinds = new Set(records.map((r) => r.kind));
    for (const k of ['conn', 'dns', 'http', 'dhcp']) assert.ok(kinds.has(k), `no ${k} records`);
    assert.ok(conns.length > 10);
  });

  it('GET /hosts/:ip equals sums over the shipped conn and dns records', async () => {
    // The busiest host of the capture.
    const counts = new Map<string, number>();
    for (const c of conns) for (const h of [c['id.orig_h'], c['id.resp_h']]) counts.set(h, (counts.get(h) ?? 0) + 1);
    const host = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
    let connections = 0;
    let sent = 0;
    let received = 0;
    let pSent = 0;
    let pRecv = 0;
    for (const c of conns) {
      if (c['id.orig_h'] === host) {
        connections++;
        sent += n(c.orig_bytes);
        received += n(c.resp_bytes);
        pSent += n(c.orig_pkts);
        pRecv += n(c.resp_pkts);
      } else if (c['id.resp_h'] === host) {
        connections++;
        sent += n(c.resp_bytes);
        received += n(c.orig_bytes);
        pSent += n(c.resp_pkts);
        pRecv += n(c.orig_pkts);
      }
    }
    const queries = new Map<string, number>();
    for (const r of records) {
      if (r.kind === 'dns' && r.data['id.orig_h'] === host && typeof r.data.query === 'string') queries.set(r.data.query, (queries.get(r.data.query) ?? 0) + 1);
    }
    const r = await adminGet(s, `/hosts/${host}`);
    assert.equal(r.status, 200);
    const h = r.json;
    assert.equal(h.host, host);
    assert.deepEqual(
      [h.connections, h.bytes_sent, h.bytes_received, h.packets_sent, h.packets_received],
      [connections, sent, received, pSent, pRecv],
    );
    const dns = new Map<string, number>(h.dns.map((d: { query: string; count: number }) => [d.query, d.count]));
    assert.deepEqual(dns, queries);
    // Same numbers as the store gives directly.
    assert.deepEqual(h, JSON.parse(JSON.stringify(await s.ctx.stores.store.hostSummary(host))));
  });

  it('GET /hosts/:ip honours from/to given as epoch seconds or ISO 8601', async () => {
    const host = conns[0]!['id.orig_h'];
    const times = conns.map((c) => c.ts).sort((a, b) => a - b);
    const mid = times[Math.floor(times.length / 2)]!;
    const expected = conns.filter((c) => c.ts >= mid && (c['id.orig_h'] === host || c['id.resp_h'] === host)).length;
    const epoch = await adminGet(s, `/hosts/${host}?from=${mid}`);
    assert.equal(epoch.json.connections, expected);
    const iso = await adminGet(s, `/hosts/${host}?from=${encodeURIComponent(new Date(mid * 1000).toISOString())}`);
    assert.equal(iso.json.connections, epoch.json.connections);
    assert.ok(expected < conns.filter((c) => c['id.orig_h'] === host || c['id.resp_h'] === host).length, 'the window cuts something');
    const bad = await adminGet(s, `/hosts/${host}?from=yesterday`);
    assert.equal(bad.status, 400);
    assert.equal((await adminGet(s, '/hosts/not-an-ip')).status, 400);
  });

  it('GET /connections filters by ip, cidr, port and pages', async () => {
    const ip = conns[0]!['id.resp_h'];
    const byIp = conns.filter((c) => c['id.orig_h'] === ip || c['id.resp_h'] === ip).length;
    const r = await adminGet(s, `/connections?ip=${ip}&limit=1000`);
    assert.equal(r.json.total, byIp);
    assert.equal(r.json.rows.length, byIp);
    const port = 80;
    const byPort = conns.filter((c) => c['id.orig_p'] === port || c['id.resp_p'] === port).length;
    assert.ok(byPort > 0);
    assert.equal((await adminGet(s, `/connections?port=${port}`)).json.total, byPort);
    const v4 = conns.filter((c) => !c['id.orig_h'].includes(':')).length;
    assert.equal((await adminGet(s, '/connections?cidr=0.0.0.0/0')).json.total, v4);
    const page = await adminGet(s, '/connections?limit=5&offset=5');
    assert.equal(page.json.rows.length, 5);
    assert.equal(page.json.total, conns.length);
    assert.equal((await adminGet(s, '/connections?cidr=10.0.0.0/33')).status, 400);
    assert.equal((await adminGet(s, '/connections?port=70000')).status, 400);
    assert.equal((await adminGet(s, '/connections?limit=0')).status, 400);
  });

  it('GET /dns filters by client and name', async () => {
    const dns = records.filter((r) => r.kind === 'dns').map((r) => r.data);
    const client = dns[0]!['id.orig_h'] as string;
    const expected = dns.filter((d) => d['id.orig_h'] === client || d['id.resp_h'] === client).length;
    assert.equal((await adminGet(s, `/dns?ip=${client}&limit=1000`)).json.total, expected);
    const name = dns.find((d) => typeof d.query === 'string')!.query as string;
    const byName = dns.filter((d) => d.query === name).length;
    assert.equal((await adminGet(s, `/dns?name=${encodeURIComponent(name)}`)).json.total, byName);
  });

  it('GET /logs/:kind returns the other logs', async () => {
    const http = records.filter((r) => r.kind === 'http').length;
    assert.equal((await adminGet(s, '/logs/http?limit=1000')).json.total, http);
  });

  it('GET /logs/files answers what files a host downloaded, with their digests (the lab\'s program downloads, shipped as a sensor does)', async () => {
    const files = (await replayRecords([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'exe-download.pcap')])).filter((r) => r.kind === 'files');
    assert.ok(files.length > 0);
    const agent = await enroll(s, 'sensor-files');
    const r = await ingest(s, agent, 1, files);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const host = files[0]!.data['id.orig_h'] as string;
    const mine = files.filter((f) => f.data['id.orig_h'] === host || f.data['id.resp_h'] === host);
    const got = await adminGet(s, `/logs/files?ip=${host}&limit=1000`);
    assert.equal(got.json.total, mine.length);
    const digests = (got.json.rows as { data: { sha256?: string } }[]).map((row) => row.data.sha256).sort();
    assert.deepEqual(digests, mine.map((f) => f.data.sha256 as string).sort());
  });

  it('GET /devices lists the DHCP client with its vendor from the OUI table, names and address', async () => {
    const r = await adminGet(s, '/devices?limit=1000');
    assert.equal(r.status, 200);
    const dev = r.json.rows.find((d: { mac: string }) => d.mac === '90:b1:1c:99:49:29');
    assert.ok(dev !== undefined, JSON.stringify(r.json.rows.map((d: { mac: string }) => d.mac)));
    assert.equal(dev.vendor, 'Dell Inc.');
    assert.ok(dev.hostnames.includes('btest.is.cool'));
    assert.ok(dev.ips.includes('128.2.6.189'));
  });

  it('stores alerts, filters them, and acknowledges one with a note', async () => {
    const agent = await enroll(s, 'sensor-alerts');
    const alert = {
      '@timestamp': '2024-05-01T10:00:00.000Z',
      event: { kind: 'alert', severity: 3, category: ['network'] },
      rule: { id: 'scan.port.vertical', name: 'Vertical port scan' },
      source: { ip: '10.77.2.20' },
      destination: { ip: '10.77.2.5' },
      network: { transport: 'tcp', name: 'lab' },
      threat: { technique: { id: 'T1046' } },
      message: '10.77.2.20 probed 120 ports on 10.77.2.5',
      evidence: { ports: 120 },
      count: 1,
      first_seen: '2024-05-01T10:00:00.000Z',
      last_seen: '2024-05-01T10:01:00.000Z',
      observer: { name: 'picket' },
      dedup_key: '10.77.2.20>10.77.2.5',
    };
    assert.equal((await ingest(s, agent, 1, [{ kind: 'alert', data: alert }])).json.stored, 1);
    const list = await adminGet(s, '/alerts?rule=scan.*&severity=3&host=10.77.2.5');
    assert.equal(list.json.total, 1);
    const stored = list.json.rows[0];
    assert.equal(stored.message, alert.message);
    assert.equal((await adminGet(s, '/alerts?severity=4')).json.total, 0);
    const ack = await call(`${s.url}/api/v1/alerts/${stored.id}`, 'PATCH', { token: s.adminToken, body: { acknowledged: true, note: 'lab scanner' } });
    assert.equal(ack.status, 200);
    assert.equal(ack.json.acknowledged, true);
    assert.equal(ack.json.note, 'lab scanner');
    assert.equal((await adminGet(s, `/alerts/${stored.id}`)).json.acknowledged, true);
    assert.equal((await adminGet(s, '/alerts?acknowledged=false&rule=scan.*')).json.total, 0);
    assert.equal((await call(`${s.url}/api/v1/alerts/nope`, 'PATCH', { token: s.adminToken, body: { acknowledged: true } })).status, 404);
    // The alert shows on its hosts' summaries.
    const h = await adminGet(s, '/hosts/10.77.2.20');
    assert.equal(h.json.alerts.length, 1);
  });

  it('every route finds a host under any spelling of its address (case, zero groups, IPv4-mapped)', async () => {
    const v6 = conns.map((c) => c['id.orig_h']).find((h) => h.includes(':'))!;
    assert.ok(v6 !== undefined && v6 === v6.toLowerCase() && v6.includes('::'), `the capture has IPv6 hosts, stored as ${v6}`);
    const [head, tail] = v6.split('::') as [string, string];
    const groups = (t: string): string[] => (t === '' ? [] : t.split(':'));
    const expanded = [...groups(head), ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)].join(':');
    const hostOf = async (spelling: string): Promise<number> => {
      const r = await adminGet(s, `/hosts/${encodeURIComponent(spelling)}`);
      assert.equal(r.status, 200, spelling);
      return r.json.connections as number;
    };
    const canonical = await hostOf(v6);
    assert.ok(canonical > 0);
    for (const spelling of [v6.toUpperCase(), expanded, expanded.toUpperCase(), `${v6}%eth0`]) {
      assert.equal(await hostOf(spelling), canonical, spelling);
      assert.equal((await adminGet(s, `/hosts/${encodeURIComponent(spelling)}`)).json.host, v6, 'the answer names the stored spelling');
      assert.equal((await adminGet(s, `/connections?ip=${encodeURIComponent(spelling)}`)).json.total, (await adminGet(s, `/connections?ip=${v6}`)).json.total, spelling);
    }

    const v4 = '141.142.220.118';
    const mapped = [`::ffff:${v4}`, `::FFFF:${v4}`, '::ffff:8d8e:dc76', `0:0:0:0:0:ffff:${v4}`];
    const same = async (route: (ip: string) => string): Promise<void> => {
      const want = (await adminGet(s, route(v4))).json;
      assert.ok((want.total ?? want.connections) > 0, route(v4));
      for (const m of mapped) assert.deepEqual((await adminGet(s, route(encodeURIComponent(m)))).json, want, route(m));
    };
    await same((ip) => `/hosts/${ip}`);
    await same((ip) => `/connections?ip=${ip}&limit=1000`);
    await same((ip) => `/dns?ip=${ip}&limit=1000`);
    await same((ip) => `/logs/http?ip=${ip}&limit=1000`);
    // The alert stored by the test above, under its host's mapped spelling.
    assert.equal((await adminGet(s, `/alerts?host=${encodeURIComponent('::FFFF:10.77.2.5')}`)).json.total, 1);
    const device = await adminGet(s, `/devices?ip=${encodeURIComponent('::FFFF:128.2.6.189')}`);
    assert.equal(device.json.total, 1);
    assert.equal((await adminGet(s, '/connections?ip=fe80::zz')).status, 400);
  });

  it('the connection and device searches take sort=field or -field; an unknown field is a 400 naming the allowed ones', async () => {
    const bytes = (c: Conn): number => (typeof c.orig_bytes === 'number' ? c.orig_bytes : 0) + (typeof c.resp_bytes === 'number' ? c.resp_bytes : 0);
    const biggest = Math.max(...conns.map(bytes));
    const r = await adminGet(s, '/connections?sort=-bytes&limit=3');
    assert.equal(r.status, 200);
    const rows = r.json.rows as Conn[];
    assert.equal(bytes(rows[0]!), biggest);
    for (let i = 1; i < rows.length; i++) assert.ok(bytes(rows[i - 1]!) >= bytes(rows[i]!), 'largest first');
    const oldest = await adminGet(s, '/connections?sort=time&limit=1');
    assert.equal((oldest.json.rows as Conn[])[0]!.ts, Math.min(...conns.map((c) => c.ts)));
    const devices = await adminGet(s, '/devices?sort=mac&limit=1000');
    const macs = (devices.json.rows as { mac: string }[]).map((d) => d.mac);
    assert.deepEqual(macs, [...macs].sort());
    const bad = await adminGet(s, '/alerts?sort=-bogus');
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error.message), /time, severity, rule, count/);
    assert.deepEqual(bad.json.error.allowed, ['time', 'severity', 'rule', 'count']);
  });
});
