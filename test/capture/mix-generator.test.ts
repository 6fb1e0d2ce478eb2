/**
 * Tests for the benchmark capture generator (bench/gen/mix.ts): it writes
 * exactly the requested packets and flows, every flow has its own 5-tuple,
 * lengths inside each frame agree with each other, DNS messages are valid
 * wire format, the mix contains what it promises (IPv6, VLAN, RST, FIN), and
 * the same seed gives the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { generateMix } from '../../bench/gen/mix.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { LinkType } from '../../src/capture/packet.js';

interface Census {
  packets: number;
  tuples: Set<string>;
  v6Tuples: Set<string>;
  vlanFrames: number;
  rst: number;
  syn: number;
  fin: number;
  dnsQueries: number;
  dnsResponses: number;
  small: number;
  maxLen: number;
  lengthErrors: string[];
}

/** Reads a DNS name at `o` inside the message starting at `msg`; returns the offset after it or -1. */
function skipName(b: Uint8Array, msg: number, o: number, end: number): number {
  for (let hops = 0; o < end && hops < 64; hops++) {
    const len = b[o]!;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) {
      const target = msg + (((len & 0x3f) << 8) | b[o + 1]!);
      return target === msg + 12 ? o + 2 : -1; // the generator only points at the question
    }
    for (let i = 1; i <= len; i++) if (!/[a-z]/.test(String.fromCharCode(b[o + i]!))) return -1;
    o += 1 + len;
  }
  return -1;
}

function checkDns(b: Uint8Array, msg: number, end: number): 'query' | 'response' | 'bad' {
  const u16 = (o: number): number => (b[o]! << 8) | b[o + 1]!;
  const flags = u16(msg + 2);
  const qd = u16(msg + 4);
  const an = u16(msg + 6);
  if (qd !== 1) return 'bad';
  let o = skipName(b, msg, msg + 12, end);
  if (o < 0) return 'bad';
  o += 4;
  for (let i = 0; i < an; i++) {
    o = skipName(b, msg, o, end);
    if (o < 0) return 'bad';
    const type = u16(o);
    const rdlen = u16(o + 8);
    if ((type === 1 && rdlen !== 4) || (type === 28 && rdlen !== 16)) return 'bad';
    o += 10 + rdlen;
  }
  if (o !== end) return 'bad';
  return (flags & 0x8000) !== 0 ? 'response' : 'query';
}

async function census(file: string): Promise<Census> {
  const c: Census = {
    packets: 0, tuples: new Set(), v6Tuples: new Set(), vlanFrames: 0, rst: 0, syn: 0, fin: 0,
    dnsQueries: 0, dnsResponses: 0, small: 0, maxLen: 0, lengthErrors: [],
  };
  await openCaptureFiles([file]).run((p) => {
    assert.equal(p.linkType, LinkType.ETHERNET);
    const b = p.data;
    const end = p.offset + p.caplen;
    c.packets++;
    if (p.caplen <= 200) c.small++;
    c.maxLen = Math.max(c.maxLen, p.caplen);
    let o = p.offset + 12;
    let type = (b[o]! << 8) | b[o + 1]!;
    if (type === 0x8100) {
      c.vlanFrames++;
      o += 4;
      type = (b[o]! << 8) | b[o + 1]!;
    }
    o += 2;
    let proto: number;
    let src: string;
    let dst: string;
    let l4: number;
    let l4End: number;
    if (type === 0x0800) {
      const total = (b[o + 2]! << 8) | b[o + 3]!;
      l4End = o + total;
      proto = b[o + 9]!;
      src = Array.from(b.subarray(o + 12, o + 16)).join('.');
      dst = Array.from(b.subarray(o + 16, o + 20)).join('.');
      l4 = o + 20;
    } else if (type === 0x86dd) {
      l4End = o + 40 + ((b[o + 4]! << 8) | b[o + 5]!);
      proto = b[o + 6]!;
      src = Buffer.from(b.subarray(o + 8, o + 24)).toString('hex');
      dst = Buffer.from(b.subarray(o + 24, o + 40)).toString('hex');
      l4 = o + 40;
    } else {
      c.lengthErrors.push(`ethertype ${type}`);
      return;
    }
    // The IP length must end exactly at the frame end, or inside the zero
    // padding of a minimum-size frame.
    if (!(l4End === end || (l4End < end && p.caplen === 60))) c.lengthErrors.push(`ip length at ${p.streamOffset}`);
    const sport = (b[l4]! << 8) | b[l4 + 1]!;
    const dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
    const a = `${src}:${sport}`;
    const z = `${dst}:${dport}`;
    const key = `${proto} ${a < z ? a : z} ${a < z ? z : a}`;
    c.tuples.add(key);
    if (type === 0x86dd) c.v6Tuples.add(key);
    if (proto === 6) {
      const flags = b[l4 + 13]!;
      if (flags & 0x04) c.rst++;
      if (flags & 0x02 && !(flags & 0x10)) c.syn++;
      if (flags & 0x01) c.fin++;
    } else if (proto === 17) {
      if (((b[l4 + 4]! << 8) | b[l4 + 5]!) !== l4End - l4) c.lengthErrors.push(`udp length at ${p.streamOffset}`);
      if (sport === 53 || dport === 53) {
        const kind = checkDns(b, l4 + 8, l4End);
        if (kind === 'query') c.dnsQueries++;
        else if (kind === 'response') c.dnsResponses++;
        else c.lengthErrors.push(`dns at ${p.streamOffset}`);
      }
    }
  });
  return c;
}

test('the mix has the requested packets and flows, consistent lengths and the promised variety', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'mix.pcap');
    const r = await generateMix(file, { packets: 60_000, flows: 3_000, seed: 7 });
    assert.deepEqual([r.packets, r.flows], [60_000, 3_000]);
    assert.equal(fs.statSync(file).size, r.bytes);
    const c = await census(file);
    assert.equal(c.packets, 60_000);
    assert.deepEqual(c.lengthErrors, []);
    assert.equal(c.tuples.size, 3_000, 'one distinct 5-tuple per flow');
    const v6Share = c.v6Tuples.size / c.tuples.size;
    assert.ok(v6Share > 0.1 && v6Share < 0.2, `IPv6 share of flows ${v6Share}`);
    assert.ok(c.vlanFrames > 0, 'some VLAN-tagged frames');
    assert.ok(c.dnsQueries > 500 && c.dnsQueries === c.dnsResponses, `DNS pairs ${c.dnsQueries}/${c.dnsResponses}`);
    assert.ok(c.rst > 100, 'RST-rejected SYNs');
    assert.ok(c.syn > c.rst && c.fin > 0);
    assert.ok(c.small / c.packets > 0.5, 'mostly small packets');
    assert.ok(c.maxLen <= 14 + 4 + 40 + 20 + 1460, `largest frame ${c.maxLen}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('same seed, same bytes; another seed, other bytes', async () => {
  const dir = tempDir();
  try {
    const hash = async (name: string, seed: number): Promise<string> => {
      const f = path.join(dir, name);
      await generateMix(f, { packets: 5_000, flows: 300, seed });
      return crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    };
    const a = await hash('a.pcap', 42);
    assert.equal(await hash('b.pcap', 42), a);
    assert.notEqual(await hash('c.pcap', 43), a);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('more flows than the packet budget allows: stops at the packet count', async () => {
  const dir = tempDir();
  try {
    const r = await generateMix(path.join(dir, 'tight.pcap'), { packets: 1_000, flows: 2_000, seed: 1 });
    assert.equal(r.packets, 1_000);
    assert.ok(r.flows <= 2_000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
