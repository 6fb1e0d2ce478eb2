/**
 * http.executable_download on the lab's capture (test/lab/captures/
 * exe-download.pcap: a PE under an image's name fetched with certutil's
 * user-agent, an installer from an unknown domain, an ELF fetched by
 * BusyBox wget, and a quiet update from a popular domain), on every other
 * capture (quiet), and on built http events: what makes a download
 * judged, disguised or critical, and the options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import { extensionOf, fetcherOf } from '../../src/detect/http.executable_download.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';
import type { HttpLogEvent, HttpRecord } from '../../src/protocols/http/events.js';

const RULE = 'http.executable_download';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const dga = createDgaScorer(REPO_ROOT);
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function get(ts: number, r: Partial<HttpRecord> = {}, contentType?: string): HttpLogEvent {
  const record: HttpRecord = {
    ts, uid: `C${ts}`, 'id.orig_h': '10.77.2.20', 'id.orig_p': 50000, 'id.resp_h': '198.51.100.10', 'id.resp_p': 80,
    trans_depth: 1, method: 'GET', host: 'files.example-tools.net', uri: '/agent.exe', version: '1.1', user_agent: BROWSER,
    request_body_len: 0, response_body_len: 120000, status_code: 200, status_msg: 'OK', tags: [],
    resp_mime_types: ['application/x-dosexec'], ...r,
  };
  const e: HttpLogEvent = { type: 'http', log: 'http', ts, uid: record.uid, record };
  if (contentType !== undefined) e.resp_content_type = contentType;
  return e;
}

function run(events: HttpLogEvent[], yaml = SITE_YAML) {
  const h = harness(yaml, { intel: { dga } });
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('extensionOf and fetcherOf', () => {
  assert.equal(extensionOf('/img/logo.PNG?x=1.exe'), 'png');
  assert.equal(extensionOf('/bins/x86'), undefined);
  assert.equal(extensionOf('/a.b/c'), undefined);
  assert.equal(extensionOf('.hidden'), undefined);
  assert.equal(extensionOf('setup.exe'), 'exe');
  assert.equal(fetcherOf('CertUtil URL Agent'), 'certutil');
  assert.equal(fetcherOf('Microsoft-CryptoAPI/10.0'), 'certutil');
  assert.equal(fetcherOf('Microsoft BITS/7.8'), 'BITS');
  assert.equal(fetcherOf('Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1'), 'PowerShell');
  assert.equal(fetcherOf('Wget'), 'Wget');
  assert.equal(fetcherOf('Wget/1.21.3'), 'Wget');
  assert.equal(fetcherOf('curl/8.5.0'), 'curl');
  assert.equal(fetcherOf('python-requests/2.31'), 'a Python script');
  assert.equal(fetcherOf(undefined), 'no User-Agent');
  assert.equal(fetcherOf(BROWSER), undefined);
});

test('exe-download.pcap: certutil fetching a disguised PE from an address and BusyBox wget fetching an ELF are critical; a browser installer is high; the popular update is quiet', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'exe-download.pcap'), [RULE], '', { intel: { dga } });
  assert.deepEqual(a.map((x) => [x.source?.ip, x.event.severity, x.evidence.mime_type, x.evidence.fetched_by]), [
    ['10.77.2.20', 4, 'application/x-dosexec', 'certutil'],
    ['10.77.2.21', 3, 'application/x-dosexec', null],
    ['10.77.1.10', 4, 'application/x-executable', 'Wget'],
  ]);
  assert.equal(a[0]!.threat.technique.id, 'T1105');
  assert.equal(a[0]!.message, '10.77.2.20 downloaded a Windows program over plain HTTP from 198.51.100.10: /img/logo.png (108 KB), from a bare address, disguised (named .png, served as image/png) and fetched by certutil');
  assert.equal(a[1]!.evidence.host, 'downloads.tools-lab.example');
  assert.deepEqual(a[1]!.evidence.reasons, []);
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('exe-download.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE], '', { intel: { dga } }), [], f);
});

test('only 2xx replies typed as programs, from internal clients to public servers, are judged', () => {
  assert.equal(run([get(1)]).length, 1);
  assert.equal(run([get(1, { resp_mime_types: ['application/zip'] })]).length, 0);
  assert.equal(run([get(1, { resp_mime_types: undefined, uri: '/agent.exe' })]).length, 0, 'a name alone proves nothing');
  assert.equal(run([get(1, { status_code: 404 })]).length, 0);
  assert.equal(run([get(1, { 'id.orig_h': '203.0.113.5' })]).length, 0, 'a public client');
  assert.equal(run([get(1, { 'id.resp_h': '10.77.1.10' })]).length, 0, 'an internal server');
  assert.equal(run([get(1, { status_code: 206 })]).length, 1);
});

test('severity: 3 for a named host and a browser; 4 for a bare address, a disguise or a downloader', () => {
  assert.equal(run([get(1)])[0]!.event.severity, 3);
  assert.equal(run([get(1, { host: '198.51.100.10' })])[0]!.event.severity, 4);
  assert.equal(run([get(1, { host: undefined })])[0]!.event.severity, 4);
  assert.equal(run([get(1, { uri: '/news/today.jpg' })])[0]!.event.severity, 4);
  assert.equal(run([get(1, { uri: '/dl?id=7', resp_filenames: ['invoice.pdf'] })])[0]!.event.severity, 4);
  assert.equal(run([get(1, {}, 'text/plain')])[0]!.event.severity, 4);
  assert.equal(run([get(1, {}, 'application/octet-stream')])[0]!.event.severity, 3);
  assert.equal(run([get(1, { user_agent: 'Microsoft BITS/7.8' })])[0]!.event.severity, 4);
  assert.equal(run([get(1, { user_agent: undefined })])[0]!.evidence.fetched_by, 'no User-Agent');
});

test('popular and allowed domains are quiet unless the program is disguised; allowed servers are never judged', () => {
  const update = get(1, { host: 'download.windowsupdate.com', uri: '/d/msdownload/update/kb5034441.exe' });
  assert.equal(run([update]).length, 0);
  assert.equal(run([get(1, { host: 'download.windowsupdate.com', uri: '/d/logo.gif' })]).length, 1);
  assert.equal(run([get(1, { host: 'files.example-tools.net:8080' })], `${SITE_YAML}detectors:\n  http.executable_download: { allow: [example-tools.net] }\n`).length, 0);
  assert.equal(run([update], `${SITE_YAML}detectors:\n  http.executable_download: { skip_popular: false }\n`).length, 1);
  const mirror = `${SITE_YAML}detectors:\n  http.executable_download: { allowed_servers: [198.51.100.0/24] }\n`;
  assert.equal(run([get(1, { uri: '/x.png' })], mirror).length, 0);
});

test('internal_servers judges lateral tool transfer; types widens what counts as a program', () => {
  const lateral = get(1, { 'id.resp_h': '10.77.1.10', host: '10.77.1.10' });
  assert.equal(run([lateral], `${SITE_YAML}detectors:\n  http.executable_download: { internal_servers: true }\n`).length, 1);
  const script = get(1, { resp_mime_types: ['text/x-shellscript'], uri: '/i.sh' });
  assert.equal(run([script]).length, 0);
  const a = run([script], `${SITE_YAML}detectors:\n  http.executable_download: { types: [application/x-dosexec, text/x-shellscript] }\n`);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /downloaded a file of type text\/x-shellscript/);
});

test('one alert per client and server within the dedup interval, listing the files and every reason seen', () => {
  const a = run([get(1), get(2, { uri: '/update/logo.png', user_agent: 'CertUtil URL Agent' }), get(3, { uri: '/c.exe', 'id.orig_h': '10.77.2.21' })]);
  const first = a.filter((x) => x.source?.ip === '10.77.2.20');
  assert.equal(first.length, 1);
  assert.equal(first[0]!.evidence.downloads, 2);
  assert.equal(first[0]!.event.severity, 4);
  assert.deepEqual((first[0]!.evidence.files as Array<{ uri: string }>).map((f) => f.uri), ['/agent.exe', '/update/logo.png']);
  assert.deepEqual(first[0]!.evidence.reasons, ['disguised (named .png)', 'fetched by certutil']);
  assert.match(first[0]!.message, /; 2 programs from this server$/);
  assert.equal(a.filter((x) => x.source?.ip === '10.77.2.21').length, 1);
});
