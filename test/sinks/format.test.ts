/**
 * Output formats without a network: RFC 5424 lines and octet-counted frames,
 * EVE alert records (signature ids stable and distinct over every shipped
 * rule), the mail subject and bodies, Slack/Teams payloads, and filters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeAlert, syslogParts, deframe } from './helpers.js';
import { fitSyslogMessage, frameSyslogMessage, syslogMessage, TRUNCATED_TAG } from '../../src/sinks/syslog-format.js';
import { eveSeverity, eveTimestamp, signatureId, toEve, LOCAL_SID_BASE, LOCAL_SID_SPAN } from '../../src/sinks/eve.js';
import { htmlBody, summaryLine, textBody } from '../../src/sinks/render.js';
import { slackPayload, teamsAdaptiveCard, teamsMessageCard } from '../../src/sinks/chat.js';
import { compileFilter } from '../../src/sinks/filter.js';
import { webhookBody } from '../../src/sinks/webhook.js';
import { retryAfterMs } from '../../src/util/retry-after.js';
import { ECS_VERSION, toEcs } from '../../src/sinks/ecs.js';
import { cut, oneLine } from '../../src/sinks/render.js';
import type { Alert } from '../../src/alerts/alert.js';
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
  assert.deepEqual(JSON.parse(p.msg), JSON.parse(JSON.stringify(toEcs(a))));
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
  const f = frameSyslogMessage(Buffer.from('<134>1 - - - - - - héllo', 'utf8'), 'octet-counting');
  assert.equal(f.toString('utf8'), '25 <134>1 - - - - - - héllo');
  const out: string[] = [];
  const rest = deframe(Buffer.concat([f, frameSyslogMessage(Buffer.from('x', 'utf8'), 'octet-counting'), f.subarray(0, 5)]), out);
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
  // EVE's offset has no colon; another offset than Z is kept, and a finer fraction cut to microseconds.
  assert.equal(eveTimestamp('2025-01-02T03:04:05.5+02:00'), '2025-01-02T03:04:05.500000+0200');
  assert.equal(eveTimestamp('2025-01-02T03:04:05.123456789-0530'), '2025-01-02T03:04:05.123456-0530');
  assert.match(eveTimestamp(makeAlert(1)['@timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$/);
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
  assert.deepEqual(webhookBody(a, 'json'), toEcs(a));
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

test('ECS document: ecs.version, event.type from the categories, threat.framework; the alert fields unchanged', () => {
  const a = makeAlert(1);
  const d = toEcs(a);
  assert.equal(Object.keys(d)[0], '@timestamp');
  assert.deepEqual(d.ecs, { version: ECS_VERSION });
  assert.deepEqual(d.event, { kind: 'alert', severity: 3, category: ['network', 'intrusion_detection'], type: ['info'] });
  assert.deepEqual((d as unknown as { threat: unknown }).threat, { framework: 'MITRE ATT&CK', technique: { id: 'T1046' } });
  // Everything else is the alert as it is.
  const { ecs: _e, event: _v, threat: _t, ...rest } = d as unknown as Record<string, unknown>;
  const { event: _v2, threat: _t2, ...alertRest } = a as unknown as Record<string, unknown>;
  assert.deepEqual(rest, alertRest);
  assert.equal(a.event.category.length, 2, 'the alert itself is not changed');
  assert.equal((a.event as { type?: unknown }).type, undefined);
  // ECS expects `indicator` for the threat category, `info` for the others it lists.
  const threat = { ...a, event: { ...a.event, category: ['network', 'threat'] } };
  assert.deepEqual(toEcs(threat).event.type, ['info', 'indicator']);
  // Set by the sender (an agent of a later release): kept.
  const own = { ...a, ecs: { version: '9.0.0' }, event: { ...a.event, type: ['denied'] } } as unknown as Alert;
  assert.deepEqual(toEcs(own).ecs, { version: '9.0.0' });
  assert.deepEqual(toEcs(own).event.type, ['denied']);
});

test('attacker-chosen text: control, C1, line-separator and bidi characters never reach a reader raw', () => {
  const a = makeAlert(1);
  a.message = 'q.evil\u001b[2J\u0000x\u0085y\u2028z\u202Efdp.exe\ttab\r\nBcc: x@example.org';
  a.evidence['ua'] = 'curl\u001b]0;pwned\u0007';
  const line = summaryLine(a);
  assert.equal(line, '[Picket high] scan.port.vertical: q.evil\\x1b[2J\\x00x\\x85y\\u2028z\\u202efdp.exe tab Bcc: x@example.org');
  assert.equal(oneLine('a\u2066b\u200fc\u007f'), 'a\\u2066b\\u200fc\\x7f');
  const unsafe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const strings = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v !== null && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];
  // Chat payloads: every string a chat client renders, after JSON decoding.
  const texts = [textBody(a), htmlBody(a), ...[slackPayload(a), teamsMessageCard(a), teamsAdaptiveCard(a)].flatMap(strings)];
  for (const t of texts) assert.ok(!unsafe.test(t), `raw control character in ${JSON.stringify(t.slice(0, 80))}`);
  // The mail text body's first line is the sentence, still on one line.
  assert.equal(textBody(a).split('\n')[0], line.slice('[Picket high] scan.port.vertical: '.length));
});

test('Teams Adaptive Cards: Markdown links and autolinks from alert text are broken, the text otherwise unchanged', () => {
  const a = makeAlert(1);
  a.message = 'Unusual user agent [Open the incident](https://phish.example/x) from 10.0.0.5';
  a.evidence['user_agent'] = '<https://phish.example/y> [here](http://phish.example)';
  const strings = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v !== null && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];
  const texts = strings(teamsAdaptiveCard(a));
  for (const t of texts) {
    assert.ok(!t.includes(']('), `live link syntax in ${JSON.stringify(t)}`);
    assert.ok(!/<[^\u200b]/.test(t), `autolink syntax in ${JSON.stringify(t)}`);
  }
  const shown = texts.join('\n').replace(/\u200b/g, '');
  assert.ok(shown.includes('[Open the incident](https://phish.example/x)'), 'the text reads as sent');
  assert.ok(shown.includes('<https://phish.example/y> [here](http://phish.example)'));
});

test('cut never splits a surrogate pair', () => {
  assert.equal(cut('ab\u{1F642}cd', 4), 'ab…');
  assert.equal(cut('abc\u{1F642}d', 5), 'abc…');
  assert.equal(cut('short', 10), 'short');
  const s = slackPayload({ ...makeAlert(1), evidence: { e: '\u{1F642}'.repeat(3000) } }) as { blocks: { text: { text: string } }[] };
  assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(s.blocks[2]!.text.text), 'no lone high surrogate');
});

test('chat cards stay small and well formed with huge attacker-chosen evidence', () => {
  const a = makeAlert(1);
  a.message = `probe from ${'x'.repeat(50_000)}`;
  for (let i = 0; i < 40; i++) a.evidence[`k${i}`] = `${'<b>&'.repeat(5000)}\`\`\`code`;
  for (const body of [slackPayload(a), teamsMessageCard(a), teamsAdaptiveCard(a)]) {
    const size = Buffer.byteLength(JSON.stringify(body));
    assert.ok(size < 28 * 1024, `card of ${size} bytes is under Teams' 28 KB`);
  }
  const s = slackPayload(a) as { blocks: { text: { text: string } }[] };
  for (const b of s.blocks) assert.ok(b.text.text.length <= 3000, 'Slack section text limit');
  const ev = s.blocks[2]!.text.text;
  assert.ok(ev.startsWith('```') && ev.endsWith('```'), 'the evidence code block is closed even when cut');
  assert.equal(ev.slice(3, -3).includes('```'), false, 'no fence inside the block');
  assert.ok(!ev.includes('<b>'), 'Slack mrkdwn escaped');
});

test('syslog size limit: an oversize JSON message stays valid JSON without its evidence, marked; text and last resort cut at a character boundary', () => {
  const a = makeAlert(1);
  a.evidence['blob'] = 'é'.repeat(40_000);
  const full = Buffer.byteLength(syslogMessage(a, header, 'ecs'));
  assert.ok(full > 65_507);
  for (const format of ['ecs', 'eve'] as const) {
    const m = fitSyslogMessage(a, header, format, 65_507);
    assert.equal(m.truncated, format === 'ecs', `${format}: EVE has no evidence, so it fits as it is`);
    const p = syslogParts(m.bytes.toString('utf8'));
    assert.equal(p.msgid, 'scan.port.vertical');
    JSON.parse(p.msg);
  }
  const ecs = JSON.parse(syslogParts(fitSyslogMessage(a, header, 'ecs', 65_507).bytes.toString('utf8')).msg) as { evidence: object; tags: string[]; rule: { id: string } };
  assert.deepEqual(ecs.evidence, {});
  assert.deepEqual(ecs.tags, [TRUNCATED_TAG]);
  assert.equal(ecs.rule.id, 'scan.port.vertical');
  // A sentence too long for the limit is cut too; the EVE record says it was shortened.
  const b = { ...makeAlert(2), message: 'ü'.repeat(5000) };
  const eve = fitSyslogMessage(b, header, 'eve', 4096);
  assert.ok(eve.bytes.length <= 4096);
  const rec = JSON.parse(syslogParts(eve.bytes.toString('utf8')).msg) as { alert: { metadata: Record<string, string[]> } };
  assert.equal(rec.alert.metadata['message']![0]!.length, 1000);
  assert.ok(rec.alert.metadata[TRUNCATED_TAG] !== undefined);
  // Nothing fits but a cut: the bytes end on a character boundary (valid UTF-8) at the limit.
  const host = { ...header, hostname: 'h'.repeat(255), appName: 'a'.repeat(48), procId: 'p'.repeat(128) };
  const c = { ...makeAlert(3), rule: { id: 'r'.repeat(31) + 'é', name: 'n' } };
  for (const format of ['ecs', 'eve', 'cef', 'text'] as const) {
    const m = fitSyslogMessage(c, host, format, 480);
    assert.equal(m.truncated, true);
    assert.ok(m.bytes.length <= 480 && m.bytes.length >= 477);
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(m.bytes));
  }
  // Under the limit nothing changes.
  const small = fitSyslogMessage(makeAlert(4), header, 'ecs', 65_507);
  assert.equal(small.truncated, false);
  assert.equal(small.bytes.toString('utf8'), syslogMessage(makeAlert(4), header, 'ecs'));
});

test('non-transparent framing: the message then LF; an LF inside can never split it', () => {
  assert.equal(frameSyslogMessage(Buffer.from('<134>1 - - - - - - a'), 'non-transparent').toString(), '<134>1 - - - - - - a\n');
  assert.equal(frameSyslogMessage(Buffer.from('x\ny'), 'non-transparent').toString(), 'x y\n');
  assert.equal(frameSyslogMessage(Buffer.from('héllo'), 'octet-counting').toString(), '6 héllo');
  // Every format is one line already.
  const a = { ...makeAlert(1), message: 'a\nb' };
  for (const f of ['ecs', 'eve', 'cef', 'text'] as const) assert.ok(!syslogMessage(a, header, f).includes('\n'));
});

test('Retry-After: delay-seconds or an HTTP-date, in ms from now', () => {
  const now = Date.parse('2025-03-01T10:00:00Z');
  assert.equal(retryAfterMs('7', now), 7000);
  assert.equal(retryAfterMs(' 0 ', now), 0);
  assert.equal(retryAfterMs('Sat, 01 Mar 2025 10:00:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Sat, 01 Mar 2025 09:00:00 GMT', now), 0, 'a date in the past: now');
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs(undefined, now), undefined);
});
