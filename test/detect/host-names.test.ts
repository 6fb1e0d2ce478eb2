/** host-names.ts: computer names from announcements and DNS answers, both ways, with recency. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostNames, computerName } from '../../src/detect/host-names.js';
import { Site } from '../../src/config/site.js';
import type { DnsAnswerEvent } from '../../src/protocols/dns/events.js';

const site = new Site([{ name: 'lab', cidrs: ['10.77.0.0/16'], role: 'workstation', new_device_alerts: true }]);

function answer(ts: number, query: string, addrs: string[], cnames: string[] = []): DnsAnswerEvent {
  return { type: 'dns.answer', ts, uid: 'C1', client: '10.77.2.30', server: '10.77.1.1', query, qtype_name: 'A', addrs, ttls: addrs.map(() => 60), cnames };
}

test('computerName: the first label, lower case; nothing for addresses, service names or junk', () => {
  assert.equal(computerName('WS20'), 'ws20');
  assert.equal(computerName('ws20.corp.example.'), 'ws20');
  assert.equal(computerName(' Lab66.local '), 'lab66');
  assert.equal(computerName('10.77.2.20'), undefined);
  assert.equal(computerName('_ldap._tcp.dc._msdcs.corp.example'), undefined);
  assert.equal(computerName(''), undefined);
  assert.equal(computerName(undefined), undefined);
  assert.equal(computerName('x'.repeat(64)), undefined);
});

test('names and addresses pair both ways, inside addresses only, newest first, with recency', () => {
  const h = new HostNames(site);
  h.noteHostname({ type: 'hostname', ts: 100, ip: '10.77.2.20', name: 'WS20', source: 'nbns' });
  h.noteAnswer(answer(200, 'ws20.corp.example', ['10.77.2.21']));
  h.noteAnswer(answer(300, 'www.example.org', ['198.51.100.10']));
  h.noteAnswer(answer(300, 'files.corp.example', ['10.77.1.10'], ['nas.corp.example']));
  assert.deepEqual(h.addressesOf('WS20', 0), ['10.77.2.21', '10.77.2.20']);
  assert.deepEqual(h.addressesOf('ws20.other.example', 150), ['10.77.2.21']);
  assert.deepEqual(h.namesOf('10.77.2.20', 0), ['ws20']);
  // A DHCP client names itself before it has an address: no pairing with 0.0.0.0, nor with a broadcast or multicast address.
  h.noteHostname({ type: 'hostname', ts: 250, ip: '0.0.0.0', name: 'WS20', source: 'dhcp' });
  h.pair('ws20', '255.255.255.255', 250);
  h.pair('ws20', '224.0.0.251', 250);
  h.pair('ws20', '::', 250);
  assert.deepEqual(h.addressesOf('ws20', 0), ['10.77.2.21', '10.77.2.20']);
  // Outside addresses and names reached through a CNAME are not kept.
  assert.deepEqual(h.addressesOf('www', 0), []);
  assert.deepEqual(h.addressesOf('files', 0), []);
  // Seen again: refreshed and first.
  h.noteHostname({ type: 'hostname', ts: 400, ip: '10.77.2.20', name: 'ws20.local', source: 'mdns' });
  assert.deepEqual(h.addressesOf('ws20', 350), ['10.77.2.20']);
  // At most four pairings per name: the oldest goes.
  for (let i = 0; i < 5; i++) h.pair('roamer', `10.77.3.${i}`, 500 + i);
  assert.deepEqual(h.addressesOf('roamer', 0), ['10.77.3.4', '10.77.3.3', '10.77.3.2', '10.77.3.1']);
  // One instance per site, shared by the rules of an engine.
  assert.equal(HostNames.of(site), HostNames.of(site));
});
