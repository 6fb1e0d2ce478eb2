/**
 * Output formats without a network: RFC 5424 lines and octet-counted frames,
 * EVE alert records (signature ids stable and distinct over every shipped
 * rule), the mail subject and bodies, Slack/Teams payloads, and filters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeAlert, syslogParts, deframe } from './helpers.js';
import { octetCountedFrame, syslogMessage } from '../../src/sinks/syslog-format.js';
import { eveSeverity, eveTimestamp, signatureId, toEve, LOCAL_SID_BASE, LOCAL_SID_SPAN } from '../../src/sinks/eve.js';
import { htmlBody, summaryLine, textBody } from '../../src/sinks/render.js';
import { slackPayload, teamsAdaptiveCard, teamsMessageCard } from '../../src/sinks/chat.js';
import { compileFilter } from '../../src/sinks/filter.js';
import { webhookBody } from '../../src/sinks/webhook.js';
import { RULE_IDS } from '../../src/detect/index.js';

const header = { facility: 16, hostname: 'sensor-1', appName: 'picket', procId: '4242' };

test('RFC 5424 line: PRI from facility and severity, alert time, rule id as MSGID, nil SD, JSON MSG', () => {
  const a = makeAlert(1, { severity: 3 });
  const p = syslogParts(syslogMessage(a, header, 'ecs'));
  assert.equal(p.pri, 16 * 8 + 3, 'local0.err for high');
  assert.equal(p.version, '1');
  assert.equal(p.timestamp, '2023-11-14T22:13:21.000Z');
  assert.equal(p.host, 'sensor-1');
  assert.equal(p.app, 'picket');
  assert.equal(p.procid, '4242');
  assert.equal(p.msgid, 'scan.port.vertical');
  assert.equal(p.sd, '-');
  assert.deepEqual(JSON.parse(p.msg), JSON.parse(JSON.stringify(a)));
  // Severity mapping: critical 2, medium 4, low 5.
  assert.equal(syslogParts(syslogMessage(makeAlert(1, { severity: 4 }), header, 'ecs')).pri, 130);
  assert.equal(syslogParts(syslogMessage(makeAlert(1, { severity: 2 }), header, 'ecs')).pri, 132);
  assert.equal(syslogParts(syslogMessage(makeAlert(1, { severity: 1 }), { ...header, facility: 4 }, 'ecs')).pri, 37);
});

test('RFC 5424 header fields: spaces and non-ASCII replaced, lengths capped, empty is "-"', () => {
  const a = makeAlert(1, { rule: 'x'.repeat(40) });
  const p = syslogParts(syslogMessage(a, { facility: 16, hostname: 'my host é', appName: '', procId: '1' }, 'text'));
  assert.equal(p.host, 'my_host__');
  assert.equal(p.app, '-');
  assert.equal(p.msgid, 'x'.repeat(32));
  assert.equal(p.msg, `[Picket high] ${'x'.repeat(40)}: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s`);
});

test('octet counting: byte length (not characters) then a space; frames split back exactly', () => {
  const f = octetCountedFrame('<134>1 - - - - - - héllo');
  assert.equal(f.toString('utf8'), '25 <134>1 - - - - - - héllo');
  const out: string[] = [];
  const rest = deframe(Buffer.concat([f, octetCountedFrame('x'), f.subarray(0, 5)]), out);
  assert.deepEqual(out, ['<134>1 - - - - - - héllo', 'x']);
  assert.equal(rest.length, 5);
});

test('EVE alert record: Suricata field names, 5-tuple, EVE severity, stable local signature id', () => {
  const a = makeAlert(7);
  const e = toEve(a);
  assert.deepEqual(Object.keys(e), ['timestamp', 'event_type', 'src_ip', 'dest_ip', 'proto', 'alert', 'host']);
  assert.equal(e.timestamp, '2023-11-14T22:13:27.000000+0000');
  assert.equal(e.event_type, 'alert');
  assert.equal(e.src_ip, '10.77.2.20');
  assert.equal(e.dest_ip, '10.77.1.5');
  assert.equal(e.proto, 'TCP');
  assert.equal(e.alert.action, 'allowed');
  assert.equal(e.alert.gid, 1);
  assert.equal(e.alert.rev, 1);
  assert.equal(e.alert.signature_id, signatureId('scan.port.vertical'));
  assert.equal(e.alert.signature, 'PICKET Vertical port scan');
  assert.equal(e.alert.category, 'Detection of a Network Scan');
  assert.equal(e.alert.severity, 1);
  assert.deepEqual(e.alert.metadata['picket_rule_id'], ['scan.port.vertical']);
  assert.equal(e.host, 'sensor-1');
  // Ports and flow_id appear when known.
  const b = { ...makeAlert(8), destination: { ip: '10.77.1.5', port: 445 }, evidence: { flow_id: 1234567890123 } };
  b.source = { ...b.source, port: 50000 };
  const eb = toEve(b);
  assert.equal(eb.flow_id, 1234567890123);
  assert.equal(eb.src_port, 50000);
  assert.equal(eb.dest_port, 445);
  assert.deepEqual([eveSeverity(4), eveSeverity(3), eveSeverity(2), eveSeverity(1)], [1, 1, 2, 3]);
  assert.equal(eveTimestamp('2025-01-02T03:04:05Z'), '2025-01-02T03:04:05.000000+0000');
});

test('signature ids: fixed values, inside the local-use range, distinct for every shipped rule', () => {
  // Pinned: a change here changes every SIEM rule built on these ids.
  // Values: 1,000,000 + FNV-1a-32(rule id) mod 1,000,000, computed independently.
  assert.equal(signatureId('scan.port.vertical'), 1851599);
  assert.equal(signatureId('auth.bruteforce'), 1613252);
  assert.ok(RULE_IDS.length > 10);
  const seen = new Map<number, string>();
  for (const id of RULE_IDS) {
    const sid = signatureId(id);
    assert.ok(sid >= LOCAL_SID_BASE && sid < LOCAL_SID_BASE + LOCAL_SID_SPAN, `${id} -> ${sid}`);
    assert.equal(seen.get(sid), undefined, `${id} collides with ${seen.get(sid)}`);
    seen.set(sid, id);
  }
  assert.notEqual(signatureId('scan.port.vertical'), signatureId('scan.port.horizontal'));
});

test('mail subject and bodies: readable subject, facts, evidence, HTML escaped', () => {
  const a = makeAlert(3);
  assert.equal(summaryLine(a), '[Picket high] scan.port.vertical: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s');
  const long = { ...a, message: `line one\nline two ${'z'.repeat(400)}` };
  assert.ok(!summaryLine(long).includes('\n'));
  assert.equal(summaryLine(long).length, 200);
  const text = textBody(a);
  assert.match(text, /^10\.77\.2\.20 probed 1,000 ports on 10\.77\.1\.5 in 12 s\n/);
  assert.match(text, /Source: 10\.77\.2\.20 \(08:00:27:aa:bb:cc\)\n/);
  assert.match(text, /Network: workstations\n/);
  assert.match(text, /  sample_ports: 22, 80, 443\n/);
  assert.match(text, /  note: a <b> & "c"\n/);
  // IP enrichment (ECS as.* / geo.*) shows beside the address when the alert has it.
  const enriched = JSON.parse(JSON.stringify(a)) as typeof a & { destination: { as?: unknown; geo?: unknown } };
  enriched.destination = { ip: '203.0.113.9', as: { number: 64496, organization: { name: 'Example Net' } }, geo: { country_iso_code: 'NL' } };
  assert.match(textBody(enriched), /Destination: 203\.0\.113\.9, AS64496 Example Net, NL\n/);
  const html = htmlBody(a);
  assert.ok(html.includes('a &lt;b&gt; &amp; &quot;c&quot;'));
  assert.ok(!html.includes('<b>'));
});

test('chat payloads: Slack text + blocks (escaped), Teams MessageCard, Teams Adaptive Card', () => {
  const a = makeAlert(4);
  const s = slackPayload(a) as { text: string; blocks: { type: string; text: { type: string; text: string } }[] };
  assert.equal(s.text, '[Picket high] scan.port.vertical: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s');
  assert.equal(s.blocks[0]!.type, 'section');
  assert.ok(s.blocks[2]!.text.text.includes('note: a &lt;b&gt; &amp; "c"'));
  const t = teamsMessageCard(a) as { '@type': string; themeColor: string; sections: { facts: { name: string; value: string }[] }[] };
  assert.equal(t['@type'], 'MessageCard');
  assert.equal(t.themeColor, 'E8741E');
  assert.deepEqual(t.sections[0]!.facts.find((f) => f.name === 'Destination'), { name: 'Destination', value: '10.77.1.5' });
  const c = teamsAdaptiveCard(a) as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string }[] } }[] };
  assert.equal(c.type, 'message');
  assert.equal(c.attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(c.attachments[0]!.content.type, 'AdaptiveCard');
  assert.deepEqual(c.attachments[0]!.content.body.map((b) => b.type), ['TextBlock', 'TextBlock', 'FactSet', 'TextBlock', 'FactSet']);
  assert.equal(webhookBody(a, 'json'), a);
});

test('filters: minimum severity, rule globs, network names and CIDRs (source or destination)', () => {
  const f = compileFilter({ min_severity: 2, rules: ['scan.*', 'auth.bruteforce'], networks: ['servers', '192.168.0.0/16'] });
  assert.equal(f(makeAlert(1, { severity: 1, network: 'servers' })), false, 'below minimum');
  assert.equal(f(makeAlert(1, { severity: 2, network: 'servers' })), true);
  assert.equal(f(makeAlert(1, { rule: 'dns.excessive_queries', network: 'servers' })), false, 'rule not listed');
  assert.equal(f(makeAlert(1, { rule: 'auth.bruteforce', network: 'servers' })), true);
  assert.equal(f(makeAlert(1, { network: 'workstations' })), false, 'other network, IPs outside the CIDR');
  assert.equal(f(makeAlert(1, { network: 'workstations', dst: '192.168.4.4' })), true, 'destination inside the CIDR');
  assert.equal(f(makeAlert(1, { network: 'workstations', src: '192.168.4.4' })), true, 'source inside the CIDR');
  const all = compileFilter({ min_severity: 1, rules: [], networks: [] });
  assert.equal(all(makeAlert(1, { severity: 1, rule: 'anything' })), true);
});
