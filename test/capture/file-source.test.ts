/**
 * Tests for openCaptureFiles: every capture of the shared Zeek corpus against
 * tshark (per packet) and against recorded capinfos numbers, the hand-made
 * fixtures (byte orders, nanoseconds, pcapng block zoo, cut files), records
 * split across the read boundary, standard input, stop() and errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS, tempDir } from '../helpers/paths.js';
import { openCaptureFiles, REGULAR_READ_CHUNK, type CaptureStats, type FileSourceOptions } from '../../src/capture/file-source.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import { PicketError } from '../../src/util/errors.js';
import { compileHex, fixture, readAll, snapshot, type SeenPacket } from './capture-test-util.js';

/**
 * Packet count and earliest/latest timestamp of every corpus capture, recorded
 * with `capinfos -T -r -c -S -a -e FILE` (Wireshark 4.0). capinfos prints 6
 * decimals for microsecond captures, 9 for nanosecond ones. These are the
 * minimum and maximum, not the first and last packet: some captures are not in
 * time order (ipv6-http-atomic-frag). The tshark test checks order.
 */
const CORPUS_EXPECTED: Array<[string, number, string, string]> = [
  ['arp-leak/arp-leak.pcap', 6, '1526591575.696196', '1526591586.475821'],
  ['arp-who-has/arp-who-has.pcap', 2, '1461764814.520906', '1461764814.526359'],
  ['dhcp-all-msg-types/dhcp.pcap', 9, '1370200442.323173', '1370200447.422207'],
  ['dhcp-flood/dhcp_flood.pcap', 500, '1657805696.943664', '1657805701.933642'],
  ['dhcp-relay-agent-opts/dhcp_ack_subscriber_id_and_agent_remote_id.pcap', 1, '1102274184.387798', '1102274184.387798'],
  ['dns-edns-tcp-keepalive/dns-edns-tcp-keepalive.pcap', 20, '1597501603.801767', '1597501611.633417'],
  ['dns-https/dns-https.pcap', 2, '1632928690.500620', '1632928690.528268'],
  ['dns-mdns/mdns.pcap', 24, '1738667758.097949', '1738667763.287062'],
  ['dns-svcb/dns-svcb.pcap', 2, '1632949179.120361', '1632949179.120700'],
  ['dns-tkey/tkey.pcap', 12, '1676937749.532563', '1676937749.538202'],
  ['dns-txt-multiple/dns-txt-multiple.pcap', 2, '1398382067.281938', '1398382067.286885'],
  ['ftp-bruteforce/bruteforce.pcap', 606, '1389721044.820046', '1389721103.938346'],
  ['http-agent-tesla/ctu-62604-80.pcap', 20, '1677078981.538588', '1677079018.219159'],
  ['http-dvwa-sqli/cooper-grill-dvwa.pcapng', 64, '1730145002.900383409', '1730145073.257679667'],
  ['http-qinq-0/http-qinq-0.pcap', 14, '1362692526.869344', '1362692527.080972'],
  ['http-vlan-0/http-vlan-0.pcap', 14, '1362692526.869344', '1362692527.080972'],
  ['ipv4-fragments/fragmented-1.pcap', 3, '950988235.155866', '950988235.156457'],
  ['ipv4-fragments/fragmented-2.pcap', 3, '950988235.200823', '950988235.200957'],
  ['ipv4-fragments/fragmented-3.pcap', 5, '964750760.184607', '964750760.259631'],
  ['ipv4-fragments/fragmented-4.pcap', 6, '1020580534.846229', '1020580534.846229'],
  ['ipv4-fragments/reassembly.pcap', 117, '1078895630.194466', '1078895644.564378'],
  ['ipv6-fragmented-dns/ipv6-fragmented-dns.pcap', 8, '1331084278.438444', '1331084298.676270'],
  ['ipv6-http-atomic-frag/ipv6-http-atomic-frag.pcap', 38, '1333039452.484942', '1333039454.350237'],
  ['krb-auth-tgs/auth.pcap', 2, '1429583645.478441', '1429583645.478881'],
  ['krb-dcerpc-spnego/kerberos135_auth.pcapng', 17, '1584356771.466189', '1584356783.458069'],
  ['krb-dcerpc-spnego/kerberos445_auth.pcapng', 12, '1584356771.111264', '1584356771.115549'],
  ['krb-kinit/kinit.pcap', 229, '1421708030.829536', '1421708129.822853'],
  ['ldap-aduser1/aduser1-ntlm.pcap', 13, '1741598120.027141', '1741598120.049854'],
  ['ldap-aduser1/aduser1.pcap', 53, '1741596888.368804', '1741596888.525786'],
  ['ldap-invalid-credentials/ldap_invalid_credentials.pcap', 49, '1587650644.223221', '1587650692.496307'],
  ['ldap-sasl-ntlm/sasl-ntlm.pcap', 27, '1721307826.159260', '1721307828.449377'],
  ['ldap-simpleauth/simpleauth.pcap', 12, '1463256456.040464', '1463256637.560943'],
  ['linux-dlt-sll2/linux_dlt_sll2.pcap', 6, '1660534249.872259', '1660535793.578961'],
  ['linuxsll-arp/linuxsll-arp.pcap', 12, '1593626138.922595', '1593626147.243274'],
  ['mixed-vlan-mpls/mixed-vlan-mpls.pcap', 47, '952109346.874907', '1278600802.074822'],
  ['nmap-vsn/nmap-vsn.pcap', 547, '1317146840.497541', '1317146842.913053'],
  ['pcapng-multi-interface/pcapng-multi-interface.pcapng', 6, '1767663089.500330493', '1767663437.140942'],
  ['smb-smbghost/SMBGhost.pcap', 9, '1583939960.205534', '1583939960.208080'],
  ['smb1/smb1.pcap', 36, '1403194573.483536', '1403194574.233381'],
  ['smb2-readwrite/smb2readwrite.pcap', 56, '1549644186.686127', '1549644189.709083'],
  ['smb3/smb3.pcap', 54, '1495015336.523633', '1495015339.888518'],
  ['ssh-bruteforce/sshguess.pcap', 431, '1427726689.213953', '1427726759.306612'],
  ['tls-heartbleed/heartbleed-success.pcap', 34, '1396976220.644842', '1396976220.972329'],
  ['tls-heartbleed/heartbleed.pcap', 23, '1396973486.684044', '1396973494.237946'],
  ['tls-sni-gstatic/tls-conn-with-extensions.pcap', 58, '1335538392.299605', '1335538396.226060'],
  ['tls13-ech/tls13-ech.pcap', 69, '1697458696.259279', '1697458703.253039'],
  ['tls13-sni-mozilla/tls13draft23-chrome67.0.3368.0-canary.pcap', 24, '1520820013.483265', '1520820015.389722'],
  ['vnc-scanner/vnc-scanner.pcap', 20, '1551120432.183477', '1551120433.658287'],
  ['wikipedia/wikipedia.pcap', 136, '1300475167.096535', '1300475173.475401'],
];

function pad9(ts: string): string {
  const [s, f = ''] = ts.split('.');
  return `${s}.${f.padEnd(9, '0')}`;
}

/** Orders "sec.nnnnnnnnn" texts by time (seconds may differ in digit count). */
function byTime(a: string, b: string): number {
  const [as, an] = a.split('.').map(Number);
  const [bs, bn] = b.split('.').map(Number);
  return as! - bs! || an! - bn!;
}

test('every corpus capture matches the recorded capinfos counts and earliest/latest timestamps', async () => {
  const found = fs.readdirSync(ZEEK_CORPUS, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  assert.deepEqual(found, CORPUS_EXPECTED.map((e) => e[0]).sort(), 'the table covers exactly the corpus captures');
  for (const [rel, count, first, last] of CORPUS_EXPECTED) {
    const { packets, stats } = await readAll([path.join(ZEEK_CORPUS, rel)]);
    assert.equal(packets.length, count, rel);
    assert.equal(stats.packets, count, rel);
    const sorted = packets.map((p) => p.ts).sort(byTime);
    assert.equal(sorted[0], pad9(first), `${rel} earliest`);
    assert.equal(sorted[sorted.length - 1], pad9(last), `${rel} latest`);
    assert.deepEqual(stats.truncated, [], rel);
    assert.deepEqual(stats.skipped, {}, rel);
    assert.equal(stats.bytes, packets.reduce((n, p) => n + p.caplen, 0));
  }
});

const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));

function tsharkFields(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(TSHARK!, ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.interface_id',
      '-e', 'frame.cap_len', '-e', 'frame.len'], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.split('\n').filter((l) => l.length > 0));
    });
  });
}

test('every corpus capture matches tshark packet by packet (timestamp, interface, caplen, length)',
  { skip: TSHARK === undefined ? 'tshark not installed' : false }, async () => {
    const files = CORPUS_EXPECTED.map((e) => path.join(ZEEK_CORPUS, e[0]));
    const CONCURRENCY = 8;
    for (let i = 0; i < files.length; i += CONCURRENCY) {
      const batch = files.slice(i, i + CONCURRENCY);
      const expected = await Promise.all(batch.map(tsharkFields));
      for (let j = 0; j < batch.length; j++) {
        const { packets } = await readAll([batch[j]!]);
        const ours = packets.map((p) => `${p.ts}\t${p.interfaceId}\t${p.caplen}\t${p.origLen}`);
        // tshark leaves frame.interface_id empty for pcap files (always interface 0 here).
        const theirs = expected[j]!.map((l) => {
          const [ts, ifc, cap, len] = l.split('\t');
          return `${ts}\t${ifc === '' ? '0' : ifc}\t${cap}\t${len}`;
        });
        assert.deepEqual(ours, theirs, batch[j]);
      }
    }
  });

test('pcapng-multi-interface yields per-packet interface ids, link types and resolutions', async () => {
  const { packets } = await readAll([path.join(ZEEK_CORPUS, 'pcapng-multi-interface', 'pcapng-multi-interface.pcapng')]);
  // From tshark -e frame.interface_id -e frame.time_epoch: interface 0 has
  // nanosecond ticks, interface 1 microsecond ones; both are Ethernet.
  assert.deepEqual(packets.map((p) => [p.interfaceId, p.linkType, p.ts]), [
    [0, LinkType.ETHERNET, '1767663089.500330493'],
    [0, LinkType.ETHERNET, '1767663089.514291940'],
    [1, LinkType.ETHERNET, '1767663437.111897000'],
    [1, LinkType.ETHERNET, '1767663437.126460000'],
    [1, LinkType.ETHERNET, '1767663437.128303000'],
    [1, LinkType.ETHERNET, '1767663437.140942000'],
  ]);
  assert.ok(Math.abs(packets[0]!.tsFloat - 1767663089.500330493) < 1e-6);
});

test('the committed fixture binaries are exactly their commented hex sources', () => {
  for (const name of fs.readdirSync(fixture('.')).filter((f) => f.endsWith('.hex'))) {
    const bin = fs.readFileSync(fixture(name.slice(0, -'.hex'.length)));
    assert.deepEqual(Uint8Array.from(bin), compileHex(fs.readFileSync(fixture(name), 'utf8')), name);
  }
});

const ARP_1 = 'ffffffffffff001122334455080600010800060400010011223344' + '55c0a8010a000000000000c0a80101';

test('big-endian microsecond pcap', async () => {
  const { packets, stats } = await readAll([fixture('be-micro.pcap')]);
  assert.deepEqual(packets.map((p) => [p.ts, p.caplen, p.origLen, p.linkType, p.interfaceId, p.streamOffset]), [
    ['1700000000.123456000', 42, 60, LinkType.ETHERNET, 0, 24],
    ['1700000001.000001000', 42, 42, LinkType.ETHERNET, 0, 82],
  ]);
  assert.equal(packets[0]!.hex, ARP_1);
  assert.equal(packets[0]!.tsFloat, 1700000000.123456);
  assert.deepEqual(stats, { packets: 2, bytes: 84, files: 1, truncated: [], skipped: {} });
});

test('little-endian nanosecond pcap keeps exact nanoseconds', async () => {
  const { packets } = await readAll([fixture('le-nano.pcap')]);
  assert.deepEqual(packets.map((p) => p.ts), ['1700000000.123456789', '1700000001.999999999']);
  assert.equal(packets[0]!.hex, ARP_1);
  assert.ok(Math.abs(packets[1]!.tsFloat - 1700000001.999999999) < 1e-6);
});

test('pcapng: two sections of both byte orders, tsresol 2^-10 with tsoffset, SPB, obsolete PB, skipped blocks', async () => {
  const { packets, stats } = await readAll([fixture('multi-section.pcapng')]);
  assert.deepEqual(packets.map((p) => [p.ts, p.caplen, p.origLen, p.linkType, p.interfaceId, p.streamOffset]), [
    ['1700000005.500000000', 42, 60, LinkType.ETHERNET, 0, 72], // EPB
    ['1700000005.500000000', 42, 42, LinkType.ETHERNET, 0, 176], // SPB keeps the previous time
    ['1700000006.000000000', 42, 42, LinkType.ETHERNET, 0, 280], // obsolete PB
    ['1700000010.123456789', 28, 28, LinkType.RAW, 0, 416], // EPB, section 2 (big-endian)
  ]);
  assert.equal(packets[0]!.hex, ARP_1);
  assert.equal(packets[3]!.hex, '4500001c0001000040110000' + '0a0000010a000002' + '04d2003500080000');
  assert.deepEqual(stats.skipped, { unknown_interface: 1 });
  assert.deepEqual(stats.truncated, []);
});

test('a file cut in the middle of a record: earlier packets kept, exact offset reported, next file read', async () => {
  const { packets, stats } = await readAll([fixture('cut-mid-record.pcap'), fixture('be-micro.pcap')]);
  assert.equal(packets.length, 3);
  assert.equal(packets[0]!.ts, '1700000000.000001000');
  assert.equal(packets[1]!.ts, '1700000000.123456000', 'the second file is read after the cut one');
  assert.deepEqual(stats.truncated, [{ file: fixture('cut-mid-record.pcap'), offset: 82, reason: 'eof_in_record' }]);
  assert.equal(stats.files, 2);
});

function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

test('corrupt lengths stop that file only, at the bad record', async () => {
  const dir = tempDir();
  try {
    // pcap record 2 (offset 82) with caplen 0x00100000 = 1 MiB > 256 KiB.
    const pcap = Uint8Array.from(fs.readFileSync(fixture('le-nano.pcap')));
    pcap.set([0x00, 0x00, 0x10, 0x00], 82 + 8);
    // pcapng: the NRB at offset 148 claims 30 bytes (not a multiple of 4).
    const ng1 = Uint8Array.from(fs.readFileSync(fixture('multi-section.pcapng')));
    ng1[148 + 4] = 30;
    // pcapng: the SPB at offset 176 claims 8 bytes (below the 12-byte minimum).
    const ng2 = Uint8Array.from(fs.readFileSync(fixture('multi-section.pcapng')));
    ng2[176 + 4] = 8;
    // pcapng: the PB at offset 280 has a trailing length that disagrees.
    const ng3 = Uint8Array.from(fs.readFileSync(fixture('multi-section.pcapng')));
    ng3[280 + 76 - 4] = 0x50;
    // pcapng: the second SHB (offset 356) has a garbage byte-order magic.
    const ng4 = Uint8Array.from(fs.readFileSync(fixture('multi-section.pcapng')));
    ng4[356 + 8] = 0x99;
    // pcapng: the EPB at offset 72 claims 512 MiB.
    const ng5 = Uint8Array.from(fs.readFileSync(fixture('multi-section.pcapng')));
    ng5.set([0, 0, 0, 0x20], 72 + 4);
    const files = [
      writeTemp(dir, 'a.pcap', pcap), writeTemp(dir, 'b.pcapng', ng1), writeTemp(dir, 'c.pcapng', ng2),
      writeTemp(dir, 'd.pcapng', ng3), writeTemp(dir, 'e.pcapng', ng4), writeTemp(dir, 'f.pcapng', ng5),
      fixture('be-micro.pcap'),
    ];
    const { packets, stats } = await readAll(files);
    assert.deepEqual(stats.truncated, [
      { file: files[0], offset: 82, reason: 'caplen_too_large' },
      { file: files[1], offset: 148, reason: 'block_length_invalid' },
      { file: files[2], offset: 176, reason: 'block_length_invalid' },
      { file: files[3], offset: 280, reason: 'block_trailer_mismatch' },
      { file: files[4], offset: 356, reason: 'bad_byte_order_magic' },
      { file: files[5], offset: 72, reason: 'block_length_too_large' },
    ]);
    // 1 (pcap) + 1 (EPB before the NRB) + 1 (EPB) + 2 (EPB, SPB) + 3 (section 1) + 0 + 2 (last file)
    assert.equal(packets.length, 1 + 1 + 1 + 2 + 3 + 0 + 2);
    assert.equal(stats.files, 7);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('records split across the read boundary of regular files (header split and body split) are joined', async () => {
  const CHUNK = REGULAR_READ_CHUNK;
  const dir = tempDir();
  try {
    const file = path.join(dir, 'big.pcap');
    const fd = fs.openSync(file, 'w');
    const w = new PcapWriter(fd, LinkType.ETHERNET);
    const body = new Uint8Array(1500);
    const sizes: number[] = [];
    let pos = 24;
    const add = (size: number): void => {
      const i = sizes.length;
      for (let k = 0; k < size; k++) body[k] = (i * 7 + k) & 0xff;
      w.writeExact(1000 + i, i, body, 0, size);
      sizes.push(size);
      pos += 16 + size;
    };
    // Fill so that a record header starts 8 bytes before the first boundary...
    while (pos + 16 + 1000 <= CHUNK - 8 - 16) add(1000);
    add(CHUNK - 8 - pos - 16);
    assert.equal(pos, CHUNK - 8);
    // ...and keep going well past the second boundary, which falls in some body.
    while (pos < 2 * CHUNK + 5000) add(1000 + (sizes.length % 400));
    await w.close();
    assert.equal(fs.statSync(file).size, pos);

    const seen: Array<[number, number, number]> = [];
    let bad = 0;
    const stats = await openCaptureFiles([file], { readAhead: 'never' }).run((p) => {
      const i = p.tsSec - 1000;
      for (let k = 0; k < p.caplen; k++) if (p.data[p.offset + k] !== ((i * 7 + k) & 0xff)) bad++;
      seen.push([i, p.caplen, p.streamOffset]);
    });
    assert.equal(bad, 0, 'packet bytes intact');
    assert.equal(stats.packets, sizes.length);
    assert.deepEqual(seen.map((s) => s[1]), sizes);
    assert.deepEqual(seen.map((s) => s[0]), sizes.map((_, i) => i));
    assert.ok(seen.some((s) => s[2] === CHUNK - 8), 'a record header straddles the first boundary');
    assert.ok(seen.some((s) => s[2] < 2 * CHUNK && s[2] + 16 + s[1] > 2 * CHUNK),
      'a record body straddles the second boundary');
    assert.deepEqual(stats.truncated, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const FILE_SOURCE_URL = new URL('../../src/capture/file-source.js', import.meta.url).href;

test('"-" reads standard input, even when it arrives a few bytes at a time', async () => {
  const script = `
    import { openCaptureFiles } from ${JSON.stringify(FILE_SOURCE_URL)};
    const ts = [];
    const stats = await openCaptureFiles(['-']).run((p) => ts.push(p.tsSec + '.' + String(p.tsNsec).padStart(9, '0') + '/' + p.linkType));
    process.stdout.write(JSON.stringify({ ts, stats }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => { out += d; });
  const bytes = fs.readFileSync(fixture('multi-section.pcapng'));
  // Separate writes with a turn of the event loop in between, so the reader
  // sees many small chunks rather than one.
  for (let i = 0; i < bytes.length; i += 5) {
    child.stdin.write(bytes.subarray(i, i + 5));
    await new Promise((r) => setImmediate(r));
  }
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  const result = JSON.parse(out) as { ts: string[]; stats: { packets: number; files: number; skipped: object } };
  assert.deepEqual(result.ts, [
    '1700000005.500000000/1', '1700000005.500000000/1', '1700000006.000000000/1', '1700000010.123456789/101',
  ]);
  assert.equal(result.stats.files, 1);
  assert.deepEqual(result.stats.skipped, { unknown_interface: 1 });
});

test('stop() inside the handler ends the read after that packet', async () => {
  const src = openCaptureFiles([path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap'), fixture('be-micro.pcap')]);
  let n = 0;
  const stats = await src.run(() => { if (++n === 3) src.stop(); });
  assert.equal(n, 3);
  assert.equal(stats.packets, 3);
  assert.equal(stats.files, 1, 'the second file is not opened');
  assert.equal(src.stats, stats);
});

test('a throwing packet handler rejects run() with that error', async () => {
  const boom = new Error('handler bug');
  await assert.rejects(openCaptureFiles([fixture('be-micro.pcap')]).run(() => { throw boom; }), (e) => e === boom);
});

test('a file that is not a capture: PKT_ERR_CAPTURE_FORMAT naming the file and the magic bytes', async () => {
  const dir = tempDir();
  try {
    const f = writeTemp(dir, 'notes.txt', new TextEncoder().encode('hello world\n'));
    await assert.rejects(openCaptureFiles([f]).run(() => {}), (e: unknown) => {
      assert.ok(e instanceof PicketError);
      assert.equal(e.code, 'PKT_ERR_CAPTURE_FORMAT');
      assert.match(e.message, /notes\.txt/);
      assert.match(e.message, /68 65 6c 6c/);
      return true;
    });
    const empty = writeTemp(dir, 'empty.pcap', new Uint8Array(0));
    await assert.rejects(openCaptureFiles([empty]).run(() => {}), (e: unknown) =>
      e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_FORMAT' && /empty\.pcap/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing file: PKT_ERR_CAPTURE_OPEN before any file is read', async () => {
  const dir = tempDir();
  try {
    const missing = path.join(dir, 'nope.pcap');
    let delivered = 0;
    await assert.rejects(openCaptureFiles([fixture('be-micro.pcap'), missing]).run(() => { delivered++; }), (e: unknown) =>
      e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_OPEN' && e.message.includes(missing));
    assert.equal(delivered, 0);
    await assert.rejects(openCaptureFiles([dir]).run(() => {}), (e: unknown) =>
      e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_OPEN' && /directory/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- read-ahead thread (used for large files; forced here with small buffers) ----

async function readWith(paths: string[], opts: FileSourceOptions): Promise<{ packets: SeenPacket[]; stats: CaptureStats }> {
  const packets: SeenPacket[] = [];
  const stats = await openCaptureFiles(paths, opts).run((p) => packets.push(snapshot(p)));
  return { packets, stats };
}

test('read-ahead thread: every corpus capture and fixture gives the same packets as plain reads', async () => {
  const files: string[] = [];
  for (const dir of fs.readdirSync(ZEEK_CORPUS).sort()) {
    const d = path.join(ZEEK_CORPUS, dir);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).sort()) if (/\.pcap(ng)?$/.test(f)) files.push(path.join(d, f));
  }
  files.push(fixture('cut-mid-record.pcap'), fixture('multi-section.pcapng'), fixture('le-nano.pcap'));
  const plain = await readWith(files, { readAhead: 'never' });
  // Buffers of 1000 bytes (not a multiple of anything in the formats): records and
  // headers are split across buffers over and over, and the ring wraps many times.
  const ahead = await readWith(files, { readAhead: 'always', readAheadChunk: 1000 });
  assert.ok(plain.packets.length > 3000);
  assert.equal(ahead.packets.length, plain.packets.length);
  for (let i = 0; i < plain.packets.length; i++) assert.deepEqual(ahead.packets[i], plain.packets[i], `packet ${i}`);
  assert.deepEqual(ahead.stats, plain.stats);
  assert.equal(ahead.stats.truncated.length, 1, 'the cut fixture is reported');
});

test('read-ahead thread: stop() and a throwing handler end the read and the thread', async () => {
  const file = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
  const src = openCaptureFiles([file, fixture('be-micro.pcap')], { readAhead: 'always', readAheadChunk: 512 });
  let n = 0;
  const stats = await src.run(() => { if (++n === 50) src.stop(); });
  assert.equal(n, 50);
  assert.equal(stats.packets, 50);
  assert.equal(stats.files, 1);
  const boom = new Error('handler bug');
  await assert.rejects(
    openCaptureFiles([file], { readAhead: 'always', readAheadChunk: 512 }).run(() => { throw boom; }),
    (e) => e === boom,
  );
  // A leaked reader thread would keep the test process alive; the runner's exit proves it is gone.
});

test('read-ahead thread: a file that is not a capture is still a format error', async () => {
  const dir = tempDir();
  try {
    const f = writeTemp(dir, 'notes.txt', new TextEncoder().encode('hello world\n'));
    await assert.rejects(openCaptureFiles([f], { readAhead: 'always' }).run(() => {}), (e: unknown) =>
      e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_FORMAT' && /68 65 6c 6c/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
