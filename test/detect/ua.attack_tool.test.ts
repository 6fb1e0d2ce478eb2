/** ua.attack_tool on synthetic http events and on the lab's intel and benign captures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE_YAML, config, harness, only } from './harness.js';
import { http, LAB, replayFiles, replayLab } from '../intel/ua/helpers.js';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { createUserAgentClassifier } from '../../src/intel/ua/index.js';
import { retainedBytes } from '../helpers/heap.js';
import type { SipLogEvent } from '../../src/protocols/sip/events.js';

const RULE = 'ua.attack_tool';
const userAgents = createUserAgentClassifier(process.cwd());
const labConfig = config(fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8'));

test('a tool user-agent alerts with tool, pattern, its source, host and uri; repeats are one alert per source and tool', () => {
  const h = harness(SITE_YAML, { intel: { userAgents } });
  const sqlmap = 'sqlmap/1.7.2#stable (https://sqlmap.org)';
  h.emit(http(1000, { 'id.orig_h': '10.77.2.22', user_agent: sqlmap, host: 'shop.example', uri: "/item?id=1' AND 1=1" }));
  h.emit(http(1001, { 'id.orig_h': '10.77.2.22', user_agent: sqlmap, host: 'shop.example', uri: '/item?id=2' }));
  h.emit(http(1002, { 'id.orig_h': '10.77.2.22', user_agent: 'gobuster/3.6', uri: '/admin' }));
  h.emit(http(1003, { 'id.orig_h': '10.77.2.23', user_agent: sqlmap }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 3);
  const first = a.find((x) => x.source.ip === '10.77.2.22' && x.evidence.tool === 'sqlmap')!;
  assert.equal(first.count, 2);
  assert.equal(first.event.severity, 3);
  assert.equal(first.evidence.pattern, 'sqlmap');
  assert.match(String(first.evidence.pattern_source), /Florian Roth/);
  assert.equal(first.evidence.host, 'shop.example');
  assert.equal(first.evidence.requests, 2);
  assert.deepEqual(first.evidence.uris, ["/item?id=1' AND 1=1", '/item?id=2']);
  assert.equal(first.destination?.ip, '198.51.100.10');
  assert.match(first.message, /10\.77\.2\.22 sent HTTP requests with the user-agent of sqlmap to shop\.example \(2 requests\)/);
  assert.ok(a.some((x) => x.source.ip === '10.77.2.22' && x.evidence.tool === 'gobuster'));
  assert.ok(a.some((x) => x.source.ip === '10.77.2.23' && x.evidence.tool === 'sqlmap'));
});

test('browsers, library agents and requests without a user-agent do not alert', () => {
  const h = harness(SITE_YAML, { intel: { userAgents } });
  h.emit(http(1000));
  h.emit(http(1001, { user_agent: 'python-requests/2.31.0' }));
  h.emit(http(1002, { user_agent: 'curl/8.5.0' }));
  h.emit(http(1003, { user_agent: undefined }));
  assert.deepEqual(only(h.finish(), RULE), []);
});

test('without a classifier the rule is quiet; exclude and internal_sources_only filter', () => {
  const none = harness(SITE_YAML);
  none.emit(http(1000, { user_agent: 'sqlmap/1.7' }));
  assert.deepEqual(only(none.finish(), RULE), []);
  const h = harness(`${SITE_YAML}\ndetectors:\n  ua.attack_tool: { exclude: [10.77.2.99], internal_sources_only: true }\n`, { intel: { userAgents } });
  h.emit(http(1000, { 'id.orig_h': '10.77.2.99', user_agent: 'sqlmap/1.7' }));
  h.emit(http(1001, { 'id.orig_h': '203.0.113.5', 'id.resp_h': '10.77.1.10', user_agent: 'Nikto/2.5.0' }));
  h.emit(http(1002, { 'id.orig_h': '10.77.2.30', user_agent: 'Nikto/2.5.0' }));
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.30']);
});

test('lab intel.pcap: sqlmap, Nikto, gobuster and Nmap NSE from 10.77.2.22 and real NSE from 10.77.2.23; Chrome does not match', async () => {
  const alerts = only(await replayLab(['intel.pcap'], { config: labConfig, intel: { userAgents } }), RULE);
  const seen = alerts.map((a) => `${a.source.ip} ${String(a.evidence.tool)}`).sort();
  assert.deepEqual(seen, [
    '10.77.2.22 Nikto',
    '10.77.2.22 Nmap Scripting Engine',
    '10.77.2.22 gobuster',
    '10.77.2.22 sqlmap',
    '10.77.2.23 Nmap Scripting Engine',
  ]);
  for (const a of alerts) assert.equal(a.destination?.ip, '198.51.100.10');
  assert.ok(!alerts.some((a) => a.source.ip === '10.77.2.20'));
});

test('lab benign.pcap: nothing', async () => {
  assert.deepEqual(only(await replayLab(['benign.pcap'], { config: labConfig, intel: { userAgents } }), RULE), []);
});

test('zeek corpus wikipedia.pcap (Firefox browsing): nothing', async () => {
  const alerts = await replayFiles([path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap')], { config: labConfig, intel: { userAgents } });
  assert.deepEqual(only(alerts, RULE), []);
});

test('a MISP user-agent attribute flagged to_ids alerts, naming its event; one without to_ids does not', async () => {
  const { MemoryIndicatorIndex } = await import('../../src/intel/store/indicator-index.js');
  const indicators = MemoryIndicatorIndex.build([
    {
      source: 'misp:lab',
      indicators: [
        { kind: 'user-agent', value: 'EvilBot/1.0 (c2)', to_ids: true, event_id: '42', event_info: 'EvilBot C2 campaign' },
        { kind: 'user-agent', value: 'Curious/2.0', to_ids: false, event_id: '43', event_info: 'context only' },
      ],
    },
  ]);
  const h = harness(SITE_YAML, { intel: { indicators } });
  h.emit(http(1000, { 'id.orig_h': '10.77.2.30', user_agent: 'EvilBot/1.0 (c2)', host: 'c2.example' }));
  h.emit(http(1001, { 'id.orig_h': '10.77.2.31', user_agent: 'Curious/2.0', host: 'c2.example' }));
  const a = only(h.finish(), 'ua.attack_tool');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.30');
  assert.equal(a[0]!.evidence.tool, 'EvilBot C2 campaign');
  assert.equal(a[0]!.evidence.pattern_source, 'misp:lab (event 42)');
});

test('long user-agents and URIs cut for tallies and evidence do not keep the whole texts alive', () => {
  const kept = retainedBytes(() => {
    const h = harness(SITE_YAML, { intel: { userAgents } });
    for (let c = 0; c < 400; c++) {
      const ua = `sqlmap/1.7.2#stable (https://sqlmap.org) ${c}`.padEnd(32 * 1024, 'U');
      h.emit(http(1000, { 'id.orig_h': `10.77.${c >> 8}.${c & 255}`, user_agent: ua, uri: `/item?id=${c}`.padEnd(32 * 1024, 'A') }));
    }
    return h;
  });
  // Slices of 32 KiB agents and URIs kept 25 MB for these 400 held alerts; cut into their own strings, under 2 MB.
  assert.ok(kept < 8 * 1024 * 1024, `${kept} bytes kept`);
});

test('SIP: a scanner\'s User-Agent alerts for the side that sent the request, over UDP or TCP; an ordinary phone does not', () => {
  const h = harness(SITE_YAML, { intel: { userAgents } });
  const sip = (ts: number, ua: string, fromOrig: boolean, transport: 'udp' | 'tcp'): SipLogEvent => ({
    type: 'sip',
    log: 'sip',
    ts,
    uid: `CS${ts}`,
    record: { ts, uid: `CS${ts}`, 'id.orig_h': '10.77.2.24', 'id.orig_p': 5060, 'id.resp_h': '203.0.113.9', 'id.resp_p': 5060, trans_depth: 1, method: 'OPTIONS', uri: 'sip:100@203.0.113.9', user_agent: ua },
    request_from_orig: fromOrig,
    transport,
  });
  h.emit(sip(1, 'Yealink SIP-T46S 66.86.0.15', true, 'udp'));
  h.emit(sip(2, 'friendly-scanner', true, 'udp'));
  h.emit(sip(3, 'sipcli/v1.8', false, 'tcp'));
  const a = only(h.finish(), 'ua.attack_tool');
  assert.deepEqual(
    a.map((x) => [x.source.ip, x.destination?.ip, x.network?.transport, x.evidence.tool, x.evidence.protocol]).sort(),
    [
      ['10.77.2.24', '203.0.113.9', 'udp', 'SIPVicious', 'sip'],
      ['203.0.113.9', '10.77.2.24', 'tcp', 'sipcli', 'sip'],
    ],
  );
  assert.match(a.find((x) => x.evidence.tool === 'SIPVicious')!.message, /^10\.77\.2\.24 sent SIP requests with the user-agent of SIPVicious to 203\.0\.113\.9$/);
});
