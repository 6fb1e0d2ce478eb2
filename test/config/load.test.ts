/** picket.yaml loading: defaults, the documented example, and error messages with file, line and key path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, checkConfigFile, checkConfigText, loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/paths.js';

const EXAMPLE = `networks:
  - name: servers
    cidrs: [10.77.1.0/24]
    role: server              # server | workstation | admin | isolated | guest | other
    new_device_alerts: true   # alert on never-seen devices here
  - name: workstations
    cidrs: [10.77.2.0/24]
    role: workstation
    new_device_alerts: false
segmentation:                 # inter-network policy: deny rules, optional ports
  - { from: workstations, to: servers, ports: [22, 3389, 5985], action: alert }
lateral_movement:
  ports: [22, 135, 139, 445, 3389, 5900, 5985, 5986]
dhcp:
  authorized_servers: [10.77.1.1]
  watch_hostnames: ["kali", "parrot*"]
suppress:                     # per rule, per source/destination host or CIDR, optional expiry
  - { rule: scan.port.horizontal, source: 10.77.1.50, reason: "vulnerability scanner" }
`;

function withFile<T>(text: string, fn: (file: string) => T): T {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'picket.yaml');
    fs.writeFileSync(file, text);
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function problems(text: string): string[] {
  return checkConfigText(text, 'picket.yaml').problems.map((p) => `picket.yaml:${p.line}: ${p.path}: ${p.message}`);
}

test('the documented example is accepted as is', () => {
  const cfg = withFile(EXAMPLE, (f) => loadConfig(f));
  assert.equal(cfg.networks.length, 2);
  assert.equal(cfg.networks[0]!.role, 'server');
  assert.deepEqual(cfg.segmentation[0], { from: 'workstations', to: 'servers', ports: [22, 3389, 5985], proto: 'any', action: 'alert' });
  assert.deepEqual(cfg.suppress[0], { rule: 'scan.port.horizontal', source: ['10.77.1.50'], reason: 'vulnerability scanner' });
  assert.deepEqual(withFile(EXAMPLE, (f) => checkConfigFile(f)), []);
});

test('no file, an empty file and a comment-only file give every default', () => {
  for (const cfg of [loadConfig(), withFile('', (f) => loadConfig(f)), withFile('# nothing\n', (f) => loadConfig(f))]) {
    assert.equal(cfg.dedup_interval, 3600);
    assert.equal(cfg.learning_period, 86400);
    assert.equal(cfg.observer_name, 'picket');
    assert.deepEqual(cfg.lateral_movement.ports, [22, 135, 139, 445, 3389, 5900, 5985, 5986]);
    assert.equal(cfg.detectors['scan.port.vertical'].threshold, 15);
    assert.equal(cfg.detectors['scan.port.vertical'].window, 300);
    assert.equal(cfg.detectors['scan.port.horizontal'].threshold, 25);
    assert.equal(cfg.detectors['auth.bruteforce'].default_failures.window, 900);
  }
});

test('the config is frozen all the way down', () => {
  const cfg = withFile(EXAMPLE, (f) => loadConfig(f));
  assert.ok(Object.isFrozen(cfg));
  assert.ok(Object.isFrozen(cfg.networks[0]!.cidrs));
  assert.ok(Object.isFrozen(cfg.detectors['scan.arp']));
});

test('durations: strings with units or seconds', () => {
  const cfg = checkConfigText('dedup_interval: 30m\nlearning_period: 7d\ndetectors:\n  scan.arp: { window: 90 }\n', 'x').config!;
  assert.equal(cfg.dedup_interval, 1800);
  assert.equal(cfg.learning_period, 604800);
  assert.equal(cfg.detectors['scan.arp'].window, 90);
});

test('a bad CIDR names file, line and key path', () => {
  const bad = EXAMPLE.replace('cidrs: [10.77.2.0/24]', 'cidrs: [10.77.2.0/33]');
  assert.deepEqual(problems(bad), ['picket.yaml:7: networks[1].cidrs[0]: "10.77.2.0/33" is not a CIDR']);
  const { file, err } = withFile(bad, (f) => {
    try {
      loadConfig(f);
      return { file: f, err: null };
    } catch (e) {
      return { file: f, err: e as ConfigError };
    }
  });
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'PKT_ERR_CONFIG_INVALID');
  assert.equal(err.message, `${file}:7: networks[1].cidrs[0]: "10.77.2.0/33" is not a CIDR`);
});

test('host bits set get a suggestion', () => {
  assert.deepEqual(problems('networks:\n  - name: a\n    cidrs: [10.77.2.5/24]\n'), [
    'picket.yaml:3: networks[0].cidrs[0]: "10.77.2.5/24" has host bits set (did you mean 10.77.2.0/24?)',
  ]);
});

test('unknown keys are rejected at their own line, with a suggestion', () => {
  assert.deepEqual(problems('dedup_intervall: 1h\n'), ['picket.yaml:1: dedup_intervall: unknown key (did you mean "dedup_interval"?)']);
  assert.deepEqual(problems('networks:\n  - name: a\n    cidrs: [10.0.0.0/8]\n    rol: server\n'), [
    'picket.yaml:4: networks[0].rol: unknown key (did you mean "role"?)',
  ]);
  assert.deepEqual(problems('detectors:\n  scan.port.vertical:\n    treshold: 3\n'), [
    'picket.yaml:3: detectors["scan.port.vertical"].treshold: unknown key (did you mean "threshold"?)',
  ]);
  assert.deepEqual(problems('detectors:\n  scan.nope: {}\n'), ['picket.yaml:2: detectors["scan.nope"]: unknown key (did you mean "scan.arp"?)']);
});

test('wrong types and values name what was expected', () => {
  assert.deepEqual(problems('detectors:\n  scan.port.vertical:\n    threshold: "many"\n'), [
    'picket.yaml:3: detectors["scan.port.vertical"].threshold: must be a number, not the text "many"',
  ]);
  assert.deepEqual(problems('networks:\n  - name: a\n    cidrs: [10.0.0.0/8]\n    role: boss\n'), [
    'picket.yaml:4: networks[0].role: "boss" is not one of: server, workstation, admin, isolated, guest, other',
  ]);
  assert.deepEqual(problems('dedup_interval: soon\n'), ['picket.yaml:1: dedup_interval: "soon" is not a duration (e.g. 30s, 5m, 1h, 24h, or seconds)']);
  assert.deepEqual(problems('lateral_movement:\n  ports: [22, 70000]\n'), ['picket.yaml:2: lateral_movement.ports[1]: 70000 is not a port number (0-65535)']);
  assert.deepEqual(problems('networks: servers\n'), ['picket.yaml:1: networks: must be a list, not the text "servers"']);
  assert.deepEqual(problems('networks:\n  - name: a\n'), ['picket.yaml:2: networks[0].cidrs: is required']);
  assert.deepEqual(problems('dhcp:\n  authorized_servers: [10.77.1.300]\n'), [
    'picket.yaml:2: dhcp.authorized_servers[0]: "10.77.1.300" is not an IP address, a MAC address or a DUID (hex bytes)',
  ]);
  // A DUID of odd length, mixed separators, two bytes: none is a server id.
  assert.deepEqual(problems('dhcp:\n  authorized_servers:\n    - fe80::1\n    - 00030001abc\n    - "00:03-00:01:00:15"\n    - "0003"\n'), [
    'picket.yaml:4: dhcp.authorized_servers[1]: "00030001abc" is not an IP address, a MAC address or a DUID (hex bytes)',
    'picket.yaml:5: dhcp.authorized_servers[2]: "00:03-00:01:00:15" is not an IP address, a MAC address or a DUID (hex bytes)',
    'picket.yaml:6: dhcp.authorized_servers[3]: "0003" is not an IP address, a MAC address or a DUID (hex bytes)',
  ]);
});

test('cross-references: segmentation networks and suppression rule ids must exist', () => {
  const yaml = EXAMPLE + '  - { rule: scan.portz, reason: typo }\n  - { rule: "dhcp.*" }\n';
  assert.deepEqual(problems(yaml.replace('to: servers', 'to: server')), [
    'picket.yaml:11: segmentation[0].to: "server" is not a configured network (or "*", "external")',
    'picket.yaml:19: suppress[1].rule: "scan.portz" matches no rule id',
  ]);
  assert.deepEqual(problems('networks:\n  - { name: a, cidrs: [10.0.0.0/8] }\n  - { name: a, cidrs: [192.168.0.0/16] }\n'), [
    'picket.yaml:3: networks[1].name: "a" is already the name of another network',
  ]);
});

test('suppression expiry takes ISO dates or epoch seconds', () => {
  const cfg = checkConfigText('suppress:\n  - { rule: "*", until: 2025-01-31T18:00:00Z }\n  - { rule: "*", until: 1700000000 }\n', 'x').config!;
  assert.equal(cfg.suppress[0]!.until, Date.parse('2025-01-31T18:00:00Z') / 1000);
  assert.equal(cfg.suppress[1]!.until, 1700000000);
  assert.deepEqual(problems('suppress:\n  - { rule: "*", until: someday }\n'), [
    'picket.yaml:2: suppress[0].until: "someday" is not a date (use ISO 8601, e.g. 2025-01-31 or 2025-01-31T18:00:00Z)',
  ]);
});

test('YAML syntax errors and duplicate keys carry their line', () => {
  const p = problems('observer_name: a\nobserver_name: b\n');
  assert.deepEqual(p, ['picket.yaml:2: observer_name: "observer_name" is given twice in the same mapping; keep one']);
  // Deep in the file, the duplicate is named by its full path.
  assert.deepEqual(problems('networks:\n  - name: a\n    cidrs: [10.0.0.0/8]\n    role: server\n    role: workstation\n'), [
    'picket.yaml:5: networks[0].role: "role" is given twice in the same mapping; keep one',
  ]);
  assert.deepEqual(problems('networks: []\n---\nobserver_name: b\n'), [
    'picket.yaml:2: : the file holds several YAML documents (separated by ---); a configuration is one document',
  ]);
  assert.deepEqual(problems('networks: []\nobserver_name: *nowhere\n'), [
    'picket.yaml:2: : YAML: Unresolved alias (the anchor must be set before the alias): nowhere',
  ]);
  const q = problems('networks: [\n');
  assert.ok(q.length >= 1 && /YAML:/.test(q[0]!));
  assert.deepEqual(problems('- a\n- b\n'), ['picket.yaml:1: : the file must be a mapping of settings (key: value)']);
});

test('cross-references: a sink filter rule glob must match a detector or agent rule id', () => {
  const sink = (rules: string) => `sinks:\n  - { type: file, name: f, path: alerts.jsonl, rules: [${rules}] }\n`;
  assert.deepEqual(problems(sink('"scan.*", dns.dga, honeypot.tcp, "egress.*", "*"')), []);
  assert.deepEqual(problems(sink('dns.dgaa, "scans.*"')), [
    'picket.yaml:2: sinks[0].rules[0]: "dns.dgaa" matches no rule id (did you mean "dns.dga"?)',
    'picket.yaml:2: sinks[0].rules[1]: "scans.*" matches no rule id',
  ]);
  // Also next to type errors elsewhere in the same sink.
  assert.deepEqual(problems('sinks:\n  - { type: file, name: f, path: alerts.jsonl, min_severity: huge, rules: [tor.relays] }\n').length, 2);
});

test('cross-references are checked even when the file also has type errors', () => {
  assert.deepEqual(
    problems('dedup_interval: x\nnetworks:\n  - { name: lan, cidrs: [10.0.0.0/8] }\nsegmentation:\n  - { from: lan, to: dmz, action: alert }\nsuppress:\n  - { rule: scan.nope }\n'),
    [
      'picket.yaml:1: dedup_interval: "x" is not a duration (e.g. 30s, 5m, 1h, 24h, or seconds)',
      'picket.yaml:5: segmentation[0].to: "dmz" is not a configured network (or "*", "external")',
      'picket.yaml:7: suppress[0].rule: "scan.nope" matches no rule id',
    ],
  );
});

test('several problems are all reported, in line order', () => {
  const p = problems('dedup_interval: x\nnetworks:\n  - { name: a, cidrs: [1.2.3.4/40] }\nbogus: 1\n');
  assert.equal(p.length, 3);
  assert.deepEqual(p.map((x) => x.split(':')[1]), ['1', '3', '4']);
});

test('a missing file is a read error, not defaults', () => {
  assert.throws(() => loadConfig('/nonexistent/picket.yaml'), (e: ConfigError) => e.code === 'PKT_ERR_CONFIG_READ' && /cannot read/.test(e.message));
  assert.equal(checkConfigFile('/nonexistent/picket.yaml').length, 1);
});

test('a file that cannot be read says why in words, naming it once', () => {
  assert.deepEqual(checkConfigFile('/nonexistent/picket.yaml'), ['/nonexistent/picket.yaml: cannot read the configuration: no such file']);
  const dir = tempDir();
  try {
    assert.deepEqual(checkConfigFile(dir), [`${dir}: cannot read the configuration: it is a directory, not a file`]);
    assert.throws(() => loadConfig(dir), (e: ConfigError) => e.code === 'PKT_ERR_CONFIG_READ' && e.message === `${dir}: cannot read the configuration: it is a directory, not a file`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a problem names the file by the path it was given', () => {
  const p = withFile('dedup_interval: soon\n', (f) => ({ f, problems: checkConfigFile(f) }));
  assert.deepEqual(p.problems, [`${p.f}:1: dedup_interval: "soon" is not a duration (e.g. 30s, 5m, 1h, 24h, or seconds)`]);
});

test('a sink of an unknown or missing type lists the sink types', () => {
  assert.deepEqual(problems('sinks:\n  - name: pd\n    type: pagerduty\n'), [
    'picket.yaml:3: sinks[0].type: "pagerduty" is not one of: syslog, webhook, email, file',
  ]);
  assert.deepEqual(problems('sinks:\n  - name: pd\n    path: /tmp/x\n'), ['picket.yaml:2: sinks[0].type: is required (one of: syslog, webhook, email, file)']);
  // Unknown keys inside a sink are checked against that sink type's keys.
  assert.deepEqual(problems('sinks:\n  - name: f\n    type: file\n    pth: /tmp/a.jsonl\n'), [
    'picket.yaml:2: sinks[0].path: is required',
    'picket.yaml:4: sinks[0].pth: unknown key (did you mean "path"?)',
  ]);
});

test('intel list kinds: file hashes (file_md5, file_sha1, file_sha256) are accepted beside the others; an unknown kind lists them all', () => {
  const cfg = withFile('intel:\n  lists:\n    - { path: bazaar.csv, kind: file_sha256 }\n    - { path: md5.txt, kind: file_md5 }\n    - { path: sha1.txt, kind: file_sha1 }\n', (f) => loadConfig(f));
  assert.deepEqual(cfg.intel.lists.map((l) => l.kind), ['file_sha256', 'file_md5', 'file_sha1']);
  assert.deepEqual(problems('intel:\n  lists:\n    - { path: x.txt, kind: file_sha512 }\n'), [
    'picket.yaml:3: intel.lists[0].kind: "file_sha512" is not one of: ip, cidr, domain, url, ja3, ja3s, ja4, hassh, hassh_server, cert_sha1, cert_sha256, file_md5, file_sha1, file_sha256',
  ]);
});
