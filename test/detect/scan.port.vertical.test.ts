/** scan.port.vertical on synthetic flow.end sequences through a real EventBus. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only, session } from './harness.js';

const RULE = 'scan.port.vertical';

function probe(h: ReturnType<typeof harness>, count: number, opts: { start?: number; step?: number; history?: string; state?: string; dst?: string } = {}): void {
  const start = opts.start ?? 1000;
  const step = opts.step ?? 0.01;
  for (let i = 0; i < count; i++) {
    h.emit(flow({ ts: start + i * step, 'id.resp_h': opts.dst ?? '10.77.1.10', 'id.resp_p': 1 + i, history: opts.history ?? 'Sr', conn_state: opts.state ?? 'REJ' }));
  }
}

test('threshold-1 distinct failed ports: no alert', () => {
  const h = harness(SITE_YAML);
  probe(h, 14);
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('threshold distinct failed ports: one alert with the documented message', () => {
  const h = harness(SITE_YAML);
  probe(h, 15);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(a[0]!.evidence.scan_type, 'syn');
  assert.equal(a[0]!.evidence.ports_count, 15);
  assert.equal(a[0]!.count, 15);
  assert.equal(a[0]!.network?.name, 'workstations');
  assert.equal(a[0]!.threat.technique.id, 'T1046');
});

test('1,000 half-open ports in 12 s reads as a person would say it', () => {
  const h = harness(SITE_YAML);
  probe(h, 1000, { step: 12 / 999, history: 'ShR', state: 'RSTO' });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1, 'one alert per scanner per dedup interval');
  assert.equal(a[0]!.message, '10.77.2.20 probed 1,000 TCP ports on 10.77.1.10 in 12 s with half-open SYNs');
  assert.equal(a[0]!.count, 1000);
  assert.equal((a[0]!.evidence.attempts as Record<string, number>).half_open, 1000);
});

test('completed handshakes without payload are a connect scan', () => {
  const h = harness(SITE_YAML);
  probe(h, 20, { history: 'ShAR', state: 'RSTO' });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.scan_type, 'connect');
  assert.match(a[0]!.message, /with full connects$/);
});

test('sessions with payload to many ports are not a scan', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 40; i++) h.emit(session({ ts: 1000 + i, 'id.resp_p': 1000 + i }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('ports spread beyond the window do not add up', () => {
  const h = harness(SITE_YAML);
  probe(h, 20, { step: 30 }); // one port every 30 s: at most 10 in any 5 minutes
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('a second target is merged into the scanner\'s alert', () => {
  const h = harness(SITE_YAML);
  probe(h, 15, { dst: '10.77.1.10' });
  probe(h, 15, { dst: '10.77.1.11', start: 1010 });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.targets_count, 2);
  assert.match(a[0]!.message, /\(and 1 more host\)/);
});

test('threshold is configurable and exclusions apply', () => {
  const h = harness(SITE_YAML + `detectors:\n  scan.port.vertical: { threshold: 5, exclude: [10.77.1.11] }\n`);
  probe(h, 5, { dst: '10.77.1.10' });
  probe(h, 30, { dst: '10.77.1.11', start: 2000 });
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
});

test('the scan span runs to the newest attempt even when records end out of start order', () => {
  const h = harness(SITE_YAML);
  // Attempts start 0.1 s apart over 2 s, but their records arrive newest-first
  // (connection records come out in the order connections end).
  for (let i = 19; i >= 0; i--) {
    h.emit(flow({ ts: 1000 + i * 0.1, 'id.resp_h': '10.77.1.10', 'id.resp_p': 1 + i, history: 'Sr', conn_state: 'REJ' }));
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /in 2 s with/); // 1.9 s, rounded
});

/** One probe without a handshake per port, from one high source port as nmap sends them. */
function stealth(h: ReturnType<typeof harness>, count: number, r: { history: string; state: string; resp_pkts?: number; orig_p?: number; src?: string; dst?: string; firstPort?: number }): void {
  for (let i = 0; i < count; i++) {
    h.emit(flow({
      ts: 1000 + i * 0.01, 'id.orig_h': r.src ?? '10.77.2.20', 'id.orig_p': r.orig_p ?? 51234, 'id.resp_h': r.dst ?? '10.77.1.10',
      'id.resp_p': (r.firstPort ?? 1) + i, history: r.history, conn_state: r.state, resp_pkts: r.resp_pkts ?? 1,
    }));
  }
}

test('FIN and Xmas scans (a FIN without ACK, RST back or silence, no SYN) are a scan of type fin', () => {
  const h = harness(SITE_YAML);
  stealth(h, 17, { history: 'Fr', state: 'RSTR' }); // closed ports
  stealth(h, 3, { history: 'F', state: 'SH', resp_pkts: 0, firstPort: 100 }); // open|filtered
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(a[0]!.evidence.scan_type, 'fin');
  assert.equal((a[0]!.evidence.attempts as Record<string, number>).fin, 20);
  assert.equal(a[0]!.message, '10.77.2.20 probed 20 TCP ports on 10.77.1.10 in 160 ms with FIN probes (FIN or Xmas scan)');
});

test('FIN|ACK closes of connections the servers forgot (a laptop waking up) are not FIN probes; bare FINs are', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 30; i++) {
    // Each an idle connection to a server port, closed after the tracker forgot it: one FIN|ACK, RST back.
    h.emit(flow({ ts: 1000 + i * 0.01, 'id.orig_p': 51234, 'id.resp_p': 1 + i, history: 'Fr', conn_state: 'RSTR' }, 1000 + i * 0.01 + 0.01, true));
  }
  assert.deepEqual(only(h.finish(), RULE).map((a) => a.message), []);
  for (let i = 0; i < 15; i++) {
    h.emit(flow({ ts: 2000 + i * 0.01, 'id.orig_p': 51234, 'id.resp_p': 1 + i, history: 'Fr', conn_state: 'RSTR' }, 2000 + i * 0.01 + 0.01, false));
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.scan_type, 'fin');
});

test('NULL scans (no flags at all) and ACK scans are scans of their own type', () => {
  const nul = harness(SITE_YAML);
  stealth(nul, 15, { history: 'r', state: 'RSTRH' });
  stealth(nul, 5, { history: '', state: 'OTH', resp_pkts: 0, firstPort: 200 });
  const a = only(nul.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.scan_type, 'null');
  assert.match(a[0]!.message, /with NULL probes \(no TCP flags\)$/);
  const ack = harness(SITE_YAML);
  stealth(ack, 20, { history: 'Ar', state: 'RSTRH' });
  const b = only(ack.finish(), RULE);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.evidence.scan_type, 'ack');
  assert.match(b[0]!.message, /with bare ACK probes \(ACK or window scan\)$/);
});

test('connections picked up midstream are not probes without a handshake', () => {
  const h = harness(SITE_YAML);
  // A server's keep-alives and idle closes to a client that forgot its connections: from the
  // server port to the client's ephemeral ports (above it), answered by RST.
  for (let i = 0; i < 30; i++) {
    h.emit(flow({ ts: 1000 + i, 'id.orig_h': '10.77.1.10', 'id.orig_p': 1433, 'id.resp_h': '10.77.2.20', 'id.resp_p': 50001 + i, history: i % 2 === 0 ? 'Ar' : 'Fr', conn_state: 'RSTR' }));
  }
  // Live connections answering (FIN, ACK), flipped flows, and exchanges longer than a probe.
  stealth(h, 20, { history: 'Ffa', state: 'OTH', src: '10.77.2.21' });
  stealth(h, 20, { history: '^fR', state: 'OTH', src: '10.77.2.22' });
  for (let i = 0; i < 20; i++) {
    h.emit(flow({ ts: 1000 + i, 'id.orig_h': '10.77.2.23', 'id.orig_p': 51234, 'id.resp_p': 1 + i, history: 'A', conn_state: 'OTH', orig_pkts: 40, resp_pkts: 0 }));
  }
  assert.deepEqual(only(h.finish(), RULE).map((a) => a.message), []);
});

test('SYN probes padded with payload (nmap --data-length) still count; payload past a handshake does not', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 15; i++) {
    // Closed ports refuse the SYN and its 25 bytes; an open one answers SYN-ACK and gets a RST.
    const open = i === 0;
    h.emit(flow({ ts: 1000 + i * 0.01, 'id.resp_p': 1 + i, history: open ? 'SThR' : 'STr', conn_state: open ? 'RSTO' : 'REJ', orig_bytes: 25, resp_bytes: 0 }));
  }
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.scan_type, 'syn');
  assert.deepEqual(a[0]!.evidence.attempts, { rejected: 14, no_reply: 0, half_open: 1, connect: 0, fin: 0, null: 0, ack: 0 });

  // Conversations: the originator acknowledged the SYN-ACK (also all a one-way sensor sees of a
  // session), or the responder acknowledged the upload.
  const s = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) {
    s.emit(flow({ ts: 1000 + i, 'id.resp_p': 1 + i, history: i % 2 === 0 ? 'SADF' : 'ShDaF', conn_state: i % 2 === 0 ? 'S1' : 'SF', orig_bytes: 500, resp_bytes: 0, resp_pkts: i % 2 === 0 ? 0 : 3 }));
  }
  assert.equal(only(s.finish(), RULE).length, 0);
});
