/**
 * Checks the traffic lab's recorded fixtures (test/lab/captures/) without
 * root or a network: every scenario has a small, well-formed pcap and an
 * expect file; the pcaps hold only lab and documentation addresses (the
 * lab's safety promise, checked again on the committed bytes); and each
 * expected alert names hosts that really appear in its capture. The product
 * tests that replay these captures through Picket live with the detectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const LAB = path.join(REPO_ROOT, 'test', 'lab');
const CAPTURES = path.join(LAB, 'captures');

/** Scenarios run-lab.sh records; a missing one means a fixture was lost. */
const SCENARIOS = [
  'scan-syn', 'scan-connect', 'scan-stealth', 'scan-udp', 'scan-grid', 'sweep-445', 'arp-scan', 'nd-scan', 'dhcp-rogue', 'dhcp-flood', 'dhcp-flip',
  'dns-flood', 'dns-tunnel', 'dns-tunnel-short', 'ldap-enum', 'ldap-sealed', 'ssh-brute', 'ssh-hydra', 'smb-internet', 'smb-files', 'lateral', 'new-device', 'benign', 'intel',
  'web-variants', 'ipv6', 'beacon', 'mcast-ping', 'name-poisoning', 'arp-spoof', 'icmp-tunnel', 'nd-spoof', 'rogue-ra', 'admin-share',
  'exe-download', 'exfil-upload', 'ntlm-relay', 'ntlm-relay-far', 'ldap-recon', 'crypto-mining', 'cleartext-login', 'form-login', 'form-brute', 'snmp', 'mail-fetch', 'mail-imap', 'mail-upload', 'ftp-files', 'mail-files', 'mail-out',
  'intel-direct', 'form-spray', 'ws-tunnel', 'socks', 'external-proxy', 'doh', 'overpass', 'ping-sweep', 'named-pipe', 'sip', 'redis', 'tftp', 'mqtt', 'open-services', 'mssql',
] as const;

/** Scenarios that turn IPv6 on (link-local, link-scope multicast and the lab ULA only). */
const V6_SCENARIOS = new Set<string>(['ipv6', 'nd-scan', 'mcast-ping', 'nd-spoof', 'rogue-ra']);

/** Rule ids fixed by the detection contract. */
const RULE_IDS = new Set([
  'scan.port.vertical', 'scan.port.horizontal', 'scan.arp', 'dhcp.rogue_server',
  'dhcp.excessive_requests', 'dhcp.hostname_mac_flip', 'dhcp.watch_hostname', 'dns.excessive_queries',
  'dns.excessive_ptr_txt', 'ldap.excessive_queries', 'smb.internet', 'auth.bruteforce', 'auth.spray',
  'net.inter_segment', 'lateral.workstation_to_workstation', 'lateral.server_to_workstation', 'device.new',
  'ua.attack_tool', 'kerberos.kerberoasting', 'kerberos.asrep_roasting', 'c2.beacon', 'name.poisoning', 'dns.tunnel', 'arp.spoofing', 'icmp.tunnel', 'ipv6.rogue_router', 'smb.admin_share',
  'http.executable_download', 'exfil.large_upload', 'ntlm.relay', 'ldap.recon_query', 'crypto.mining', 'auth.cleartext', 'snmp.default_community', 'smtp.direct_to_internet', 'smtp.executable_attachment',
  'http.websocket_tunnel', 'net.proxy_tunnel', 'net.external_proxy', 'dns.encrypted', 'kerberos.overpass_the_hash', 'scan.ping', 'smb.named_pipe', 'redis.exploitation', 'tftp.executable_download', 'ftp.executable_download', 'auth.anonymous_access', 'mssql.command_exec',
]);

/** Same limit as run-lab.sh: fixtures stay small enough to commit. */
const MAX_PCAP_BYTES = 1_000_000;

/** [network, prefix length] of every range the lab may use (lab, documentation, benchmarking). */
const SAFE_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['10.77.0.0', 16], ['198.51.100.0', 24], ['203.0.113.0', 24], ['192.0.2.0', 24], ['198.18.0.0', 15],
  ['0.0.0.0', 32], ['255.255.255.255', 32],
  // Link-local multicast: IGMP reports (224.0.0.22), mDNS (224.0.0.251) and LLMNR (224.0.0.252).
  ['224.0.0.22', 32], ['224.0.0.251', 32], ['224.0.0.252', 32],
];
/** IPv6 the ipv6 scenario may use, as [hex digits of the prefix, prefix length]: link-local, link-scope multicast, unspecified, the lab ULA. */
const SAFE_RANGES6: ReadonlyArray<readonly [string, number]> = [['fe80', 10], ['ff02', 16], ['fd77', 16], ['0'.repeat(32), 128]];

interface ExpectedAlert {
  rule: string;
  /** `ip` is absent only where the attack has none (a DHCP flood from unconfigured clients). */
  source: { ip?: string; mac?: string };
  destination?: { ip?: string; port?: number };
  evidence?: Record<string, unknown>;
}
interface ExpectFile {
  capture: string;
  config: string;
  note: string;
  alerts: ExpectedAlert[];
  exclusive?: boolean;
  /** With `exclusive`: rules that may still fire (each explained in the note). */
  allow?: string[];
  baseline?: string[];
  matches?: Array<{ kind: string; indicator: string; source: { ip: string } }>;
}

/** What the tests need from a capture: every address and source MAC seen. */
interface CaptureFacts {
  linkType: number;
  frames: number;
  ipv4: Set<string>;
  ipv4Sources: Set<string>;
  /** TCP segments with SYN and without ACK (connection attempts), by IPv4 source. */
  synsBySource: Map<string, number>;
  srcMacs: Set<string>;
  ipv6Frames: number;
  /** IPv6 addresses seen (as 32 hex digits), and those that sent. */
  ipv6: Set<string>;
  ipv6Sources: Set<string>;
  /** Raw bytes, for payload searches. */
  bytes: Buffer;
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
function ipAt(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}
function macAt(b: Buffer, off: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(b[off + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}
function isSafe(ip: string): boolean {
  const v = ipToInt(ip);
  for (const [net, len] of SAFE_RANGES) {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (((v & mask) >>> 0) === ((ipToInt(net) & mask) >>> 0)) return true;
  }
  return false;
}

/** Reads a classic little-endian microsecond pcap as tcpdump -w writes it here. */
function readCapture(file: string): CaptureFacts {
  const b = fs.readFileSync(file);
  assert.ok(b.length >= 24, `${file}: shorter than a pcap header`);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4, `${file}: not a little-endian microsecond pcap`);
  const facts: CaptureFacts = {
    linkType: b.readUInt32LE(20), frames: 0, ipv4: new Set(), ipv4Sources: new Set(), synsBySource: new Map(), srcMacs: new Set(),
    ipv6Frames: 0, ipv6: new Set(), ipv6Sources: new Set(), bytes: b,
  };
  let off = 24;
  while (off + 16 <= b.length) {
    const incl = b.readUInt32LE(off + 8);
    const start = off + 16;
    assert.ok(start + incl <= b.length, `${file}: frame ${facts.frames} runs past the end`);
    facts.frames++;
    if (incl >= 14) {
      facts.srcMacs.add(macAt(b, start + 6));
      const type = b.readUInt16BE(start + 12);
      if (type === 0x0800 && incl >= 34) {
        const src = ipAt(b, start + 26);
        facts.ipv4.add(src).add(ipAt(b, start + 30));
        facts.ipv4Sources.add(src);
        const ihl = (b[start + 14]! & 0x0f) * 4;
        const tcpFlags = start + 14 + ihl + 13;
        if (b[start + 23] === 6 && tcpFlags < start + incl && (b[tcpFlags]! & 0x12) === 0x02) {
          facts.synsBySource.set(src, (facts.synsBySource.get(src) ?? 0) + 1);
        }
      } else if (type === 0x0806 && incl >= 42) {
        facts.ipv4.add(ipAt(b, start + 28)).add(ipAt(b, start + 38));
      } else if (type === 0x86dd) {
        facts.ipv6Frames++;
        if (incl >= 54) {
          const src = b.subarray(start + 22, start + 38).toString('hex');
          facts.ipv6.add(src).add(b.subarray(start + 38, start + 54).toString('hex'));
          facts.ipv6Sources.add(src);
        }
      }
    }
    off = start + incl;
  }
  assert.equal(off, b.length, `${file}: trailing bytes after the last frame`);
  return facts;
}

/** An IPv6 address as 32 hex digits (what readCapture keeps). */
function v6Hex(ip: string): string {
  const [head, tail] = ip.includes('::') ? ip.split('::') as [string, string] : [ip, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  assert.equal(groups.length, 8, `${ip} is not an IPv6 address`);
  return groups.map((g) => g.padStart(4, '0')).join('').toLowerCase();
}
function isSafe6(hex: string): boolean {
  return SAFE_RANGES6.some(([prefix, len]) => {
    const bits = (s: string) => [...s].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
    return bits(hex).slice(0, len) === bits(prefix.padEnd(32, '0')).slice(0, len);
  });
}
/** Seen in the capture, IPv4 or IPv6. */
function seen(f: CaptureFacts, ip: string): boolean {
  return ip.includes(':') ? f.ipv6.has(v6Hex(ip)) : f.ipv4.has(ip);
}

function loadExpect(name: string): ExpectFile {
  const text = fs.readFileSync(path.join(CAPTURES, `${name}.expect.json`), 'utf8');
  return JSON.parse(text) as ExpectFile;
}

const factsCache = new Map<string, CaptureFacts>();
function facts(pcap: string): CaptureFacts {
  let f = factsCache.get(pcap);
  if (f === undefined) {
    f = readCapture(path.join(CAPTURES, pcap));
    factsCache.set(pcap, f);
  }
  return f;
}

test('every scenario has a capture and an expect file, and nothing else is lying around', () => {
  const files = fs.readdirSync(CAPTURES).sort();
  const wanted = SCENARIOS.flatMap((s) => [`${s}.expect.json`, `${s}.pcap`]).sort();
  assert.deepEqual(files, wanted);
});

for (const name of SCENARIOS) {
  test(`${name}: small Ethernet pcap with only lab and documentation addresses`, () => {
    const size = fs.statSync(path.join(CAPTURES, `${name}.pcap`)).size;
    assert.ok(size <= MAX_PCAP_BYTES, `${name}.pcap is ${size} bytes`);
    const f = facts(`${name}.pcap`);
    assert.equal(f.linkType, 1, 'link type must be Ethernet');
    assert.ok(f.frames > 0);
    if (V6_SCENARIOS.has(name)) {
      assert.ok(f.ipv6Frames > 0, 'an IPv6 scenario holds IPv6');
      const unsafe6 = [...f.ipv6].filter((ip) => !isSafe6(ip));
      assert.deepEqual(unsafe6, [], `IPv6 addresses outside link-local and fd77::/16: ${unsafe6.join(', ')}`);
    } else {
      assert.equal(f.ipv6Frames, 0, 'the lab disables IPv6');
    }
    const unsafe = [...f.ipv4].filter((ip) => !isSafe(ip));
    assert.deepEqual(unsafe, [], `addresses outside the lab ranges: ${unsafe.join(', ')}`);
  });

  test(`${name}: expect file is well formed and names hosts seen in the capture`, () => {
    const e = loadExpect(name);
    assert.equal(e.capture, `${name}.pcap`);
    assert.ok(fs.existsSync(path.resolve(CAPTURES, e.config)), `config ${e.config} missing`);
    assert.ok(e.note.length > 20, 'note must say what the capture shows');
    assert.ok(Array.isArray(e.alerts));
    const f = facts(e.capture);
    for (const a of e.alerts) {
      assert.ok(RULE_IDS.has(a.rule), `unknown rule id ${a.rule}`);
      if (a.source.ip !== undefined) {
        assert.ok(seen(f, a.source.ip), `${a.rule}: source ${a.source.ip} not in the capture`);
      } else {
        assert.equal(a.rule, 'dhcp.excessive_requests', `${a.rule}: only a DHCP flood may lack a source address`);
      }
      if (a.source.mac !== undefined) {
        assert.ok(f.srcMacs.has(a.source.mac), `${a.rule}: MAC ${a.source.mac} never sends in the capture`);
      }
      if (a.destination?.ip !== undefined) {
        assert.ok(seen(f, a.destination.ip), `${a.rule}: destination ${a.destination.ip} not in the capture`);
      }
    }
  });
}

test('benign: no alert may fire, and it says so', () => {
  const e = loadExpect('benign');
  assert.deepEqual(e.alerts, []);
  assert.equal(e.exclusive, true);
  for (const rule of e.allow ?? []) assert.ok(RULE_IDS.has(rule), `unknown rule id ${rule}`);
  assert.ok(e.note.includes('device.new'), 'the note must explain why device.new is allowed');
});

test('the expected source opens the most TCP connections in scan and brute-force captures', () => {
  // [capture, at least this many connection attempts from the expected source]
  const cases = [['scan-syn', 900], ['scan-connect', 900], ['sweep-445', 25], ['ssh-brute', 40], ['ssh-hydra', 8], ['ldap-enum', 200]] as const;
  for (const [name, min] of cases) {
    const e = loadExpect(name);
    const syns = facts(e.capture).synsBySource;
    const top = [...syns.entries()].sort((a, b) => b[1] - a[1])[0];
    assert.ok(top !== undefined, `${name}: no connection attempts`);
    assert.equal(top[0], e.alerts[0]!.source.ip, `${name}: busiest source is ${top[0]}`);
    assert.ok(top[1] >= min, `${name}: only ${top[1]} attempts`);
  }
});

test('new-device: only the new MAC is unknown to its baseline capture', () => {
  const e = loadExpect('new-device');
  assert.deepEqual(e.baseline, ['benign.pcap']);
  const known = facts('benign.pcap').srcMacs;
  const now = facts('new-device.pcap').srcMacs;
  const newMacs = [...now].filter((m) => !known.has(m));
  assert.deepEqual(newMacs, e.alerts.map((a) => a.source.mac));
});

test('ipv6: only the IPv6-only device is unknown to its baseline capture, and it never sends IPv4', () => {
  const e = loadExpect('ipv6');
  assert.deepEqual(e.baseline, ['benign.pcap']);
  const known = facts('benign.pcap').srcMacs;
  const f = facts('ipv6.pcap');
  const device = e.alerts.filter((a) => a.rule === 'device.new');
  assert.deepEqual([...f.srcMacs].filter((m) => !known.has(m)), device.map((a) => a.source.mac));
  assert.ok(f.ipv6Sources.has(v6Hex(device[0]!.source.ip!)));
  // No frame from its MAC carries IPv4 or ARP (ethertype right after the source MAC).
  const mac = Buffer.from(device[0]!.source.mac!.split(':').map((x) => parseInt(x, 16)));
  for (const type of [[0x08, 0x00], [0x08, 0x06]]) assert.ok(!f.bytes.includes(Buffer.concat([mac, Buffer.from(type)])));
});

for (const name of ['intel', 'intel-direct']) test(`${name}: every expected match is listed in intel-fixtures.md and present in the capture`, () => {
  const e = loadExpect(name);
  const fixtures = fs.readFileSync(path.join(LAB, 'intel-fixtures.md'), 'utf8');
  const f = facts(`${name}.pcap`);
  assert.ok(e.matches !== undefined && e.matches.length > 0);
  for (const m of e.matches) {
    assert.ok(fixtures.includes(m.indicator), `${m.indicator} missing from intel-fixtures.md`);
    assert.ok(f.ipv4Sources.has(m.source.ip), `${m.source.ip} never sends in intel.pcap`);
    if (m.kind === 'ip') assert.ok(f.ipv4.has(m.indicator), `${m.indicator} not in ${name}.pcap`);
    if (m.kind === 'user_agent') assert.ok(f.bytes.includes(m.indicator), `UA ${m.indicator} not in ${name}.pcap`);
    if (m.kind === 'domain') {
      // DNS wire form: each label prefixed by its length.
      const wire = Buffer.concat(m.indicator.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])));
      assert.ok(f.bytes.includes(wire), `query for ${m.indicator} not in ${name}.pcap`);
    }
  }
});

test('the pcap reader rejects what it must (so the checks above can fail)', () => {
  const dir = tempDir('picket-lab-test-');
  try {
    const bad = path.join(dir, 'bad.pcap');
    fs.writeFileSync(bad, Buffer.from('0a0d0d0a', 'hex')); // pcapng block type, too short
    assert.throws(() => readCapture(bad));
    // Valid header + one Ethernet/IPv4 frame from 8.8.8.8: must be flagged unsafe.
    const hdr = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');
    const frame = Buffer.from(
      '02770200001402770200001508004500001c0000400040110000' + '08080808' + '0a4d0114', 'hex');
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    const ok = path.join(dir, 'one.pcap');
    fs.writeFileSync(ok, Buffer.concat([hdr, rec, frame]));
    const f = readCapture(ok);
    assert.equal(f.frames, 1);
    assert.ok(f.ipv4.has('8.8.8.8') && !isSafe('8.8.8.8'));
    assert.ok(isSafe('10.77.1.20') && isSafe('198.19.255.1') && !isSafe('198.20.0.1') && !isSafe('10.78.0.1'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
