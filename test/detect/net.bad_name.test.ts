/** net.bad_name on synthetic http, ssl and dns events, and on the lab's intel captures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, dns, harness, only } from './harness.js';
import { http as httpEvent } from '../intel/ua/helpers.js';
import { LAB_CAPTURES, labIntel, replayWithIntel } from '../intel/store/lab-intel.js';
import { MemoryIndicatorIndex } from '../../src/intel/store/indicator-index.js';
import type { HttpLogEvent, HttpRecord } from '../../src/protocols/http/events.js';
import type { ChainCertificate, SslLogEvent, SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'net.bad_name';

const index = MemoryIndicatorIndex.build([
  {
    source: 'bad-domains.txt',
    indicators: [
      { kind: 'domain', value: 'evil.example', to_ids: true },
      { kind: 'ip', value: '203.0.113.66', to_ids: true },
    ],
  },
  { source: 'misp:misp.example', indicators: [{ kind: 'domain', value: 'context-only.test', to_ids: false, event_id: '12' }] },
]);

let n = 0;
function http(ts: number, r: Partial<HttpRecord> = {}): HttpLogEvent {
  return httpEvent(ts, { 'id.resp_h': '203.0.113.10', host: 'c2.evil.example', uri: '/gate.php', response_body_len: 10, ...r });
}

function ssl(ts: number, r: Partial<SslRecord> = {}, certificates?: ChainCertificate[], transport?: 'udp'): SslLogEvent {
  const record: SslRecord = {
    ts,
    uid: `Cssl${++n}`,
    'id.orig_h': '10.77.2.20',
    'id.orig_p': 50000 + n,
    'id.resp_h': '203.0.113.10',
    'id.resp_p': 443,
    version: 'TLSv13',
    server_name: 'cdn.evil.example',
    resumed: false,
    established: true,
    ...r,
  };
  const e: SslLogEvent = { type: 'ssl', log: 'ssl', ts, uid: record.uid, record };
  if (certificates !== undefined) e.certificates = certificates;
  if (transport !== undefined) e.transport = transport;
  return e;
}

test('a listed name in an HTTP Host header or a TLS SNI with no lookup before it alerts', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(http(1000));
  h.emit(ssl(1001, { 'id.orig_h': '10.77.2.21' }));
  h.emit(ssl(1002, { 'id.orig_h': '10.77.2.22', 'id.resp_p': 443 }, undefined, 'udp'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 3);
  assert.equal(a[0]!.evidence.matched_via, 'http_host');
  assert.equal(a[0]!.evidence.indicator, 'evil.example');
  assert.match(a[0]!.message, /^10\.77\.2\.20 sent an HTTP request for c2\.evil\.example at 203\.0\.113\.10:80, listed as evil\.example in bad-domains\.txt, with no DNS lookup of it in the 60 min before$/);
  assert.equal(a[1]!.evidence.matched_via, 'tls_sni');
  assert.equal(a[1]!.evidence.name, 'cdn.evil.example');
  assert.equal(a[2]!.network?.transport, 'udp');
});

test('a client that looked the name up is left to dns.bad_name, within lookup_window only', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(dns(1000, { query: 'www.evil.example' })); // same indicator, another name under it
  h.emit(http(1001));
  h.emit(ssl(1002));
  h.emit(http(1000 + 3601 + 5)); // the lookup is older than 1h now
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.matched_via, 'http_host');
  // An alias (CNAME) in the answer counts as a lookup of the listed name.
  const c = harness(SITE_YAML, { intel: { indicators: index } });
  c.emit(dns(1000, { query: 'innocent.example.org', answers: ['cdn.evil.example', '192.0.2.5'] }));
  c.emit(ssl(1001));
  assert.equal(only(c.finish(), RULE).length, 0);
  // skip_looked_up: false alerts anyway.
  const all = harness(SITE_YAML + 'detectors:\n  net.bad_name: { skip_looked_up: false }\n', { intel: { indicators: index } });
  all.emit(dns(1000, { query: 'c2.evil.example' }));
  all.emit(http(1001));
  const b = only(all.finish(), RULE);
  assert.equal(b.length, 1);
  assert.doesNotMatch(b[0]!.message, /no DNS lookup/);
  // Another client's lookup does not cover this one.
  const other = harness(SITE_YAML, { intel: { indicators: index } });
  other.emit(dns(1000, { query: 'c2.evil.example', 'id.orig_h': '10.77.2.99' }));
  other.emit(http(1001));
  assert.equal(only(other.finish(), RULE).length, 1);
});

test('through a web proxy: an absolute URI, a CONNECT, and a listed address named to the proxy', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  const proxy = { 'id.resp_h': '10.77.1.3', 'id.resp_p': 3128 };
  h.emit(http(1000, { ...proxy, host: 'c2.evil.example:8080', uri: 'http://c2.evil.example:8080/stage2.bin' }));
  h.emit(http(1001, { ...proxy, 'id.orig_h': '10.77.2.21', method: 'CONNECT', host: 'c2.evil.example:443', uri: 'c2.evil.example:443', status_code: 200 }));
  h.emit(http(1002, { ...proxy, 'id.orig_h': '10.77.2.22', method: 'CONNECT', host: '203.0.113.66:443', uri: '203.0.113.66:443' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 3);
  assert.equal(a[0]!.evidence.matched_via, 'http_proxy_uri');
  assert.equal(a[0]!.evidence.proxied, true);
  assert.match(a[0]!.message, /^10\.77\.2\.20 asked its web proxy for c2\.evil\.example:8080 \(proxy 10\.77\.1\.3:3128\)/);
  assert.equal(a[1]!.evidence.matched_via, 'http_connect');
  assert.match(a[1]!.message, /asked its web proxy to CONNECT to c2\.evil\.example \(proxy 10\.77\.1\.3:3128\)/);
  assert.equal(a[2]!.evidence.indicator, '203.0.113.66');
  assert.equal(a[2]!.destination?.ip, '10.77.1.3');
});

test('the certificate name counts when the SNI is absent or not listed; check_certificates: false turns that off', () => {
  const cert: ChainCertificate = { sha256: 'aa', sha1: 'bb', subject: 'CN=*.evil.example', commonName: '*.evil.example' };
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(ssl(1000, { server_name: undefined, version: 'TLSv12' }, [cert]));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.matched_via, 'certificate_cn');
  assert.equal(a[0]!.evidence.name, 'evil.example');
  assert.match(a[0]!.message, /reached a TLS server whose certificate names evil\.example at 203\.0\.113\.10:443/);
  // An innocent SNI in front of a server whose certificate names a listed host counts too.
  const fronted = harness(SITE_YAML, { intel: { indicators: index } });
  fronted.emit(ssl(1000, { server_name: 'www.example.org', version: 'TLSv12' }, [cert]));
  const f = only(fronted.finish(), RULE);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.evidence.matched_via, 'certificate_cn');
  const off = harness(SITE_YAML + 'detectors:\n  net.bad_name: { check_certificates: false }\n', { intel: { indicators: index } });
  off.emit(ssl(1000, { server_name: undefined, version: 'TLSv12' }, [cert]));
  assert.equal(only(off.finish(), RULE).length, 0);
});

test('unlisted and look-alike names, addresses in Host, context-only indicators, excluded hosts and no intel stay quiet', () => {
  const h = harness(SITE_YAML + 'detectors:\n  net.bad_name: { exclude: [10.77.2.30] }\n', { intel: { indicators: index } });
  h.emit(http(1000, { host: 'notevil.example' }));
  h.emit(http(1001, { host: 'evil.example.com' }));
  h.emit(http(1002, { host: '203.0.113.66' })); // the connection's own address: ip.bad's
  h.emit(http(1003, { host: 'context-only.test' }));
  h.emit(http(1004, { 'id.orig_h': '10.77.2.30' }));
  h.emit(http(1005, { host: undefined }));
  h.emit(ssl(1006, { server_name: 'www.example.org' }));
  h.emit(ssl(1007, { server_name: undefined }));
  assert.equal(only(h.finish(), RULE).length, 0);
  const none = harness(SITE_YAML);
  none.emit(http(1000));
  assert.equal(only(none.finish(), RULE).length, 0);
});

test('repeated requests are one alert per client and indicator, with a count', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  for (let i = 0; i < 3; i++) h.emit(http(1000 + i));
  h.emit(ssl(1005));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 4);
});

test('lab captures: intel-direct alerts for each client that reached a listed name; intel.pcap, which looks them up first, is left to dns.bad_name', async () => {
  const lab = await labIntel();
  try {
    const direct = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel-direct.pcap')], lab), RULE);
    const seen = direct.map((a) => `${a.source.ip} ${String(a.evidence.matched_via)} ${String(a.evidence.name)}`).sort();
    // 10.77.2.20's CONNECT and the ClientHello inside its tunnel (SNI, read through the proxy) are one alert.
    assert.deepEqual(seen, [
      '10.77.2.20 tls_sni c2-beacon.malicious.example',
      '10.77.2.21 tls_sni c2-beacon.malicious.example',
      '10.77.2.22 certificate_cn c2-beacon.malicious.example',
      '10.77.2.23 http_proxy_uri payload.bad-cdn.test',
    ]);
    const viaProxy = direct.find((a) => a.source.ip === '10.77.2.20')!;
    assert.equal(viaProxy.count, 2);
    assert.equal(viaProxy.evidence.proxied, true);
    assert.match(viaProxy.message, /^10\.77\.2\.20 opened TLS through its web proxy to c2-beacon\.malicious\.example \(proxy 10\.77\.1\.10:3128\)/);
    assert.equal(viaProxy.destination?.ip, '10.77.1.10');
    assert.equal(viaProxy.destination?.port, 3128);
    // The proxy resolved both names before it connected: its own connections are dns.bad_name's.
    assert.ok(direct.every((a) => a.source.ip !== '10.77.1.10'));
    assert.deepEqual(only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], lab), RULE), []);
  } finally {
    lab.cleanup();
  }
  const all = await labIntel(undefined, {});
  try {
    const cfg = { ...all.config, detectors: { ...all.config.detectors, 'net.bad_name': { ...all.config.detectors['net.bad_name'], skip_looked_up: false } } };
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], { ...all, config: cfg }), RULE);
    assert.deepEqual(a.map((x) => `${x.source.ip} ${String(x.evidence.matched_via)} ${String(x.evidence.name)}`).sort(), [
      '10.77.2.20 http_host c2-beacon.malicious.example',
      '10.77.2.20 http_host payload.bad-cdn.test',
    ]);
  } finally {
    all.cleanup();
  }
});
