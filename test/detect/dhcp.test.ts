/** The DHCP rules: rogue server, excessive requests, host name/MAC flips, watched host names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, dhcp, dhcpServer, harness, only } from './harness.js';
import { MAX_HOST_NAME_LENGTH } from '../../src/detect/dhcp.hostname_mac_flip.js';

const NO_AUTH = SITE_YAML.replace('  authorized_servers: [10.77.1.1]\n', '');

test('dhcp.rogue_server: an OFFER from an unauthorized server alerts; the authorized one does not', () => {
  const h = harness(SITE_YAML);
  h.emit(dhcpServer(1000));
  h.emit(dhcpServer(1001, { src_ip: '10.77.2.66', server_id: '10.77.2.66', src_mac: '02:66:66:66:66:66', routers: ['10.77.2.66'], dns_servers: ['10.77.2.66'] }));
  const a = only(h.finish(), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.66');
  assert.equal(a[0]!.source.mac, '02:66:66:66:66:66');
  assert.equal(a[0]!.message, 'Unauthorized DHCP server 10.77.2.66 offered 10.77.2.150 to 02:00:00:00:02:30 with gateway 10.77.2.66 and DNS 10.77.2.66');
});

test('dhcp.rogue_server without a list: two servers answering one xid within 30 s', () => {
  const h = harness(NO_AUTH);
  h.emit(dhcpServer(1000, { xid: 7 }));
  h.emit(dhcpServer(1000.5, { xid: 7 })); // same server again: fine
  h.emit(dhcpServer(1100, { xid: 8 }));
  h.emit(dhcpServer(1140, { xid: 8, src_ip: '10.77.2.66', server_id: '10.77.2.66' })); // 40 s later: outside the window
  assert.equal(only(h.finish(), 'dhcp.rogue_server').length, 0);
  h.emit(dhcpServer(1200, { xid: 9 }));
  h.emit(dhcpServer(1201, { xid: 9, src_ip: '10.77.2.66', server_id: '10.77.2.66' }));
  const a = only(h.finish(), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'conflict');
});

test('dhcp.rogue_server: another machine answering under a known server identifier is an impersonation', () => {
  for (const yaml of [SITE_YAML, NO_AUTH]) {
    const h = harness(yaml);
    h.emit(dhcpServer(1000, { xid: 7 }));
    // Relayed answers come from the relay, renewals (ciaddr set) through whichever gateway routed them: not compared.
    h.emit(dhcpServer(1001, { xid: 8, src_ip: '10.77.2.1', giaddr: '10.77.2.1', src_mac: '02:00:00:00:02:01' }));
    h.emit(dhcpServer(1002, { xid: 9, msg_type: 5, msg_type_name: 'ACK', ciaddr: '10.77.3.9', src_mac: '02:00:00:00:03:01' }));
    // The same server from another of its addresses (one card): one machine.
    h.emit(dhcpServer(1003, { xid: 10, src_ip: '10.77.1.2' }));
    assert.equal(only(h.finish(), 'dhcp.rogue_server').length, 0, yaml);
    // Same address and identifier, another MAC: a second machine spoofing both.
    h.emit(dhcpServer(1100, { xid: 11, src_mac: '02:66:66:66:66:66', routers: ['10.77.2.66'] }));
    h.emit(dhcpServer(1101, { xid: 12, src_mac: '02:66:66:66:66:66', routers: ['10.77.2.66'] }));
    const a = only(h.finish(), 'dhcp.rogue_server');
    assert.equal(a.length, 1, yaml);
    assert.equal(a[0]!.source.mac, '02:66:66:66:66:66');
    assert.equal(a[0]!.evidence.mode, 'impersonation');
    assert.deepEqual(a[0]!.evidence.known_macs, ['02:00:00:00:01:01']);
    assert.equal(
      a[0]!.message,
      'Another machine answers as DHCP server 10.77.1.1: 02:66:66:66:66:66 after 02:00:00:00:01:01; offered 10.77.2.150 to 02:00:00:00:02:30 with gateway 10.77.2.66',
    );
  }
});

test('dhcp.excessive_requests: starvation needs both 75 DISCOVERs and 50 MACs in a minute', () => {
  const mac = (i: number) => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  const h1 = harness(SITE_YAML + 'detectors:\n  dhcp.excessive_requests: { per_client: false }\n');
  for (let i = 0; i < 74; i++) h1.emit(dhcp(1000 + i * 0.1, { chaddr: mac(i) }));
  assert.equal(only(h1.finish(), 'dhcp.excessive_requests').length, 0, '74 DISCOVERs');
  const h2 = harness(SITE_YAML + 'detectors:\n  dhcp.excessive_requests: { per_client: false }\n');
  for (let i = 0; i < 100; i++) h2.emit(dhcp(1000 + i * 0.1, { chaddr: mac(i % 49) }));
  assert.equal(only(h2.finish(), 'dhcp.excessive_requests').length, 0, '49 MACs');
  const h3 = harness(SITE_YAML);
  for (let i = 0; i < 75; i++) h3.emit(dhcp(1000 + i * 0.1, { chaddr: mac(i) }));
  const a = only(h3.finish(), 'dhcp.excessive_requests');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'starvation');
  assert.match(a[0]!.message, /^DHCP starvation: 75 DISCOVERs from 75 different MAC addresses in 7 s$/);
});

test('dhcp.excessive_requests: one client, 39 requests no, 40 yes', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 39; i++) h1.emit(dhcp(1000 + i, { msg_type: 3, msg_type_name: 'REQUEST' }));
  assert.equal(only(h1.finish(), 'dhcp.excessive_requests').length, 0);
  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 40; i++) h2.emit(dhcp(1000 + i, { msg_type: 3, msg_type_name: 'REQUEST' }));
  const a = only(h2.finish(), 'dhcp.excessive_requests');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'client');
});

test('dhcp.hostname_mac_flip: a third MAC for one name alerts, two do not', () => {
  const h = harness(SITE_YAML);
  h.emit(dhcp(1000, { host_name: 'FileSrv', chaddr: '02:00:00:00:00:01' }));
  h.emit(dhcp(2000, { host_name: 'filesrv', chaddr: '02:00:00:00:00:02' }));
  assert.equal(only(h.finish(), 'dhcp.hostname_mac_flip').length, 0);
  h.emit(dhcp(3000, { host_name: 'filesrv', chaddr: '02:00:00:00:00:03' }));
  const a = only(h.finish(), 'dhcp.hostname_mac_flip');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'name_moved');
  assert.deepEqual(a[0]!.evidence.macs, ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03']);
});

test('dhcp.hostname_mac_flip: one MAC cycling names; old names expire after the window', () => {
  const h = harness(SITE_YAML);
  h.emit(dhcp(1000, { host_name: 'a' }));
  h.emit(dhcp(1000 + 86400 + 1, { host_name: 'b' }));
  h.emit(dhcp(1000 + 86400 + 2, { host_name: 'c' }));
  assert.equal(only(h.finish(), 'dhcp.hostname_mac_flip').length, 0);
  h.emit(dhcp(1000 + 86400 + 3, { host_name: 'd' }));
  const a = only(h.finish(), 'dhcp.hostname_mac_flip');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '02:00:00:00:02:30 used 3 different DHCP host names (b, c, d)');
});

test('dhcp.hostname_mac_flip: host names are compared and kept cut to MAX_HOST_NAME_LENGTH', () => {
  const h = harness(SITE_YAML);
  // A 255-byte binary name as the parser writes it (\xHH escapes): over 1,000 characters.
  const long = '\\xff'.repeat(255);
  for (let i = 1; i <= 3; i++) h.emit(dhcp(1000 + i, { host_name: `${long}${i}`, chaddr: `02:00:00:00:00:0${i}` }));
  const a = only(h.finish(), 'dhcp.hostname_mac_flip');
  assert.equal(a.length, 1, 'names alike in their first characters are one name');
  assert.equal(a[0]!.evidence.host_name, long.slice(0, MAX_HOST_NAME_LENGTH));
});

test('dhcp.watch_hostname: kali and parrot-* match (also in option 81); others do not', () => {
  const h = harness(SITE_YAML);
  h.emit(dhcp(1000, { host_name: 'KALI', chaddr: '02:00:00:00:00:0a' }));
  h.emit(dhcp(1001, { client_fqdn: 'parrot-sec.lab.example', chaddr: '02:00:00:00:00:0b' }));
  h.emit(dhcp(1002, { host_name: 'kalinda', chaddr: '02:00:00:00:00:0c' }));
  h.emit(dhcp(1003, { host_name: 'kali', chaddr: '02:00:00:00:00:0a', msg_type: 3, msg_type_name: 'REQUEST', requested_addr: '10.77.2.99' }));
  const a = only(h.finish(), 'dhcp.watch_hostname');
  assert.equal(a.length, 2);
  assert.equal(a[0]!.count, 2, 'DISCOVER and REQUEST of one client are one alert');
  assert.equal(a[1]!.evidence.pattern, 'parrot*');
});

test('dhcp.excessive_requests: an INFORM flood from one client counts (RELEASE does not)', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 100; i++) h1.emit(dhcp(1000 + i * 0.02, { msg_type: 7, msg_type_name: 'RELEASE' }));
  assert.equal(only(h1.finish(), 'dhcp.excessive_requests').length, 0);
  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 250; i++) h2.emit(dhcp(1000 + i * 0.02, { msg_type: 8, msg_type_name: 'INFORM' }));
  const a = only(h2.finish(), 'dhcp.excessive_requests');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 250);
  assert.match(a[0]!.message, / sent 250 DHCP requests in 5 s \(last: INFORM\)$/);
});

test('dhcp.watch_hostname: a watched name as an FQDN in option 12, with a trailing NUL, or only in option 81', () => {
  const h = harness(SITE_YAML);
  h.emit(dhcp(1000, { host_name: 'kali.localdomain', chaddr: '02:00:00:00:00:1a' }));
  h.emit(dhcp(1001, { host_name: 'KALI\u0000', chaddr: '02:00:00:00:00:1b' }));
  h.emit(dhcp(1002, { client_fqdn: 'Kali.lab.example.', chaddr: '02:00:00:00:00:1c' }));
  h.emit(dhcp(1003, { host_name: 'ws-finance', client_fqdn: 'parrot.lab.example', chaddr: '02:00:00:00:00:1d' }));
  h.emit(dhcp(1004, { host_name: 'kalinda.lab.example', chaddr: '02:00:00:00:00:1e' }));
  const a = only(h.finish(), 'dhcp.watch_hostname');
  assert.deepEqual(a.map((x) => [x.source.mac, x.evidence.host_name]), [
    ['02:00:00:00:00:1a', 'kali'],
    ['02:00:00:00:00:1b', 'KALI'],
    ['02:00:00:00:00:1c', 'Kali'],
    ['02:00:00:00:00:1d', 'parrot'],
  ]);
});

test('dhcp.hostname_mac_flip: names compare by host part, and option 81 counts when option 12 is absent', () => {
  const h = harness(SITE_YAML);
  // One name from three MACs, written three ways (the last only in option 81, as Windows can be set to send it).
  h.emit(dhcp(1000, { host_name: 'finance-pc', chaddr: '02:00:00:00:00:01' }));
  h.emit(dhcp(1001, { host_name: 'FINANCE-PC.corp.example', chaddr: '02:00:00:00:00:02' }));
  h.emit(dhcp(1002, { client_fqdn: 'finance-pc.corp.example.', chaddr: '02:00:00:00:00:03' }));
  // One MAC cycling names in option 81 only.
  for (const [i, n] of ['alpha', 'bravo', 'charlie'].entries()) h.emit(dhcp(1010 + i, { client_fqdn: `${n}.corp.example`, chaddr: '02:00:00:00:00:0f' }));
  // A client announcing its short name and its FQDN is one name, not two.
  h.emit(dhcp(1020, { host_name: 'ws20', client_fqdn: 'ws20.corp.example', chaddr: '02:00:00:00:00:20' }));
  h.emit(dhcp(1021, { host_name: 'WS20.corp.example', chaddr: '02:00:00:00:00:20' }));
  const a = only(h.finish(), 'dhcp.hostname_mac_flip');
  assert.deepEqual(a.map((x) => x.evidence.mode).sort(), ['mac_renamed', 'name_moved']);
  const moved = a.find((x) => x.evidence.mode === 'name_moved')!;
  assert.equal(moved.evidence.host_name, 'finance-pc');
  assert.equal(moved.message, 'Host name "finance-pc" was claimed by 3 different MAC addresses, most recently 02:00:00:00:00:03');
  assert.deepEqual(a.find((x) => x.evidence.mode === 'mac_renamed')!.evidence.host_names, ['alpha', 'bravo', 'charlie']);
});

test('dhcp.rogue_server: a MAC on the list authorizes the answers that card sends itself, not relayed ones', () => {
  const yaml = SITE_YAML.replace('authorized_servers: [10.77.1.1]', 'authorized_servers: ["02-00-00-00-01-01"]');
  const h = harness(yaml);
  h.emit(dhcpServer(1000, { xid: 1 }));
  h.emit(dhcpServer(1001, { xid: 2, msg_type: 5, msg_type_name: 'ACK', ciaddr: '10.77.2.150' }));
  assert.equal(only(h.finish(), 'dhcp.rogue_server').length, 0);
  // Through a relay the source MAC is the relay's: the identifier 10.77.1.1 is not on the list.
  h.emit(dhcpServer(1002, { xid: 3, src_ip: '10.77.2.1', giaddr: '10.77.2.1', src_mac: '02:00:00:00:01:01' }));
  const a = only(h.finish(), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'unauthorized');
  assert.equal(a[0]!.evidence.relay, '10.77.2.1');
});
