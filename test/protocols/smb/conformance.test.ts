/**
 * SMB conformance against the corpus: Zeek's smb_mapping.log for smb3, the
 * negotiate contexts Zeek prints for SMBGhost, what is visible in the
 * mid-stream smb1 / smb2-readwrite captures, and the Suricata SMB tests.
 * Remaining differences are listed with their reasons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { replayEvents, replayWithSummary } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { ZEEK_CORPUS, SURICATA_CORPUS } from '../../helpers/paths.js';
import { smbSpec } from '../../../src/protocols/smb/index.js';
import { kerberosSpec } from '../../../src/protocols/kerberos/index.js';
import { compareRows } from '../asn1/zeek-compare.js';
import { ofType } from '../asn1/helpers.js';

const key = (r: Record<string, unknown>): string => `${String(r['id.orig_p'])}/${String(r['id.resp_p'])}`;

test('smb3: smb_mapping.log (tree connects around an encrypted session)', async () => {
  const dir = path.join(ZEEK_CORPUS, 'smb3');
  const { events, summary } = await replayWithSummary([path.join(dir, 'smb3.pcap')], [smbSpec]);
  const got = ofType(events, 'smb_mapping').map((e) => e.record);
  const diffs = compareRows(
    readZeekLog(path.join(dir, 'smb_mapping.log')),
    got as unknown as Record<string, unknown>[],
    key,
    ['path', 'service', 'native_file_system', 'share_type'],
  );
  assert.deepEqual(diffs, []);
  // The NTLM login before encryption starts (user SUSE\administrator) is visible.
  const auth = ofType(events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.user, 'SUSE\\administrator');
  assert.equal(auth[0]!.outcome, 'success');
  const ntlm = ofType(events, 'ntlm');
  assert.equal(ntlm.length, 1);
  assert.equal(ntlm[0]!.record.server_dns_computer_name, 'WS2016.suse.de');
  assert.deepEqual(summary.pipeline.app.anomalies, {});
});

test('smb-smbghost: SMB 3.1.1 negotiate contexts (preauth, compression)', async () => {
  const events = await replayEvents([path.join(ZEEK_CORPUS, 'smb-smbghost', 'SMBGhost.pcap')], [smbSpec]);
  const neg = ofType(events, 'smb.negotiate');
  assert.equal(neg.length, 1);
  // Zeek's output: "context value type 1, length 38 [hash_alg_count=1, salt_length=32, hash_alg=[1]]"
  // and "context value type 3, length 10 [alg_count=1, algs=[1]]".
  const c = neg[0]!.client_contexts;
  assert.deepEqual(
    c.map((x) => [x.type, x.length]),
    [
      [1, 38],
      [3, 10],
    ],
  );
  assert.deepEqual(c[0]!.hash_algorithms, [1]);
  assert.equal(c[0]!.salt_length, 32);
  assert.deepEqual(c[1]!.compression_algorithms, ['LZNT1']);
  assert.ok(neg[0]!.client_dialects.includes('3.11'));
});

test('smb1 and smb2-readwrite: mid-stream captures are recognised without anomalies', async () => {
  // Both captures start after negotiation and tree connect (they exercise file
  // access: smb_files.log is compared in files-conformance.test.ts), so
  // there is nothing to map; the analyzer must still recognise SMB and stay quiet.
  for (const f of [path.join(ZEEK_CORPUS, 'smb1', 'smb1.pcap'), path.join(ZEEK_CORPUS, 'smb2-readwrite', 'smb2readwrite.pcap')]) {
    const { events, summary } = await replayWithSummary([f], [smbSpec]);
    assert.equal(summary.pipeline.app.flows['smb'], 1, f);
    assert.deepEqual(summary.pipeline.app.anomalies, {}, f);
    assert.equal(ofType(events, 'smb_mapping').length, 0);
    const ends = ofType(events, 'flow.end');
    assert.ok(ends.some((e) => e.record.service === 'smb'));
  }
});

test('suricata smb1-02: three SMB1 NT LM 0.12 negotiations', async () => {
  const events = await replayEvents([path.join(SURICATA_CORPUS, 'smb1-02', 'smb1_osx.pcap')], [smbSpec]);
  const neg = ofType(events, 'smb.negotiate');
  assert.equal(neg.length, 3);
  for (const n of neg) {
    assert.equal(n.smb_version, 1);
    assert.deepEqual(n.client_dialects, ['NT LM 0.12']);
    assert.equal(n.dialect, 'NT LM 0.12');
    assert.equal(n.status, 'STATUS_SUCCESS');
  }
  // Session setups stop at STATUS_MORE_PROCESSING_REQUIRED, then log off: no auth outcome.
  assert.equal(ofType(events, 'auth').length, 0);
});

test('suricata smb3-01: SMB 3.00 negotiate and both tree connects', async () => {
  const events = await replayEvents([path.join(SURICATA_CORPUS, 'smb3-01', 'input.pcap')], [smbSpec]);
  const neg = ofType(events, 'smb.negotiate');
  assert.equal(neg.length, 1);
  assert.equal(neg[0]!.dialect, '3.00');
  const trees = ofType(events, 'smb.tree_connect');
  assert.deepEqual(
    trees.map((t) => [t.path, t.share_type, t.status]),
    [
      ['\\\\WS2016\\encrypted', 'DISK', 'STATUS_SUCCESS'],
      ['\\\\10.160.65.202\\IPC$', 'PIPE', 'STATUS_SUCCESS'],
    ],
  );
});

test('suricata smb1-01: SMB2 file traffic mid-stream, no negotiation visible', async () => {
  const { events, summary } = await replayWithSummary([path.join(SURICATA_CORPUS, 'smb1-01', 'smb1.pcap')], [smbSpec]);
  assert.equal(summary.pipeline.app.flows['smb'], 1);
  assert.deepEqual(summary.pipeline.app.anomalies, {});
  // Suricata reports dialect "unknown" here: there is no negotiate to report.
  assert.equal(ofType(events, 'smb.negotiate').length, 0);
});

test('krb-dcerpc-spnego (445): Kerberos session setup succeeds, SMB2 negotiated after a multi-protocol SMB1 negotiate', async () => {
  const events = await replayEvents([path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego', 'kerberos445_auth.pcapng')], [smbSpec, kerberosSpec]);
  const neg = ofType(events, 'smb.negotiate');
  assert.equal(neg[0]!.smb_version, 1);
  assert.equal(neg[0]!.dialect, '2.??');
  assert.equal(neg[1]!.smb_version, 2);
  const auth = ofType(events, 'auth');
  assert.equal(auth.length, 1);
  assert.equal(auth[0]!.outcome, 'success');
  assert.equal(auth[0]!.detail, 'STATUS_SUCCESS (kerberos)');
});
