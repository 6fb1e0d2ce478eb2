/**
 * snmp.default_community on the lab's snmp capture (net-snmp answering
 * "public" and accepting a SetRequest with "private"; other communities,
 * v3 and onesixtyone's guesses are not defaults) and on synthetic events:
 * severity by writes and by where the manager is, one alert per agent,
 * the communities option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import type { SnmpLogEvent } from '../../src/protocols/snmp/events.js';

const RULE = 'snmp.default_community';
const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'snmp.pcap');

function snmp(ts: number, manager: string, agent: string, accepted: { community: string; writes?: boolean }[], sysDescr?: string): SnmpLogEvent {
  const record: SnmpLogEvent['record'] = {
    ts, uid: `Csnmp${ts}`, 'id.orig_h': manager, 'id.orig_p': 40000, 'id.resp_h': agent, 'id.resp_p': 161,
    duration: 0.01, version: '2c', community: accepted[0]?.community ?? 'x', get_requests: 1, get_bulk_requests: 0, get_responses: 1, set_requests: 0,
  };
  if (sysDescr !== undefined) record.display_string = sysDescr;
  return { type: 'snmp', log: 'snmp', ts, uid: record.uid, record, accepted: accepted.map((a) => ({ community: a.community, version: '2c', writes: a.writes ?? false })) };
}

test('snmp.pcap: the agent that answered "public" and took a SetRequest with "private" is one critical alert; nothing for labread, netops, v3 or the guesses', async () => {
  const a = await replayRuleAlerts(CAPTURE, [RULE], SITE_YAML);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.source.ip, x.destination?.ip, x.destination?.port, x.event.severity, x.threat.technique.id], ['10.77.2.23', '10.77.1.10', 161, 4, 'T1602.001']);
  assert.deepEqual(x.evidence.communities, ['public', 'private']);
  assert.equal(x.evidence.writes, true);
  assert.deepEqual(x.evidence.managers, ['10.77.2.23']);
  assert.equal(x.evidence.display_string, 'Lab server 10.77.1.10 (net-snmp)');
  assert.match(x.message, /^SNMP agent 10\.77\.1\.10 \(servers\) answered the default communities "public" and "private", and accepted a SetRequest with "private" from 10\.77\.2\.23 \(workstations\)$/);
});

test('severity: 2 inside, 3 for a manager on the Internet; one alert per agent; other communities and unanswered ones never', () => {
  const h = harness(SITE_YAML);
  h.emit(snmp(1, '10.77.2.20', '10.77.1.10', [{ community: 'public' }]));
  h.emit(snmp(2, '10.77.2.21', '10.77.1.10', [{ community: 'public' }]));
  h.emit(snmp(3, '10.77.2.20', '10.77.1.11', [{ community: 'labread' }]));
  h.emit(snmp(4, '10.77.2.20', '10.77.1.12', []));
  h.emit(snmp(5, '10.77.2.20', '10.77.1.13', [{ community: 'Public' }]));
  const inside = only(h.finish(), RULE);
  assert.equal(inside.length, 1);
  assert.equal(inside[0]!.event.severity, 2);
  assert.deepEqual(inside[0]!.evidence.managers, ['10.77.2.20', '10.77.2.21']);
  assert.equal(inside[0]!.count, 2);

  const out = harness(SITE_YAML);
  out.emit(snmp(1, '198.51.100.9', '10.77.1.10', [{ community: 'private' }], 'Cisco IOS'));
  const [o] = only(out.finish(), RULE);
  assert.deepEqual([o!.event.severity, o!.evidence.internet, o!.evidence.display_string], [3, true, 'Cisco IOS']);
  assert.match(o!.message, /from 198\.51\.100\.9 \(the Internet\)$/);
});

test('the communities option replaces the list', () => {
  const h = harness(`${SITE_YAML}detectors:\n  ${RULE}: { communities: [labread] }\n`);
  h.emit(snmp(1, '10.77.2.20', '10.77.1.10', [{ community: 'public' }]));
  h.emit(snmp(2, '10.77.2.20', '10.77.1.11', [{ community: 'labread' }]));
  assert.deepEqual(only(h.finish(), RULE).map((a) => a.destination?.ip), ['10.77.1.11']);
});
