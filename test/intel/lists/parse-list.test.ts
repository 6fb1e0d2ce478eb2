/** Plain lists: text and CSV, comments, bad lines by number, normalisation; free text; fingerprints and file hashes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DATA } from '../../helpers/paths.js';
import { parseFreeText, parseList, splitCsvRow } from '../../../src/intel/lists/parse-list.js';
import { fingerprintKindsOf, normalizeDomain, normalizeFingerprint } from '../../../src/intel/store/indicator.js';

test('IP list: comments (# and ;), inline comments kept as notes, CIDRs, canonical addresses, duplicates, bad lines with their number', () => {
  const text = [
    '# bad addresses', // 1
    '; also a comment', // 2
    '203.0.113.66', // 3
    '  192.0.2.99   # payload host', // 4
    '198.51.100.0/24', // 5
    '10.0.0.1/8', // 6: host bits set
    '2001:DB8::1', // 7
    '203.0.113.66', // 8: duplicate
    '999.1.1.1', // 9
    '', // 10
    '192.0.2.7/32', // 11: a host route is an address
  ].join('\r\n');
  const p = parseList(text, 'ip');
  assert.deepEqual(
    p.indicators.map((i) => `${i.kind} ${i.value}`),
    ['ip 203.0.113.66', 'ip 192.0.2.99', 'cidr 198.51.100.0/24', 'ip 2001:db8:0:0:0:0:0:1', 'ip 192.0.2.7'],
  );
  assert.ok(p.indicators.every((i) => i.to_ids));
  // An inline comment is the entry's note, quoted by alerts; entries without one have none.
  assert.deepEqual(p.indicators.map((i) => i.comment), [undefined, 'payload host', undefined, undefined, undefined]);
  assert.equal(p.badCount, 2);
  assert.deepEqual(p.bad.map((b) => [b.line, b.reason]), [[6, 'not a CIDR (or host bits set)'], [9, 'not an IP address']]);
});

test('domain list: case, trailing dot, wildcard, IDN, hosts-file lines; addresses and single words are bad lines', () => {
  const p = parseList('\uFEFFEvil.Example.\n*.wild.example\n0.0.0.0 ads.example\nbücher.example\n192.0.2.1\nlocalhost\nbad_label..example\n', 'domain');
  assert.deepEqual(p.indicators.map((i) => i.value), ['evil.example', 'wild.example', 'ads.example', 'xn--bcher-kva.example']);
  assert.deepEqual(p.bad.map((b) => b.line), [5, 6, 7]);
  assert.equal(p.lines, 7);
});

test('CSV: the column named like the kind, quoted cells; without a header the first column', () => {
  const withHeader = parseList('first_seen,dst_ip,dst_port,malware\n"2024-01-01 00:00:00",203.0.113.5,443,"Emotet, epoch 4"\n2024-01-02,bogus,80,x\n', 'ip', { csv: true });
  assert.deepEqual(withHeader.indicators.map((i) => i.value), ['203.0.113.5']);
  assert.deepEqual(withHeader.bad.map((b) => b.line), [3]);
  const plain = parseList('evil.example,c2\nworse.example,phishing\n', 'domain');
  assert.deepEqual(plain.indicators.map((i) => i.value), ['evil.example', 'worse.example']);
  assert.deepEqual(splitCsvRow('a,"b,c","d ""q"""'), ['a', 'b,c', 'd "q"']);
});

test('bad lines: only the first 20 are kept, all are counted; a long line is refused', () => {
  const lines = Array.from({ length: 50 }, (_, i) => `junk${i}`);
  lines.push('x'.repeat(10000));
  const p = parseList(lines.join('\n'), 'ip');
  assert.equal(p.badCount, 51);
  assert.equal(p.bad.length, 20);
});

test('MISP free-text feed sample and CSV feed sample (auto kind)', () => {
  const free = parseFreeText(fs.readFileSync(path.join(SHARED_DATA, 'misp', 'feed-freetext', 'feed.txt'), 'utf8'));
  assert.deepEqual(free.map((i) => i.value), ['8.8.8.8', '8.8.4.4']);
  const csv = parseList(fs.readFileSync(path.join(SHARED_DATA, 'misp', 'feed-csv', 'feed.csv'), 'utf8'), 'auto', { csv: true });
  assert.deepEqual(csv.indicators.map((i) => `${i.kind} ${i.value}`), ['ip 1.1.1.1', 'ip 1.0.0.1']);
  const report = parseFreeText('C2 at hxxp://evil[.]example/gate.php and 192.0.2.9, dropper invoice.exe; see (bad.example).');
  assert.deepEqual(report.map((i) => `${i.kind} ${i.value}`), ['url http://evil.example/gate.php', 'ip 192.0.2.9', 'domain bad.example']);
});

test('free text: prose abbreviations, version numbers and file names are not names; addresses and names with a port are', () => {
  const report = parseFreeText(
    [
      'As noted, e.g. in the last report (i.e. the one from A.B. Smith), version 1.2.3 of the loader',
      'reads config.yaml, runs install.sh and script.py and drops readme.md and data.json;',
      'it beacons to 203.0.113.9:443, [2001:db8::5]:8443 and c2.Example:8080, at 12:30:45.',
      'Also: evil-c2[.]example, www.EVIL.example., xn--bcher-kva.example',
    ].join('\n'),
  );
  assert.deepEqual(
    report.map((i) => `${i.kind} ${i.value}`),
    ['ip 203.0.113.9', 'ip 2001:db8:0:0:0:0:0:5', 'domain c2.example', 'domain evil-c2.example', 'domain www.evil.example', 'domain xn--bcher-kva.example'],
  );
});

test('normalizeDomain refuses over-long labels and names', () => {
  assert.equal(normalizeDomain(`${'a'.repeat(64)}.example`), null);
  assert.equal(normalizeDomain(`${'a.'.repeat(127)}example`), null);
  assert.equal(normalizeDomain('.Example.COM'), 'example.com');
});

test('fingerprint lists: JA3 and HASSH are 32 hex digits, JA4 its text form; all lower-cased; other shapes are bad lines with their number', () => {
  const ja3 = parseList(['# JA3', 'E7D705A3286E19EA42F587B344EE6865', 'e7d705a3286e19ea42f587b344ee6865', 'e7d705a3286e19ea42f587b344ee686', 'not-a-hash', '6734f37431670b3ab4292b8f60f29984  # lab tool'].join('\n'), 'ja3');
  assert.deepEqual(ja3.indicators.map((i) => `${i.kind} ${i.value}`), ['ja3 e7d705a3286e19ea42f587b344ee6865', 'ja3 6734f37431670b3ab4292b8f60f29984']);
  assert.deepEqual(ja3.bad.map((b) => [b.line, b.reason]), [[4, 'not a JA3 fingerprint (32 hex digits)'], [5, 'not a JA3 fingerprint (32 hex digits)']]);
  const ja4 = parseList('T13D1516H2_8DAAF6152771_B186095E22B6\nt13d1516h2_8daaf6152771\nt13d1516h2_8daaf6152771_b186095e22b6_extra\n', 'ja4');
  assert.deepEqual(ja4.indicators.map((i) => i.value), ['t13d1516h2_8daaf6152771_b186095e22b6']);
  assert.deepEqual(ja4.bad.map((b) => [b.line, b.reason]), [
    [2, 'not a JA4 fingerprint (like t13d1516h2_8daaf6152771_b186095e22b6)'],
    [3, 'not a JA4 fingerprint (like t13d1516h2_8daaf6152771_b186095e22b6)'],
  ]);
  const server = parseList('b12d2871a1189eff20364cf5333619ee\nzz12d2871a1189eff20364cf5333619e\n', 'hassh_server');
  assert.deepEqual(server.indicators.map((i) => `${i.kind} ${i.value}`), ['hassh_server b12d2871a1189eff20364cf5333619ee']);
  assert.deepEqual(server.bad.map((b) => b.reason), ['not a HASSH server fingerprint (32 hex digits)']);
});

test('SSLBL JA3 CSV as published: the commented header names the columns, Listingreason becomes the comment; a real header row works too', () => {
  const sslbl = [
    '################################################################',
    '# JA3 fingerprint blacklist (CSV) - lab copy                   #',
    '################################################################',
    '#',
    '# ja3_md5,Firstseen,Lastseen,Listingreason',
    'b386946a5a44d1ddcc843bc75336dfce,2017-07-14 18:08:15,2019-07-27 20:42:54,LabLoader',
    '8991a387e4cc841740f25d6f5139f92d,2017-10-21 22:43:40,2019-07-27 18:45:35,"LabAdware, bundled"',
    'b386946a5a44d1ddcc843bc75336dfc,2017-07-14 18:08:15,2019-07-27 20:42:54,Broken',
    '1aa7bf8b97e540ca5edd75f7b8384bfa,2018-01-02 00:00:00,2019-01-02 00:00:00,',
    '# END (4 entries)',
  ].join('\n');
  const p = parseList(sslbl, 'ja3', { csv: true });
  assert.deepEqual(
    p.indicators.map((i) => [i.value, i.comment]),
    [['b386946a5a44d1ddcc843bc75336dfce', 'LabLoader'], ['8991a387e4cc841740f25d6f5139f92d', 'LabAdware, bundled'], ['1aa7bf8b97e540ca5edd75f7b8384bfa', undefined]],
  );
  assert.deepEqual(p.bad.map((b) => [b.line, b.reason]), [[8, 'not a JA3 fingerprint (32 hex digits)']]);
  // A header row of its own: the value column found by name, the reason column by name.
  const own = parseList('first_seen,hassh,reason\n2024-01-01,AA7BF8B97E540CA5EDD75F7B8384BFA1,bruteforcer\n', 'hassh');
  assert.deepEqual(own.indicators, [{ kind: 'hassh', value: 'aa7bf8b97e540ca5edd75f7b8384bfa1', to_ids: true, comment: 'bruteforcer' }]);
  // A comment that is not right before the first entry is not a header; a long comment is cut.
  const far = parseList(`# hassh,reason\n# other notes\n${'a'.repeat(32)},${'x'.repeat(500)}\n`, 'hassh');
  assert.equal(far.indicators[0]!.comment, undefined);
  const cut = parseList(`# hassh,reason\n${'a'.repeat(32)},${'x'.repeat(500)}\n`, 'hassh');
  assert.equal(cut.indicators[0]!.comment, 'x'.repeat(200));
});

test('SSLBL certificate blacklist CSV as published: the commented header names SHA1 and Listingreason, which becomes the comment', () => {
  // The layout of https://sslbl.abuse.ch/blacklist/sslblacklist.csv (CRLF line ends), with made-up digests.
  const sslbl = [
    '################################################################',
    '# abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints) #',
    '# Last updated: 2024-09-02 06:17:52 UTC                        #',
    '#                                                              #',
    '# Terms Of Use: https://sslbl.abuse.ch/blacklist/              #',
    '# For questions please contact sslbl [at] abuse.ch             #',
    '################################################################',
    '#',
    '# Listingdate,SHA1,Listingreason',
    '2024-09-02 06:17:52,0a1b2c3d4e5f60718293a4b5c6d7e8f901234567,Dridex C&C',
    '2024-09-01 12:00:00,8899AABBCCDDEEFF00112233445566778899AABB,AsyncRAT C&C',
    '2024-08-30 13:46:12,0a1b2c3d4e5f60718293a4b5c6d7e8f90123456,Short C&C',
    '2024-08-29 09:02:20,zz1b2c3d4e5f60718293a4b5c6d7e8f901234567,Not hex',
    '2024-08-29 09:01:39,0a1b2c3d4e5f60718293a4b5c6d7e8f901234567,Dridex C&C',
    '',
  ].join('\r\n');
  const p = parseList(sslbl, 'cert_sha1', { csv: true });
  assert.deepEqual(p.indicators, [
    { kind: 'cert_sha1', value: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567', to_ids: true, comment: 'Dridex C&C' },
    { kind: 'cert_sha1', value: '8899aabbccddeeff00112233445566778899aabb', to_ids: true, comment: 'AsyncRAT C&C' },
  ]);
  const reason = 'not a certificate SHA-1 (40 hex digits, or 20 hex pairs joined by colons)';
  assert.deepEqual(p.bad.map((b) => [b.line, b.reason, b.text]), [
    [12, reason, '2024-08-30 13:46:12,0a1b2c3d4e5f60718293a4b5c6d7e8f90123456,Short C&C'],
    [13, reason, '2024-08-29 09:02:20,zz1b2c3d4e5f60718293a4b5c6d7e8f901234567,Not hex'],
  ]);
  assert.equal(p.lines, 14);
});

test('certificate lists: the colon form openssl prints, SHA-256 lists, a header naming the digest; wrong lengths are bad lines', () => {
  const sha1 = parseList(
    [
      '# certificates of the lab C2',
      '82:43:7E:78:30:61:4E:25:00:67:9D:12:15:90:D2:53:81:DE:1D:AC  # lab C2',
      'DD7A7F131DDBA33D3E8670179483E6FEA6987D6A',
      '82:43:7e:78:30:61:4e:25:00:67:9d:12:15:90:d2:53:81:de:1d',
      '82:43:7e:78:30:61:4e:25:00:67:9d:12:15:90:d2:53:81:de:1d:ac:00',
      '8:243:7e:78:30:61:4e:25:00:67:9d:12:15:90:d2:53:81:de:1d:ac',
      'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244',
    ].join('\n'),
    'cert_sha1',
  );
  assert.deepEqual(sha1.indicators.map((i) => [i.value, i.comment]), [
    ['82437e7830614e2500679d121590d25381de1dac', 'lab C2'],
    ['dd7a7f131ddba33d3e8670179483e6fea6987d6a', undefined],
  ]);
  assert.deepEqual(sha1.bad.map((b) => b.line), [4, 5, 6, 7], 'short, long, badly paired and SHA-256 values are refused with their line');

  const sha256 = parseList('A5:80:24:7A:25:32:4A:DF:4A:DD:5A:F6:48:DE:4A:C5:79:80:30:DF:D6:22:F2:6A:5F:22:80:D7:52:8A:E2:44\n82437e7830614e2500679d121590d25381de1dac\n', 'cert_sha256');
  assert.deepEqual(sha256.indicators.map((i) => `${i.kind} ${i.value}`), ['cert_sha256 a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244']);
  assert.deepEqual(sha256.bad.map((b) => [b.line, b.reason]), [[2, 'not a certificate SHA-256 (64 hex digits, or 32 hex pairs joined by colons)']]);

  // An x509.log export holds `fingerprint` (the SHA-256) before `sha1`: a SHA-1 list takes the column named after it.
  const x509 = 'fingerprint,certificate.subject,sha1\na580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244,"CN=*.gstatic.com,O=Google Inc",82437e7830614e2500679d121590d25381de1dac\n';
  assert.deepEqual(parseList(x509, 'cert_sha1').indicators.map((i) => i.value), ['82437e7830614e2500679d121590d25381de1dac']);
  assert.deepEqual(parseList(x509, 'cert_sha256').indicators.map((i) => i.value), ['a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244']);
  const misp = parseList('x509-fingerprint-sha1,comment\n82437e7830614e2500679d121590d25381de1dac,lab\n', 'cert_sha1');
  assert.deepEqual(misp.indicators, [{ kind: 'cert_sha1', value: '82437e7830614e2500679d121590d25381de1dac', to_ids: true, comment: 'lab' }]);
});

test('a value\'s fingerprint kinds by its shape: 32 hex digits a JA3, JA3S, HASSH or file MD5, 40 a certificate or file SHA-1, 64 a SHA-256; with colons a certificate digest only', () => {
  assert.deepEqual(fingerprintKindsOf('82437E7830614E2500679D121590D25381DE1DAC'), ['cert_sha1', 'file_sha1']);
  assert.deepEqual(fingerprintKindsOf(' 82:43:7e:78:30:61:4e:25:00:67:9d:12:15:90:d2:53:81:de:1d:ac '), ['cert_sha1']);
  assert.deepEqual(fingerprintKindsOf('a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244'), ['cert_sha256', 'file_sha256']);
  assert.deepEqual(fingerprintKindsOf('A5:80:24:7A:25:32:4A:DF:4A:DD:5A:F6:48:DE:4A:C5:79:80:30:DF:D6:22:F2:6A:5F:22:80:D7:52:8A:E2:44'), ['cert_sha256']);
  assert.deepEqual(fingerprintKindsOf('1aa7bf8b97e540ca5edd75f7b8384bfa'), ['ja3', 'ja3s', 'hassh', 'hassh_server', 'file_md5']);
  assert.deepEqual(fingerprintKindsOf('82437e7830614e2500679d121590d25381de1da'), []);
  assert.deepEqual(fingerprintKindsOf('fe80:0:0:0:0:0:0:1'), [], 'an IPv6 address is not a digest');
  assert.equal(normalizeFingerprint('cert_sha1', '82:43:7E:78:30:61:4E:25:00:67:9D:12:15:90:D2:53:81:DE:1D:AC'), '82437e7830614e2500679d121590d25381de1dac');
  // Colons belong to certificate digests only.
  assert.equal(normalizeFingerprint('ja3', '1a:a7:bf:8b:97:e5:40:ca:5e:dd:75:f7:b8:38:4b:fa'), null);
  assert.equal(normalizeFingerprint('file_sha1', '82:43:7E:78:30:61:4E:25:00:67:9D:12:15:90:D2:53:81:DE:1D:AC'), null);
  assert.equal(normalizeFingerprint('file_sha256', ' B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68 '), 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68');
});

test('file hash lists: MD5, SHA-1 and SHA-256 by kind, lower-cased, sha256sum output read; other shapes are bad lines with their number and reason', () => {
  const sha256 = parseList(
    [
      '# samples seen in the lab',
      'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68  # Xorist',
      // sha256sum output: the hash, two spaces, the file name.
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.bin',
      '77b0c41b7d340b8a3d903f21347bbf06aa766b5b',
      'b3:c4:ae:25:1f:80:94:fa:15:b5:10:05:18:35:c6:57:ea:ef:2a:6c:ea:46:07:5d:3a:ec:96:4b:14:a9:9f:68',
      'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f6',
      'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68',
    ].join('\n'),
    'file_sha256',
  );
  assert.deepEqual(sha256.indicators, [
    { kind: 'file_sha256', value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' },
    { kind: 'file_sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', to_ids: true },
  ]);
  const reason = 'not a file SHA-256 (64 hex digits)';
  assert.deepEqual(sha256.bad.map((b) => [b.line, b.reason]), [[4, reason], [5, reason], [6, reason]], 'a SHA-1, the colon form and a short value');
  assert.equal(sha256.badCount, 3);

  const md5 = parseList('0749BAE92CA336A02C83D126E04EC628\n0749bae92ca336a02c83d126e04ec62\n', 'file_md5');
  assert.deepEqual(md5.indicators.map((i) => `${i.kind} ${i.value}`), ['file_md5 0749bae92ca336a02c83d126e04ec628']);
  assert.deepEqual(md5.bad.map((b) => [b.line, b.reason]), [[2, 'not a file MD5 (32 hex digits)']]);
  const sha1 = parseList('77B0C41B7D340B8A3D903F21347BBF06AA766B5B\nzz b0c41b7d340b8a3d903f21347bbf06aa766b5b\n', 'file_sha1');
  assert.deepEqual(sha1.indicators.map((i) => `${i.kind} ${i.value}`), ['file_sha1 77b0c41b7d340b8a3d903f21347bbf06aa766b5b']);
  assert.deepEqual(sha1.bad.map((b) => [b.line, b.reason]), [[2, 'not a file SHA-1 (40 hex digits)']]);
});

test('abuse.ch MalwareBazaar CSV export: each file kind reads its own column (sha256_hash, md5_hash, sha1_hash), the signature is the comment (none for "n/a")', () => {
  // The layout of MalwareBazaar's CSV exports (commented header, quoted cells after ", "), with made-up rows.
  const rows = [
    '################################################################',
    '# MalwareBazaar recent malware samples (CSV) - lab copy        #',
    '################################################################',
    '#',
    '# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature","clamav","vtpercent","imphash","ssdeep","tlsh"',
    '"2024-09-02 06:17:52", "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68", "0749bae92ca336a02c83d126e04ec628", "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", "lab", "3Z4wnG9603it23y.exe", "exe", "application/x-dosexec", "Xorist", "n/a", "n/a", "n/a", "n/a", "n/a"',
    '"2024-09-02 06:10:00", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "D41D8CD98F00B204E9800998ECF8427E", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "lab", "empty.bin", "unknown", "application/octet-stream", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"',
    '"2024-09-01 23:59:59", "not-a-hash", "0749bae92ca336a02c83d126e04ec62", "77b0c41b", "lab", "broken.exe", "exe", "application/x-dosexec", "Broken", "n/a", "n/a", "n/a", "n/a", "n/a"',
    '',
  ].join('\n');
  const sha256 = parseList(rows, 'file_sha256', { csv: true });
  assert.deepEqual(sha256.indicators, [
    { kind: 'file_sha256', value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' },
    { kind: 'file_sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', to_ids: true },
  ]);
  assert.deepEqual(sha256.bad.map((b) => [b.line, b.reason]), [[8, 'not a file SHA-256 (64 hex digits)']]);
  const md5 = parseList(rows, 'file_md5', { csv: true });
  assert.deepEqual(md5.indicators.map((i) => i.value), ['0749bae92ca336a02c83d126e04ec628', 'd41d8cd98f00b204e9800998ecf8427e']);
  assert.deepEqual(md5.bad.map((b) => [b.line, b.reason]), [[8, 'not a file MD5 (32 hex digits)']]);
  const sha1 = parseList(rows, 'file_sha1', { csv: true });
  assert.deepEqual(sha1.indicators.map((i) => i.value), ['77b0c41b7d340b8a3d903f21347bbf06aa766b5b', 'da39a3ee5e6b4b0d3255bfef95601890afd80709']);
  assert.equal(sha1.badCount, 1);
  // A header row of its own works too, and plain names (sha256, md5) as well.
  const own = parseList('first_seen_utc,sha256_hash,md5_hash,sha1_hash,signature\n2024-09-02,b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68,0749bae92ca336a02c83d126e04ec628,77b0c41b7d340b8a3d903f21347bbf06aa766b5b,Xorist\n', 'file_md5');
  assert.deepEqual(own.indicators, [{ kind: 'file_md5', value: '0749bae92ca336a02c83d126e04ec628', to_ids: true, comment: 'Xorist' }]);
  const plain = parseList('md5,sha256,comment\n0749bae92ca336a02c83d126e04ec628,b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68,lab\n', 'file_sha256');
  assert.deepEqual(plain.indicators.map((i) => i.value), ['b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68']);
  // The generic names the JA3 and certificate kinds share keep their meaning there.
  assert.deepEqual(parseList('md5,comment\n1aa7bf8b97e540ca5edd75f7b8384bfa,lab\n', 'ja3').indicators.map((i) => `${i.kind} ${i.value}`), ['ja3 1aa7bf8b97e540ca5edd75f7b8384bfa']);
  assert.deepEqual(parseList('md5,sha256,comment\n0749bae92ca336a02c83d126e04ec628,a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244,lab\n', 'cert_sha256').indicators.map((i) => `${i.kind} ${i.value}`), [
    'cert_sha256 a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244',
  ]);
});

test('free text and CSV feeds: a bare 32, 40 or 64 hex digit value is a file MD5, SHA-1 or SHA-256', () => {
  const report = parseFreeText(
    [
      'Dropper 3Z4wnG9603it23y.exe (MD5 0749BAE92CA336A02C83D126E04EC628, SHA-1 77b0c41b7d340b8a3d903f21347bbf06aa766b5b)',
      'sha256: b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68; C2 203.0.113.9.',
      'Not hashes: 0749bae92ca336a02c83d126e04ec62, deadbeef, a 33-digit 0749bae92ca336a02c83d126e04ec6281.',
    ].join('\n'),
  );
  assert.deepEqual(report.map((i) => `${i.kind} ${i.value}`), [
    'file_md5 0749bae92ca336a02c83d126e04ec628',
    'file_sha1 77b0c41b7d340b8a3d903f21347bbf06aa766b5b',
    'file_sha256 b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68',
    'ip 203.0.113.9',
  ]);
  const csv = parseList('sha256_hash,signature\nb3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68,Xorist\n0749bae92ca336a02c83d126e04ec628,x\nnot-a-hash,y\n', 'auto', { csv: true });
  assert.deepEqual(csv.indicators.map((i) => [i.kind, i.value, i.comment]), [
    ['file_sha256', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', 'Xorist'],
    ['file_md5', '0749bae92ca336a02c83d126e04ec628', 'x'],
  ]);
  assert.deepEqual(csv.bad.map((b) => [b.line, b.reason]), [[4, 'not an IP, CIDR, URL, domain name or file hash']]);
});

test('URL lists: URLhaus text export lines, a CSV export with its "url" column and "threat" comment; text that is not a URL is a bad line', () => {
  const text = [
    '################################################################',
    '# abuse.ch URLhaus Database Dump (text export, lab sample)',
    '################################################################',
    'http://203.0.113.7/bins/mozi.m',
    'https://files.example/invoice.zip',
    'http://payload.bad-cdn.test:8080/stage2.bin # stage two',
    'files.example/no-scheme',
  ].join('\n');
  const p = parseList(text, 'url');
  assert.deepEqual(p.indicators.map((i) => `${i.kind} ${i.value}`), [
    'url http://203.0.113.7/bins/mozi.m',
    'url https://files.example/invoice.zip',
    'url http://payload.bad-cdn.test:8080/stage2.bin',
  ]);
  assert.equal(p.indicators[2]!.comment, 'stage two');
  assert.deepEqual(p.bad.map((b) => [b.line, b.reason]), [[7, 'not a URL (scheme://host/...)']]);
  const csv = [
    '# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter',
    '"3071","2026-11-30 10:00:00","http://203.0.113.7/bins/mozi.m","online","2026-11-30 10:00:00","malware_download","elf,mozi","https://urlhaus.abuse.ch/url/3071/","lab"',
  ].join('\n');
  const c = parseList(csv, 'url');
  assert.deepEqual(c.indicators.map((i) => [i.value, i.comment]), [['http://203.0.113.7/bins/mozi.m', 'malware_download']]);
});
