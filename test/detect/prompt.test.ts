/** Prompt emission (live sensors): alerts go out at their first match, updated only when they grew. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, harness, only, session } from './harness.js';

const RULE = 'smb.internet';

test('a live engine emits an alert at its first match, then a final update when more matches came', () => {
  const h = harness(SITE_YAML, { prompt: true });
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445 }));
  const first = only(h.alerts, RULE);
  assert.equal(first.length, 1, 'emitted at once, not held for the dedup interval');
  assert.equal(first[0]!.count, 1);
  h.emit(session({ ts: 1010, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445 }));
  assert.equal(only(h.alerts, RULE).length, 1, 'further matches are merged, not new alerts');
  const all = only(h.finish(), RULE);
  assert.equal(all.length, 2);
  assert.equal(all[1]!.count, 2);
  assert.equal(all[1]!.first_seen, all[0]!.first_seen);
  assert.equal(all[1]!.dedup_key, all[0]!.dedup_key);
  assert.equal(first[0]!.count, 1, 'the first emission is a snapshot');
  assert.equal(h.engine.stats().alerts[RULE], 1, 'an update is not a new alert');
});

test('a live alert that did not grow is not emitted twice', () => {
  const h = harness(SITE_YAML, { prompt: true });
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445 }));
  assert.equal(only(h.finish(), RULE).length, 1);
});

test('without prompt mode the alert is held until final', () => {
  const h = harness(SITE_YAML);
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 445 }));
  assert.equal(only(h.alerts, RULE).length, 0);
  assert.equal(only(h.finish(), RULE).length, 1);
});
