/** The IndicatorIndex: exact addresses, CIDRs of several lengths, v6, names and parents, user-agents, URLs, fingerprints, file hashes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryIndicatorIndex } from '../../../src/intel/store/indicator-index.js';

const idx = MemoryIndicatorIndex.build([
  {
    source: 'a.txt',
    indicators: [
      { kind: 'ip', value: '203.0.113.66', to_ids: true },
      { kind: 'cidr', value: '203.0.113.0/24', to_ids: true },
      { kind: 'cidr', value: '203.0.0.0/16', to_ids: true },
      { kind: 'cidr', value: '0.0.0.0/0', to_ids: false },
      { kind: 'ip', value: '2001:db8:0:0:0:0:0:66', to_ids: true },
      { kind: 'cidr', value: '2001:db8:0:0:0:0:0:0/32', to_ids: true },
      { kind: 'domain', value: 'evil.example', to_ids: true },
      { kind: 'domain', value: 'deep.sub.other.example', to_ids: true },
    ],
  },
  {
    source: 'misp:x',
    indicators: [
      { kind: 'domain', value: 'evil.example', to_ids: false, event_id: '7' },
      { kind: 'user-agent', value: 'EvilBot/1.0', to_ids: true },
      { kind: 'url', value: 'http://files.example/payload.bin', to_ids: true },
    ],
  },
]);

test('an address matches its exact entry and every containing CIDR, most specific first', () => {
  assert.deepEqual(idx.matchIp('203.0.113.66').map((m) => m.indicator), ['203.0.113.66', '203.0.113.0/24', '203.0.0.0/16', '0.0.0.0/0']);
  assert.deepEqual(idx.matchIp('203.0.200.1').map((m) => m.indicator), ['203.0.0.0/16', '0.0.0.0/0']);
  assert.deepEqual(idx.matchIp('::ffff:203.0.113.66').map((m) => m.indicator).slice(0, 1), ['203.0.113.66']);
  // Shown as the logs write IPv6 (RFC 5952), not as the uncompressed key.
  assert.deepEqual(idx.matchIp('2001:DB8::66').map((m) => m.indicator), ['2001:db8::66', '2001:db8::/32']);
  assert.deepEqual(idx.matchIp('2001:db9::1'), []);
  assert.deepEqual(idx.matchIp('not an ip'), []);
});

test('a name matches itself and its parents, never a look-alike; case and trailing dot do not matter', () => {
  assert.deepEqual(idx.matchDomain('evil.example').map((m) => m.source), ['a.txt', 'misp:x']);
  assert.equal(idx.matchDomain('A.B.Evil.Example.').length, 2);
  assert.equal(idx.matchDomain('notevil.example').length, 0);
  assert.equal(idx.matchDomain('evil.example.com').length, 0);
  assert.equal(idx.matchDomain('other.example').length, 0, 'a parent of a listed name is not listed');
  assert.equal(idx.matchDomain('x.deep.sub.other.example').length, 1);
  assert.equal(idx.matchDomain('').length, 0);
});

test('user-agents and URLs match exactly; URLs are found by host for lookups only', () => {
  assert.equal(idx.matchUserAgent('EvilBot/1.0').length, 1);
  assert.equal(idx.matchUserAgent('EvilBot/1.1').length, 0);
  assert.equal(idx.matchUrl('http://files.example/payload.bin').length, 1);
  assert.equal(idx.urlsOnHost('files.example').length, 1);
  assert.equal(idx.matchDomain('files.example').length, 0);
  assert.equal(idx.size, 11);
});

test('no match returns one shared empty array (nothing allocated per miss)', () => {
  assert.equal(idx.matchDomain('a.example'), idx.matchDomain('b.example'));
  assert.equal(idx.matchIp('2001:db9::1'), idx.matchUserAgent('curl/8'));
  const empty = MemoryIndicatorIndex.build([]);
  assert.equal(empty.matchIp('192.0.2.1'), empty.matchDomain('a.example'));
  assert.ok(Object.isFrozen(empty.matchIp('192.0.2.1')));
});

test('fingerprints match exactly within their kind, without regard to case; a listed comment comes along', () => {
  const fp = MemoryIndicatorIndex.build([
    {
      source: 'sslbl',
      indicators: [
        { kind: 'ja3', value: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true, comment: 'LabBanker' },
        { kind: 'ja4', value: 't13d1516h2_8daaf6152771_b186095e22b6', to_ids: true },
      ],
    },
    {
      source: 'misp:x',
      indicators: [
        { kind: 'hassh', value: 'ec7378c1a92f5a8dde7e8b7a1ddf33d1', to_ids: true, event_id: '9', listed: 'EC7378C1A92F5A8DDE7E8B7A1DDF33D1' },
        { kind: 'hassh_server', value: 'b12d2871a1189eff20364cf5333619ee', to_ids: false },
        { kind: 'ja3', value: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true },
      ],
    },
  ]);
  assert.deepEqual(fp.matchFingerprint('ja3', '1AA7BF8B97E540CA5EDD75F7B8384BFA'), [
    { source: 'sslbl', kind: 'ja3', indicator: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true, comment: 'LabBanker' },
    { source: 'misp:x', kind: 'ja3', indicator: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true },
  ]);
  assert.equal(fp.matchFingerprint('ja4', 'T13D1516H2_8DAAF6152771_B186095E22B6').length, 1);
  assert.equal(fp.matchFingerprint('ja4', 't13d1516h2_8daaf6152771_b186095e22b7').length, 0);
  assert.deepEqual(fp.matchFingerprint('hassh', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1').map((m) => [m.indicator, m.event_id]), [['EC7378C1A92F5A8DDE7E8B7A1DDF33D1', '9']]);
  assert.equal(fp.matchFingerprint('hassh_server', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1').length, 0, 'kinds never mix');
  assert.equal(fp.matchFingerprint('ja3', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1').length, 0);
  assert.equal(fp.matchFingerprint('hassh_server', 'b12d2871a1189eff20364cf5333619ee')[0]!.to_ids, false);
  assert.equal(fp.size, 5);
  // Misses share the empty array, also for a kind nobody lists.
  assert.equal(fp.matchFingerprint('ja3', '00000000000000000000000000000000'), idx.matchFingerprint('hassh', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1'));
  assert.deepEqual(idx.matchFingerprint('ja4', 't13d1516h2_8daaf6152771_b186095e22b6'), []);
});

test('certificate digests: SHA-1 and SHA-256 are kinds of their own, matched without regard to case, as listed', () => {
  const certs = MemoryIndicatorIndex.build([
    { source: 'sslblacklist.csv', indicators: [{ kind: 'cert_sha1', value: '82437e7830614e2500679d121590d25381de1dac', to_ids: true, comment: 'Dridex C&C' }] },
    {
      source: 'misp:x',
      indicators: [
        {
          kind: 'cert_sha256',
          value: 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244',
          listed: 'A5:80:24:7A:25:32:4A:DF:4A:DD:5A:F6:48:DE:4A:C5:79:80:30:DF:D6:22:F2:6A:5F:22:80:D7:52:8A:E2:44',
          to_ids: false,
          event_id: '12',
        },
        { kind: 'cert_sha1', value: '82437e7830614e2500679d121590d25381de1dac', to_ids: true, event_id: '12' },
      ],
    },
  ]);
  assert.deepEqual(certs.matchFingerprint('cert_sha1', '82437E7830614E2500679D121590D25381DE1DAC'), [
    { source: 'sslblacklist.csv', kind: 'cert_sha1', indicator: '82437e7830614e2500679d121590d25381de1dac', to_ids: true, comment: 'Dridex C&C' },
    { source: 'misp:x', kind: 'cert_sha1', indicator: '82437e7830614e2500679d121590d25381de1dac', to_ids: true, event_id: '12' },
  ]);
  const sha256 = certs.matchFingerprint('cert_sha256', 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244');
  assert.deepEqual(sha256.map((m) => [m.indicator, m.to_ids]), [['A5:80:24:7A:25:32:4A:DF:4A:DD:5A:F6:48:DE:4A:C5:79:80:30:DF:D6:22:F2:6A:5F:22:80:D7:52:8A:E2:44', false]]);
  assert.equal(certs.matchFingerprint('cert_sha256', '82437e7830614e2500679d121590d25381de1dac').length, 0, 'a SHA-1 is not a SHA-256');
  assert.equal(certs.matchFingerprint('cert_sha1', 'dd7a7f131ddba33d3e8670179483e6fea6987d6a').length, 0);
  assert.equal(idx.matchFingerprint('cert_sha1', '82437e7830614e2500679d121590d25381de1dac').length, 0, 'nobody lists certificates there');
  assert.equal(certs.size, 3);
});

test('file hashes: MD5, SHA-1 and SHA-256 are kinds of their own, apart from certificate digests and JA3s of the same shape, matched without regard to case', () => {
  const files = MemoryIndicatorIndex.build([
    { source: 'bazaar-sha256', indicators: [{ kind: 'file_sha256', value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' }] },
    {
      source: 'misp:x',
      indicators: [
        { kind: 'file_sha1', value: '77b0c41b7d340b8a3d903f21347bbf06aa766b5b', listed: '77B0C41B7D340B8A3D903F21347BBF06AA766B5B', to_ids: true, event_id: '7', event_info: 'Ransomware - Xorist' },
        { kind: 'file_md5', value: '0749bae92ca336a02c83d126e04ec628', to_ids: false, event_id: '7', comment: '3Z4wnG9603it23y.exe' },
        { kind: 'cert_sha1', value: '82437e7830614e2500679d121590d25381de1dac', to_ids: true },
      ],
    },
  ]);
  assert.deepEqual(files.matchFingerprint('file_sha1', '77B0C41B7D340B8A3D903F21347BBF06AA766B5B'), [
    { source: 'misp:x', kind: 'file_sha1', indicator: '77B0C41B7D340B8A3D903F21347BBF06AA766B5B', to_ids: true, event_id: '7', event_info: 'Ransomware - Xorist' },
  ]);
  assert.deepEqual(files.matchFingerprint('file_sha256', 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68'), [
    { source: 'bazaar-sha256', kind: 'file_sha256', indicator: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' },
  ]);
  assert.deepEqual(files.matchFingerprint('file_md5', '0749bae92ca336a02c83d126e04ec628').map((m) => [m.to_ids, m.comment]), [[false, '3Z4wnG9603it23y.exe']]);
  assert.equal(files.matchFingerprint('ja3', '0749bae92ca336a02c83d126e04ec628').length, 0, 'a file MD5 is no JA3');
  assert.equal(files.matchFingerprint('cert_sha1', '77b0c41b7d340b8a3d903f21347bbf06aa766b5b').length, 0, 'a file SHA-1 is no certificate');
  assert.equal(files.matchFingerprint('file_sha1', '82437e7830614e2500679d121590d25381de1dac').length, 0, 'a certificate SHA-1 is no file');
  assert.equal(files.matchFingerprint('file_sha256', '77b0c41b7d340b8a3d903f21347bbf06aa766b5b').length, 0);
  assert.equal(files.size, 4);
  assert.deepEqual(idx.matchFingerprint('file_sha256', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68'), [], 'nobody lists files there');
});
