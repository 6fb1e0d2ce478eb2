/**
 * ARP against Suricata's expectations (suricata-verify decode-arp-2): the
 * checks of its test.yaml, read as written, against the decoder's ARP
 * fields. Each check is a filter on `event_type: arp` records (one per ARP
 * packet, `pcap_cnt` being the packet's 1-based number) with a count; the
 * same filter over the decoded packets must match as many.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SURICATA_CORPUS } from '../helpers/paths.js';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { PacketDecoder, macToString, ipv4ToString } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';

const DIR = path.join(SURICATA_CORPUS, 'decode-arp-2');

interface Check {
  filter: { count: number; match: Record<string, string | number> };
}

/** One ARP packet as Suricata's eve `arp` record names its fields. */
type ArpRecord = Record<string, string | number>;

/** The decoder only reads Ethernet/IPv4 ARP (others are counted unsupported), so those two fields are what it saw. */
const OPCODES: Record<number, string> = { 1: 'request', 2: 'reply' };

async function arpRecords(file: string): Promise<{ records: ArpRecord[]; malformed: number }> {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const records: ArpRecord[] = [];
  let n = 0;
  let malformed = 0;
  await openCaptureFiles([file]).run((pkt) => {
    n++;
    if (!d.decode(pkt, out)) {
      malformed++;
      return;
    }
    if (out.l3 !== L3.ARP) return;
    records.push({
      event_type: 'arp',
      pcap_cnt: n,
      'arp.hw_type': 'ethernet',
      'arp.proto_type': 'ipv4',
      'arp.opcode': OPCODES[out.arpOp] ?? String(out.arpOp),
      'arp.src_mac': macToString(out.arpSha),
      'arp.src_ip': ipv4ToString(out.arpSpa),
      'arp.dest_mac': macToString(out.arpTha),
      'arp.dest_ip': ipv4ToString(out.arpTpa),
    });
  });
  return { records, malformed };
}

test('decode-arp-2: every check of Suricata test.yaml holds for the decoded ARP packets', async () => {
  const spec = parse(fs.readFileSync(path.join(DIR, 'test.yaml'), 'utf8')) as { pcap: string; checks: Check[] };
  const { records, malformed } = await arpRecords(path.join(DIR, spec.pcap));
  assert.equal(malformed, 0);
  assert.ok(spec.checks.length >= 3);
  for (const { filter } of spec.checks) {
    const keys = Object.keys(filter.match);
    for (const k of keys) assert.ok(k === 'event_type' || k === 'pcap_cnt' || k.startsWith('arp.'), `a field this test reads: ${k}`);
    const hits = records.filter((r) => keys.every((k) => String(r[k]) === String(filter.match[k])));
    assert.equal(hits.length, filter.count, JSON.stringify(filter.match));
  }
});
