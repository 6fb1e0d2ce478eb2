/** lateral.workstation_to_workstation and lateral.server_to_workstation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, arp, auth, flow, harness, only, session } from './harness.js';

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

test('link-local IPv6 sessions take the network of their MACs (Windows resolves LAN names to fe80:: addresses)', () => {
  const ws20 = '02:77:02:00:00:14';
  const ws21 = '02:77:02:00:00:15';
  const srv = '02:77:01:00:00:0a';
  const h = harness(SITE_YAML);
  // The hosts are known from IPv4: ARP (ws20, ws21) and a flow (the server).
  h.emit(arp(999, '10.77.2.20', '10.77.2.21', ws20));
  h.emit(arp(999.1, '10.77.2.21', '10.77.2.20', ws21, 2));
  h.emit(session({ ts: 999.2, 'id.orig_h': '10.77.1.10', orig_l2_addr: srv, 'id.resp_h': '10.77.1.53', resp_l2_addr: '02:77:01:00:00:35', 'id.resp_p': 53, proto: 'udp' }));
  // Then RDP and WinRM over link-local addresses.
  h.emit(session({ ts: 1000, 'id.orig_h': 'fe80::77:2ff:fe00:14', orig_l2_addr: ws20, 'id.resp_h': 'fe80::77:2ff:fe00:15', resp_l2_addr: ws21, 'id.resp_p': 3389 }));
  h.emit(session({ ts: 1001, 'id.orig_h': 'fe80::77:1ff:fe00:a', orig_l2_addr: srv, 'id.resp_h': 'fe80::77:2ff:fe00:15', resp_l2_addr: ws21, 'id.resp_p': 5985 }));
  const all = h.finish();
  const w = only(all, W2W);
  assert.equal(w.length, 1);
  assert.equal(w[0]!.message, 'Workstation fe80::77:2ff:fe00:14 (workstations) exchanged data with workstation fe80::77:2ff:fe00:15 (workstations) on TCP 3389');
  assert.deepEqual(w[0]!.evidence.network_by_mac, ['fe80::77:2ff:fe00:14', 'fe80::77:2ff:fe00:15']);
  const s = only(all, S2W);
  assert.equal(s.length, 1);
  assert.equal(s[0]!.source.ip, 'fe80::77:1ff:fe00:a');
  assert.equal(s[0]!.evidence.from_network, 'servers');
});

test('link-local addresses of unknown MACs, or of a MAC seen in two networks (a router), are in no network', () => {
  const router = '02:77:00:00:00:fe';
  const h = harness(SITE_YAML);
  h.emit(arp(999, '10.77.1.254', '10.77.1.10', router));
  h.emit(arp(999.1, '10.77.2.254', '10.77.2.21', router));
  h.emit(arp(999.2, '10.77.2.21', '10.77.2.20', '02:77:02:00:00:15'));
  h.emit(session({ ts: 1000, 'id.orig_h': 'fe80::77:ff:fe00:fe', orig_l2_addr: router, 'id.resp_h': 'fe80::77:2ff:fe00:15', resp_l2_addr: '02:77:02:00:00:15', 'id.resp_p': 22 }));
  h.emit(session({ ts: 1001, 'id.orig_h': 'fe80::99', orig_l2_addr: '02:99:00:00:00:99', 'id.resp_h': 'fe80::77:2ff:fe00:15', resp_l2_addr: '02:77:02:00:00:15', 'id.resp_p': 445 }));
  const all = h.finish();
  assert.equal(only(all, W2W).length + only(all, S2W).length, 0);
});

test('a lateral login is told as one however many connections on other ports with auth events ended meanwhile', () => {
  const h = harness(SITE_YAML);
  const ssh = session({ ts: 1000, 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.2.21', 'id.resp_p': 22 });
  h.emit(auth(1000, { uid: ssh.record.uid, client: '10.77.2.20', server: '10.77.2.21', outcome: 'success' }));
  // 60,000 logins to a web server (not a lateral port) come and go while the SSH session is open.
  for (let i = 0; i < 60_000; i++) {
    const web = session({ ts: 1000, 'id.orig_h': '10.77.2.30', 'id.resp_h': '10.77.1.10', 'id.resp_p': 443 });
    h.emit(auth(1000, { uid: web.record.uid, client: '10.77.2.30', server: '10.77.1.10', service: 'http', server_port: 443, outcome: 'success' }));
    h.emit(web);
  }
  // A snapshot while it is open, before any payload (not judged yet): the outcome stays for its end.
  h.emit({ type: 'flow.long', ts: 1600, record: { ...ssh.record, orig_bytes: 0, resp_bytes: 0 }, openedWithAck: false });
  h.emit(ssh);
  const a = only(h.finish(), W2W);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, 'Workstation 10.77.2.20 (workstations) logged in to workstation 10.77.2.21 (workstations) on TCP 22');
});
