/**
 * Long-lived connections: the pipeline reports a connection still open at
 * 10 minutes and 1 hour of age (flow.long snapshots) on a hand-built TCP session run through the real pipeline, and
 * the rules that judge connections report it then, once, not again when it ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowEndEvent, FlowLongEvent } from '../../src/events/types.js';
import { TcpSession, runConversations } from '../helpers/session.js';
import { SITE_YAML, harness, only, session } from '../detect/harness.js';

const T0 = 1_700_000_000;

/** A TCP session from 10.77.2.20 to 203.0.113.9 (port 445 by default) with an exchange every minute for `minutes`, then closed. */
function longSession(minutes: number, serverPort = 445): TcpSession {
  const s = new TcpSession({ client: '10.77.2.20', clientPort: 40001, server: '203.0.113.9', serverPort, ts: T0 }).handshake();
  for (let m = 0; m <= minutes; m++) {
    s.ts = T0 + m * 60 + 1;
    s.send(true, new Uint8Array(100)).send(false, new Uint8Array(300));
  }
  return s.close();
}

test('a connection open for 75 minutes is reported at 10 minutes and at 1 hour of age, then ends as usual', () => {
  const events = runConversations(longSession(75));
  const longs = events.filter((e): e is FlowLongEvent => e.type === 'flow.long');
  const ends = events.filter((e): e is FlowEndEvent => e.type === 'flow.end');
  assert.equal(ends.length, 1);
  assert.equal(longs.length, 2, 'ages 10 min and 1 h');
  const [ten, hour] = longs;
  assert.ok(ten!.ts - T0 >= 600 && ten!.ts - T0 < 600 + 120, `first at ${ten!.ts - T0} s`);
  assert.ok(hour!.ts - T0 >= 3600 && hour!.ts - T0 < 3600 + 120, `second at ${hour!.ts - T0} s`);
  for (const l of longs) {
    assert.equal(l.record.uid, ends[0]!.record.uid);
    assert.equal(l.record['id.resp_p'], 445);
    assert.equal(l.record.conn_state, 'S1', 'still open');
  }
  assert.ok(hour!.record.orig_pkts > ten!.record.orig_pkts, 'snapshots grow');
  assert.ok((hour!.record.duration ?? 0) >= 3540);
  assert.equal(ends[0]!.record.conn_state, 'SF');
});

test('a rule reports a long connection from its snapshot, and not again at later snapshots or when it ends', () => {
  const h = harness(SITE_YAML);
  const s = session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445, conn_state: 'S1', duration: 600 });
  const snapshot: FlowLongEvent = { type: 'flow.long', ts: 1600, record: s.record, openedWithAck: false };
  h.emit(snapshot);
  assert.equal(h.engine.stats().matches['smb.internet'], 1, 'reported while the connection lasts');
  // A connection no snapshot reported is judged at its end as before (within the dedup interval: the same alert).
  h.emit(session({ ts: 1700, 'id.resp_h': '203.0.113.10', 'id.resp_p': 445 }));
  assert.equal(h.engine.stats().matches['smb.internet'], 2);
  h.emit({ ...snapshot, ts: 4600, record: { ...s.record, duration: 3600 } });
  h.emit({ ...s, ts: 4700, record: { ...s.record, conn_state: 'SF', duration: 3700 } });
  assert.equal(h.engine.stats().matches['smb.internet'], 2, 'the 1 h snapshot and the end are not judged again');
  const a = only(h.finish(), 'smb.internet');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2, 'two connections, the long one counted once');
  assert.equal(a[0]!.evidence.established, 2);
});

test('conn.long reports a 75-minute shell-like session from its one-hour snapshot, while it is open', () => {
  const h = harness(SITE_YAML);
  for (const e of runConversations(longSession(75, 4444))) h.emit(e);
  const a = only(h.finish(), 'conn.long');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.still_open, true);
  assert.ok((a[0]!.evidence.duration_seconds as number) >= 3540 && (a[0]!.evidence.duration_seconds as number) < 3700);
  assert.match(a[0]!.message, /^10\.77\.2\.20 has held a TCP connection to 203\.0\.113\.9 port 4444 open for (59|60) min \(still open\): /);
});
