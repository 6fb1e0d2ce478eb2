/**
 * smtp.direct_to_internet on the lab's mail-out capture (a workstation
 * mailing stolen data straight to an outside server with curl; the site's
 * mail server relaying; a submission on 587) and on synthetic flows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, flow, harness, only, replayRuleAlerts, session } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';

const RULE = 'smtp.direct_to_internet';
const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'mail-out.pcap');
const NETWORKS = `
networks:
  - { name: servers, cidrs: [10.77.1.0/24], role: server }
  - { name: workstations, cidrs: [10.77.2.0/24], role: workstation }
`;

test('mail-out.pcap: the workstation that mails out is one alert with its senders, recipients and subjects; the listed mail server is quiet', async () => {
  const a = await replayRuleAlerts(CAPTURE, [RULE], `${NETWORKS}detectors:\n  ${RULE}: { allowed_senders: [10.77.1.10] }\n`);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.equal(x.source.ip, '10.77.2.22');
  assert.deepEqual([x.destination?.ip, x.destination?.port], ['198.51.100.10', 25]);
  assert.equal(x.event.severity, 3);
  assert.equal(x.threat.technique.id, 'T1071.003');
  assert.equal(x.count, 2);
  assert.deepEqual(x.evidence.senders, ['ws22@lab.example']);
  assert.deepEqual(x.evidence.subjects, ['PW_jdoe/WS22', 'KL_jdoe/WS22']);
  assert.equal(x.evidence.messages, 2);
  assert.equal(x.evidence.recipients, 2);
  assert.equal(x.evidence.service, 'smtp');
  assert.match(x.message, /^10\.77\.2\.22 spoke SMTP with public address 198\.51\.100\.10 on TCP 25, sending 2 messages to 2 recipients \(2 connections to 1 public host\)$/);
});

test('without allowed_senders the mail server alerts too; a network name lists it as well', async () => {
  const open = await replayRuleAlerts(CAPTURE, [RULE], NETWORKS);
  assert.deepEqual(open.map((x) => x.source.ip).sort(), ['10.77.1.10', '10.77.2.22']);
  const byName = await replayRuleAlerts(CAPTURE, [RULE], `${NETWORKS}detectors:\n  ${RULE}: { allowed_senders: [servers] }\n`);
  assert.deepEqual(byName.map((x) => x.source.ip), ['10.77.2.22']);
});

test('attempts that fail count; inbound mail, mail inside the site and submission ports do not alert', () => {
  const h = harness(SITE_YAML);
  h.emit(flow({ ts: 1000, 'id.resp_h': '203.0.113.25', 'id.resp_p': 25, history: 'S', conn_state: 'S0' }));
  h.emit(session({ ts: 1001, 'id.resp_h': '198.51.100.25', 'id.resp_p': 25, service: 'smtp' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.evidence.established, a[0]!.evidence.failed, a[0]!.evidence.messages], [1, 1, 0]);
  assert.deepEqual(a[0]!.evidence.destinations, ['203.0.113.25', '198.51.100.25']);

  const quiet = harness(SITE_YAML);
  quiet.emit(session({ ts: 1000, 'id.orig_h': '203.0.113.25', 'id.resp_h': '10.77.1.10', 'id.resp_p': 25 }));
  quiet.emit(session({ ts: 1000, 'id.resp_h': '10.77.1.10', 'id.resp_p': 25 }));
  quiet.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.25', 'id.resp_p': 587 }));
  quiet.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.25', 'id.resp_p': 465 }));
  assert.deepEqual(only(quiet.finish(), RULE), []);
});
