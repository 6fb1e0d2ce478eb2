/**
 * DHCP parser and transaction table on hand-built messages: option
 * overload into `file` and `sname`, truncated options, missing END, client
 * FQDN in wire format, relay agent sub-options; the transaction table's
 * packet-time expiry, servers list and hostname events; seeded mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpParseFlag, parseDhcpMessage } from '../../../src/protocols/dhcp/parser.js';
import { DhcpAnalyzer } from '../../../src/protocols/dhcp/analyzer.js';
import { DhcpTransactions } from '../../../src/protocols/dhcp/transactions.js';
import type { DhcpLogEvent } from '../../../src/protocols/dhcp/events.js';
import { dnsTestContext, hex, mutate, rng } from '../dns/helpers.js';

/** A BOOTP header (op, xid, ciaddr, yiaddr, chaddr) + cookie + options; sname/file optional. */
function dhcp(op: number, xid: number, yiaddr: string, options: string, sname = '', file = ''): Uint8Array {
  const b = new Uint8Array(240);
  b[0] = op;
  b[1] = 1;
  b[2] = 6;
  new DataView(b.buffer).setUint32(4, xid);
  yiaddr.split('.').forEach((o, i) => (b[16 + i] = Number(o)));
  b.set([0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29], 28);
  b.set(hex(sname), 44);
  b.set(hex(file), 108);
  b.set([0x63, 0x82, 0x53, 0x63], 236);
  const opts = hex(options);
  const out = new Uint8Array(240 + opts.length);
  out.set(b);
  out.set(opts, 240);
  return out;
}

test('fixed fields and common options', () => {
  const m = parseDhcpMessage(
    ...((): [Uint8Array, number, number] => {
      const b = dhcp(1, 0x1234, '0.0.0.0', `
        3501 01                       # DISCOVER
        3d07 01 90b11c994929          # client id: ethernet MAC
        3204 c0a80105                 # requested 192.168.1.5
        0c04 6b616c69                 # host name "kali"
        3c08 4d53465420352e30         # vendor class "MSFT 5.0"
        3704 01030f06                 # parameter list
        5108 05 00 00 03666f6f 00     # client FQDN, E flag: wire-format "foo"
        ff`);
      return [b, 0, b.length];
    })(),
  );
  assert.equal(m.flags, 0);
  assert.equal(m.op, 1);
  assert.equal(m.xid, 0x1234);
  assert.equal(m.chaddr, '90:b1:1c:99:49:29');
  assert.equal(m.msgType, 1);
  assert.deepEqual(m.clientId, { hwtype: 1, hwaddr: '90:b1:1c:99:49:29', hex: '0190b11c994929' });
  assert.equal(m.requestedAddr, '192.168.1.5');
  assert.equal(m.hostName, 'kali');
  assert.equal(m.vendorClass, 'MSFT 5.0');
  assert.deepEqual(m.paramList, [1, 3, 15, 6]);
  assert.equal(m.clientFqdn!.domain_name, 'foo');
  assert.deepEqual(m.optionCodes, [53, 61, 50, 12, 60, 55, 81]);
});

test('option overload: options continue in file (1) and sname (2), file first', () => {
  const b = dhcp(2, 7, '10.0.0.9', '3501 02  3401 03  ff', '0304 0a000001 ff', '0604 08080808 0f03 6c616e ff');
  const m = parseDhcpMessage(b, 0, b.length);
  assert.equal(m.flags, 0);
  assert.equal(m.overload, 3);
  assert.deepEqual(m.dnsServers, ['8.8.8.8']);
  assert.equal(m.domainName, 'lan');
  assert.deepEqual(m.routers, ['10.0.0.1']);
  assert.deepEqual(m.optionCodes, [53, 52, 6, 15, 3]);
});

test('truncated options, missing END, bad lengths and short messages are flagged', () => {
  const cut = dhcp(1, 1, '0.0.0.0', '3501 01 0c08 6b61');
  assert.ok((parseDhcpMessage(cut, 0, cut.length).flags & DhcpParseFlag.TRUNCATED_OPTIONS) !== 0);
  const noEnd = dhcp(1, 1, '0.0.0.0', '3501 01');
  assert.equal(parseDhcpMessage(noEnd, 0, noEnd.length).flags, DhcpParseFlag.NO_END);
  const badLen = dhcp(1, 1, '0.0.0.0', '3502 0101 ff');
  assert.equal(parseDhcpMessage(badLen, 0, badLen.length).flags, DhcpParseFlag.BAD_OPTION_LENGTH);
  assert.equal(parseDhcpMessage(cut, 0, 100).flags, DhcpParseFlag.SHORT);
  const bootp = dhcp(1, 1, '0.0.0.0', 'ff');
  bootp[236] = 0;
  assert.equal(parseDhcpMessage(bootp, 0, bootp.length).flags, DhcpParseFlag.NO_MAGIC);
});

test('relay agent sub-options', () => {
  const b = dhcp(2, 9, '10.0.0.9', '3501 05 520d 0103 616263 0201 13 0603 78797a ff');
  const m = parseDhcpMessage(b, 0, b.length);
  assert.equal(m.circuitId, 'abc');
  assert.equal(m.remoteId, '\u0013');
  assert.equal(m.subscriberId, 'xyz');
});

test('transactions: grouped by xid across flows, servers listed, expired by packet time', () => {
  const txns = new DhcpTransactions();
  const c1 = dnsTestContext({ uid: 'C1', orig_h: '0.0.0.0', orig_p: 68, resp_h: '255.255.255.255', resp_p: 67, orig_mac: '90:b1:1c:99:49:29' });
  const c2 = dnsTestContext({ uid: 'C2', orig_h: '10.0.0.1', orig_p: 67, resp_h: '255.255.255.255', resp_p: 68 });
  const c3 = dnsTestContext({ uid: 'C3', orig_h: '10.0.0.66', orig_p: 67, resp_h: '255.255.255.255', resp_p: 68 });
  const client = new DhcpAnalyzer(c1, txns);
  const server = new DhcpAnalyzer(c2, txns);
  const rogue = new DhcpAnalyzer(c3, txns);
  client.data(true, dhcp(1, 42, '0.0.0.0', '3501 01 0c04 6b616c69 ff'), 100);
  server.data(true, dhcp(2, 42, '10.0.0.50', '3501 02 3304 00000e10 ff'), 100.1);
  rogue.data(true, dhcp(2, 42, '10.0.0.77', '3501 02 ff'), 100.2);
  // Nothing logged while the exchange is live; a message 11 s later for another xid expires it.
  assert.equal(txns.size, 1);
  client.data(true, dhcp(1, 43, '0.0.0.0', '3501 08 ff'), 111);
  const logs = [...c1.events, ...c2.events, ...c3.events].filter((e): e is DhcpLogEvent => e.type === 'dhcp');
  assert.equal(logs.length, 1);
  const r = logs[0]!.record;
  assert.deepEqual(r.uids, ['C1', 'C2', 'C3']);
  assert.deepEqual(r.msg_types, ['DISCOVER', 'OFFER', 'OFFER']);
  assert.deepEqual(r.servers, ['10.0.0.1', '10.0.0.66']);
  assert.equal(r.server_addr, '10.0.0.66');
  assert.equal(r.assigned_addr, '10.0.0.77');
  assert.equal(r.host_name, 'kali');
  assert.equal(r.trans_id, 42);
  assert.equal(r.lease_time, 3600);
  assert.ok(Math.abs(r.duration - 0.2) < 1e-9);
  // Hostname: first with no address known, then with each assigned one.
  const names = c1.events.concat(c2.events, c3.events).filter((e) => e.type === 'hostname');
  assert.deepEqual(names.map((h) => (h.type === 'hostname' ? h.ip : '')), ['0.0.0.0', '10.0.0.50', '10.0.0.77']);
  // The rest is flushed when the last DHCP flow ends.
  client.end(112);
  server.end(112);
  assert.equal(txns.size, 1);
  rogue.end(112);
  assert.equal(txns.size, 0);
});

test('mutated DHCP messages never throw', () => {
  const seeds = [
    dhcp(1, 1, '0.0.0.0', '3501 01 3d07 01 90b11c994929 0c04 6b616c69 5108 05 00 00 03666f6f 00 520d 0103 616263 0201 13 0603 78797a ff'),
    dhcp(2, 7, '10.0.0.9', '3501 02 3401 03 ff', '0304 0a000001 ff', '0604 08080808 0f03 6c616e ff'),
  ];
  const rnd = rng(0xdcc9);
  const txns = new DhcpTransactions();
  for (let i = 0; i < 3000; i++) {
    const ctx = dnsTestContext({ uid: `C${i % 7}`, orig_p: 68, resp_p: 67 });
    const a = new DhcpAnalyzer(ctx, txns);
    const m = mutate(seeds[i % 2]!, rnd);
    parseDhcpMessage(m, 0, m.length);
    a.data(rnd() < 0.5, m, i * 0.5);
    a.end(i * 0.5);
  }
  assert.equal(txns.size, 0);
});
