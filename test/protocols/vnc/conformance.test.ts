/**
 * RFB conformance against Zeek's vnc-scanner capture: one connection, RFB
 * 3.8 both ways, VNC authentication, SecurityResult "failed" with a reason.
 * Every rfb.log field Zeek fills must match; the auth event is one failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { replayWithSummary } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { ZEEK_CORPUS } from '../../helpers/paths.js';
import { createVncSpec } from '../../../src/protocols/vnc/index.js';
import type { RfbRecord } from '../../../src/protocols/vnc/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';

const DIR = path.join(ZEEK_CORPUS, 'vnc-scanner');
const FIELDS = [
  'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p',
  'client_major_version', 'client_minor_version', 'server_major_version', 'server_minor_version',
  'authentication_method', 'auth', 'share_flag', 'desktop_name', 'width', 'height',
] as const;

/** A Picket value as Zeek's TSV writes it (booleans T/F, absent as unset). */
function zeekText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return String(v);
}

test('vnc-scanner: rfb.log fields and the failed VNC authentication', async () => {
  const logs: RfbRecord[] = [];
  const spec = createVncSpec({ log: (e) => logs.push(e.record) });
  const { events, summary } = await replayWithSummary([path.join(DIR, 'vnc-scanner.pcap')], [spec]);
  assert.deepEqual(summary.pipeline.app.exceptions, {});
  const zeek = readZeekLog(path.join(DIR, 'rfb.log'));
  assert.equal(zeek.length, 1);
  assert.equal(logs.length, 1);
  for (const f of FIELDS) assert.equal(zeekText(logs[0]![f]), zeek[0]![f], f);

  const auths = events.filter((e): e is AuthEvent => e.type === 'auth');
  assert.equal(auths.length, 1);
  const a = auths[0]!;
  assert.equal(a.service, 'vnc');
  assert.equal(a.outcome, 'failure');
  assert.equal(a.client, '192.168.0.11');
  assert.equal(a.server_port, 5900);
  // RFB 3.8 gives the reason with the failed SecurityResult.
  assert.equal(a.detail, 'Authentication failed from    192.168.0.1');
  assert.equal(a.user, undefined);
});
