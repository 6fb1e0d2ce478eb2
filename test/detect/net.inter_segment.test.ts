/** net.inter_segment: the segmentation policy of the config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only, session } from './harness.js';

const RULE = 'net.inter_segment';

test('workstation to server on a forbidden port alerts, ports merge per pair', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_p': 3389 }));
  h.emit(flow({ ts: 1001, 'id.resp_p': 22 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  assert.deepEqual(a[0]!.evidence.ports, [3389, 22]);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) connected to 10.77.1.10 (servers) on TCP 22 and 3389 2 times, which the segmentation policy forbids');
});

test('allowed ports, the reverse direction and intra-network traffic do not alert', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_p': 443 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.1.10', 'id.resp_h': '10.77.2.20', 'id.resp_p': 22 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.21', 'id.resp_h': '10.77.2.20', 'id.resp_p': 22 }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('an allow rule listed first exempts a jump host; sessions_only drops attempts', () => {
  const yaml = SITE_YAML.replace(
    'segmentation:\n',
    'segmentation:\n  - { from: workstations, to: servers, ports: [22], action: allow }\n',
  ) + 'detectors:\n  net.inter_segment: { sessions_only: true }\n';
  const h = harness(yaml);
  h.emit(session({ ts: 1000, 'id.resp_p': 22 }));
  h.emit(flow({ ts: 1000, 'id.resp_p': 3389 }));
  assert.equal(only(h.finish(), RULE).length, 0);
  h.emit(session({ ts: 1000, 'id.resp_p': 3389 }));
  assert.equal(only(h.finish(), RULE).length, 1);
});
