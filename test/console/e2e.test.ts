/**
 * End to end in Debian's Chromium (playwright-core): `picket server --demo`
 * on 127.0.0.1 with a temporary data directory and PICKET_ADMIN_PASSWORD;
 * log in, see the demo capture's alerts arrive, acknowledge and suppress one,
 * see an alert an agent ships while the list is open appear without a reload
 * (the list's alert stream), sort the alert and device lists by a column heading (in the URL, kept
 * over a reload), check a host page against the store's hostSummary, create an enrollment
 * token, list the rules on the settings page and follow one to its alerts. Screenshots of each page go to docs/screenshots/. Skipped when
 * /usr/bin/chromium or the built console (dist/web) is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { runServer } from '../../src/server/server.js';
import { findWebDir } from '../../src/server/console/static.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { DETECTORS } from '../../src/detect/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const skip = !fs.existsSync(CHROMIUM) ? 'no /usr/bin/chromium' : findWebDir() === undefined ? 'console not built (npm run build)' : false;

/** Waits (a bounded number of polls) until `read` gives `want`: a list redraws once its new page arrives. */
async function showing(read: () => Promise<string>, want: string, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await read()) === want) return;
    await sleep(100);
  }
  assert.equal(await read(), want, what);
}

test('console end to end in Chromium', { skip }, async () => {
  const dir = tempDir('picket-console-e2e-');
  const profile = tempDir('picket-chromium-');
  const s = await runServer({ listen: '127.0.0.1:0', logLevel: false, env: { PICKET_ADMIN_PASSWORD: 'e2e-admin-pw' }, dataDir: dir, demo: true });
  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    fs.mkdirSync(SHOTS, { recursive: true });
    const page = await browser.newPage();
    const base = s.url.replace(/\/$/, '');
    await page.goto(base + '/');
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'e2e-admin-pw');
    await page.screenshot({ path: path.join(SHOTS, 'login.png') });
    await page.click('button[type=submit]');
    // Alerts arrive while the demo capture is replayed (the stream tells the list to reload when it is done).
    await s.demoDone;
    await page.waitForSelector('tr[data-alert-id]', { timeout: 30_000 });
    const page1 = await s.ctx.stores.store.alerts({ limit: 1 });
    assert.ok(page1.total > 0, 'the demo capture raised alerts');
    await page.screenshot({ path: path.join(SHOTS, 'alerts.png') });

    const first = page.locator('tr[data-alert-id]').first();
    const id = (await first.getAttribute('data-alert-id')) ?? '';
    const rule = (await first.getAttribute('data-rule')) ?? '';
    await first.locator('td:nth-child(4) a').click();
    await page.waitForSelector('[data-testid=sentence]');
    await page.click('text=Acknowledge');
    await page.waitForSelector('[data-testid=ack-state]:has-text("acknowledged")');
    assert.equal((await s.ctx.stores.store.getAlert(id))?.acknowledged, true);
    await page.fill('input[name=reason]', 'lab traffic');
    await page.click('form.suppress button[type=submit]');
    await page.waitForSelector('[data-testid=suppressed]');
    await page.screenshot({ path: path.join(SHOTS, 'alert.png'), fullPage: true });

    // The list no longer shows alerts of the suppressed rule.
    await page.click('header a[href="/"]');
    await page.waitForSelector('[data-testid=alert-total]');
    await page.waitForFunction(`document.querySelectorAll('tr[data-rule="${rule}"]').length === 0`);

    // Live: an alert an agent ships now appears at the top of the open list, and the total grows, without a reload.
    await page.waitForSelector('[data-testid=live][data-state=live]', { timeout: 30_000 });
    const totalBefore = parseInt((await page.textContent('[data-testid=alert-total]')) ?? '', 10);
    assert.ok(Number.isInteger(totalBefore));
    const enrollment = await s.ctx.stores.meta.createEnrollmentToken('e2e-live', 'sensor', 600);
    const enrolled = await fetch(`${base}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: enrollment.token, name: 'e2e-live', kind: 'sensor' }) });
    assert.equal(enrolled.status, 200);
    const agent = (await enrolled.json()) as { agent_id: string; credential: string };
    const now = new Date().toISOString();
    const liveAlert = {
      '@timestamp': now,
      event: { kind: 'alert', severity: 4, category: ['malware'] },
      rule: { id: 'e2e.live', name: 'Live end-to-end alert' },
      source: { ip: '10.99.0.7' },
      destination: { ip: '203.0.113.9', port: 443 },
      network: { transport: 'tcp' },
      threat: { technique: { id: 'T1071' } },
      message: '10.99.0.7 reached a test beacon address',
      evidence: {},
      count: 1,
      first_seen: now,
      last_seen: now,
      observer: { name: 'e2e-live' },
      dedup_key: '10.99.0.7',
    };
    const shipped = await fetch(`${base}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.credential}` },
      body: JSON.stringify({ agent_id: agent.agent_id, seq: 1, records: [{ kind: 'alert', data: liveAlert }] }),
    });
    assert.equal(shipped.status, 200, await shipped.clone().text());
    await page.waitForSelector('tr[data-rule="e2e.live"]', { timeout: 30_000 });
    assert.equal(await page.locator('tr[data-alert-id]').first().getAttribute('data-rule'), 'e2e.live');
    await page.waitForFunction(`parseInt(document.querySelector('[data-testid=alert-total]').textContent, 10) === ${totalBefore + 1}`, undefined, { timeout: 30_000 });

    // When the stream cannot be had, the list falls back to polling and still shows new alerts.
    const polling = await browser.newPage();
    await polling.route('**/alerts/stream', (r) => r.abort());
    await polling.goto(`${base}/`);
    await polling.waitForSelector('[data-testid=live][data-state=polling]', { timeout: 60_000 });
    const polled = { ...liveAlert, rule: { id: 'e2e.poll', name: 'Polled end-to-end alert' }, dedup_key: '10.99.0.8', source: { ip: '10.99.0.8' } };
    const shippedAgain = await fetch(`${base}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.credential}` },
      body: JSON.stringify({ agent_id: agent.agent_id, seq: 2, records: [{ kind: 'alert', data: polled }] }),
    });
    assert.equal(shippedAgain.status, 200, await shippedAgain.clone().text());
    await polling.waitForSelector('tr[data-rule="e2e.poll"]', { timeout: 30_000 });
    await polling.close();

    // Sorting by a column heading: the store's order for the whole list, not one page re-sorted.
    // From a later page: a new order starts again at the first.
    await page.goto(`${base}/?offset=50`);
    const sevHeading = page.getByRole('columnheader', { name: 'Severity' });
    assert.equal(await sevHeading.getAttribute('aria-sort'), 'none');
    assert.equal(await page.getByRole('columnheader', { name: 'Time (UTC)' }).getAttribute('aria-sort'), 'descending', 'newest first by default');
    await sevHeading.getByRole('button').click();
    await page.waitForFunction(`location.search === '?sort=-severity'`);
    await page.waitForSelector('th[aria-sort=descending]:has-text("Severity")');
    const alertOrder = async (q: string): Promise<string> =>
      page.evaluate(async (path) => {
        const r = await fetch(path);
        return ((await r.json()) as { rows: { id: string }[] }).rows.map((a) => a.id).join(' ');
      }, `/api/v1/console/alerts${q}`);
    const shownIds = (): Promise<string> => page.locator('tr[data-alert-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-alert-id')).join(' '));
    const shownSeverities = async (): Promise<number[]> =>
      page.$$eval('tr[data-alert-id] .sev', (els) => els.map((e) => Number(/sev(\d)/.exec(e.className)?.[1])));
    const bySeverity = await alertOrder('?sort=-severity&limit=50');
    await showing(shownIds, bySeverity, 'alerts, most severe first');
    const severities = await shownSeverities();
    assert.ok(severities.length > 1 && severities[0] === 4, severities.join(' '));
    assert.deepEqual(severities, [...severities].sort((a, b) => b - a), 'most severe first');
    assert.equal(await page.getByRole('columnheader', { name: 'Time (UTC)' }).getAttribute('aria-sort'), 'none');
    // A second click turns the order round; the keyboard works as well as the mouse.
    await sevHeading.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(`location.search === '?sort=severity'`);
    await showing(shownIds, await alertOrder('?sort=severity&limit=50'), 'alerts, least severe first');
    // Least severe first: in order, and starting at or below the least severe of the first page the other way
    // (more alerts than a page: the least severe of all may not be among the most severe 50).
    const ascending = await shownSeverities();
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), 'least severe first');
    assert.ok(ascending[0]! <= Math.min(...severities), ascending.join(' '));
    await sevHeading.getByRole('button').click();
    await page.waitForFunction(`location.search === '?sort=-severity'`);
    // Kept over a reload: the same order from the URL alone.
    await page.reload();
    await page.waitForSelector('th[aria-sort=descending]:has-text("Severity")');
    await showing(shownIds, bySeverity, 'alerts, most severe first, after a reload');

    const alert = await s.ctx.stores.store.getAlert(id);
    const ip = alert?.source.ip ?? '';
    await page.goto(`${base}/hosts/${ip}`);
    await page.waitForSelector('[data-testid=connections]');
    // By default the page shows the last 24 h of the host's own activity.
    const store = s.ctx.stores.store;
    const last = await store.hostLastSeen(ip);
    assert.ok(last !== null, 'the host has connections');
    const dayTo = Math.floor(last) + 1;
    const day = await store.hostSummary(ip, dayTo - 86400, dayTo);
    assert.equal(await page.textContent('[data-testid=connections]'), String(day.connections));
    assert.equal(await page.textContent('[data-testid=bytes-sent]'), String(day.bytes_sent));
    assert.equal(await page.textContent('[data-testid=bytes-received]'), String(day.bytes_received));
    // All time: the store's whole-history figures.
    const sum = await store.hostSummary(ip);
    await page.selectOption('select[name=span]', '');
    await page.waitForSelector('[data-testid=window]:has-text("All time")');
    assert.equal(await page.textContent('[data-testid=connections]'), String(sum.connections));
    assert.equal(await page.textContent('[data-testid=bytes-sent]'), String(sum.bytes_sent));
    assert.equal(await page.textContent('[data-testid=bytes-received]'), String(sum.bytes_received));
    await page.selectOption('select[name=span]', '24h');
    await page.waitForSelector('[data-testid=window]:has-text(" to ")');
    await page.screenshot({ path: path.join(SHOTS, 'host.png'), fullPage: true });

    await page.click('header a[href="/devices"]');
    // The list itself, not "Loading…", in the screenshot.
    await page.waitForSelector('[data-testid=device-total]');
    await page.screenshot({ path: path.join(SHOTS, 'devices.png') });

    // Devices by first seen: newest devices first on the first click, in the URL, kept over a reload.
    const devices = await store.devices({ limit: 1000 });
    assert.ok(devices.total > 1, 'the demo capture has devices to sort');
    const firstSeen = page.getByRole('columnheader', { name: 'First seen (UTC)' });
    assert.equal(await firstSeen.getAttribute('aria-sort'), 'none');
    await firstSeen.getByRole('button').click();
    await page.waitForFunction(`location.search === '?sort=-first_seen'`);
    const newestDevices = (await store.devices({ sort: { field: 'first_seen', dir: 'desc' }, limit: 100 })).rows.map((d) => d.mac).join(' ');
    const shownMacs = (): Promise<string> => page.locator('tbody tr td:nth-child(2) code').evaluateAll((codes) => codes.map((c) => c.textContent).join(' '));
    await showing(shownMacs, newestDevices, 'devices, newest first');
    const seen = await page.$$eval('tbody tr td:nth-child(6)', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.deepEqual(seen, [...seen].sort().reverse(), 'newest first');
    assert.equal(await firstSeen.getAttribute('aria-sort'), 'descending');
    await page.reload();
    await page.waitForSelector('th[aria-sort=descending]:has-text("First seen")');
    await showing(shownMacs, newestDevices, 'devices, newest first, after a reload');

    await page.click('header a[href="/agents"]');
    await page.fill('input[name=token-name]', 'edge-1');
    await page.click('text=Create token');
    const token = await page.textContent('[data-testid=new-token]');
    assert.match(token ?? '', /^pkt_/);
    const tokens = await s.ctx.stores.meta.listTokens();
    assert.ok(tokens.some((t) => t.name === 'edge-1'));
    await page.screenshot({ path: path.join(SHOTS, 'agents.png') });

    await page.click('header a[href="/settings"]');
    await page.waitForSelector('h2:has-text("Configuration")');
    await page.screenshot({ path: path.join(SHOTS, 'settings.png') });
    // The built-in data loads; every rule is listed with its state; a rule's id opens the alert list filtered to it.
    assert.match((await page.textContent('tr[data-bundled="dga"]')) ?? '', /generator-family models/);
    assert.equal(await page.locator('tr[data-rule-id]').count(), DETECTORS.length);
    assert.equal(await page.textContent('[data-testid=rules-on]'), `${DETECTORS.length} of ${DETECTORS.length} on`);
    const raised = (await s.ctx.stores.store.alerts({ limit: 500 })).rows.map((a) => a.rule.id);
    const other = raised.find((r) => r !== rule && DETECTORS.some((d) => d.id === r));
    assert.ok(other !== undefined, `the demo raised a rule besides the suppressed ${rule}`);
    await page.click(`tr[data-rule-id="${other}"] a`);
    await page.waitForSelector('[data-testid=alert-total]');
    await page.waitForFunction(`document.querySelectorAll('tr[data-alert-id]').length > 0 && [...document.querySelectorAll('tr[data-alert-id]')].every((r) => r.dataset.rule === ${JSON.stringify(other)})`, undefined, { timeout: 30_000 });
    assert.match(page.url(), new RegExp(`[?&]rule=${other.replace(/\./g, '\\.')}(&|$)`));

    // A phone-sized, dark-mode view of the alerts.
    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 390, height: 800 });
    await phone.emulateMedia({ colorScheme: 'dark' });
    await phone.goto(base + '/');
    await phone.waitForSelector('[data-testid=alert-total]');
    await phone.screenshot({ path: path.join(SHOTS, 'alerts-phone-dark.png') });
  } finally {
    await browser.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
