/**
 * "What did host X do between T1 and T2, and what alerts fired?" asked in
 * Debian's Chromium (playwright-core) against a real `picket server`: find
 * the host from the header's search box by IPv4, IPv4-mapped IPv6, IPv6, MAC
 * and host name; a window across midnight UTC given in the URL, kept over a
 * reload and the back button, in a browser whose zone is not UTC; the host's
 * connections sorted by a heading, one out of a tunnel marked with its kind
 * and id; the figures, the connection list and the alert list equal the
 * store's, and so do the files it sent and received; a bad time keeps the
 * form; what is typed in a filter survives the list's polling. The console
 * API's reads (connections, files, devices by name and MAC, lists sorted by
 * a field) are checked
 * without a browser. Skipped when /usr/bin/chromium or the built console is
 * missing (the API part still runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { findWebDir } from '../../src/server/console/static.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { tempDir } from '../helpers/paths.js';
import { conn } from '../store/store-suite.js';

const CHROMIUM = '/usr/bin/chromium';
const skipBrowser = !fs.existsSync(CHROMIUM) ? 'no /usr/bin/chromium' : findWebDir() === undefined ? 'console not built (npm run build)' : false;
const PASSWORD = 'host-lookup-pw';

/** 2026-11-20T00:00:00Z: the window runs across this midnight. */
const MIDNIGHT = Date.UTC(2026, 10, 20) / 1000;
const H = '10.9.9.9';
const V6 = '2001:db8::5';
const FROM = '2026-11-19T23:00:00Z';
const TO = '2026-11-20T01:00';

function alertRec(i: number, src: string, ts: number): Record<string, unknown> {
  const iso = new Date(ts * 1000).toISOString();
  return {
    '@timestamp': iso,
    event: { kind: 'alert', severity: 1 + (i % 4), category: ['network'] },
    rule: { id: `lookup.rule${i % 3}`, name: `Lookup rule ${i % 3}` },
    source: { ip: src },
    destination: { ip: '93.184.216.34', port: 443 },
    network: { transport: 'tcp', name: 'lab' },
    message: `${src} lookup alert ${i}`,
    evidence: { i },
    count: 1,
    first_seen: iso,
    last_seen: iso,
    observer: { name: 'test' },
    dedup_key: `k${i}`,
  };
}

const PE_SHA256 = '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7';

/** A files.jsonl line with the fields given and the rest as a file seen whole. */
function fileRec(f: Record<string, unknown>): Record<string, unknown> {
  return {
    fuid: `F${String(f.ts)}`,
    uid: `C${String(f.ts)}`,
    'id.orig_p': 40000,
    'id.resp_p': 80,
    depth: 0,
    analyzers: f.sha256 !== undefined ? ['SHA256'] : [],
    duration: 0.5,
    missing_bytes: 0,
    overflow_bytes: 0,
    timedout: false,
    ...f,
  };
}

async function fill(s: TestServer): Promise<void> {
  const store = s.ctx.stores.store;
  await store.insert('conn', [
    conn({ ts: MIDNIGHT - 10, 'id.orig_h': H, 'id.resp_h': '93.184.216.34', orig_bytes: 100, resp_bytes: 1000 }),
    conn({ ts: MIDNIGHT - 5, 'id.orig_h': H, 'id.resp_h': '93.184.216.34', orig_bytes: 100, resp_bytes: 1000 }),
    // The same host as an IPv6 packet's IPv4-mapped address.
    conn({ ts: MIDNIGHT - 1, 'id.orig_h': `::ffff:${H}`, 'id.resp_h': '::ffff:93.184.216.34', orig_bytes: 100, resp_bytes: 1000 }),
    // Out of a VXLAN tunnel.
    conn({ ts: MIDNIGHT + 1, 'id.orig_h': H, 'id.resp_h': '2001:db8::53', 'id.resp_p': 53, orig_bytes: 50, resp_bytes: 60, tunnel: 'vxlan', tunnel_id: 4242, tunnel_parents: ['CvxTunnel1'] }),
    conn({ ts: MIDNIGHT + 10, 'id.orig_h': '203.0.113.7', 'id.resp_h': H, 'id.resp_p': 22, orig_bytes: 500, resp_bytes: 600 }),
    // Outside the window.
    conn({ ts: MIDNIGHT + 7200, 'id.orig_h': H, 'id.resp_h': '93.184.216.34' }),
    conn({ ts: MIDNIGHT + 20, 'id.orig_h': V6, 'id.resp_h': '2606:4700::1111' }),
  ]);
  await store.insert('alert', Array.from({ length: 60 }, (_, i) => alertRec(i, i % 10 === 0 ? `::ffff:${H}` : H, MIDNIGHT - 1800 + i * 30)));
  await store.insert('files', [
    // Downloaded over HTTP (the host opened the connection, the server sent the file).
    fileRec({ ts: MIDNIGHT - 8, 'id.orig_h': H, 'id.resp_h': '93.184.216.34', source: 'HTTP', is_orig: false, filename: 'setup.exe', mime_type: 'application/x-dosexec', seen_bytes: 108032, sha256: PE_SHA256 }),
    // Sent on an active-mode FTP data channel, which the server opened: the host is its responder and sends.
    fileRec({ ts: MIDNIGHT + 5, 'id.orig_h': '198.51.100.10', 'id.resp_h': H, source: 'FTP_DATA', is_orig: false, filename: 'notes.txt', mime_type: 'text/plain', seen_bytes: 1320 }),
    // Outside the window, and another host's.
    fileRec({ ts: MIDNIGHT + 7200, 'id.orig_h': H, 'id.resp_h': '93.184.216.34', source: 'HTTP', is_orig: false, seen_bytes: 10 }),
    fileRec({ ts: MIDNIGHT, 'id.orig_h': '10.1.1.1', 'id.resp_h': '93.184.216.34', source: 'HTTP', is_orig: false, seen_bytes: 10 }),
  ]);
  await store.upsertDevices([
    { network: 'lab', mac: '02:09:09:09:09:09', ips: [H], hostnames: ['Craft-Laptop'], first_seen: MIDNIGHT, last_seen: MIDNIGHT + 10 },
    { network: 'lab', mac: '02:00:00:00:00:05', ips: [V6], hostnames: ['v6-box'], first_seen: MIDNIGHT, last_seen: MIDNIGHT + 20 },
  ]);
}

async function consoleCookie(s: TestServer): Promise<string> {
  const r = await fetch(`${s.url}/api/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: PASSWORD }) });
  assert.equal(r.status, 200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

test('console API: one host\'s connections, devices by host name and MAC, strict list parameters', async () => {
  const dir = tempDir();
  const s = await startTestServer({ dataDir: path.join(dir, 'data'), env: { PICKET_ADMIN_PASSWORD: PASSWORD } });
  try {
    await fill(s);
    const cookie = await consoleCookie(s);
    const get = async (p: string): Promise<{ status: number; body: any }> => {
      const r = await fetch(`${s.url}/api/v1/console${p}`, { headers: { cookie } });
      return { status: r.status, body: await r.json() };
    };
    const conns = await get(`/connections?ip=${encodeURIComponent(`::FFFF:${H}`)}&from=${FROM}&to=${TO}&limit=2`);
    assert.equal(conns.status, 200);
    assert.equal(conns.body.total, 5, 'both spellings of the host, the window across midnight');
    assert.equal(conns.body.rows.length, 2);
    assert.equal(conns.body.rows[0].ts, MIDNIGHT + 10, 'newest first');
    const all = (await get(`/connections?ip=${H}&from=${FROM}&to=${TO}`)).body.rows as Record<string, unknown>[];
    assert.deepEqual(
      all.filter((c) => c.tunnel !== undefined).map((c) => [c['id.resp_h'], c.tunnel, c.tunnel_id, c.tunnel_parents]),
      [['2001:db8::53', 'vxlan', 4242, ['CvxTunnel1']]],
      'the tunnel fields as stored, on the tunnelled connection only',
    );
    assert.equal((await get('/connections')).status, 400, 'ip is required');
    // The files one host sent or received in the window, newest first.
    const files = await get(`/files?ip=${encodeURIComponent(`::ffff:${H}`)}&from=${FROM}&to=${TO}`);
    assert.equal(files.status, 200);
    assert.deepEqual(files.body.rows.map((r: { data: { filename: string } }) => r.data.filename), ['notes.txt', 'setup.exe']);
    assert.equal((await get('/files')).status, 400, 'ip is required');
    assert.equal((await get(`/connections?ip=${H}&from=2026-11-21&to=2026-11-20`)).status, 400, 'from after to');
    assert.deepEqual((await get('/devices?name=laptop')).body.rows.map((d: { mac: string }) => d.mac), ['02:09:09:09:09:09']);
    assert.equal((await get('/devices?mac=02-09-09-09-09-09')).body.total, 1);
    assert.equal((await get('/devices?mac=0209.0909.0909')).body.total, 1);
    assert.equal((await get('/devices?mac=nope')).status, 400);
    assert.equal((await get(`/devices?ip=${encodeURIComponent(`::ffff:${H}`)}`)).body.total, 1);
    assert.equal((await get(`/alerts?host=${H}&limit=1`)).body.total, 60, 'alerts naming the host in either spelling');
    assert.equal((await get('/alerts?acknowledged=false&limit=1')).body.total, 60);
    assert.equal((await get('/alerts?acknowledged=maybe')).status, 400, 'not read as false');
    const summary = await get(`/hosts/${H}?from=${FROM}&to=${TO}`);
    assert.equal(summary.body.connections, 5);
    assert.equal(summary.body.timeline_step, 60);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('console API: lists sorted in the store by ?sort=field or -field, over pages; unknown fields refused naming the allowed ones', async () => {
  const s = await startTestServer({ env: { PICKET_ADMIN_PASSWORD: PASSWORD } });
  try {
    await fill(s);
    const cookie = await consoleCookie(s);
    const get = async (p: string): Promise<{ status: number; body: any }> => {
      const r = await fetch(`${s.url}/api/v1/console${p}`, { headers: { cookie } });
      return { status: r.status, body: await r.json() };
    };
    type Row = { id: string; event: { severity: number }; rule: { id: string }; '@timestamp': string };
    const ids = (rows: Row[]): string[] => rows.map((a) => a.id);

    // Alerts: most severe first, then newest first; the same order page by page.
    const bySeverity = (await get('/alerts?sort=-severity&limit=60')).body;
    assert.equal(bySeverity.total, 60);
    const sev = bySeverity.rows.map((a: Row) => a.event.severity);
    assert.deepEqual(sev, [...sev].sort((x: number, y: number) => y - x), 'most severe first');
    assert.equal(sev[0], 4);
    assert.deepEqual(ids(bySeverity.rows), ids((await s.ctx.stores.store.alerts({ sort: { field: 'severity', dir: 'desc' }, limit: 60 })).rows));
    const pages: Row[] = [];
    for (let offset = 0; offset < 60; offset += 7) pages.push(...(await get(`/alerts?sort=-severity&limit=7&offset=${offset}`)).body.rows);
    assert.deepEqual(ids(pages), ids(bySeverity.rows), 'pages neither repeat nor skip');
    const oldest = (await get('/alerts?sort=time&limit=1')).body.rows[0] as Row;
    assert.equal(Date.parse(oldest['@timestamp']) / 1000, MIDNIGHT - 1800, 'time ascending: oldest first');
    const byRule = (await get('/alerts?sort=rule&severity=3')).body.rows.map((a: Row) => a.rule.id);
    assert.deepEqual(byRule, [...byRule].sort(), 'filters and sort together');
    assert.ok(byRule.length > 1 && byRule[0] !== byRule[byRule.length - 1]);

    // A host's connections: by bytes, by port, by peer as addresses (the IPv4-mapped one is the same peer).
    const window = `ip=${H}&from=${FROM}&to=${TO}`;
    const bytes = (await get(`/connections?${window}&sort=bytes`)).body.rows.map((c: any) => (c.orig_bytes ?? 0) + (c.resp_bytes ?? 0));
    assert.deepEqual(bytes, [110, 1100, 1100, 1100, 1100]);
    assert.deepEqual((await get(`/connections?${window}&sort=port`)).body.rows.map((c: any) => c['id.resp_p']), [22, 53, 443, 443, 443]);
    const dotted = (a: string): string => a.replace(/^::ffff:/, '');
    const peerOf = (c: any): string => dotted(dotted(c['id.orig_h']) === H ? c['id.resp_h'] : c['id.orig_h']);
    const peers = (await get(`/connections?${window}&sort=-peer`)).body.rows.map(peerOf);
    assert.deepEqual(peers, ['2001:db8::53', '203.0.113.7', '93.184.216.34', '93.184.216.34', '93.184.216.34']);

    // Devices: last seen oldest first, MACs descending (both unlike the default order).
    const macs = async (q: string): Promise<string[]> => (await get(`/devices?${q}`)).body.rows.map((d: { mac: string }) => d.mac);
    assert.deepEqual(await macs(''), ['02:00:00:00:00:05', '02:09:09:09:09:09'], 'default: network, then last seen newest first');
    assert.deepEqual(await macs('sort=last_seen'), ['02:09:09:09:09:09', '02:00:00:00:00:05']);
    assert.deepEqual(await macs('sort=-mac'), ['02:09:09:09:09:09', '02:00:00:00:00:05']);
    assert.deepEqual(await macs('sort=-mac&limit=1&offset=1'), ['02:00:00:00:00:05']);
    // Every page carries the inventory's newest activity (what "new" is judged against), whatever it shows.
    const all = (await get('/devices')).body;
    const newestSeen = Math.max(...all.rows.map((d: { last_seen: number }) => d.last_seen));
    assert.equal(all.newest_seen, newestSeen);
    assert.equal((await get('/devices?sort=last_seen&limit=1')).body.newest_seen, newestSeen);
    assert.equal((await get('/devices?mac=02:00:00:00:00:05')).body.newest_seen, newestSeen, 'not only within the filter');

    // Anything but an allowed field, with or without "-": 400 naming the fields.
    for (const [p, allowed] of [
      ['/alerts?sort=message', ['time', 'severity', 'rule', 'count']],
      ['/alerts?sort=-', ['time', 'severity', 'rule', 'count']],
      ['/alerts?sort=severity&sort=time', ['time', 'severity', 'rule', 'count']],
      ['/devices?sort=-vendor', ['first_seen', 'last_seen', 'mac', 'network']],
      [`/connections?ip=${H}&sort=ts`, ['time', 'duration', 'bytes', 'peer', 'port']],
      [`/connections?ip=${H}&sort=${encodeURIComponent('ts;DROP TABLE conn')}`, ['time', 'duration', 'bytes', 'peer', 'port']],
    ] as const) {
      const r = await get(p);
      assert.equal(r.status, 400, p);
      assert.equal(r.body.error.code, 'PKT_ERR_SERVER_BAD_REQUEST', p);
      assert.match(r.body.error.message, new RegExp(`^sort: ".*" is not a sort field; use one of ${allowed.join(', ')}`), p);
      assert.deepEqual(r.body.error.allowed, allowed, p);
    }
    assert.equal((await s.ctx.stores.store.connections({ limit: 1 })).total, 7, 'nothing was dropped');
  } finally {
    await s.stop();
  }
});

test('console in Chromium: find a host, a window across midnight in the URL, figures equal the store', { skip: skipBrowser, timeout: 180_000 }, async () => {
  const dir = tempDir();
  const s = await startTestServer({ dataDir: path.join(dir, 'data'), env: { PICKET_ADMIN_PASSWORD: PASSWORD } });
  const profile = tempDir('picket-chromium-');
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    // Not UTC: the console still shows and reads times in UTC.
    timezoneId: 'Pacific/Auckland',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    await fill(s);
    const store = s.ctx.stores.store;
    const base = s.url.replace(/\/$/, '');
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('tr[data-alert-id]');
    const search = async (text: string): Promise<void> => {
      await page.fill('input[name=q]', text);
      await page.press('input[name=q]', 'Enter');
    };

    // By address, in three spellings; the page names the host in the store's spelling.
    for (const [text, host] of [[H, H], [`::ffff:${H}`, H], ['2001:DB8:0::5', V6]] as const) {
      await search(text);
      await page.waitForSelector(`h2:has-text("Host ${host}")`);
      await page.waitForSelector('[data-testid=connections]');
      const sum = await store.hostSummary(host);
      await page.selectOption('select[name=span]', '');
      await page.waitForSelector('[data-testid=window]:has-text("All time")');
      assert.equal(await page.textContent('[data-testid=connections]'), String(sum.connections), text);
    }
    // By MAC and by part of a host name: the matching device, whose address opens the host page.
    await search('02-09-09-09-09-09');
    await page.waitForSelector('[data-testid=device-total]:has-text("1")');
    await search('LAPTOP');
    await page.waitForSelector('[data-testid=device-total]:has-text("1")');
    assert.match(page.url(), /\/devices\?name=LAPTOP$/);
    await page.click(`td a[href="/hosts/${H}"]`);
    await page.waitForSelector('[data-testid=device]:has-text("Craft-Laptop")');
    assert.equal(await page.evaluate('document.activeElement?.tagName'), 'MAIN', 'a new page takes the focus');

    // A window across midnight UTC, typed in From/To: it goes into the URL.
    await page.fill('input[name=from]', FROM);
    await page.press('input[name=from]', 'Enter');
    await page.fill('input[name=to]', TO);
    await page.press('input[name=to]', 'Enter');
    await page.waitForSelector('[data-testid=window]:has-text("2026-11-19 23:00:00 to 2026-11-20 01:00:00 UTC")');
    assert.equal(new URL(page.url()).searchParams.get('to'), TO);
    const from = Date.parse(FROM) / 1000;
    const to = Date.parse(`${TO}Z`) / 1000;
    const sum = await store.hostSummary(H, from, to);
    assert.equal(sum.connections, 5);
    const figures = async (): Promise<void> => {
      assert.equal(await page.textContent('[data-testid=connections]'), String(sum.connections));
      assert.equal(await page.textContent('[data-testid=bytes-sent]'), String(sum.bytes_sent));
      assert.equal(await page.textContent('[data-testid=bytes-received]'), String(sum.bytes_received));
      assert.equal(await page.textContent('[data-testid=packets]'), `${sum.packets_sent} / ${sum.packets_received}`);
    };
    await figures();
    // The files it received and sent in the window, newest first, from its own side of each connection.
    await page.waitForSelector('[data-testid=host-files]');
    const fileRows = page.locator('[data-testid=host-files] tbody tr');
    assert.equal(await fileRows.count(), 2);
    assert.deepEqual(await fileRows.nth(0).locator('td').allTextContents(), [
      '2026-11-20 00:00:05', 'sent', '198.51.100.10', 'FTP_DATA', 'notes.txt', 'text/plain', '1.3 KiB', '-',
    ]);
    assert.deepEqual((await fileRows.nth(1).locator('td').allTextContents()).slice(1), [
      'received', '93.184.216.34', 'HTTP', 'setup.exe', 'application/x-dosexec', '105.5 KiB', `${PE_SHA256.slice(0, 16)}…`,
    ]);
    assert.equal(await fileRows.nth(1).locator('code').getAttribute('title'), PE_SHA256);
    await page.waitForSelector('[data-testid=host-connections]');
    assert.equal(await page.locator('[data-testid=host-connections] tbody tr').count(), (await store.connections({ ip: H, from, to })).total);
    assert.equal(await page.title(), `Host ${H} · Picket`);
    // The host's connections sorted by a heading, biggest first; the order joins the window in the URL.
    const bytesHeading = page.locator('[data-testid=host-connections]').getByRole('columnheader', { name: 'Bytes out / in' });
    await bytesHeading.getByRole('button').click();
    await page.waitForFunction(`new URLSearchParams(location.search).get('csort') === '-bytes'`);
    assert.equal(new URL(page.url()).searchParams.get('to'), TO);
    await page.waitForSelector('[data-testid=host-connections] tbody tr:last-child td:nth-child(8):has-text("50 / 60")');
    // The connection that came out of the tunnel says so beside its peer, and no other does.
    const badge = page.locator('[data-testid=host-connections] tbody tr:last-child td:nth-child(3) [data-testid=tunnel]');
    assert.equal(await badge.textContent(), 'vxlan 4242');
    assert.equal(await badge.getAttribute('title'), 'Inside a vxlan tunnel (id 4242), tunnel CvxTunnel1');
    assert.equal(await page.locator('[data-testid=host-connections] [data-testid=tunnel]').count(), 1);
    assert.equal(await bytesHeading.getAttribute('aria-sort'), 'descending');
    // Kept over a reload.
    await page.reload();
    await page.waitForSelector('[data-testid=window]:has-text("2026-11-19 23:00:00")');
    await figures();
    // A time the server cannot read: said next to the form, which stays; back returns to the good window.
    await page.fill('input[name=from]', 'yesterday');
    await page.press('input[name=from]', 'Enter');
    await page.waitForSelector('[role=alert]:has-text("yesterday")');
    assert.equal(await page.locator('[data-testid=connections]').count(), 0, 'no figures of another window');
    await page.goBack();
    await page.waitForSelector('[data-testid=connections]');
    assert.equal(await page.inputValue('input[name=from]'), FROM);
    await figures();

    // The alerts that fired: the host page shows ten, then the list of all of them for the window.
    assert.equal(await page.locator('[data-testid=host-alerts] tbody tr').count(), 10);
    await page.click('[data-testid=all-alerts]');
    await page.waitForSelector('[data-testid=alert-total]');
    const fired = await store.alerts({ host: H, from, to, limit: 1 });
    assert.ok(fired.total > 50);
    assert.match((await page.textContent('[data-testid=alert-total]')) ?? '', new RegExp(`^${fired.total} total`));
    await page.click('nav.pager >> text=Next');
    await page.waitForFunction(`new URLSearchParams(location.search).get('offset') === '50'`);
    await page.locator('tr[data-alert-id] td:nth-child(4) a').first().click();
    await page.waitForSelector('[data-testid=sentence]');
    await page.goBack();
    await page.waitForSelector('nav.pager span:has-text("51–")');

    // Polling (a "to" time is set) re-renders the list every 3 s; what is being typed stays.
    await page.waitForSelector('[data-testid=live][data-state=polling]');
    await page.click('input[name=rule]');
    await page.keyboard.type('lookup.rule1', { delay: 30 });
    await page.waitForTimeout(3500);
    assert.equal(await page.inputValue('input[name=rule]'), 'lookup.rule1');
    await page.keyboard.press('Enter');
    const rule1 = await store.alerts({ host: H, from, to, rule: 'lookup.rule1', limit: 1 });
    await page.waitForSelector(`[data-testid=alert-total]:has-text("${rule1.total} total")`);
    assert.equal(new URL(page.url()).searchParams.get('offset'), null, 'a new filter starts at the first page');
  } finally {
    await browser.close();
    await s.stop();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
