/**
 * The console's live alert stream: the feed on its own (resume buffer,
 * resets, listener limit, heartbeat), then over real HTTP against
 * `runServer` on 127.0.0.1: a viewer opens GET /api/v1/console/alerts/stream,
 * an enrolled agent ships alerts through the ingest API, and the events that
 * arrive are the stored rows of GET /alerts, without the suppressed ones and
 * without a retried batch's; Last-Event-ID resumes; no session is 401; a
 * logout ends that session's stream; the server closes while streams are open;
 * a client that stops reading is cut off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Alert } from '../../src/alerts/alert.js';
import type { AlertFilter, Page, StoredAlert } from '../../src/store/types.js';
import { AlertFeed, FEED_BUFFER_EVENTS, MAX_FEED_LISTENERS, MAX_LOOKUPS_PER_BATCH, type FeedEvent, type FeedListener } from '../../src/server/console/alert-feed.js';
import { alertFeedOf } from '../../src/server/console/alert-feed.js';
import { enroll, ingest, startTestServer, type TestServer } from '../server/helpers.js';
import { shippedAlert } from '../helpers/shipped-alert.js';

/** Guards against a hang only (a missing event would otherwise wait forever); nothing is timed. */
const HANG_GUARD_MS = 120_000;

// ---- the feed alone, with a store stand-in that answers lookups from a list of rows

function fakeStore(rows: StoredAlert[]): { alerts(f: AlertFilter): Promise<Page<StoredAlert>> } {
  return {
    async alerts(f) {
      const hit = rows.filter((r) => r.rule.id === f.rule && Date.parse(r['@timestamp']) / 1000 >= (f.from ?? 0) && Date.parse(r['@timestamp']) / 1000 < (f.to ?? Infinity));
      return { total: hit.length, limit: f.limit ?? 100, offset: 0, rows: hit };
    },
  };
}

function stored(a: Record<string, unknown>, id: string, agent: string | null): StoredAlert {
  return { ...(a as unknown as Alert), id, agent, acknowledged: false, note: null };
}

function collector(): FeedListener & { events: FeedEvent[]; beats: number; closed: boolean } {
  const c = {
    events: [] as FeedEvent[],
    beats: 0,
    closed: false,
    event(e: FeedEvent) {
      c.events.push(e);
    },
    heartbeat() {
      c.beats++;
    },
    close() {
      c.closed = true;
    },
  };
  return c;
}

test('feed: offered alerts are published as their stored rows; unfound ones and big batches become resets', async () => {
  const a1 = alert('auth.bruteforce', '10.0.0.1', '2026-11-28T10:00:00.000Z');
  const a2 = alert('auth.bruteforce', '10.0.0.2', '2026-11-28T10:00:00.000Z');
  const other = alert('auth.bruteforce', '10.0.0.1', '2026-11-28T10:00:00.000Z');
  // Same rule and time: a row of another agent and an identical row already published must not be taken.
  const rows = [stored(other, 'row-other-agent', 'agent-b'), stored(a1, 'row-1', 'agent-a'), stored(a2, 'row-2', 'agent-a')];
  const feed = new AlertFeed({ store: fakeStore(rows) });
  const l = collector();
  assert.ok(feed.subscribe(l) !== null);
  feed.offer('agent-a', [a1 as unknown as Alert, a2 as unknown as Alert]);
  feed.offer('agent-a', [alert('never.stored', '10.0.0.3', '2026-11-28T10:00:00.000Z') as unknown as Alert]);
  const big = Array.from({ length: MAX_LOOKUPS_PER_BATCH + 1 }, () => a1 as unknown as Alert);
  feed.offer('agent-a', big);
  await feed.whenIdle();
  await feed.close();
  assert.deepEqual(
    l.events.map((e) => (e.type === 'alert' ? e.alert.id : e.type)),
    ['row-1', 'row-2', 'reset', 'reset'],
  );
  assert.equal(feed.stats.unresolved, 1);
  assert.equal(l.closed, true);
  // Nothing is looked up once closed.
  feed.offer('agent-a', [a1 as unknown as Alert]);
  assert.equal(feed.stats.published, 2);
});

test('feed: Last-Event-ID resumes from the buffer, not past it nor across feeds', () => {
  const feed = new AlertFeed({ store: fakeStore([]) });
  const first = collector();
  const sub = feed.subscribe(first);
  assert.ok(sub !== null);
  assert.equal(sub.resumed, false, 'no Last-Event-ID: the listener loads its page itself');
  const start = sub.lastId;
  for (let i = 0; i < 3; i++) feed.publish(stored(alert('r', '10.0.0.1', '2026-11-28T10:00:00.000Z'), `id-${i}`, null));
  feed.publish(stored(alert('r', '10.0.0.1', '2026-11-28T10:00:00.000Z'), 'id-0', null));
  assert.equal(first.events.length, 3, 'an id already published is not published again');

  const again = collector();
  const resumed = feed.subscribe(again, first.events[0]!.id);
  assert.equal(resumed?.resumed, true);
  assert.deepEqual(again.events.map((e) => e.id), [first.events[1]!.id, first.events[2]!.id]);
  assert.equal(resumed?.lastId, first.events[2]!.id);
  const fromStart = collector();
  assert.equal(feed.subscribe(fromStart, start)?.resumed, true);
  assert.equal(fromStart.events.length, 3);

  const stranger = collector();
  assert.equal(feed.subscribe(stranger, 'AAAAAAAA.2')?.resumed, false, 'an id of another server run');
  assert.equal(feed.subscribe(collector(), 'garbage')?.resumed, false);
  assert.equal(stranger.events.length, 0);

  for (let i = 0; i < FEED_BUFFER_EVENTS; i++) feed.reset();
  const late = collector();
  assert.equal(feed.subscribe(late, first.events[0]!.id)?.resumed, false, 'evicted from the buffer: reload');
  assert.equal(late.events.length, 0);
  feed.endListeners();
});

test('feed: at most MAX_FEED_LISTENERS listeners; heartbeats reach listeners', async () => {
  const feed = new AlertFeed({ store: fakeStore([]), heartbeatMs: 5 });
  const subs = [];
  for (let i = 0; i < MAX_FEED_LISTENERS; i++) subs.push(feed.subscribe(collector()));
  assert.equal(feed.full, true);
  assert.equal(feed.subscribe(collector()), null);
  subs[0]!.unsubscribe();
  const l = collector();
  assert.ok(feed.subscribe(l) !== null);
  // The feed's heartbeat timer is unref'd (it must not hold a server process open), so this test
  // keeps the event loop alive itself while it waits; the guard only fails a hang, it times nothing.
  let guard: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    guard = setTimeout(() => reject(new Error('no heartbeat')), HANG_GUARD_MS);
    const orig = l.heartbeat;
    l.heartbeat = () => {
      orig();
      resolve();
    };
  });
  clearTimeout(guard);
  assert.ok(l.beats >= 1);
  await feed.close();
  assert.equal(feed.stats.listeners, 0);
  assert.equal(feed.subscribe(collector()), null, 'closed');
});

// ---- over HTTP

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads server-sent events from a fetch body, in order; `next()` is null once the stream ended. */
class SseReader {
  readonly retry: number[] = [];
  readonly comments: string[] = [];
  #queue: SseEvent[] = [];
  #wait: ((e: SseEvent | null) => void) | undefined;
  #ended = false;
  readonly done: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>) {
    this.done = this.#pump(body);
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body) {
        buf += dec.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          this.#block(buf.slice(0, cut));
          buf = buf.slice(cut + 2);
        }
      }
    } catch {
      // The connection was cut: the stream has ended.
    }
    this.#ended = true;
    this.#wait?.(null);
    this.#wait = undefined;
  }

  #block(block: string): void {
    const e: SseEvent = { event: 'message', data: '' };
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line);
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'retry') this.retry.push(Number(value));
      else if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') e.data = e.data === '' ? value : `${e.data}\n${value}`;
      else continue;
      if (field !== 'retry') any = true;
    }
    if (!any) return;
    if (this.#wait !== undefined) {
      const w = this.#wait;
      this.#wait = undefined;
      w(e);
    } else this.#queue.push(e);
  }

  next(): Promise<SseEvent | null> {
    const e = this.#queue.shift();
    if (e !== undefined) return Promise.resolve(e);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.#wait = resolve));
  }

  /** The next event of this type (others are returned in `skipped`). */
  async nextOf(type: string, skipped: SseEvent[] = []): Promise<SseEvent> {
    for (;;) {
      const e = await this.next();
      assert.ok(e !== null, `stream ended before a "${type}" event`);
      if (e.event === type) return e;
      skipped.push(e);
    }
  }
}

const PASSWORD = 'stream-admin-pw';

/** Waits (without a deadline: the test's hang guard applies) until the feed has `n` listeners. */
async function untilListeners(feed: AlertFeed, n: number): Promise<void> {
  while (feed.stats.listeners !== n) await new Promise((r) => setTimeout(r, 10));
}

async function login(s: TestServer, user: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${s.url}/api/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  assert.equal(r.status, 200, await r.clone().text());
  const { csrf } = (await r.json()) as { csrf: string };
  return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf };
}

async function post(s: TestServer, path: string, who: { cookie: string; csrf: string }, body: unknown): Promise<void> {
  const r = await fetch(`${s.url}/api/v1/console${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: who.cookie, 'x-csrf-token': who.csrf }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

async function open(s: TestServer, cookie: string, lastEventId?: string): Promise<{ res: Response; sse: SseReader; abort: AbortController }> {
  const abort = new AbortController();
  const headers: Record<string, string> = { cookie, accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const res = await fetch(`${s.url}/api/v1/console/alerts/stream`, { headers, signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(res.body !== null);
  return { res, sse: new SseReader(res.body), abort };
}

test('alert stream over HTTP: new stored alerts arrive as list rows, suppressed and retried ones do not; resume; 401; close', { timeout: HANG_GUARD_MS }, async () => {
  const s = await startTestServer({ env: { PICKET_ADMIN_PASSWORD: PASSWORD } });
  let stopped = false;
  try {
    const un = await fetch(`${s.url}/api/v1/console/alerts/stream`);
    assert.equal(un.status, 401);
    assert.equal(((await un.json()) as { error: { code: string } }).error.code, 'PKT_ERR_SERVER_UNAUTHORIZED');
    const bad = await fetch(`${s.url}/api/v1/console/alerts/stream`, { headers: { cookie: 'picket_session=not-a-session' } });
    assert.equal(bad.status, 401);
    await bad.text();

    const admin = await login(s, 'admin', PASSWORD);
    await post(s, '/users', admin, { name: 'val', password: 'viewer-pw-1', role: 'viewer' });
    await post(s, '/suppressions', admin, { rule: 'scan.*', reason: 'known scanner' });
    const viewer = await login(s, 'val', 'viewer-pw-1');

    const { sse, abort } = await open(s, viewer.cookie);
    const ready = await sse.nextOf('ready');
    assert.deepEqual(JSON.parse(ready.data), { resumed: false });
    assert.deepEqual(sse.retry.length > 0 && sse.retry[0]! > 0, true, 'a retry hint comes first');

    const agent = await enroll(s);
    const batch1 = [
      { kind: 'alert', data: alert('auth.bruteforce', '10.77.2.20', '2026-11-28T10:00:00.000Z') },
      { kind: 'alert', data: alert('scan.port.vertical', '10.77.2.20', '2026-11-28T10:00:01.000Z') },
      { kind: 'conn', data: { ts: 1, uid: 'Cx' } },
    ];
    assert.equal((await ingest(s, agent, 1, batch1)).status, 200);
    // The retry of batch 1 is acknowledged as a duplicate and not streamed again.
    assert.equal((await ingest(s, agent, 1, batch1)).json.duplicate, true);
    const batch2 = [{ kind: 'alert', data: alert('c2.beacon', '10.77.2.21', '2026-11-28T10:00:02.000Z', { event: { kind: 'alert', severity: 4, category: ['malware'] } }) }];
    assert.equal((await ingest(s, agent, 2, batch2)).status, 200);

    const seen: SseEvent[] = [];
    const e1 = await sse.nextOf('alert', seen);
    const e2 = await sse.nextOf('alert', seen);
    assert.deepEqual(seen.map((e) => e.event), [], 'no reset: every alert was followed');
    const r1 = JSON.parse(e1.data) as StoredAlert;
    const r2 = JSON.parse(e2.data) as StoredAlert;
    assert.deepEqual([r1.rule.id, r2.rule.id], ['auth.bruteforce', 'c2.beacon'], 'in order, the suppressed scan alert left out, batch 1 once');

    // The events are the rows of the alert list, ids included.
    const list = await fetch(`${s.url}/api/v1/console/alerts`, { headers: { cookie: viewer.cookie } });
    const page = (await list.json()) as { rows: StoredAlert[]; hidden: number };
    assert.equal(page.hidden, 1);
    assert.deepEqual(page.rows.find((r) => r.id === r1.id), r1);
    assert.deepEqual(page.rows.find((r) => r.id === r2.id), r2);
    assert.equal(r1.agent, agent.agent_id);

    // Resume after the first event: the second is replayed, then ready says resumed.
    const again = await open(s, viewer.cookie, e1.id);
    const replayed = await again.sse.nextOf('alert');
    assert.equal(replayed.id, e2.id);
    assert.deepEqual(JSON.parse(replayed.data), r2);
    assert.deepEqual(JSON.parse((await again.sse.nextOf('ready')).data), { resumed: true });
    // A client that goes away is unsubscribed (node:http here: a fresh connection, cut at once).
    const feed = alertFeedOf(s.ctx);
    assert.ok(feed !== undefined);
    await untilListeners(feed, 2);
    const gone = await new Promise<http.ClientRequest>((resolve, reject) => {
      const req = http.get(`${s.url}/api/v1/console/alerts/stream`, { headers: { cookie: viewer.cookie }, agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => resolve(req));
      });
      req.on('error', reject);
    });
    assert.equal(feed.stats.listeners, 3);
    gone.destroy();
    await untilListeners(feed, 2);
    // An id from another server run: nothing replayed, the client reloads.
    const other = await open(s, viewer.cookie, 'zzzzzzzz.1');
    const skipped: SseEvent[] = [];
    assert.deepEqual(JSON.parse((await other.sse.nextOf('ready', skipped)).data), { resumed: false });
    assert.equal(skipped.length, 0);

    // Logging out ends that session's stream at its next event; other streams go on.
    const second = await login(s, 'val', 'viewer-pw-1');
    const short = await open(s, second.cookie);
    await short.sse.nextOf('ready');
    const out = await fetch(`${s.url}/api/v1/console/logout`, { method: 'POST', headers: { cookie: second.cookie, 'x-csrf-token': second.csrf } });
    assert.equal(out.status, 204);
    assert.equal((await ingest(s, agent, 3, [{ kind: 'alert', data: alert('dns.tunnel', '10.77.2.22', '2026-11-28T10:00:03.000Z') }])).status, 200);
    assert.equal(await short.sse.next(), null);
    assert.equal(JSON.parse((await sse.nextOf('alert')).data).rule.id, 'dns.tunnel');

    // Server close with streams open: close() returns, and the streams end.
    await s.stop();
    stopped = true;
    assert.equal(await sse.next(), null);
    for (const open of [again, other]) {
      const rest: SseEvent[] = [];
      for (let e = await open.sse.next(); e !== null; e = await open.sse.next()) rest.push(e);
      assert.deepEqual(rest.map((e) => JSON.parse(e.data).rule.id), ['dns.tunnel'], 'each open stream got the last alert, then ended');
    }
    assert.equal(feed.stats.listeners, 0);
    abort.abort();
  } finally {
    if (!stopped) await s.stop();
  }
});

test('alert stream over HTTP: a client that stops reading is cut off, the feed goes on', { timeout: HANG_GUARD_MS }, async () => {
  const s = await startTestServer({ env: { PICKET_ADMIN_PASSWORD: PASSWORD } });
  try {
    const admin = await login(s, 'admin', PASSWORD);
    const feed = alertFeedOf(s.ctx);
    assert.ok(feed !== undefined);
    // node:http with the response paused: the socket is not read, as with a stuck browser tab.
    const stalled = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(`${s.url}/api/v1/console/alerts/stream`, { headers: { cookie: admin.cookie }, agent: false }, (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
    });
    assert.equal(stalled.statusCode, 200);
    assert.equal(feed.stats.listeners, 1);
    // Enough data to fill the kernel's socket buffers and then MAX_STREAM_BUFFER_BYTES; the bound only stops a broken test.
    const message = 'x'.repeat(32 * 1024);
    const MAX_EVENTS = 2000;
    let sent = 0;
    while (feed.stats.cut_off === 0 && sent < MAX_EVENTS) {
      feed.publish(stored(alert('stall.test', '10.77.2.30', '2026-11-28T10:00:00.000Z', { message }), `stall-${sent}`, null));
      sent++;
      // Let the server flush what the socket takes.
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(feed.stats.cut_off, 1);
    assert.equal(feed.stats.listeners, 0);
    stalled.destroy();
    // The feed still takes listeners.
    const { sse } = await open(s, admin.cookie);
    assert.deepEqual(JSON.parse((await sse.nextOf('ready')).data), { resumed: false });
  } finally {
    await s.stop();
  }
});

/** The stream tests' alerts carry a little evidence, as detectors' alerts do. */
function alert(rule: string, src: string, ts: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return shippedAlert(rule, src, ts, { evidence: { attempts: 12 }, ...over });
}
