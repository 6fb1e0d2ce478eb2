/**
 * DCE/RPC against what tshark decodes from the same captures: every call
 * (interface UUID from the bind the server accepted, opnum, answered or
 * not), in order, for the corpus captures that carry DCE/RPC (Zeek's
 * kerberos135_auth: DCOM activation on 135 with Kerberos in the bind) and
 * for the recorded Samba capture (test/fixtures/dcerpc/samba-rpc.pcap,
 * made by record-samba-rpc.sh beside it: rpcclient over SMB2 named pipes)
 * and the traffic lab's smbclient share listing, and Impacket-encoded DCOM
 * and WMI traffic (test/fixtures/dcerpc/dcom-wmi.pcap, made by
 * record-dcom-wmi.sh: activations on 135, alter_contexts and calls with
 * object UUIDs on a port found by the content probe), Impacket-encoded
 * remote-execution requests (rpc-exec.pcap, made by record-rpc-exec.sh:
 * svcctl, ITaskSchedulerService, atsvc and IWbemServices calls, some in
 * many fragments) and Impacket's svcctl calls to Samba over an SMB2 pipe
 * (samba-svcctl.pcap, made by record-samba-svcctl.sh, faulted by Samba);
 * and no call at all from the corpus SMB captures, in which tshark finds
 * none. The Samba capture's dce_rpc.jsonl lines are checked one by one.
 *
 * Intended differences: none on these captures. (Wireshark pairs a pipe's
 * calls per TCP stream and pipe; tshark's fields give the stream only, so
 * this test applies each stream's binds in order, which these captures'
 * sequential pipes allow.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT, SURICATA_CORPUS, ZEEK_CORPUS } from '../../helpers/paths.js';

const SAMBA = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'samba-rpc.pcap');
const KRB135 = path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego', 'kerberos135_auth.pcapng');
const LAB_SMB_INTERNET = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'smb-internet.pcap');
const DCOM_WMI = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'dcom-wmi.pcap');
const RPC_EXEC = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-exec.pcap');
const SAMBA_SVCCTL = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'samba-svcctl.pcap');

const FIELDS = [
  'tcp.stream', 'dcerpc.pkt_type', 'dcerpc.cn_flags', 'dcerpc.cn_call_id', 'dcerpc.cn_ctx_id',
  'dcerpc.cn_bind_to_uuid', 'dcerpc.cn_ack_result', 'dcerpc.opnum',
];

/** tshark's DCE/RPC rows of `file`, or null when tshark is not installed. */
function tsharkRows(file: string): string[][] | null {
  let out: string;
  try {
    out = execFileSync('tshark', ['-2', '-r', file, '-Y', 'dcerpc', '-T', 'fields', '-E', 'occurrence=a', ...FIELDS.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return null;
  }
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** Calls as tshark sees them, in order: "uuid opnum answered". */
function tsharkCalls(rows: string[][]): string[] {
  const offered = new Map<string, { ctx: string[]; uuid: string[] }>();
  const bound = new Map<string, Map<string, string>>();
  const calls: { key: string; uuid: string; opnum: string }[] = [];
  const answered = new Set<string>();
  for (const [stream, type, flags, callId, ctx, uuid, result, opnum] of rows as string[][]) {
    const key = `${stream}/${callId}`;
    switch (type) {
      case '11':
      case '14':
        offered.set(stream!, { ctx: ctx!.split(','), uuid: uuid!.split(',') });
        break;
      case '12':
      case '15': {
        const o = offered.get(stream!);
        if (o === undefined) break;
        const results = result!.split(',');
        const map = bound.get(stream!) ?? new Map<string, string>();
        o.ctx.forEach((c, i) => {
          if (results[i] === '0') map.set(c, o.uuid[i]!);
        });
        bound.set(stream!, map);
        break;
      }
      case '0':
        if ((parseInt(flags!, 16) & 1) !== 0) calls.push({ key, uuid: bound.get(stream!)?.get(ctx!) ?? '-', opnum: opnum! });
        break;
      case '2':
        if ((parseInt(flags!, 16) & 2) !== 0) answered.add(key);
        break;
      case '3':
        answered.add(key);
        break;
      default:
        break;
    }
  }
  return calls.map((c) => `${c.uuid} ${c.opnum} ${answered.has(c.key)}`);
}

async function picketCalls(file: string): Promise<string[]> {
  const events = await replayEvents([file]);
  return ofType(events, 'dce_rpc.call')
    .sort((a, b) => a.ts - b.ts)
    .map((c) => `${c.interface_uuid ?? '-'} ${c.opnum} ${c.rtt !== undefined}`);
}

for (const [name, file, count] of [
  ['krb-dcerpc-spnego kerberos135_auth', KRB135, 1],
  ['Samba rpcclient over SMB2 pipes', SAMBA, 20],
  ['traffic lab smb-internet (smbclient -L: srvsvc over SMB3)', LAB_SMB_INTERNET, 1],
  ['Impacket-encoded DCOM activations, WMI and IDispatch calls on 135 and a dynamic port', DCOM_WMI, 26],
  ['Impacket-encoded svcctl, task scheduler, atsvc and WMI method requests on a dynamic port', RPC_EXEC, 26],
  ['Impacket svcctl calls to Samba over an SMB2 pipe', SAMBA_SVCCTL, 4],
] as const) {
  test(`${name}: ${count} calls, equal to tshark's (interface, opnum, answered)`, { skip: !fs.existsSync(file) }, async (t) => {
    const rows = tsharkRows(file);
    if (rows === null) {
      t.skip('tshark is not installed');
      return;
    }
    const expected = tsharkCalls(rows);
    assert.equal(expected.length, count);
    assert.deepEqual(await picketCalls(file), expected);
  });
}

test('the corpus SMB captures carry no DCE/RPC (tshark agrees): no call is reported', async (t) => {
  const files = [
    path.join(ZEEK_CORPUS, 'smb1', 'smb1.pcap'),
    path.join(ZEEK_CORPUS, 'smb2-readwrite', 'smb2readwrite.pcap'),
    path.join(ZEEK_CORPUS, 'smb3', 'smb3.pcap'),
    path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego', 'kerberos445_auth.pcapng'),
    ...['smb1-01', 'smb1-02', 'smb3-01'].flatMap((d) => {
      const dir = path.join(SURICATA_CORPUS, d);
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.pcapn?g?$/.test(f)).map((f) => path.join(dir, f)) : [];
    }),
  ].filter((f) => fs.existsSync(f));
  if (files.length === 0) {
    t.skip('corpus not present');
    return;
  }
  for (const f of files) {
    const rows = tsharkRows(f);
    if (rows !== null) assert.equal(rows.length, 0, `tshark finds DCE/RPC in ${f}`);
    assert.deepEqual(await picketCalls(f), [], f);
  }
});

test('Samba capture: dce_rpc.jsonl lines (the wkssvc NetrWkstaGetInfo poll left out as in Zeek), binds, services', async () => {
  const events = await replayEvents([SAMBA]);
  const lines = ofType(events, 'dce_rpc').map((e) => `${e.record.named_pipe} ${e.record.endpoint} ${e.record.operation} ${e.record.rtt !== undefined}`);
  assert.deepEqual(lines, [
    '\\pipe\\srvsvc srvsvc NetrServerGetInfo true',
    '\\pipe\\srvsvc srvsvc NetrShareEnum true',
    '\\pipe\\lsass lsarpc LsarOpenPolicy true',
    '\\pipe\\lsass lsarpc LsarQueryInformationPolicy true',
    '\\pipe\\lsass lsarpc LsarClose true',
    '\\pipe\\lsass lsarpc LsarOpenPolicy true',
    '\\pipe\\lsass lsarpc LsarLookupNames true',
    '\\pipe\\lsass lsarpc LsarClose true',
    '\\pipe\\samr samr SamrConnect5 true',
    '\\pipe\\samr samr SamrEnumerateDomainsInSamServer true',
    '\\pipe\\samr samr SamrLookupDomainInSamServer true',
    '\\pipe\\samr samr SamrOpenDomain true',
    '\\pipe\\samr samr SamrEnumerateUsersInDomain true',
    '\\pipe\\samr samr SamrCloseHandle true',
    '\\pipe\\samr samr SamrCloseHandle true',
    '\\pipe\\srvsvc srvsvc NetrServerGetInfo true',
    '\\pipe\\lsass lsarpc LsarOpenPolicy true',
    '\\pipe\\lsass lsarpc LsarQueryInformationPolicy true',
    '\\pipe\\lsass lsarpc LsarClose true',
  ]);
  const calls = ofType(events, 'dce_rpc.call');
  assert.deepEqual(calls.filter((c) => c.endpoint === 'wkssvc').map((c) => c.operation), ['NetrWkstaGetInfo']);
  assert.ok(calls.every((c) => c.transport === 'smb' && c.fault === undefined));
  const binds = ofType(events, 'dce_rpc.bind');
  assert.deepEqual([...new Set(binds.map((b) => `${b.endpoint} ${b.interface_version} ${b.accepted}`))].sort(), [
    'lsarpc 0.0 true',
    'samr 1.0 true',
    'srvsvc 3.0 true',
    'wkssvc 1.0 true',
  ]);
  const services = ofType(events, 'flow.end').map((e) => e.record.service);
  assert.deepEqual(services, ['smb,dce_rpc', 'smb,dce_rpc', 'smb,dce_rpc', 'smb,dce_rpc', 'smb,dce_rpc']);
});

test('kerberos135_auth: the DCOM activation call on 135 is logged with MS-DCOM\'s names', { skip: !fs.existsSync(KRB135) }, async () => {
  const events = await replayEvents([KRB135]);
  const lines = ofType(events, 'dce_rpc').map((e) => e.record);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.named_pipe, '135');
  assert.equal(lines[0]!.endpoint, 'IRemoteSCMActivator');
  assert.equal(lines[0]!.operation, 'RemoteCreateInstance');
  assert.ok(lines[0]!.rtt! > 0 && lines[0]!.rtt! < 0.01);
  // The bind offered the interface twice, over NDR (accepted) and for bind-time feature
  // negotiation (not an interface, no event); the alter_context that finishes the Kerberos
  // exchange offers it again.
  assert.deepEqual(ofType(events, 'dce_rpc.bind').map((b) => [b.endpoint, b.accepted, b.alter]), [
    ['IRemoteSCMActivator', true, false],
    ['IRemoteSCMActivator', true, true],
  ]);
});
