/** smb.internet on synthetic flows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, flow, harness, only, session } from './harness.js';

const RULE = 'smb.internet';

test('SMB from inside to a public address alerts (documentation ranges count as public)', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445, service: 'smb' }));
  h.emit(flow({ ts: 1001, 'id.resp_h': '198.51.100.7', 'id.resp_p': 445, history: 'S', conn_state: 'S0' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  assert.equal(a[0]!.evidence.established, 1);
  assert.equal(a[0]!.evidence.failed, 1);
  assert.deepEqual(a[0]!.evidence.destinations, ['203.0.113.9', '198.51.100.7']);
});

test('SMB inside the network, to CGNAT/private space, or on other ports does not alert', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_h': '10.77.1.10', 'id.resp_p': 445 }));
  h.emit(session({ ts: 1000, 'id.resp_h': '100.64.3.3', 'id.resp_p': 445 }));
  h.emit(session({ ts: 1000, 'id.resp_h': '192.168.50.3', 'id.resp_p': 139 }));
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 443 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '203.0.113.9', 'id.resp_h': '10.77.1.10', 'id.resp_p': 445 }));
  assert.equal(only(h.finish(), RULE).length, 0);
});
