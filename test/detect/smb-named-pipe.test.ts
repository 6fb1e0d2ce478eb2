/**
 * smb.named_pipe: the lab's named-pipe capture (Impacket asking Samba's
 * IPC$ for srvsvc, PSEXESVC and msagent_4f) gives smb.pipe events with the
 * server's answers and alerts for the two tool pipes; on hand-made events,
 * the severity by kind, opened pipes, the options, and names that only
 * look alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { EventBus } from '../../src/events/bus.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import type { SmbPipeEvent } from '../../src/protocols/smb/events.js';

const RULE = 'smb.named_pipe';
const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'named-pipe.pcap');

function pipe(ts: number, name: string, opened = true, client = '10.77.2.20'): SmbPipeEvent {
  return { type: 'smb.pipe', ts, uid: `Cpipe${ts}`, client, server: '10.77.1.10', server_port: 445, smb_version: 2, name, status: opened ? 'STATUS_SUCCESS' : 'STATUS_OBJECT_NAME_NOT_FOUND', opened };
}

function alerts(events: SmbPipeEvent[], yaml = '') {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('the lab capture: every pipe asked for is an smb.pipe event with its answer; the two tool pipes alert', async () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.on('smb.pipe', (e) => seen.push(`${e.name} ${e.status} ${e.opened}`));
  await replayCaptures([CAPTURE], { bus });
  assert.deepEqual(seen, ['srvsvc STATUS_SUCCESS true', 'PSEXESVC STATUS_OBJECT_NAME_NOT_FOUND false', 'msagent_4f STATUS_OBJECT_NAME_NOT_FOUND false']);
  const a = await replayRuleAlerts(CAPTURE, [RULE]);
  assert.deepEqual(
    a.map((x) => [x.event.severity, x.evidence.pipe, x.evidence.tool]),
    [
      [3, 'PSEXESVC', 'PsExec'],
      [4, 'msagent_4f', 'Cobalt Strike (SMB beacon)'],
    ],
  );
  assert.equal(a[1]!.message, '10.77.2.20 asked for the named pipe \\msagent_4f on 10.77.2.21 (refused: STATUS_OBJECT_NAME_NOT_FOUND): Cobalt Strike (SMB beacon), a command-and-control channel');
});

test('known names by kind; look-alikes and ordinary pipes do not match', () => {
  const names = ['MSSE-1234-server', 'postex_ab12', 'postex_ssh_9f0e', 'status_4a', 'mojo.5688.8052.183894939787088877', 'ntsvcs_1f', 'gruntsvc', 'PSEXESVC-WS01-4242-stdin', 'PAExec-3412-WS01', 'RemCom_communicaton', 'csexecsvc', 'ahexec'];
  const a = alerts(names.map((n, i) => pipe(i, n)));
  // One alert per tool: the two post-exploitation pipes are one, and so are the two malleable-profile ones.
  assert.equal(a.length, names.length - 2);
  assert.equal(a.filter((x) => x.evidence.kind === 'c2').length, 5);
  assert.ok(a.every((x) => x.event.severity === (x.evidence.kind === 'c2' ? 4 : 3)));
  const opened = a.find((x) => x.evidence.tool === 'Covenant')!;
  assert.match(opened.message, /opened the named pipe \\gruntsvc on 10\.77\.1\.10: Covenant, a command-and-control channel$/);
  const ordinary = ['srvsvc', 'samr', 'lsarpc', 'netlogon', 'ntsvcs', 'wkssvc', 'spoolss', 'svcctl', 'status', 'msagent', 'PSEXESVC.exe', 'postex_12345'];
  assert.deepEqual(alerts(ordinary.map((n, i) => pipe(i, n))), []);
});

test('options: more names, ignored tools, excluded hosts', () => {
  assert.equal(alerts([pipe(1, 'beacon_77')], 'detectors:\n  smb.named_pipe: { pipes: ["beacon_*"] }\n').length, 1);
  assert.deepEqual(alerts([pipe(1, 'PSEXESVC')], 'detectors:\n  smb.named_pipe: { ignore_tools: [psexec] }\n'), []);
  assert.deepEqual(alerts([pipe(1, 'msagent_01')], 'detectors:\n  smb.named_pipe: { exclude: [10.77.2.20] }\n'), []);
  // One alert per client, server and tool.
  assert.equal(alerts([pipe(1, 'msagent_01'), pipe(2, 'msagent_02'), pipe(3, 'msagent_03', true, '10.77.2.21')]).length, 2);
});
