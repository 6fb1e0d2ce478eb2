/**
 * `picket intel update | status | lookup` through the CLI entry point, on a
 * temp config with lists, the shared MISP events and Tor documents.
 * (Kept with the store tests: the command is a thin layer over IntelSources.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DATA, tempDir } from '../../helpers/paths.js';
import { execFile } from 'node:child_process';
import { intelCacheDir } from '../../../src/cli/intel-command.js';
import { defaultConfig } from '../../../src/config/load.js';
import { startFixture } from '../misp/http-fixture.js';

const MAIN = new URL('../../../src/cli/main.js', import.meta.url).href;

/** Runs the CLI in a child process (the test runner owns this process's stdout). */
function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const code = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(process.argv.slice(1));`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', code, '--', ...args], (error, stdout, stderr) => {
      const exit = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code: exit, out: stdout, err: stderr });
    });
  });
}

test('intel update, status and lookup on lists, MISP events and Tor documents', async () => {
  const dir = tempDir('picket-intel-cli-');
  try {
    fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '203.0.113.66\nbogus\n');
    fs.writeFileSync(
      path.join(dir, 'picket.yaml'),
      `intel:
  lists: [{ path: bad-ips.txt, kind: ip }]
  misp: { feeds: [${JSON.stringify(path.join(SHARED_DATA, 'misp', 'events-pymisp'))}] }
  tor: [${JSON.stringify(path.join(SHARED_DATA, 'tor', 'consensus-2018-06-01-00-00-00.txt'))}]
  cache_dir: store
`,
    );
    const cfg = ['--config', path.join(dir, 'picket.yaml')];
    const up = await run(['intel', 'update', ...cfg]);
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, /^ok {4}bad-ips\.txt: 1 \(\+1\) — 1 ip entries from 2 lines, 1 bad line$/m);
    assert.match(up.out, /^ {6}bad-ips\.txt:2: not an IP address: bogus$/m);
    assert.match(up.out, /3 of 3 sources refreshed/);

    const st = await run(['intel', 'status', ...cfg]);
    assert.equal(st.code, 0);
    const lines = st.out.split('\n').filter((l) => /^(bad-ips|misp-feed|tor:)/.test(l));
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /misp-feed:events-pymisp +misp-feed +71 indicators, 71 alerting, file changed .* ago/);
    assert.match(lines[2]!, /tor:consensus.* 245 relay addresses, 28 exits/);
    assert.match(st.out, new RegExp(`store: ${path.join(dir, 'store').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // The built-in data comes first: enrichment table, attack-tool and malware patterns, DGA model.
    assert.match(st.out, /^ip-enrichment +built-in +[\d,]+ IPv4 and [\d,]+ IPv6 ranges, [\d,]+ owners from @ip-location-db\/asn/m);
    assert.match(st.out, /^user-agents +built-in +\d+ attack-tool patterns \(bundled list\), \d+ malware patterns \(bundled list\)$/m);
    assert.match(st.out, /^dga +built-in +7 generator-family models, threshold [\d.]+, [\d,]+ allowlisted domains$/m);
    const stj = JSON.parse((await run(['intel', 'status', '--json', ...cfg])).out) as { bundled: { name: string; ok: boolean }[]; sources: unknown[] };
    assert.deepEqual(stj.bundled.map((b) => [b.name, b.ok]), [['ip-enrichment', true], ['user-agents', true], ['dga', true]]);
    assert.equal(stj.sources.length, 3);

    const dom = await run(['intel', 'lookup', 'cdn.meteost.com', ...cfg]);
    assert.match(dom.out, /^domain cdn\.meteost\.com$/m);
    assert.match(dom.out, /ALERTS +misp-feed:events-pymisp: domain meteost\.com, MISP event 5a3c2fcd-8328-42bb-a95e-4f4402de0b81 "OSINT - Sednit update/);
    const relay = await run(['intel', 'lookup', '67.161.31.147', '--json', ...cfg]);
    const j = JSON.parse(relay.out) as { kind: string; tor: Array<{ nickname: string; or_port: number }> };
    assert.equal(j.kind, 'ip');
    assert.deepEqual(j.tor.map((t) => [t.nickname, t.or_port]), [['seele', 9001]]);
    const ua = await run(['intel', 'lookup', 'Mozilla/5.0 (X11)', ...cfg]);
    assert.match(ua.out, /^user-agent Mozilla\/5\.0 \(X11\)\n {2}not an attack-tool user-agent on the built-in or site pattern lists\n {2}not a malware user-agent on the built-in or site pattern lists\n {2}not on any configured list/);
    const tool = await run(['intel', 'lookup', 'sqlmap/1.7.2#stable (https://sqlmap.org)', ...cfg]);
    assert.match(tool.out, /^ {2}ALERTS {2}attack tool sqlmap: ua\.attack_tool \(pattern "sqlmap" from /m);
    const malware = await run(['intel', 'lookup', 'TakeMyPainBack', ...cfg]);
    assert.match(malware.out, /^ {2}ALERTS {2}malware Raccoon Stealer: ua\.malware \(pattern "\^TakeMyPainBack\$" from Sigma proxy_ua_malware\.yml by /m);
    const malwareJson = JSON.parse((await run(['intel', 'lookup', 'TeslaBrowser/5.5', '--json', ...cfg])).out) as { attack_tool: unknown; malware: { tool: string } };
    assert.deepEqual([malwareJson.attack_tool, malwareJson.malware.tool], [null, 'Agent Tesla']);
    const generated = await run(['intel', 'lookup', 'xjwqkzpvbnmtrs.ru', '--json', ...cfg]);
    assert.equal((JSON.parse(generated.out) as { dga: { dga: boolean } }).dga.dga, true);
    const popular = await run(['intel', 'lookup', 'www.google.com', ...cfg]);
    assert.match(popular.out, /DGA classifier: not scored \(allowlisted\)/);

    assert.equal((await run(['intel', 'nope', ...cfg])).code, 2);
    assert.equal((await run(['intel', 'lookup', ...cfg])).code, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('intel update fails a remote list that turned into a login page, keeps its set, and status says why', async () => {
  const fx = await startFixture();
  const dir = tempDir('picket-intel-cli-');
  try {
    fx.files.set('/bad-ips.txt', '203.0.113.66\n198.51.100.7\n192.0.2.99\n');
    fs.writeFileSync(path.join(dir, 'picket.yaml'), `intel:\n  lists: [{ path: "${fx.base}/bad-ips.txt", kind: ip, name: remote-bad }]\n  cache_dir: store\n`);
    const cfg = ['--config', path.join(dir, 'picket.yaml')];
    const up = await run(['intel', 'update', ...cfg]);
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, /^ok {4}remote-bad: 3 \(\+3\)/m);

    fx.files.set('/bad-ips.txt', '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in to continue</body></html>\n');
    const portal = await run(['intel', 'update', ...cfg]);
    assert.equal(portal.code, 1);
    assert.match(portal.out, /^FAIL {2}remote-bad: http:\/\/127\.0\.0\.1:\d+\/bad-ips\.txt: the server sent an HTML page instead of a list of ip entries .*\(kept 3 from before\)$/m);
    assert.match(portal.out, /^0 of 1 sources refreshed/m);
    fx.files.set('/bad-ips.txt', '');
    const empty = await run(['intel', 'update', ...cfg]);
    assert.equal(empty.code, 1);
    assert.match(empty.out, /^FAIL {2}remote-bad: .*empty document.*\(kept 3 from before\)$/m);

    const st = await run(['intel', 'status', ...cfg]);
    assert.match(st.out, /^remote-bad +list +3 indicators, 3 alerting, updated .*\n {2}last error: .*empty document/m);
    const hit = await run(['intel', 'lookup', '198.51.100.7', ...cfg]);
    assert.match(hit.out, /ALERTS +remote-bad: ip 198\.51\.100\.7/);
  } finally {
    await fx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('intel lookup: the verdict follows the kind; a to_ids URL alerts nowhere, a to_ids user-agent through ua.attack_tool', async () => {
  const dir = tempDir('picket-intel-cli-');
  try {
    const attr = (type: string, value: string, to_ids: boolean): Record<string, unknown> => ({ uuid: `${type}-${value}`, type, value, to_ids });
    const event = {
      Event: {
        uuid: '11111111-2222-4333-8444-555555555555',
        info: 'Lab campaign',
        Attribute: [
          attr('url', 'http://files.lab.example/gate.php', true),
          attr('user-agent', 'EvilBot/1.0 (c2)', true),
          attr('user-agent', 'Curious/2.0', false),
          attr('domain', 'c2.lab.example', true),
          attr('ip-dst', '198.51.100.66', true),
          attr('url', 'http://c2.lab.example/beacon', true),
        ],
      },
    };
    fs.writeFileSync(path.join(dir, 'event.json'), JSON.stringify(event));
    fs.writeFileSync(path.join(dir, 'picket.yaml'), 'intel:\n  misp: { feeds: [event.json] }\n  cache_dir: store\n');
    const cfg = ['--config', path.join(dir, 'picket.yaml')];

    const url = await run(['intel', 'lookup', 'http://files.lab.example/gate.php', ...cfg]);
    assert.match(url.out, /^ {2}ALERTS +misp-feed:event\.json: url http:\/\/files\.lab\.example\/gate\.php, MISP event .* \(http\.bad_url\)$/m);
    assert.match(url.out, /^ {2}=> traffic involving it raises alerts \(http\.bad_url\)$/m);
    const urlJson = JSON.parse((await run(['intel', 'lookup', 'http://files.lab.example/gate.php', '--json', ...cfg])).out) as { alert_rules: string[] };
    assert.deepEqual(urlJson.alert_rules, ['http.bad_url']);
    // Written another way (host case, default port, an escape), the same URL as a request would name it.
    const spelled = await run(['intel', 'lookup', 'HTTP://Files.Lab.Example:80/gate%2Ephp', ...cfg]);
    assert.match(spelled.out, /^ {2}ALERTS +misp-feed:event\.json: url http:\/\/files\.lab\.example\/gate\.php, .*\(http\.bad_url\)$/m);
    // Another URL on that host is not listed: the host is not condemned by the URL listed on it.
    const other = await run(['intel', 'lookup', 'http://files.lab.example/index.html', ...cfg]);
    assert.doesNotMatch(other.out, /raises alerts/);

    // A URL on a listed host: the host's name alerts (its lookups, and HTTP or TLS naming it), and so does the URL.
    const onHost = await run(['intel', 'lookup', 'http://c2.lab.example/beacon', ...cfg]);
    assert.match(onHost.out, /^ {2}ALERTS +misp-feed:event\.json: domain c2\.lab\.example, .* \(dns\.bad_name, net\.bad_name\)$/m);
    assert.match(onHost.out, /^ {2}=> traffic involving it raises alerts \(.*dns\.bad_name, net\.bad_name.*\)$/m);

    const ua = await run(['intel', 'lookup', 'EvilBot/1.0 (c2)', ...cfg]);
    assert.match(ua.out, /^ {2}ALERTS +misp-feed:event\.json: user-agent EvilBot\/1\.0 \(c2\), .* \(ua\.attack_tool\)$/m);
    assert.match(ua.out, /^ {2}=> traffic involving it raises alerts \(ua\.attack_tool\)$/m);
    const context = await run(['intel', 'lookup', 'Curious/2.0', ...cfg]);
    assert.match(context.out, /^ {2}=> known, but only as context \(no to_ids\): no alerts$/m);

    // Status counts as alerting only what some rule alerts on: not the context user-agent.
    const st = await run(['intel', 'status', ...cfg]);
    assert.match(st.out, /^misp-feed:event\.json +misp-feed +6 indicators, 5 alerting,/m);
    const ip = await run(['intel', 'lookup', '198.51.100.66', ...cfg]);
    assert.match(ip.out, /^ {2}=> traffic involving it raises alerts \(ip\.bad, dns\.bad_ip, net\.bad_name\)$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the store folder: --cache, then intel.cache_dir, then <state>/intel, then ./data/intel', () => {
  const c = defaultConfig();
  assert.equal(intelCacheDir(c, '/etc/picket', { cache: '/var/x' }), '/var/x');
  assert.equal(intelCacheDir({ ...c, intel: { ...c.intel, cache_dir: 'intel-store' } }, '/etc/picket', { state: '/var/s' }), '/etc/picket/intel-store');
  assert.equal(intelCacheDir(c, '/etc/picket', { state: '/var/s' }), '/var/s/intel');
  assert.equal(intelCacheDir(c, '/etc/picket', {}), path.resolve('data', 'intel'));
});

test('intel lookup of a subdomain, an address inside a listed CIDR, and a CIDR range', async () => {
  const dir = tempDir('picket-intel-cli-');
  try {
    fs.writeFileSync(path.join(dir, 'names.txt'), 'Evil.Example.\n');
    fs.writeFileSync(path.join(dir, 'nets.csv'), 'network,comment\n203.0.113.0/24,lab\n2001:db8:bad::/48,lab v6\n');
    fs.writeFileSync(path.join(dir, 'picket.yaml'), 'intel:\n  lists: [{ path: names.txt, kind: domain }, { path: nets.csv, kind: cidr }]\n  cache_dir: store\n');
    const cfg = ['--config', path.join(dir, 'picket.yaml')];
    const sub = await run(['intel', 'lookup', 'WWW.evil.example.', ...cfg]);
    assert.match(sub.out, /^domain www\.evil\.example\n {2}ALERTS {2}names\.txt: domain evil\.example \(dns\.bad_name, net\.bad_name\)$/m);
    const inside = await run(['intel', 'lookup', '::ffff:203.0.113.77', ...cfg]);
    assert.match(inside.out, /^ip 203\.0\.113\.77\n/);
    assert.match(inside.out, /ALERTS {2}nets\.csv: cidr 203\.0\.113\.0\/24 \(ip\.bad, dns\.bad_ip, net\.bad_name\)/);
    // A range: the listed networks that cover all of it.
    const range = await run(['intel', 'lookup', '203.0.113.128/25', ...cfg]);
    assert.equal(range.code, 0, range.err);
    assert.match(range.out, /^cidr 203\.0\.113\.128\/25\n {2}ALERTS {2}nets\.csv: cidr 203\.0\.113\.0\/24/);
    const v6 = await run(['intel', 'lookup', '2001:db8:bad:1::/64', '--json', ...cfg]);
    const j = JSON.parse(v6.out) as { kind: string; matches: Array<{ indicator: string }>; alert_rules: string[] };
    assert.equal(j.kind, 'cidr');
    assert.equal(j.matches.length, 1);
    assert.deepEqual(j.alert_rules, ['ip.bad', 'dns.bad_ip', 'net.bad_name']);
    // IPv6 shown as the logs write it, not as the store's uncompressed key.
    const six = await run(['intel', 'lookup', '2001:DB8:BAD:0:0::1', ...cfg]);
    assert.match(six.out, /^ip 2001:db8:bad::1\n/);
    assert.match(six.out, /ALERTS {2}nets\.csv: cidr 2001:db8:bad::\/48 \(ip\.bad, dns\.bad_ip, net\.bad_name\)/);
    const wider = await run(['intel', 'lookup', '203.0.0.0/16', ...cfg]);
    assert.match(wider.out, /^cidr 203\.0\.0\.0\/16\n {2}not on any configured list/);
    const hostBits = await run(['intel', 'lookup', '203.0.113.1/24', ...cfg]);
    assert.notEqual(hostBits.code, 0);
    assert.match(hostBits.err, /lookup 203\.0\.113\.1\/24: not a CIDR \(host bits set/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('intel lookup of a JA3, a HASSH and a JA4: an MD5 is looked up as each kind it could be, with the rule that alerts and the list\'s reason', async () => {
  const dir = tempDir('picket-intel-cli-');
  try {
    fs.writeFileSync(path.join(dir, 'ja3_fingerprints.csv'), '# ja3_md5,Firstseen,Lastseen,Listingreason\n1aa7bf8b97e540ca5edd75f7b8384bfa,2019-01-02 03:04:05,2019-02-03 04:05:06,LabBanker\n');
    fs.writeFileSync(path.join(dir, 'hassh.txt'), 'ec7378c1a92f5a8dde7e8b7a1ddf33d1\n');
    fs.writeFileSync(path.join(dir, 'ja4.txt'), 't13d1516h2_8daaf6152771_b186095e22b6\n');
    fs.writeFileSync(
      path.join(dir, 'picket.yaml'),
      'intel:\n  lists:\n    - { path: ja3_fingerprints.csv, kind: ja3, name: sslbl-ja3 }\n    - { path: hassh.txt, kind: hassh }\n    - { path: ja4.txt, kind: ja4 }\n  cache_dir: store\n',
    );
    const cfg = ['--config', path.join(dir, 'picket.yaml')];

    const ja3 = await run(['intel', 'lookup', '1AA7BF8B97E540CA5EDD75F7B8384BFA', ...cfg]);
    assert.equal(ja3.code, 0, ja3.err);
    assert.match(ja3.out, /^fingerprint 1aa7bf8b97e540ca5edd75f7b8384bfa\n {2}looked up as JA3, JA3S \(TLS server\), HASSH \(SSH client\), HASSH server, file MD5\n/);
    assert.match(ja3.out, /^ {2}ALERTS {2}sslbl-ja3: ja3 1aa7bf8b97e540ca5edd75f7b8384bfa \(tls\.bad_fingerprint\), comment "LabBanker"$/m);
    assert.match(ja3.out, /^ {2}=> traffic involving it raises alerts \(tls\.bad_fingerprint\)$/m);

    const hassh = await run(['intel', 'lookup', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1', '--json', ...cfg]);
    const h = JSON.parse(hassh.out) as { kind: string; fingerprint_kinds: string[]; matches: Array<{ kind: string; source: string }>; alert_rules: string[] };
    assert.equal(h.kind, 'fingerprint');
    assert.deepEqual(h.fingerprint_kinds, ['ja3', 'ja3s', 'hassh', 'hassh_server', 'file_md5']);
    assert.deepEqual(h.matches.map((m) => [m.source, m.kind]), [['hassh.txt', 'hassh']]);
    assert.deepEqual(h.alert_rules, ['ssh.bad_fingerprint']);

    const ja4 = await run(['intel', 'lookup', 'T13D1516H2_8DAAF6152771_B186095E22B6', ...cfg]);
    assert.match(ja4.out, /^fingerprint t13d1516h2_8daaf6152771_b186095e22b6\n {2}looked up as JA4\n {2}ALERTS {2}ja4\.txt: ja4 t13d1516h2_8daaf6152771_b186095e22b6 \(tls\.bad_fingerprint\)\n/);

    const unknown = await run(['intel', 'lookup', '00000000000000000000000000000000', ...cfg]);
    assert.match(unknown.out, /^fingerprint 0{32}\n {2}looked up as JA3, JA3S \(TLS server\), HASSH \(SSH client\), HASSH server, file MD5\n {2}not on any configured list/);

    const st = await run(['intel', 'status', ...cfg]);
    assert.match(st.out, /^sslbl-ja3 +list +1 indicator, 1 alerting,/m);
    assert.match(st.out, /^ja4\.txt +list +1 indicator, 1 alerting,/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('intel lookup of certificate digests: 40 hex digits as a certificate (or file) SHA-1, 64 as a SHA-256, the colon form as a certificate only; status counts them', async () => {
  const dir = tempDir('picket-intel-cli-');
  try {
    fs.writeFileSync(path.join(dir, 'sslblacklist.csv'), '#\n# Listingdate,SHA1,Listingreason\n2024-09-02 06:17:52,82437e7830614e2500679d121590d25381de1dac,Dridex C&C\n');
    fs.writeFileSync(path.join(dir, 'certs.txt'), 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244\n');
    fs.writeFileSync(
      path.join(dir, 'picket.yaml'),
      'intel:\n  lists:\n    - { path: sslblacklist.csv, kind: cert_sha1, name: sslbl-certs }\n    - { path: certs.txt, kind: cert_sha256 }\n  cache_dir: store\n',
    );
    const cfg = ['--config', path.join(dir, 'picket.yaml')];

    const sha1 = await run(['intel', 'lookup', '82:43:7E:78:30:61:4E:25:00:67:9D:12:15:90:D2:53:81:DE:1D:AC', ...cfg]);
    assert.equal(sha1.code, 0, sha1.err);
    assert.match(sha1.out, /^fingerprint 82437e7830614e2500679d121590d25381de1dac\n {2}looked up as TLS certificate SHA-1\n/, 'the colon form is a certificate digest only');
    assert.match(sha1.out, /^ {2}ALERTS {2}sslbl-certs: cert_sha1 82437e7830614e2500679d121590d25381de1dac \(tls\.bad_certificate\), comment "Dridex C&C"$/m);
    assert.match(sha1.out, /^ {2}=> traffic involving it raises alerts \(tls\.bad_certificate\)$/m);

    const sha256 = await run(['intel', 'lookup', 'A580247A25324ADF4ADD5AF648DE4AC5798030DFD622F26A5F2280D7528AE244', '--json', ...cfg]);
    const j = JSON.parse(sha256.out) as { kind: string; value: string; fingerprint_kinds: string[]; matches: Array<{ kind: string; source: string }>; alert_rules: string[] };
    assert.equal(j.kind, 'fingerprint');
    assert.equal(j.value, 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244');
    assert.deepEqual(j.fingerprint_kinds, ['cert_sha256', 'file_sha256']);
    assert.deepEqual(j.matches.map((m) => [m.source, m.kind]), [['certs.txt', 'cert_sha256']]);
    assert.deepEqual(j.alert_rules, ['tls.bad_certificate']);

    const unknown = await run(['intel', 'lookup', 'dd7a7f131ddba33d3e8670179483e6fea6987d6a', ...cfg]);
    assert.match(unknown.out, /^fingerprint dd7a7f131ddba33d3e8670179483e6fea6987d6a\n {2}looked up as TLS certificate SHA-1, file SHA-1\n {2}not on any configured list/);

    const st = await run(['intel', 'status', ...cfg]);
    assert.match(st.out, /^sslbl-certs +list +1 indicator, 1 alerting,/m);
    assert.match(st.out, /^certs\.txt +list +1 indicator, 1 alerting,/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('intel lookup of file hashes: a 64-hex value is looked up as a certificate and a file SHA-256 and reports every listing, with file.bad_hash for the alerting ones', async () => {
  const dir = tempDir('picket-intel-cli-');
  try {
    fs.writeFileSync(path.join(dir, 'samples.txt'), 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68  # Xorist dropper\n');
    fs.writeFileSync(path.join(dir, 'certs.txt'), 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68\n');
    fs.writeFileSync(
      path.join(dir, 'picket.yaml'),
      `intel:
  lists:
    - { path: samples.txt, kind: file_sha256 }
    - { path: certs.txt, kind: cert_sha256 }
  misp: { feeds: [${JSON.stringify(path.join(SHARED_DATA, 'misp', 'events-pymisp'))}] }
  cache_dir: store
`,
    );
    const cfg = ['--config', path.join(dir, 'picket.yaml')];

    const sha256 = await run(['intel', 'lookup', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', '--json', ...cfg]);
    assert.equal(sha256.code, 0, sha256.err);
    const j = JSON.parse(sha256.out) as { kind: string; fingerprint_kinds: string[]; matches: Array<{ kind: string; source: string; event_info?: string; comment?: string }>; alert_rules: string[] };
    assert.equal(j.kind, 'fingerprint');
    assert.deepEqual(j.fingerprint_kinds, ['cert_sha256', 'file_sha256']);
    assert.deepEqual(j.matches.map((m) => [m.source, m.kind, m.event_info ?? m.comment]), [
      ['certs.txt', 'cert_sha256', undefined],
      ['samples.txt', 'file_sha256', 'Xorist dropper'],
      ['misp-feed:events-pymisp', 'file_sha256', 'Ransomware - Xorist'],
    ]);
    assert.deepEqual(j.alert_rules, ['tls.bad_certificate', 'file.bad_hash']);

    const text = await run(['intel', 'lookup', 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68', ...cfg]);
    assert.match(text.out, /^fingerprint b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68\n {2}looked up as TLS certificate SHA-256, file SHA-256\n/);
    assert.match(text.out, /^ {2}ALERTS {2}samples\.txt: file_sha256 b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68 \(file\.bad_hash\), comment "Xorist dropper"$/m);
    assert.match(
      text.out,
      /^ {2}ALERTS {2}misp-feed:events-pymisp: file_sha256 b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68, MISP event 57c4445b-c548-4654-af0b-4be3950d210f "Ransomware - Xorist", tags .* \(file\.bad_hash\)$/m,
    );

    // A Sednit file object's SHA-1 (MISP event only) and the Xorist sample's MD5.
    const sha1 = await run(['intel', 'lookup', '68064FC152E23D56E541714AF52651CB4BA81AAF', '--json', ...cfg]);
    const k = JSON.parse(sha1.out) as { fingerprint_kinds: string[]; matches: Array<{ kind: string; event_id?: string }>; alert_rules: string[] };
    assert.deepEqual(k.fingerprint_kinds, ['cert_sha1', 'file_sha1']);
    assert.deepEqual(k.matches.map((m) => [m.kind, m.event_id]), [['file_sha1', '5a3c2fcd-8328-42bb-a95e-4f4402de0b81']]);
    assert.deepEqual(k.alert_rules, ['file.bad_hash']);
    const md5 = await run(['intel', 'lookup', '0749bae92ca336a02c83d126e04ec628', ...cfg]);
    assert.match(md5.out, /^ {2}looked up as JA3, JA3S \(TLS server\), HASSH \(SSH client\), HASSH server, file MD5$/m);
    assert.match(md5.out, /^ {2}ALERTS {2}misp-feed:events-pymisp: file_md5 0749bae92ca336a02c83d126e04ec628, MISP event 57c4445b/m);

    const st = await run(['intel', 'status', ...cfg]);
    assert.match(st.out, /^samples\.txt +list +1 indicator, 1 alerting,/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
