/** dhcp.authorized_servers entries: addresses, MACs and DUIDs, in the form the DHCP events carry them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dhcpServerList, parseDhcpServerId } from '../../src/config/dhcp-server-id.js';

test('an entry is an address, a MAC (6 bytes) or a DUID (3 to 130 bytes), normalized', () => {
  assert.deepEqual(parseDhcpServerId('10.77.1.1'), { kind: 'ip', value: '10.77.1.1' });
  assert.deepEqual(parseDhcpServerId('FE80:0::0215:5dff:fe0a:0b0c'), { kind: 'ip', value: 'fe80::215:5dff:fe0a:b0c' });
  assert.deepEqual(parseDhcpServerId('00-15-5D-0A-0B-0C'), { kind: 'mac', value: '00:15:5d:0a:0b:0c' });
  assert.deepEqual(parseDhcpServerId('00155d0a0b0c'), { kind: 'mac', value: '00:15:5d:0a:0b:0c' });
  assert.deepEqual(parseDhcpServerId('00:03:00:01:00:15:5D:0A:0B:0C'), { kind: 'duid', value: '0003000100155d0a0b0c' });
  assert.deepEqual(parseDhcpServerId('0003000100155d0a0b0c'), { kind: 'duid', value: '0003000100155d0a0b0c' });
  for (const bad of ['0003', '00030001abc', '00:03-00:01:00:15', 'server1', '', 'ab'.repeat(131)]) assert.equal(parseDhcpServerId(bad), null, bad);
});

test('the list splits by kind', () => {
  const l = dhcpServerList(['10.77.1.1', 'fe80::1', '00:15:5d:0a:0b:0c', '0003000100155d0a0b0c']);
  assert.equal(l.size, 4);
  assert.deepEqual([...l.ips], ['10.77.1.1', 'fe80::1']);
  assert.deepEqual([...l.macs], ['00:15:5d:0a:0b:0c']);
  assert.deepEqual([...l.duids], ['0003000100155d0a0b0c']);
});
