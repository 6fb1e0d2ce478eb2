/** conn.long on connection snapshots and ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, harness, only, session } from './harness.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import type { FlowEndEvent, FlowLongEvent, PicketEvent } from '../../src/events/types.js';
import type { SslRecord } from '../../src/protocols/tls/events.js';
import type { DnsAnswerEvent } from '../../src/protocols/dns/events.js';
import { ResolvedNames } from '../../src/detect/server-names.js';
import type { HostnameEvent } from '../../src/events/hostname.js';
import { Site } from '../../src/config/site.js';

const RULE = 'conn.long';
const HOUR = 3600;

/** The snapshot of `end` at `age` seconds, as the flow tracker reports a connection still open. */
function snapshot(end: FlowEndEvent, age: number): FlowLongEvent {
  const r = end.record;
  return { type: 'flow.long', ts: r.ts + age, record: { ...r, duration: age }, openedWithAck: false };
}

/** A connection's life as the engine sees it: its TLS name, its snapshots up to its age, its end. */
function lifetime(end: FlowEndEvent, name?: string): PicketEvent[] {
  const r = end.record;
  const out: PicketEvent[] = [];
  if (name !== undefined) {
    const record = { ts: r.ts, uid: r.uid, 'id.orig_h': r['id.orig_h'], 'id.orig_p': r['id.orig_p'], 'id.resp_h': r['id.resp_h'], 'id.resp_p': r['id.resp_p'], server_name: name } as unknown as SslRecord;
    out.push({ type: 'ssl', log: 'ssl', ts: r.ts, uid: r.uid, record });
  }
  for (const age of [600, HOUR, 6 * HOUR, 24 * HOUR]) if (age < (r.duration ?? 0)) out.push(snapshot(end, age));
  out.push(end);
  return out;
}

test('a reverse shell held open for hours alerts once, at the one-hour snapshot, while it is still open', () => {
  const h = harness(SITE_YAML);
  const shell = session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '203.0.113.5', 'id.resp_p': 4444, duration: 7 * HOUR, orig_bytes: 70_000, resp_bytes: 2_500_000 });
  for (const e of lifetime(shell)) h.emit(e);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 has held a TCP connection to 203.0.113.5 port 4444 open for 60 min (still open): 70 KB sent, 2.5 MB received');
  assert.equal(a[0]!.evidence.still_open, true);
  assert.equal(a[0]!.evidence.duration_seconds, HOUR);
  assert.equal(a[0]!.evidence.uid, shell.record.uid);
  assert.equal(a[0]!.first_seen, new Date(1000 * 1000).toISOString());
});

test('a connection that ended after two hours without a snapshot in the capture alerts at its end', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_h': '198.51.100.9', 'id.resp_p': 22, duration: 2 * HOUR + 5, orig_bytes: 400, resp_bytes: 999 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /^10\.77\.2\.20 held a TCP connection to 198\.51\.100\.9 port 22 open for 2(\.0)? h: 400 bytes sent, 999 bytes received$/);
  assert.equal(a[0]!.evidence.still_open, false);
});

test('short, internal and UDP connections do not alert; protocols: [tcp, udp] judges UDP too', () => {
  const run = (yaml: string): number => {
    const h = harness(yaml);
    for (const e of lifetime(session({ ts: 1000, 'id.resp_h': '203.0.113.6', 'id.resp_p': 443, duration: 50 * 60 }))) h.emit(e);
    for (const e of lifetime(session({ ts: 1000, 'id.resp_h': '10.77.1.10', 'id.resp_p': 1433, duration: 9 * HOUR }))) h.emit(e);
    for (const e of lifetime(session({ ts: 1000, 'id.resp_h': '203.0.113.7', 'id.resp_p': 51820, proto: 'udp', duration: 9 * HOUR }))) h.emit(e);
    return only(h.finish(), RULE).length;
  };
  assert.equal(run(SITE_YAML), 0);
  assert.equal(run(`${SITE_YAML}\ndetectors:\n  conn.long: { protocols: [tcp, udp] }\n`), 1);
});

test('push and chat channels to popular domains are not judged; an unknown name is, and is named', () => {
  const dga = createDgaScorer(REPO_ROOT);
  const run = (yaml: string): string[] => {
    const h = harness(yaml, { intel: { dga } });
    for (const e of lifetime(session({ ts: 1000, 'id.resp_h': '203.0.113.20', 'id.resp_p': 5223, duration: 10 * HOUR }), '1-courier.push.apple.com')) h.emit(e);
    for (const e of lifetime(session({ ts: 1000, 'id.orig_h': '10.77.2.21', 'id.resp_h': '203.0.113.21', 'id.resp_p': 443, duration: 3 * HOUR }), 'relay.tunnel-service.example.net')) h.emit(e);
    return only(h.finish(), RULE).map((a) => a.message);
  };
  assert.deepEqual(run(SITE_YAML), ['10.77.2.21 has held a TCP connection to relay.tunnel-service.example.net (203.0.113.21) port 443 open for 60 min (still open): 500 bytes sent, 1.5 KB received']);
  assert.equal(run(`${SITE_YAML}\ndetectors:\n  conn.long: { allow: [tunnel-service.example.net] }\n`).length, 0);
  assert.equal(run(`${SITE_YAML}\ndetectors:\n  conn.long: { skip_popular: false }\n`).length, 2);
});

test('a connection without a TLS name is named by the DNS answer its client got: popular names are skipped, others named', () => {
  const dga = createDgaScorer(REPO_ROOT);
  const h = harness(SITE_YAML, { intel: { dga } });
  const answer = (client: string, query: string, addr: string): PicketEvent => ({ type: 'dns.answer', ts: 990, uid: 'Cdns1', client, server: '10.77.1.1', query, qtype_name: 'A', addrs: [addr], ttls: [300], cnames: [] });
  h.emit(answer('10.77.2.30', 'mtalk.google.com', '203.0.113.30'));
  h.emit(answer('10.77.2.31', 'vpn.odd-host-vpn.net', '203.0.113.31'));
  for (const e of lifetime(session({ ts: 1000, 'id.orig_h': '10.77.2.30', 'id.resp_h': '203.0.113.30', 'id.resp_p': 5228, duration: 5 * HOUR }))) h.emit(e);
  for (const e of lifetime(session({ ts: 1000, 'id.orig_h': '10.77.2.31', 'id.resp_h': '203.0.113.31', 'id.resp_p': 1194, duration: 5 * HOUR }))) h.emit(e);
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.evidence.server_name), ['vpn.odd-host-vpn.net']);
});

test('DNS answers are kept once per engine for conn.long and c2.beacon, and name connections with c2.beacon off', () => {
  const site = new Site([]);
  assert.equal(ResolvedNames.of(site), ResolvedNames.of(site), 'one per engine (site)');
  assert.notEqual(ResolvedNames.of(site), ResolvedNames.of(new Site([])));
  const answer = (addr: string, query: string): PicketEvent => ({ type: 'dns.answer', ts: 990, uid: 'Cdns1', client: '10.77.2.31', server: '10.77.1.1', query, qtype_name: 'A', addrs: [addr], ttls: [300], cnames: [] });
  const h = harness(`${SITE_YAML}\ndetectors:\n  c2.beacon: { enabled: false }\n`);
  h.emit(answer('203.0.113.31', 'vpn.odd-host-vpn.net'));
  for (const e of lifetime(session({ ts: 1000, 'id.orig_h': '10.77.2.31', 'id.resp_h': '203.0.113.31', 'id.resp_p': 1194, duration: 5 * HOUR }))) h.emit(e);
  assert.deepEqual(only(h.finish(), RULE).map((x) => x.evidence.server_name), ['vpn.odd-host-vpn.net']);
  // The same answer handed over by both rules is noted once; a later answer replaces the name.
  const names = new ResolvedNames(10);
  const e = answer('203.0.113.40', 'a.example.net') as DnsAnswerEvent;
  names.note(e);
  names.note(e);
  assert.equal(names.get('10.77.2.31', '203.0.113.40'), 'a.example.net');
  names.note(answer('203.0.113.40', 'b.example.net') as DnsAnswerEvent);
  assert.equal(names.get('10.77.2.31', '203.0.113.40'), 'b.example.net');
});

test('names an address announced are kept newest first, lower-cased, a few per address', () => {
  const names = new ResolvedNames(10);
  const said = (name: string, ip = '10.77.1.5'): HostnameEvent => ({ type: 'hostname', ts: 990, ip, name, source: 'nbns' });
  assert.deepEqual(names.announced('10.77.1.5'), []);
  for (const n of ['DC01', 'dc01-mgmt', 'dc01.corp.example', 'dc01', 'DC01-OLD', 'x']) names.noteHostname(said(n));
  names.noteHostname(said('10.77.1.5')); // an address given as a name adds nothing
  assert.deepEqual(names.announced('10.77.1.5'), ['x', 'dc01-old', 'dc01', 'dc01.corp.example']);
  names.noteHostname(said('DC01.corp.example'));
  assert.deepEqual(names.announced('10.77.1.5'), ['dc01.corp.example', 'x', 'dc01-old', 'dc01']);
  assert.deepEqual(names.announced('10.77.1.6'), []);
});
