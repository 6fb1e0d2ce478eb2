/**
 * The application layer gives up on a flow whose analyzer keeps reporting
 * anomalies before it ever confirmed its protocol, and keeps going on a
 * flow it confirmed. Captures are written with the benchmark's frame
 * builder: its payload filler is HTTP-like text, which SMTP cannot parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FlowState, FrameWriter, TCP_ACK, TCP_PSH, TCP_SYN } from '../../bench/gen/frames.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import { AppLayerStats, FlowApp, MAX_FLOW_ANOMALIES } from '../../src/pipeline/flow-app.js';
import { EventBus } from '../../src/events/bus.js';
import type { ProtocolSpec } from '../../src/protocols/analyzer.js';
import { replayWithSummary } from '../helpers/replay.js';
import { tempDir } from '../helpers/paths.js';

/** One TCP connection: handshake, `request` client bytes, then `segments` server segments of `size` filler bytes, each acked. */
function writeFlow(w: PcapWriter, fw: FrameWriter, port: number, host: number, segments: number, size: number, t0: number, request = 0): void {
  const f = new FlowState();
  f.client.set([10, 0, 0, 1], 12);
  f.server.set([10, 0, 1, host], 12);
  f.clientPort = 40000 + host;
  f.serverPort = port;
  f.clientSeq = 1000;
  f.serverSeq = 5000;
  let t = t0;
  const put = (len: number): void => {
    w.write(t, fw.buf.subarray(0, len));
    t += 0.001;
  };
  put(fw.tcp(f, true, TCP_SYN, 0));
  put(fw.tcp(f, false, TCP_SYN | TCP_ACK, 0));
  put(fw.tcp(f, true, TCP_ACK, 0));
  if (request > 0) put(fw.tcp(f, true, TCP_PSH | TCP_ACK, request));
  for (let i = 0; i < segments; i++) {
    put(fw.tcp(f, false, TCP_PSH | TCP_ACK, size));
    put(fw.tcp(f, true, TCP_ACK, 0));
  }
}

test('analysis stops on an unconfirmed flow that keeps failing to parse, and only there', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'garbage.pcap');
    const fd = fs.openSync(file, 'w');
    const w = new PcapWriter(fd, LinkType.ETHERNET);
    const fw = new FrameWriter();
    writeFlow(w, fw, 25, 1, 200, 400, 1_700_000_000); // "SMTP" server that sends HTTP-like text
    writeFlow(w, fw, 25, 2, 2, 60, 1_700_000_100); // a short one: a few anomalies, no giving up
    await w.close();
    const { summary } = await replayWithSummary([file]);
    const app = summary.pipeline.app;
    assert.equal(app.flows.smtp, 2);
    assert.deepEqual(app.abandoned, { smtp: 1 });
    const smtpAnomalies = Object.entries(app.anomalies)
      .filter(([k]) => k.startsWith('smtp.'))
      .reduce((n, [, v]) => n + v, 0);
    // The long flow stopped at the bound (one segment can report a few at once); the short one added its own.
    assert.ok(smtpAnomalies >= MAX_FLOW_ANOMALIES, `anomalies ${smtpAnomalies}`);
    assert.ok(smtpAnomalies < 3 * MAX_FLOW_ANOMALIES, `anomalies ${smtpAnomalies} (not bounded)`);
    assert.equal(summary.pipeline.flows.created, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** An analyzer that reports one anomaly per datagram, confirming its protocol first when told to. */
function noisySpec(confirmFirst: boolean): ProtocolSpec {
  return {
    name: 'noisy',
    transports: ['udp'],
    ports: [],
    create(ctx) {
      let first = true;
      return {
        data() {
          if (first && confirmFirst) ctx.confirm('noisy');
          first = false;
          ctx.anomaly('bad');
        },
        end() {},
      };
    },
  };
}

test('a flow whose analyzer confirmed its protocol is never abandoned', () => {
  for (const confirmFirst of [false, true]) {
    const stats = new AppLayerStats();
    const conn = { uid: 'C1', orig_h: '10.0.0.1', orig_p: 1, resp_h: '10.0.0.2', resp_p: 2, proto: 'udp' as const };
    const app = new FlowApp(noisySpec(confirmFirst), conn, new EventBus(), stats, null);
    let delivered = 0;
    for (let i = 0; i < 3 * MAX_FLOW_ANOMALIES; i++) {
      if (!app.active) break;
      app.datagram(true, new Uint8Array(1), i);
      delivered++;
    }
    if (confirmFirst) {
      assert.equal(delivered, 3 * MAX_FLOW_ANOMALIES);
      assert.deepEqual(stats.abandoned, {});
    } else {
      assert.equal(delivered, MAX_FLOW_ANOMALIES);
      assert.deepEqual(stats.abandoned, { noisy: 1 });
    }
  }
});
