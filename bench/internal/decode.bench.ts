/**
 * Micro benchmark of the packet decoder alone: one synthetic packet decoded
 * N times (default 10M) into one reused DecodedPacket, for the main case
 * (Ethernet/IPv4/TCP with options) and two variants (QinQ/IPv6/UDP with a
 * hop-by-hop header, Linux cooked/IPv4/UDP). Prints packets/s and the heap
 * growth over the run, which should stay near zero: the decode path must
 * not allocate. Figures are printed, never asserted.
 *
 * Run: node <build>/bench/internal/decode.bench.js [--packets N]
 */
import { RawPacket, LinkType } from '../../src/capture/packet.js';
import { DecodedPacket } from '../../src/decode/decoded.js';
import { PacketDecoder } from '../../src/decode/decoder.js';

const argv = process.argv.slice(2);
const i = argv.indexOf('--packets');
const N = i >= 0 ? Number(argv[i + 1]) : 10_000_000;

function fromHex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(clean.slice(2 * k, 2 * k + 2), 16);
  return out;
}

const ETH_IPV4_TCP = fromHex(`
  00b0c286ec00 00d0033bf400 0800             # Ethernet
  45000064 1c460000 4006 0000 8d2a407d 7dbe6dc7  # IPv4, 100 bytes, TCP
  dd9a 0050 5a252149 a0bc2c45 8018 05b4 0000 0000  # TCP, data offset 8, ACK|PSH
  0101080a 69a8d389 175b7d5b                 # NOP NOP timestamps
  ${'47'.repeat(48)}                          # 48 payload bytes
`);

const QINQ_IPV6_UDP = fromHex(`
  00b0c286ec00 00d0033bf400 88a8 0064 8100 00c8 86dd
  60000000 0028 00 40                         # IPv6, payload 40, hop-by-hop
  20010db8000000000000000000000001 20010db8000000000000000000000002
  11 00 0104 00000000                         # hop-by-hop -> UDP
  d431 0035 0020 0000 ${'61'.repeat(24)}      # UDP 32 bytes
`);

const SLL_IPV4_UDP = fromHex(`
  0000 0001 0006 0050568bcffa 0000 0800        # Linux cooked v1
  45000024 00010000 4011 0000 0a000001 0a000002
  d431 0035 0010 0000 ${'62'.repeat(8)}
`);

function bench(name: string, bytes: Uint8Array, linkType: number): void {
  const pkt = new RawPacket();
  pkt.data = bytes;
  pkt.offset = 0;
  pkt.caplen = bytes.length;
  pkt.origLen = bytes.length;
  pkt.linkType = linkType;
  const dec = new PacketDecoder();
  const out = new DecodedPacket();
  // Warm up so the optimising compiler has run before timing.
  for (let k = 0; k < 200_000; k++) {
    pkt.ts = k;
    dec.decode(pkt, out);
  }
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  // Timed in rounds: on shared machines the best round is the figure that
  // reflects the code rather than the neighbours.
  const rounds = 10;
  const perRound = Math.ceil(N / rounds);
  let ok = 0;
  let total = 0;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < perRound; k++) {
      pkt.ts = (r * perRound + k) * 1e-6;
      if (dec.decode(pkt, out)) ok++;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    total += secs;
    if (secs < best) best = secs;
  }
  const n = rounds * perRound;
  const heapGrowth = (process.memoryUsage().heapUsed - heap0) / 1024;
  if (ok !== n) throw new Error(`${name}: only ${ok} of ${n} packets decoded`);
  process.stdout.write(
    `${name.padEnd(20)} ${n.toLocaleString('en-US')} packets in ${total.toFixed(3)} s = ${(n / total / 1e6).toFixed(2)} M packets/s ` +
      `(best round ${(perRound / best / 1e6).toFixed(2)} M/s, ${((best * 1e9) / perRound).toFixed(1)} ns/packet), heap growth ${heapGrowth.toFixed(0)} KiB\n`,
  );
}

bench('ethernet/ipv4/tcp', ETH_IPV4_TCP, LinkType.ETHERNET);
bench('qinq/ipv6+hbh/udp', QINQ_IPV6_UDP, LinkType.ETHERNET);
bench('sll/ipv4/udp', SLL_IPV4_UDP, LinkType.LINUX_SLL);
