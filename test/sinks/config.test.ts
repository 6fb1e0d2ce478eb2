/**
 * The `sinks:` section of picket.yaml through the real config loader:
 * defaults, severity names, unique names, url/url_env exclusivity, and
 * secrets refused in the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkConfigText } from '../../src/config/load.js';
import { createSinks } from '../../src/sinks/index.js';
import { tempDir } from '../helpers/paths.js';
import { makeAlert } from './helpers.js';

function problems(yaml: string): string[] {
  return checkConfigText(yaml, 'picket.yaml').problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
}

test('an empty config has no sinks; a full one parses with defaults filled in', () => {
  assert.deepEqual(checkConfigText('', 'picket.yaml').config?.sinks, []);
  const yaml = `
sinks:
  - type: syslog
    name: siem
    transport: tls
    host: siem.example.org
    format: eve
    min_severity: medium
    rules: ["scan.*"]
    networks: [servers, 10.0.0.0/8]
  - type: webhook
    name: slack
    format: slack
    url_env: PICKET_SLACK_URL
  - type: email
    name: soc
    host: smtp.example.org
    username: picket
    password_env: PICKET_SMTP_PASSWORD
    from: picket@example.org
    to: [soc@example.org]
    queue: { max_alerts: 500, retry_initial: 5s, retry_max: 10m }
  - type: file
    name: eve
    path: /var/log/picket/eve.json
    format: eve
    max_bytes: 104857600
`;
  const r = checkConfigText(yaml, 'picket.yaml');
  assert.deepEqual(r.problems, []);
  const s = r.config!.sinks;
  assert.equal(s.length, 4);
  const syslog = s[0]!;
  assert.equal(syslog.type, 'syslog');
  if (syslog.type === 'syslog') {
    assert.equal(syslog.min_severity, 2);
    assert.equal(syslog.facility, 'local0');
    assert.equal(syslog.port, undefined, 'port default depends on transport');
    assert.equal(syslog.queue.max_alerts, 10_000);
    assert.equal(syslog.queue.retry_initial, 1);
    assert.equal(syslog.queue.retry_max, 300);
  }
  const mail = s[2]!;
  if (mail.type === 'email') {
    assert.equal(mail.port, undefined, 'port default depends on security (587, or 465 for tls)');
    assert.equal(mail.security, 'starttls');
    assert.equal(mail.queue.max_alerts, 500);
    assert.equal(mail.queue.retry_max, 600);
  } else assert.fail('third sink is email');
  assert.equal(s[3]!.min_severity, 1);
});

test('mistakes are reported with line and path', () => {
  const p = problems(`
sinks:
  - { type: webhook, name: a, url: "http://x.example/", url_env: HOOK }
  - { type: webhook, name: b }
  - { type: email, name: c, host: h, from: a@b.c, to: [x@y.z], password: hunter2 }
  - { type: syslog, name: e, host: h, min_severity: severe }
  - { type: pager, name: d }
`);
  const text = p.join('\n');
  assert.match(text, /sinks\[0\].*needs exactly one of url or url_env/);
  assert.match(text, /sinks\[1\].*needs exactly one of url or url_env/);
  assert.match(text, /sinks\[2\].*password/, 'a password in the file is refused (use password_env)');
  assert.match(text, /sinks\[3\]\.min_severity/);
  assert.match(text, /sinks\[4\]/);
  // Names are checked once every entry is valid.
  assert.match(problems('sinks:\n  - { type: file, name: a, path: x }\n  - { type: file, name: a, path: y }\n').join('\n'), /3: sinks\[1\]\.name: "a" is used by two sinks/);
});

test('the loaded, frozen config.sinks goes straight into createSinks', async () => {
  const dir = tempDir();
  try {
    const r = checkConfigText('sinks:\n  - { type: file, name: f, path: out.jsonl, rules: ["scan.*"] }\n', 'picket.yaml');
    assert.deepEqual(r.problems, []);
    const sinks = createSinks(r.config!.sinks, { dataDir: path.join(dir, 'data'), baseDir: dir });
    sinks.deliver(makeAlert(1));
    sinks.deliver(makeAlert(2, { rule: 'dns.excessive_queries' }));
    await sinks.flush();
    await sinks.close();
    assert.equal(fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n').length, 1);
    assert.ok(fs.existsSync(path.join(dir, 'data', 'sinks', 'f', 'acked')), 'queue under <dataDir>/sinks/<name>/');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
