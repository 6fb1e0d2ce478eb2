/** c2.beacon: the scoring on its own, and the rule on connection series with the timing of real implants and of people. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, harness, only, session } from './harness.js';
import { BeaconScratch, scoreBeacon } from '../../src/detect/beacon-score.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { rng as random } from '../helpers/bytes.js';
import type { PicketEvent } from '../../src/events/types.js';
import type { SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'c2.beacon';
const HOUR = 3600;

/** Check-in times of a timer sleeping `sleep` seconds less up to `jitter` of it (Cobalt Strike's jitter), from `start` for `span`. */
function timer(start: number, span: number, sleep: number, jitter: number, rnd: () => number): number[] {
  const out: number[] = [];
  for (let t = start; t < start + span; t += sleep * (1 - jitter * rnd())) out.push(t);
  return out;
}

/** Times of someone browsing: bursts of requests at random (exponential) gaps. */
function browsing(start: number, span: number, meanGap: number, rnd: () => number): number[] {
  const out: number[] = [];
  for (let t = start; t < start + span; t += -Math.log(1 - rnd()) * meanGap) {
    const burst = 1 + Math.floor(rnd() * 6);
    for (let i = 0; i < burst; i++) out.push(t + i * 0.3);
  }
  return out;
}

let uid = 0;

/** A TLS connection from `src` to `dst` at `ts` with SNI `name` (the ssl event precedes the connection's end). */
function tls(ts: number, src: string, dst: string, name: string | undefined, bytes: number, port = 443): PicketEvent[] {
  const id = `Cbeacon${++uid}`;
  const end = session({ ts, uid: id, 'id.orig_h': src, 'id.resp_h': dst, 'id.resp_p': port, orig_bytes: bytes, resp_bytes: 4000, service: 'ssl' });
  if (name === undefined) return [end];
  const record = { ts, uid: id, 'id.orig_h': src, 'id.orig_p': 50000, 'id.resp_h': dst, 'id.resp_p': port, server_name: name } as unknown as SslRecord;
  return [{ type: 'ssl', log: 'ssl', ts, uid: id, record }, end];
}

test('scoring: a fixed timer scores full timing and size, jitter lowers timing a little, exponential gaps a lot', () => {
  const s = new BeaconScratch();
  const fixed = timer(0, 6 * HOUR, 60, 0, () => 0);
  const sizes = fixed.map(() => 517);
  const a = scoreBeacon(fixed, sizes, fixed.length, { fullSpan: 6 * HOUR }, s);
  assert.equal(a.timing, 1);
  assert.equal(a.size, 1);
  assert.equal(a.steadiness, 1);
  assert.ok(a.span > 0.99);
  assert.equal(a.interval, 60);
  assert.equal(a.checkins, 360);

  const jittered = timer(0, 6 * HOUR, 60, 0.2, random(1));
  const b = scoreBeacon(jittered, jittered.map(() => 517), jittered.length, { fullSpan: 6 * HOUR }, s);
  assert.ok(b.jitter > 0.03 && b.jitter < 0.08, `jitter ${b.jitter}`);
  assert.ok(b.timing > 0.8 && b.timing < 1, `timing ${b.timing}`);

  const rnd = random(2);
  const human = browsing(0, 6 * HOUR, 300, rnd);
  const c = scoreBeacon(human, human.map(() => 300 + Math.floor(rnd() * 5000)), human.length, { fullSpan: 6 * HOUR }, s);
  assert.ok(c.timing < 0.45, `timing ${c.timing}`);
  assert.ok(c.size < 0.45, `size ${c.size}`);
  assert.ok(c.score < 0.7, `score ${c.score}`);
});

test('scoring: a check-in of two connections seconds apart is one check-in, not two gaps', () => {
  const s = new BeaconScratch();
  const starts: number[] = [];
  for (const t of timer(0, 3 * HOUR, 60, 0.1, random(9))) starts.push(t, t + 3 + 2 * random(10)());
  const r = scoreBeacon(starts, starts.map(() => 300), starts.length, { fullSpan: 6 * HOUR }, s);
  assert.equal(r.checkins, starts.length / 2);
  assert.equal(r.bytes, 600);
  assert.ok(r.timing > 0.8 && r.interval > 50 && r.interval < 60, `timing ${r.timing}, interval ${r.interval}`);
  assert.equal(scoreBeacon([], [], 0, { fullSpan: 60 }, s).checkins, 0);
});

test('scoring: connections opened together are one check-in; fewer than three score nothing', () => {
  const s = new BeaconScratch();
  // Two connections per check-in, 0.2 s apart, every 30 s; given out of order.
  const starts = [60.2, 0, 30, 0.2, 60, 30.2, 90, 90.2];
  const r = scoreBeacon(starts, starts.map(() => 100), starts.length, { fullSpan: 90 }, s);
  assert.equal(r.checkins, 4);
  assert.equal(r.interval, 30);
  assert.equal(r.bytes, 200);
  assert.equal(r.timing, 1);
  assert.equal(scoreBeacon([0, 10], [1, 1], 2, { fullSpan: 90 }, s).score, 0);
});

test('a host checking in every minute (20 % jitter) with a CDN-fronted name alerts once, naming it and its addresses', () => {
  const h = harness(SITE_YAML);
  const rnd = random(3);
  const ips = ['203.0.113.10', '203.0.113.11', '203.0.113.12'];
  const times = timer(1000, 3 * HOUR, 60, 0.2, rnd);
  times.forEach((t, i) => {
    for (const e of tls(t, '10.77.2.21', ips[i % 3]!, 'cdn-edge.update-check.net', 517 + Math.floor(rnd() * 4))) h.emit(e);
  });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  const ev = a[0]!.evidence;
  assert.equal(ev.destination, 'cdn-edge.update-check.net');
  assert.deepEqual(ev.addresses, ips);
  assert.ok((ev.score as number) >= 0.8, `score ${String(ev.score)}`);
  assert.ok(Math.abs((ev.interval_seconds as number) - 54) < 4, `interval ${String(ev.interval_seconds)}`);
  assert.equal(a[0]!.source?.ip, '10.77.2.21');
  assert.match(a[0]!.message, /^10\.77\.2\.21 checked in with cdn-edge\.update-check\.net \(203\.0\.113\.10, 203\.0\.113\.11, 203\.0\.113\.12\) on TCP 443 every /);
  // It alerted once the span carried the score: after about two hours, not at the start.
  assert.ok((ev.span_seconds as number) > 1.5 * HOUR && (ev.span_seconds as number) < 2.5 * HOUR, `span ${String(ev.span_seconds)}`);
});

test('someone browsing one site all day, a half-hour polling burst, and a timer on NTP or to an internal host do not alert', () => {
  const h = harness(SITE_YAML);
  const rnd = random(4);
  for (const t of browsing(1000, 8 * HOUR, 240, rnd)) for (const e of tls(t, '10.77.2.22', '198.51.100.20', 'news.example-site.org', 300 + Math.floor(rnd() * 3000))) h.emit(e);
  for (const t of timer(1000, 0.5 * HOUR, 30, 0.1, rnd)) for (const e of tls(t, '10.77.2.23', '198.51.100.21', 'poll.example-site.org', 700)) h.emit(e);
  for (const t of timer(1000, 6 * HOUR, 64, 0, rnd)) h.emit(session({ ts: t, 'id.orig_h': '10.77.2.24', 'id.resp_h': '198.51.100.22', 'id.resp_p': 123, proto: 'udp', orig_bytes: 48 }));
  for (const t of timer(1000, 6 * HOUR, 60, 0, rnd)) for (const e of tls(t, '10.77.2.25', '10.77.1.10', 'intranet.corp.example', 400)) h.emit(e);
  assert.deepEqual(only(h.finish(), RULE), []);
});

test('a destination many internal hosts check in with is fleet software; max_sources: 0 reports each host', () => {
  const run = (yaml: string): number => {
    const h = harness(yaml);
    const rnd = random(5);
    const events: PicketEvent[] = [];
    for (let host = 0; host < 6; host++) {
      for (const t of timer(1000 + host * 7, 4 * HOUR, 120, 0.1, rnd)) events.push(...tls(t, `10.77.2.${40 + host}`, '203.0.113.30', 'agent.vendor-telemetry.net', 900));
    }
    // As a sensor sees them: in time order.
    for (const e of events.sort((x, y) => x.ts - y.ts)) h.emit(e);
    return only(h.finish(), RULE).length;
  };
  assert.equal(run(SITE_YAML), 0);
  assert.equal(run(`${SITE_YAML}\ndetectors:\n  c2.beacon: { max_sources: 0 }\n`), 6);
});

test('popular domains and the allow list are not counted; skip_popular: false counts popular ones', () => {
  const dga = createDgaScorer(REPO_ROOT);
  const run = (yaml: string): string[] => {
    const h = harness(yaml, { intel: { dga } });
    for (const t of timer(1000, 4 * HOUR, 60, 0, () => 0)) {
      for (const e of tls(t, '10.77.2.30', '203.0.113.40', 'settings-win.data.microsoft.com', 800)) h.emit(e);
      for (const e of tls(t + 5, '10.77.2.31', '203.0.113.41', 'sync.backup-vendor.example.net', 800)) h.emit(e);
    }
    return only(h.finish(), RULE).map((a) => String(a.evidence.destination));
  };
  assert.deepEqual(run(SITE_YAML), ['sync.backup-vendor.example.net']);
  assert.deepEqual(run(`${SITE_YAML}\ndetectors:\n  c2.beacon: { allow: [backup-vendor.example.net] }\n`), []);
  assert.deepEqual(run(`${SITE_YAML}\ndetectors:\n  c2.beacon: { skip_popular: false }\n`).sort(), ['settings-win.data.microsoft.com', 'sync.backup-vendor.example.net']);
});

test('without a server name the series is keyed by address; a slow timer needs min_checkins within the window', () => {
  const h = harness(`${SITE_YAML}\ndetectors:\n  c2.beacon: { min_checkins: 20 }\n`);
  // Every 30 minutes for 12 hours: 24 check-ins, enough.
  for (const t of timer(1000, 12 * HOUR, 1800, 0.05, random(6))) for (const e of tls(t, '10.77.2.50', '198.51.100.60', undefined, 1200, 8443)) h.emit(e);
  // Every 2 hours for a day: 12 check-ins, not enough.
  for (const t of timer(1000, 24 * HOUR, 7200, 0, () => 0)) for (const e of tls(t, '10.77.2.51', '198.51.100.61', undefined, 1200, 8443)) h.emit(e);
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.evidence.destination), ['198.51.100.60']);
  assert.deepEqual(a[0]!.evidence.addresses, []);
  assert.match(a[0]!.message, /checked in with 198\.51\.100\.60 on TCP 8443 every 2[89] min/);
});

test('a long series keeps its rhythm when thinned, and series beyond max_tracked are dropped and counted', () => {
  const h = harness(`${SITE_YAML}\ndetectors:\n  c2.beacon: { max_tracked: 100 }\n`);
  // 20 hours at 10 s: 7,200 check-ins through 128 points.
  for (const t of timer(1000, 20 * HOUR, 10, 0.1, random(7))) for (const e of tls(t, '10.77.2.60', '203.0.113.70', 'c2.bad-actor.example.com', 333)) h.emit(e);
  // 300 one-off destinations from another host.
  for (let i = 0; i < 300; i++) for (const e of tls(2000 + i, '10.77.2.61', `198.51.100.${i % 250}`, `site${i}.example.org`, 100)) h.emit(e);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  // Reported after hours of check-ins, long after the first thinning (128 points).
  assert.ok((a[0]!.evidence.connections as number) > 500, `connections ${String(a[0]!.evidence.connections)}`);
  assert.ok(Math.abs((a[0]!.evidence.interval_seconds as number) - 9.5) < 1, `interval ${String(a[0]!.evidence.interval_seconds)}`);
  assert.ok((h.engine.stats().state_evictions[RULE] ?? 0) >= 200);
});

test('without a server name, the name the host resolved the address from keys the series (rotating addresses, raw TCP)', () => {
  const h = harness(SITE_YAML);
  const ips = ['198.51.100.71', '198.51.100.72'];
  timer(1000, 3 * HOUR, 60, 0.1, random(8)).forEach((t, i) => {
    const ip = ips[i % 2]!;
    h.emit({ type: 'dns.answer', ts: t - 0.05, uid: `Cdns${i}`, client: '10.77.2.62', server: '10.77.1.1', query: 'update.rotating-c2.example.net', qtype_name: 'A', addrs: [ip], ttls: [60], cnames: [] });
    for (const e of tls(t, '10.77.2.62', ip, undefined, 256, 8080)) h.emit(e);
  });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.destination, 'update.rotating-c2.example.net');
  assert.deepEqual(a[0]!.evidence.addresses, ips);
});
