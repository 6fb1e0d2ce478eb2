/** http.bad_url on synthetic http events and on the lab's intel-direct capture. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only } from './harness.js';
import { http as httpEvent } from '../intel/ua/helpers.js';
import { LAB_CAPTURES, labIntel, replayWithIntel } from '../intel/store/lab-intel.js';
import { MemoryIndicatorIndex } from '../../src/intel/store/indicator-index.js';
import type { HttpLogEvent, HttpRecord } from '../../src/protocols/http/events.js';

const RULE = 'http.bad_url';

const index = MemoryIndicatorIndex.build([
  { source: 'urlhaus.txt', indicators: [{ kind: 'url', value: 'http://files.example:8080/stage2.bin', to_ids: true }] },
  {
    source: 'misp:misp.example',
    indicators: [
      { kind: 'url', value: 'https://Login.Example/account/verify%3Fid', to_ids: true, event_id: '77', event_info: 'Phishing kit' },
      { kind: 'url', value: 'http://context.example/a', to_ids: false, event_id: '12' },
    ],
  },
]);

function http(ts: number, r: Partial<HttpRecord> = {}): HttpLogEvent {
  return httpEvent(ts, { 'id.resp_h': '192.0.2.99', 'id.resp_p': 8080, host: 'files.example:8080', uri: '/stage2.bin', response_body_len: 4096, ...r });
}

test('a request for a listed URL alerts; critical when the payload came back', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(http(1000));
  h.emit(http(1001, { 'id.orig_h': '10.77.2.21', status_code: 404, response_body_len: 0 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 2);
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(a[0]!.evidence.url, 'http://files.example:8080/stage2.bin');
  assert.deepEqual(a[0]!.evidence.matches, [{ source: 'urlhaus.txt', kind: 'url', indicator: 'http://files.example:8080/stage2.bin' }]);
  assert.match(a[0]!.message, /^10\.77\.2\.20 requested http:\/\/files\.example:8080\/stage2\.bin \(200, 4096 bytes\), listed in urlhaus\.txt$/);
  assert.equal(a[1]!.event.severity, 3);
  assert.match(a[1]!.message, /\(404\)/);
});

test('a client asking its proxy for a listed https URL in clear alerts, naming the proxy', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(http(1000, { 'id.resp_h': '10.77.1.3', 'id.resp_p': 3128, host: 'login.example', uri: 'https://login.example/account/verify?id' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.proxied, true);
  assert.match(a[0]!.message, /requested https:\/\/login\.example\/account\/verify\?id through the proxy 10\.77\.1\.3:3128/);
  assert.match(a[0]!.message, /misp:misp\.example event 77 "Phishing kit"/);
});

test('other paths, ports and hosts, context-only URLs, excluded hosts and no intel stay quiet', () => {
  const h = harness(SITE_YAML + 'detectors:\n  http.bad_url: { exclude: [10.77.2.30] }\n', { intel: { indicators: index } });
  h.emit(http(1000, { uri: '/stage3.bin' }));
  h.emit(http(1001, { host: 'files.example' }));
  h.emit(http(1002, { host: 'www.files.example:8080' }));
  h.emit(http(1003, { host: 'context.example', uri: '/a' }));
  h.emit(http(1004, { 'id.orig_h': '10.77.2.30' }));
  h.emit(http(1005, { method: 'CONNECT', uri: 'files.example:8080', host: undefined }));
  assert.equal(only(h.finish(), RULE).length, 0);
  const none = harness(SITE_YAML);
  none.emit(http(1000));
  assert.equal(only(none.finish(), RULE).length, 0);
});

test('repeated fetches are one alert with a count', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  for (let i = 0; i < 4; i++) h.emit(http(1000 + i * 30));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 4);
});

test('lab intel-direct: the listed URL fetched through the proxy alerts for the client and for the proxy', async () => {
  const lab = await labIntel(
    'intel:\n  lists:\n    - { path: bad-urls.txt, kind: url }\n',
    { 'bad-urls.txt': '# lab fixture (intel-fixtures.md)\nhttp://payload.bad-cdn.test:8080/stage2.bin #stage two\n' },
  );
  try {
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel-direct.pcap')], lab), RULE);
    assert.deepEqual(a.map((x) => `${x.source.ip} ${x.destination?.ip}:${x.destination?.port} ${String(x.evidence.proxied)} ${x.event.severity}`).sort(), [
      '10.77.1.10 192.0.2.99:8080 false 4',
      '10.77.2.23 10.77.1.10:3128 true 4',
    ]);
    for (const x of a) {
      assert.equal(x.evidence.url, 'http://payload.bad-cdn.test:8080/stage2.bin');
      assert.deepEqual(x.evidence.matches, [{ source: 'bad-urls.txt', kind: 'url', indicator: 'http://payload.bad-cdn.test:8080/stage2.bin', comment: 'stage two' }]);
    }
    // intel.pcap: 10.77.2.20 fetches the same URL itself, after looking the name up: a listed URL alerts either way.
    const b = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], lab), RULE);
    assert.deepEqual(b.map((x) => x.source.ip), ['10.77.2.20']);
  } finally {
    lab.cleanup();
  }
});
