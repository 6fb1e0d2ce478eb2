/** lateral.workstation_to_workstation and lateral.server_to_workstation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, auth, flow, harness, only, session } from './harness.js';

const W2W = 'lateral.workstation_to_workstation';
const S2W = 'lateral.server_to_workstation';

test('workstation session to another workstation on SMB alerts', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 445, orig_l2_addr: '02:00:00:00:00:20' }));
  const a = only(h.finish(), W2W);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.mac, '02:00:00:00:00:20');
  assert.equal(a[0]!.message, 'Workstation 10.77.2.20 (workstations) exchanged data with workstation 10.77.2.21 (workstations) on TCP 445');
});

test('refused attempts and non-lateral ports between workstations do not alert by default', () => {
  const h = harness(SITE_YAML);
  h.emit(flow({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 445 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 8080 }));
  assert.equal(only(h.finish(), W2W).length, 0);
});

test('sessions_only: false counts attempts', () => {
  const h = harness(SITE_YAML + 'detectors:\n  lateral.workstation_to_workstation: { sessions_only: false }\n');
  h.emit(flow({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 445 }));
  const a = only(h.finish(), W2W);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /tried to connect/);
});

test('server to workstation on RDP alerts; workstation to server does not', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.1.10', 'id.resp_h': '10.77.2.21', 'id.resp_p': 3389 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.21', 'id.resp_h': '10.77.1.10', 'id.resp_p': 445 }));
  const all = h.finish();
  assert.equal(only(all, S2W).length, 1);
  assert.equal(only(all, W2W).length, 0);
});

test('the message says whether the login succeeded or failed when the protocol showed it', () => {
  const pair = { 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 22 };
  // Three SSH connections whose logins failed (the SSH analyzer's auth events come before the flow ends).
  const failedLogins = (h: ReturnType<typeof harness>): void => {
    for (let i = 0; i < 3; i++) {
      const s = session({ ts: 1000 + i, ...pair });
      h.emit(auth(1000 + i, { uid: s.record.uid, client: '10.77.2.20', server: '10.77.2.21' }));
      h.emit(s);
    }
  };
  const h = harness(SITE_YAML);
  failedLogins(h);
  const a = only(h.finish(), W2W);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, 'Workstation 10.77.2.20 (workstations) failed to log in to workstation 10.77.2.21 (workstations) on TCP 22 (3 connections)');
  assert.equal(a[0]!.evidence.logins_failed, 3);

  // The same, then one that got in: the alert says so.
  const h2 = harness(SITE_YAML);
  failedLogins(h2);
  const ok = session({ ts: 1010, ...pair });
  h2.emit(auth(1010, { uid: ok.record.uid, client: '10.77.2.20', server: '10.77.2.21', outcome: 'success' }));
  h2.emit(ok);
  const b = only(h2.finish(), W2W);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.message, 'Workstation 10.77.2.20 (workstations) logged in to workstation 10.77.2.21 (workstations) on TCP 22 (4 connections)');
  assert.deepEqual([b[0]!.evidence.logins, b[0]!.evidence.logins_failed], [1, 3]);
});
