/**
 * Unit tests of the server's small parts: times in query strings, listen
 * addresses, bearer headers, the OUI table and its builder, device updates
 * derived from records, and the ingest queue with a hand-driven clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTime } from '../../src/store/time.js';
import { parseListen, urlFor } from '../../src/server/listen.js';
import { bearerToken, safeEqual } from '../../src/server/secrets.js';
import { canonicalMac, ouiTable, parseOuiTable } from '../../src/server/oui.js';
import { buildOuiLines, splitCsvLine } from '../../src/server/oui-build.js';
import { createDeviceExtractor, ROUTER_IP_THRESHOLD } from '../../src/server/devices.js';
import { IngestQueue, type IngestOutcome } from '../../src/server/ingest-queue.js';
import { ApiError } from '../../src/server/api-error.js';
import { Site } from '../../src/config/site.js';

describe('parseTime', () => {
  it('reads epoch seconds and ISO 8601, and nothing else', () => {
    assert.equal(parseTime('1700000000'), 1700000000);
    assert.equal(parseTime('1700000000.25'), 1700000000.25);
    assert.equal(parseTime('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10) / 1000);
    assert.equal(parseTime('2024-05-01'), Date.UTC(2024, 4, 1) / 1000);
    assert.equal(parseTime('yesterday'), null);
    assert.equal(parseTime('May 1'), null);
    assert.equal(parseTime(''), null);
    assert.equal(parseTime('2024-13-45T99:00:00Z'), null);
  });
  it('refuses days the calendar does not have, and reads 12 digits or more as milliseconds', () => {
    assert.equal(parseTime('2011-02-30'), null);
    assert.equal(parseTime('2011-02-29T10:00:00Z'), null);
    assert.equal(parseTime('2012-02-29'), Date.UTC(2012, 1, 29) / 1000);
    assert.equal(parseTime('1300475168123'), 1300475168.123);
    assert.equal(parseTime('99999999999'), 99999999999);
  });
});

describe('parseListen', () => {
  it('takes HOST:PORT and [v6]:PORT', () => {
    assert.deepEqual(parseListen('127.0.0.1:8780'), { host: '127.0.0.1', port: 8780 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
    assert.throws(() => parseListen('8780'), /HOST:PORT/);
    assert.throws(() => parseListen('127.0.0.1:70000'), /HOST:PORT/);
    assert.equal(urlFor({ host: '::1', port: 1 }, true), 'https://[::1]:1');
    assert.equal(urlFor({ host: '0.0.0.0', port: 2 }, false), 'http://127.0.0.1:2');
  });
});

describe('bearer tokens', () => {
  it('parses the header strictly and compares in constant time', () => {
    assert.equal(bearerToken('Bearer abc.DEF-123'), 'abc.DEF-123');
    assert.equal(bearerToken('bearer   abc'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(safeEqual('same', 'same'), true);
    assert.equal(safeEqual('same', 'Same'), false);
    assert.equal(safeEqual('short', 'much longer'), false);
  });
});

describe('OUI table', () => {
  it('the bundled table names vendors, most specific assignment first', () => {
    const t = ouiTable();
    assert.ok(t.size > 30000, `bundled table has ${t.size} entries`);
    assert.equal(t.lookup('90:b1:1c:99:49:29'), 'Dell Inc.');
    assert.equal(t.lookup('00-0C-29-11-22-33'), 'VMware, Inc.');
    // Locally administered and malformed addresses have no vendor.
    assert.equal(t.lookup('02:00:00:00:00:01'), undefined);
    assert.equal(t.lookup('zz:00:00:00:00:01'), undefined);
  });

  it('the builder keeps assignment and name from the registry CSV (quoted names too)', () => {
    assert.deepEqual(splitCsvLine('MA-L,F4BD9E,"Cisco Systems, Inc","80 West ""Tasman"""'), ['MA-L', 'F4BD9E', 'Cisco Systems, Inc', '80 West "Tasman"']);
    const lines = buildOuiLines([
      'Registry,Assignment,Organization Name,Organization Address\nMA-L,70B3D5,IEEE Registration Authority,x\nMA-L,F4BD9E,"Cisco Systems, Inc",y\n',
      'Registry,Assignment,Organization Name,Organization Address\nMA-S,70B3D5F2F,TELEPLATFORMS,"Polbina st., 3/1"\nbogus line\n',
    ]);
    assert.deepEqual(lines, ['70B3D5\tIEEE Registration Authority', '70B3D5F2F\tTELEPLATFORMS', 'F4BD9E\tCisco Systems, Inc']);
    const t = parseOuiTable(lines.join('\n'));
    assert.equal(t.lookup('70:b3:d5:f2:f1:23'), 'TELEPLATFORMS');
    assert.equal(t.lookup('70:b3:d5:00:00:01'), 'IEEE Registration Authority');
    assert.equal(canonicalMac('F4BD.9E00.0001'), 'f4:bd:9e:00:00:01');
  });
});

describe('device updates from records', () => {
  const site = new Site([{ name: 'lan', cidrs: ['192.168.1.0/24'], role: 'workstation', new_device_alerts: false }]);
  const oui = parseOuiTable('001B21\tIntel Corporate\n');

  it('merges DHCP, hostname, conn and device records per MAC and network', () => {
    const x = createDeviceExtractor(site, oui);
    x.add('dhcp', { ts: 100, mac: '00:1b:21:00:00:01', assigned_addr: '192.168.1.10', host_name: 'laptop', client_fqdn: 'laptop.corp', duration: 2 });
    x.add('hostname', { ts: 150, ip: '192.168.1.10', mac: '00:1B:21:00:00:01', name: 'LAPTOP', source: 'nbns' });
    x.add('conn', { ts: 200, duration: 5, 'id.orig_h': '192.168.1.10', 'id.resp_h': '8.8.8.8', orig_l2_addr: '00:1b:21:00:00:01', resp_l2_addr: 'aa:bb:cc:00:00:fe' });
    x.add('device', { mac: 'aa:bb:cc:00:00:02', ips: ['192.168.1.20'], hostnames: ['printer'], first_seen: 50, last_seen: 60, vendor: 'Acme' });
    const out = x.take();
    assert.equal(out.length, 2, JSON.stringify(out));
    const laptop = out.find((d) => d.mac === '00:1b:21:00:00:01')!;
    assert.deepEqual(laptop, {
      network: 'lan',
      mac: '00:1b:21:00:00:01',
      ips: ['192.168.1.10'],
      hostnames: ['laptop', 'laptop.corp', 'LAPTOP'],
      vendor: 'Intel Corporate',
      first_seen: 100,
      last_seen: 205,
    });
    // The router's MAC on the public side of a connection is not a device of ours.
    assert.equal(out.some((d) => d.mac === 'aa:bb:cc:00:00:fe'), false);
    const printer = out.find((d) => d.mac === 'aa:bb:cc:00:00:02')!;
    assert.equal(printer.vendor, 'Acme');
    assert.equal(printer.network, 'lan');
    assert.deepEqual([printer.first_seen, printer.last_seen], [50, 60]);
    assert.deepEqual(x.take(), [], 'take() empties the extractor');
  });

  it('merges a name heard without an address into the MAC\'s rows in networks; alone, it keeps a row of its own', () => {
    const x = createDeviceExtractor(site, oui);
    x.add('dhcp', { ts: 90, mac: '00:1b:21:00:00:07', host_name: 'visitor-47' });
    x.add('dhcp', { ts: 100, mac: '00:1b:21:00:00:07', assigned_addr: '192.168.1.70', host_name: 'visitor-47b' });
    x.add('dhcp', { ts: 95, mac: '00:1b:21:00:00:08', host_name: 'lonely' });
    assert.deepEqual(x.take(), [
      { network: 'lan', mac: '00:1b:21:00:00:07', ips: ['192.168.1.70'], hostnames: ['visitor-47b', 'visitor-47'], vendor: 'Intel Corporate', first_seen: 90, last_seen: 100 },
      { network: '', mac: '00:1b:21:00:00:08', ips: [], hostnames: ['lonely'], vendor: 'Intel Corporate', first_seen: 95, last_seen: 95 },
    ]);
  });

  it('takes a DHCPv6 transaction that assigned an address; one without an address places no device', () => {
    const site6 = new Site([{ name: 'lan6', cidrs: ['2001:db8:10::/64'], role: 'workstation', new_device_alerts: false }]);
    const x = createDeviceExtractor(site6, oui);
    x.add('dhcpv6', { ts: 100, mac: '00:1b:21:00:00:01', client_addr: 'fe80::21b:21ff:fe00:1', assigned_addrs: ['2001:db8:10::1a2b'], client_fqdn: 'ws-fin.corp.example', duration: 0.5 });
    x.add('dhcpv6', { ts: 101, mac: '00:1b:21:00:00:02', client_addr: 'fe80::21b:21ff:fe00:2', duration: 0.5 });
    assert.deepEqual(x.take(), [
      { network: 'lan6', mac: '00:1b:21:00:00:01', ips: ['2001:db8:10::1a2b'], hostnames: ['ws-fin.corp.example'], vendor: 'Intel Corporate', first_seen: 100, last_seen: 100.5 },
    ]);
    assert.deepEqual(Object.fromEntries(x.skipped), { dhcpv6_without_address: 1 });
  });

  it('counts and skips records it cannot use; a MAC behind many addresses keeps none from conn', () => {
    const x = createDeviceExtractor(site, oui);
    x.add('dhcp', { ts: 1 });
    x.add('hostname', { ts: 1, ip: '192.168.1.2', name: 'x' });
    x.add('device', { mac: 'not-a-mac', ts: 1 });
    x.add('device', { mac: 'ff:ff:ff:ff:ff:ff', ts: 1 });
    x.add('conn', { 'id.orig_h': '192.168.1.2' });
    for (let i = 0; i <= ROUTER_IP_THRESHOLD; i++) {
      x.add('conn', { ts: 10 + i, 'id.orig_h': `192.168.1.${100 + i}`, 'id.resp_h': '192.168.1.1', orig_l2_addr: '00:1b:21:00:00:99', local_orig: true, local_resp: true });
    }
    assert.deepEqual(Object.fromEntries(x.skipped), { dhcp_without_mac: 1, hostname_without_mac: 1, bad_mac: 1, group_mac: 1, conn_without_ts: 1 });
    const out = x.take();
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.ips, []);
  });
});

describe('IngestQueue', () => {
  const job = (agentId: string, seq: number, records: number, run: () => Promise<IngestOutcome>) => ({ agentId, seq, records, run });

  it('refuses with 429 past the batch or record bound, and runs batches in order', async () => {
    const q = new IngestQueue({ maxBatches: 2, maxRecords: 10, retryAfter: 3 });
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p1 = q.submit(job('a', 1, 4, async () => (await gate, order.push(1), { stored: 4, duplicate: false })));
    const p2 = q.submit(job('a', 2, 4, async () => (order.push(2), { stored: 4, duplicate: false })));
    await assert.rejects(q.submit(job('a', 3, 1, async () => ({ stored: 1, duplicate: false }))), (e: ApiError) => e.status === 429 && e.retryAfter === 3);
    release();
    await Promise.all([p1, p2]);
    assert.deepEqual(order, [1, 2]);
    // Records bound: 8 queued + 4 > 10.
    let release2!: () => void;
    const gate2 = new Promise<void>((r) => (release2 = r));
    const p3 = q.submit(job('a', 4, 8, async () => (await gate2, { stored: 8, duplicate: false })));
    await assert.rejects(q.submit(job('a', 5, 4, async () => ({ stored: 4, duplicate: false }))), (e: ApiError) => e.status === 429);
    release2();
    await p3;
    // An oversized batch alone in the queue is still taken.
    assert.deepEqual(await q.submit(job('a', 6, 50, async () => ({ stored: 50, duplicate: false }))), { stored: 50, duplicate: false });
    assert.equal(q.stats.refused_full, 2);
    assert.equal(q.stats.stored_records, 66);
  });

  it('answers 503 after a store failure until retryAfter has passed', async () => {
    let now = 0;
    const q = new IngestQueue({ maxBatches: 4, maxRecords: 100, retryAfter: 5, now: () => now });
    await assert.rejects(q.submit(job('a', 1, 1, async () => Promise.reject(new Error('boom')))), (e: ApiError) => e.status === 503 && e.retryAfter === 5);
    let ran = false;
    now = 4999;
    await assert.rejects(q.submit(job('a', 1, 1, async () => ((ran = true), { stored: 1, duplicate: false }))), (e: ApiError) => e.status === 503);
    assert.equal(ran, false);
    now = 5000;
    assert.deepEqual(await q.submit(job('a', 1, 1, async () => ((ran = true), { stored: 1, duplicate: false }))), { stored: 1, duplicate: false });
    assert.equal(ran, true);
    assert.equal(q.stats.store_errors, 1);
    assert.equal(q.stats.refused_store_failing, 1);
    await q.drain();
  });
});
