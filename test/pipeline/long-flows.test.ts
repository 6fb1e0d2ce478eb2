/**
 * Long-lived connections: the pipeline reports a connection still open at
 * 10 minutes and 1 hour of age (flow.long snapshots) on a real capture, and
 * the rules that judge connections report it then, once, not again when it ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FlowState, FrameWriter, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../bench/gen/frames.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import type { FlowEndEvent, FlowLongEvent } from '../../src/events/types.js';
import { replayWithSummary } from '../helpers/replay.js';
import { tempDir } from '../helpers/paths.js';
import { SITE_YAML, harness, only, session } from '../detect/harness.js';

const T0 = 1_700_000_000;

/** A TCP session from 10.77.2.20 to 203.0.113.9:445 with an exchange every minute for `minutes`, then closed. */
async function longSession(file: string, minutes: number): Promise<void> {
  const fd = fs.openSync(file, 'w');
  const w = new PcapWriter(fd, LinkType.ETHERNET);
  const fw = new FrameWriter();
  const f = new FlowState();
  f.client.set([10, 77, 2, 20], 12);
  f.server.set([203, 0, 113, 9], 12);
  f.clientPort = 40001;
  f.serverPort = 445;
  f.clientSeq = 1000;
  f.serverSeq = 5000;
  let t = T0;
  const put = (len: number): void => {
    w.write(t, fw.buf.subarray(0, len));
    t += 0.001;
  };
  put(fw.tcp(f, true, TCP_SYN, 0));
  put(fw.tcp(f, false, TCP_SYN | TCP_ACK, 0));
  put(fw.tcp(f, true, TCP_ACK, 0));
  for (let m = 0; m <= minutes; m++) {
    t = T0 + m * 60 + 1;
    put(fw.tcp(f, true, TCP_PSH | TCP_ACK, 100));
    put(fw.tcp(f, false, TCP_PSH | TCP_ACK, 300));
  }
  put(fw.tcp(f, true, TCP_FIN | TCP_ACK, 0));
  put(fw.tcp(f, false, TCP_FIN | TCP_ACK, 0));
  put(fw.tcp(f, true, TCP_ACK, 0));
  await w.close();
}

test('a connection open for 75 minutes is reported at 10 minutes and at 1 hour of age, then ends as usual', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'long.pcap');
    await longSession(file, 75);
    const { events } = await replayWithSummary([file]);
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
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
