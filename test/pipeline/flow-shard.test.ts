import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkType } from '../../src/capture/packet.js';
import { raw as packet } from '../decode/packets.js';
import { FlowSharder } from '../../src/pipeline/flow-shard.js';

/** An Ethernet frame (optionally 802.1Q-tagged) with an IPv4 header and 8 transport bytes. */
function ipv4Frame(src: number[], dst: number[], proto: number, sport: number, dport: number, vlan?: number): Uint8Array {
  const tag = vlan === undefined ? [] : [0x81, 0x00, (vlan >> 8) & 0x0f, vlan & 0xff];
  const eth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...tag, 0x08, 0x00];
  const ip = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, proto, 0, 0, ...src, ...dst];
  const l4 = [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8, 0, 0];
  return Uint8Array.from([...eth, ...ip, ...l4]);
}

function ipv6Frame(src: number[], dst: number[], sport = 53, dport = 53): Uint8Array {
  const eth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd];
  const ip = [0x60, 0, 0, 0, 0, 8, 17, 64, ...src, ...dst];
  return Uint8Array.from([...eth, ...ip, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8, 0, 0]);
}

test('both directions of an address pair go to the same worker, and pairs spread over all workers', () => {
  const sharder = new FlowSharder(4);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const a = [10, 0, i >> 8, i & 0xff];
    const b = [192, 0, 2, (i * 7) & 0xff];
    const there = sharder.shardOf(packet(ipv4Frame(a, b, 6, 40000 + i, 443)));
    const back = sharder.shardOf(packet(ipv4Frame(b, a, 6, 443, 40000 + i)));
    assert.equal(back, there);
    // Other ports between the same hosts (and fragments, which have none) stay together.
    assert.equal(sharder.shardOf(packet(ipv4Frame(a, b, 17, 5353, 53))), there);
    // A VLAN tag does not move the pair.
    assert.equal(sharder.shardOf(packet(ipv4Frame(a, b, 6, 1, 2, 100))), there);
    assert.ok(there >= 0 && there < 4);
    seen.add(there);
  }
  assert.equal(seen.size, 4);
});

test('IPv6 pairs are direction-free too', () => {
  const sharder = new FlowSharder(3);
  const a = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
  for (let i = 0; i < 50; i++) {
    const b = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(10).fill(0), 9, i];
    assert.equal(sharder.shardOf(packet(ipv6Frame(a, b))), sharder.shardOf(packet(ipv6Frame(b, a))));
  }
});

test('DHCP, DHCPv6, ARP and unreadable frames go to worker 0', () => {
  const sharder = new FlowSharder(8);
  for (let i = 0; i < 50; i++) {
    const client = [0, 0, 0, 0];
    const server = [10, 1, 0, i];
    assert.equal(sharder.shardOf(packet(ipv4Frame(client, [255, 255, 255, 255], 17, 68, 67))), 0);
    assert.equal(sharder.shardOf(packet(ipv4Frame(server, [10, 1, 9, i], 17, 67, 68))), 0);
  }
  // DHCPv6: the client's multicast and the server's unicast answer are two address pairs.
  const allServers = [0xff, 0x02, ...new Array<number>(11).fill(0), 1, 0, 2];
  const spread = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const client = [0xfe, 0x80, ...new Array<number>(13).fill(0), i + 1];
    const server = [0xfe, 0x80, ...new Array<number>(13).fill(0), 200];
    assert.equal(sharder.shardOf(packet(ipv6Frame(client, allServers, 546, 547))), 0);
    assert.equal(sharder.shardOf(packet(ipv6Frame(server, client, 547, 546))), 0);
    spread.add(sharder.shardOf(packet(ipv6Frame(server, client, 53, 53))));
  }
  assert.ok(spread.size > 1, 'other traffic of the same pairs is spread');
  const arp = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06, ...new Array<number>(28).fill(0)]);
  assert.equal(sharder.shardOf(packet(arp)), 0);
  assert.equal(sharder.shardOf(packet(Uint8Array.from([1, 2, 3]))), 0);
  assert.equal(sharder.shardOf(packet(Uint8Array.from([0x45, 0, 0]), LinkType.RAW)), 0);
});

test('one worker takes everything', () => {
  assert.equal(new FlowSharder(1).shardOf(packet(ipv4Frame([10, 0, 0, 1], [10, 0, 0, 2], 6, 1, 2))), 0);
});

test('random bytes under every link type never throw and always name a worker', () => {
  const sharder = new FlowSharder(3);
  let seed = 99;
  const rand = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  const linkTypes = [...Object.values(LinkType), 147, 9999];
  for (let i = 0; i < 20000; i++) {
    const len = rand() % 80;
    const bytes = new Uint8Array(len);
    for (let j = 0; j < len; j++) bytes[j] = rand() & 0xff;
    // Often a plausible start: Ethernet + IPv4/IPv6/VLAN, or an IP version nibble.
    if (len > 14 && i % 2 === 0) {
      bytes[12] = [0x08, 0x86, 0x81, 0x88][i % 4]!;
      bytes[13] = [0x00, 0xdd, 0x00, 0x47][i % 4]!;
    }
    const shard = sharder.shardOf(packet(bytes, linkTypes[i % linkTypes.length]!));
    assert.ok(Number.isInteger(shard) && shard >= 0 && shard < 3, String(shard));
  }
});
