/**
 * The DCE/RPC rules: dcerpc.remote_service, dcerpc.remote_task,
 * dcerpc.dcsync and dcerpc.recon, on built dce_rpc.call sequences (with
 * and without the details read from a stub in clear), the recorded Samba
 * capture (rpcclient against one server) replayed through the engine with
 * the default configuration, on which none of the DCE/RPC rules may fire,
 * and the Impacket-encoded remote-execution captures (rpc-exec.pcap,
 * samba-svcctl.pcap) and a hand-built NDR64 svcctl capture, whose alerts
 * carry what was run (dcerpc.wmi_exec and dcerpc.dcom_exec have their own
 * tests in dcerpc-dcom.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE_YAML, harness, kdc, only, replayRuleAlerts, rpcBind, rpcCall } from './harness.js';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { replayEvents } from '../helpers/replay.js';
import type { Alert } from '../../src/alerts/alert.js';
import type { DceRpcCallEvent } from '../../src/protocols/dcerpc/events.js';
import { estimatedSids } from '../../src/detect/dcerpc.recon.js';
import { checkConfigText } from '../../src/config/load.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { ndr64Session, writeSession } from '../protocols/dcerpc/ndr64-capture.js';

const SERVICE = 'dcerpc.remote_service';
const TASK = 'dcerpc.remote_task';
const DCSYNC = 'dcerpc.dcsync';
const RECON = 'dcerpc.recon';
const NEW_RULES = [SERVICE, TASK, DCSYNC, RECON, 'dcerpc.wmi_exec', 'dcerpc.dcom_exec'];

const TASK_UUID = '86d35949-83c9-4044-b424-db363231fd0c';
const DRSUAPI_UUID = 'e3514235-4b06-11d1-ab04-00c04fc2dcd2';

/** A DRSGetNCChanges call from `client` to the DC 10.77.1.5 over TCP. */
function getNcChanges(ts: number, client: string, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  return rpcCall(ts, {
    client,
    server: '10.77.1.5',
    server_port: 49668,
    transport: 'tcp',
    named_pipe: '49668',
    interface_uuid: DRSUAPI_UUID,
    interface_version: '4.0',
    endpoint: 'drsuapi',
    opnum: 3,
    operation: 'DRSGetNCChanges',
    ...c,
  });
}

// --- dcerpc.remote_service ---------------------------------------------------

test('remote_service: CreateServiceW from a workstation alerts once per pair, naming interface, operation and pipe', () => {
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { operation: 'OpenSCManagerW', opnum: 15 }));
  h.emit(rpcCall(1001));
  h.emit(rpcCall(1002, { operation: 'StartServiceW', opnum: 19 }));
  h.emit(rpcCall(1010));
  const a = only(h.finish(), SERVICE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.count, 2);
  assert.equal(a[0]!.source?.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(a[0]!.threat.technique.id, 'T1569.002');
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) created a service and started the service on 10\.77\.1\.10 \(servers\) over RPC \(svcctl CreateServiceW over the SMB pipe \\PIPE\\svcctl; 2 calls\)$/);
  assert.deepEqual(a[0]!.evidence.operations, ['CreateServiceW']);
  assert.deepEqual(a[0]!.evidence.named_pipes, ['\\PIPE\\svcctl']);
});

test('remote_service: ChangeServiceConfigA (binary swap) alerts; read-only svcctl calls do not', () => {
  const quiet = harness(SITE_YAML);
  for (const op of ['OpenSCManagerW', 'OpenServiceW', 'QueryServiceStatus', 'StartServiceW', 'ChangeServiceConfig2W', 'EnumServicesStatusW']) quiet.emit(rpcCall(1000, { operation: op }));
  assert.equal(only(quiet.finish(), SERVICE).length, 0);
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { operation: 'ChangeServiceConfigA', opnum: 23 }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /changed a service's program on 10\.77\.1\.10/);
});

const SMBEXEC = '%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat';

test('remote_service: a readable CreateServiceW names the service and program; smbexec\'s command is critical', () => {
  const h = harness(SITE_YAML);
  const details = { service_name: 'BTOBTO', display_name: 'BTOBTO', service_type: 'own_process', start_type: 'demand', binary_path: SMBEXEC };
  h.emit(rpcCall(1000, { details }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(
    a[0]!.message,
    `10.77.2.20 (workstations) created service "BTOBTO" running "${SMBEXEC}" on 10.77.1.10 (servers) over RPC (svcctl CreateServiceW over the SMB pipe \\PIPE\\svcctl)`,
  );
  assert.deepEqual(a[0]!.evidence.details, [{ operation: 'CreateServiceW', failed: false, ...details }]);
  assert.deepEqual(a[0]!.evidence.execution_patterns, ['shell_output_redirect']);
});

test('remote_service: an ordinary program stays high and is named; the message quotes at most 300 characters, the evidence more', () => {
  const h = harness(SITE_YAML);
  const path = `"C:\\Program Files\\Agent\\agent.exe" ${'-x '.repeat(200)}`;
  h.emit(rpcCall(1000, { details: { service_name: 'Agent', binary_path: path } }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a[0]!.event.severity, 3);
  assert.ok(a[0]!.message.startsWith('10.77.2.20 (workstations) created service "Agent" running "\"C:\\Program Files\\Agent\\agent.exe\" -x -x'));
  assert.ok(a[0]!.message.includes(`${path.slice(0, 300)}..." on 10.77.1.10`));
  assert.equal((a[0]!.evidence.details as { binary_path: string }[])[0]!.binary_path, path);
  assert.deepEqual(a[0]!.evidence.execution_patterns, []);
});

test('remote_service: psexec-style services, listed up to five, the rest counted; the severity is the highest', () => {
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { details: { service_name: 'Svc0', binary_path: 'C:\\Program Files\\a.exe' } }));
  for (let i = 1; i < 7; i++) h.emit(rpcCall(1000 + i, { details: { service_name: `Svc${i}`, binary_path: `%systemroot%\\r${i}.exe` } }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) created service "Svc0" running "C:\\Program Files\\a\.exe", created service "Svc1" .*, created service "Svc4" running "%systemroot%\\r4\.exe" and 2 more on 10\.77\.1\.10/);
  assert.equal((a[0]!.evidence.details as unknown[]).length, 5);
  assert.deepEqual(a[0]!.evidence.execution_patterns, ['windows_folder_program']);
});

test('remote_service: what one alert keeps of long commands is bounded; the rest is counted', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 20; i++) h.emit(rpcCall(1000 + i, { details: { service_name: `S${i}`, binary_path: `C:\\Tools\\t${i}.exe ${'y'.repeat(2040)}` } }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a[0]!.count, 20);
  const kept = JSON.stringify(a[0]!.evidence.details).length + a[0]!.message.length;
  assert.ok(kept < 9000, `${kept} characters`);
  assert.ok((a[0]!.evidence.details as unknown[]).length >= 1);
  assert.match(a[0]!.message, / and 1[0-9] more on 10\.77\.1\.10/);
});

test('remote_service: ChangeServiceConfigW names the new program and says the service is named by handle; no path, its settings', () => {
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { operation: 'ChangeServiceConfigW', opnum: 11, details: { binary_path: 'C:\\windows\\system32\\cmd.exe /c powershell -enc SQBFAFgAIAAoAE4AZQB3AC0A' } }));
  h.emit(rpcCall(1001, { operation: 'ChangeServiceConfigW', opnum: 11, details: { start_type: 'demand', user: 'LocalSystem' } }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(
    a[0]!.message,
    '10.77.2.20 (workstations) changed a service\'s program to "C:\\windows\\system32\\cmd.exe /c powershell -enc SQBFAFgAIAAoAE4AZQB3AC0A" and ' +
      'changed a service\'s settings but not its program (start type demand, account "LocalSystem") on 10.77.1.10 (servers) over RPC ' +
      '(svcctl ChangeServiceConfigW over the SMB pipe \\PIPE\\svcctl; 2 calls); ChangeServiceConfig names the service by a handle from an earlier OpenService, not by name, and that OpenService was not seen',
  );
  assert.deepEqual(a[0]!.evidence.execution_patterns, ['encoded_powershell']);
  // Settings alone: the rule's severity.
  const settings = harness(SITE_YAML);
  settings.emit(rpcCall(1000, { operation: 'ChangeServiceConfigW', opnum: 11, details: { start_type: 'auto' } }));
  assert.equal(only(settings.finish(), SERVICE)[0]!.event.severity, 3);
});

test('remote_service: a faulted readable call is medium and says what was tried, even with a tool\'s command', () => {
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { fault: 'nca_s_op_rng_error', details: { service_name: 'PKTSVC', binary_path: SMBEXEC } }));
  const a = only(h.finish(), SERVICE);
  assert.equal(a[0]!.event.severity, 2);
  assert.equal(
    a[0]!.message,
    `10.77.2.20 (workstations) tried to set up a service (service "PKTSVC" running "${SMBEXEC}") on 10.77.1.10 (servers) over RPC (svcctl CreateServiceW over the SMB pipe \\PIPE\\svcctl); the call failed (nca_s_op_rng_error)`,
  );
  assert.deepEqual(a[0]!.evidence.details, [{ operation: 'CreateServiceW', failed: true, service_name: 'PKTSVC', binary_path: SMBEXEC }]);
  assert.deepEqual(a[0]!.evidence.execution_patterns, []);
});

test('remote_service: an allowed client (by network name or CIDR) is not reported', () => {
  for (const allowed of ['workstations', '10.77.2.20', '10.77.2.0/24']) {
    const h = harness(`${SITE_YAML}detectors:\n  dcerpc.remote_service: { allowed_clients: ["${allowed}"] }\n`);
    h.emit(rpcCall(1000));
    assert.equal(only(h.finish(), SERVICE).length, 0, allowed);
  }
  const other = harness(`${SITE_YAML}detectors:\n  dcerpc.remote_service: { allowed_clients: [servers] }\n`);
  other.emit(rpcCall(1000));
  assert.equal(only(other.finish(), SERVICE).length, 1);
});

test('remote_service: a faulted call is medium and says so; off with report_failed: false; a later success raises it', () => {
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { fault: 'nca_s_fault_access_denied' }));
  let a = only(h.finish(), SERVICE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.match(a[0]!.message, /tried to set up a service on .*the call failed \(nca_s_fault_access_denied\)$/);

  const twice = harness(SITE_YAML);
  twice.emit(rpcCall(1000, { fault: 'nca_s_fault_access_denied' }));
  twice.emit(rpcCall(1001, { fault: 'nca_s_fault_access_denied' }));
  assert.match(only(twice.finish(), SERVICE)[0]!.message, /all 2 calls failed \(nca_s_fault_access_denied\)$/);

  const off = harness(`${SITE_YAML}detectors:\n  dcerpc.remote_service: { report_failed: false }\n`);
  off.emit(rpcCall(1000, { fault: 'nca_s_fault_access_denied' }));
  assert.equal(only(off.finish(), SERVICE).length, 0);

  const both = harness(SITE_YAML);
  both.emit(rpcCall(1000, { fault: 'nca_s_fault_access_denied' }));
  both.emit(rpcCall(1005));
  a = only(both.finish(), SERVICE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.match(a[0]!.message, /created a service .*2 calls, 1 failed/);
});

test('config: an allowed_clients entry naming no network is refused', () => {
  const r = checkConfigText(`${SITE_YAML}detectors:\n  dcerpc.remote_service: { allowed_clients: [sccm-servers] }\n`, 't.yaml');
  assert.equal(r.config, null);
  assert.match(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), /detectors\["dcerpc\.remote_service"\]\.allowed_clients\[0\]: "sccm-servers" is neither a configured network nor a CIDR/);
  const bad = checkConfigText(`${SITE_YAML}detectors:\n  dcerpc.dcsync: { domain_controllers: [10.77.1.5/24] }\n`, 't.yaml');
  assert.equal(bad.config, null);
  assert.deepEqual(bad.problems.map((p) => p.message), ['"10.77.1.5/24" has host bits set (did you mean 10.77.1.0/24?)']);
});

// --- dcerpc.remote_task ------------------------------------------------------

test('remote_task: SchRpcRegisterTask then SchRpcRun (Impacket atexec) is one high alert', () => {
  const h = harness(SITE_YAML);
  const task = { named_pipe: '\\PIPE\\atsvc', interface_uuid: TASK_UUID, endpoint: 'ITaskSchedulerService' };
  h.emit(rpcCall(1000, { ...task, operation: 'SchRpcRegisterTask', opnum: 1 }));
  h.emit(rpcCall(1001, { ...task, operation: 'SchRpcRun', opnum: 12 }));
  h.emit(rpcCall(1003, { ...task, operation: 'SchRpcDelete', opnum: 13 }));
  const a = only(h.finish(), TASK);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.threat.technique.id, 'T1053.005');
  assert.match(a[0]!.message, /registered a scheduled task and ran a scheduled task on 10\.77\.1\.10 \(servers\) over RPC \(ITaskSchedulerService SchRpcRegisterTask, SchRpcRun over the SMB pipe \\PIPE\\atsvc; 2 calls\)/);
  // Nothing for svcctl's rule.
  assert.equal(only(a, SERVICE).length, 0);
});

test('remote_task: atexec with a readable stub names the task, its command and account; redirected output is critical', () => {
  const h = harness(SITE_YAML);
  const task = { named_pipe: '\\PIPE\\atsvc', interface_uuid: TASK_UUID, endpoint: 'ITaskSchedulerService' };
  const details = { task_name: '\\tRxQpWvZ', user: 'S-1-5-18', run_level: 'HighestAvailable', command: 'cmd.exe', arguments: '/C whoami > %windir%\\Temp\\tRxQpWvZ.tmp 2>&1' };
  h.emit(rpcCall(1000, { ...task, operation: 'SchRpcRegisterTask', opnum: 1, details }));
  h.emit(rpcCall(1001, { ...task, operation: 'SchRpcRun', opnum: 12, details: { task_name: '\\tRxQpWvZ' } }));
  const a = only(h.finish(), TASK);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(
    a[0]!.message,
    '10.77.2.20 (workstations) registered scheduled task "\\tRxQpWvZ" running "cmd.exe /C whoami > %windir%\\Temp\\tRxQpWvZ.tmp 2>&1" as "S-1-5-18" and ' +
      'ran scheduled task "\\tRxQpWvZ" on 10.77.1.10 (servers) over RPC (ITaskSchedulerService SchRpcRegisterTask, SchRpcRun over the SMB pipe \\PIPE\\atsvc; 2 calls)',
  );
  assert.deepEqual(a[0]!.evidence.execution_patterns, ['shell_output_redirect']);
  assert.equal((a[0]!.evidence.details as unknown[]).length, 2);
});

test('remote_task: an AT job is named with its time; a plain command stays high; a task without a command is named alone', () => {
  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { endpoint: 'atsvc', operation: 'NetrJobAdd', opnum: 0, details: { command: 'cmd /c net user backup P@ss-1 /add', job_time: '12:30' } }));
  h.emit(rpcCall(1000, { client: '10.77.2.21', endpoint: 'ITaskSchedulerService', operation: 'SchRpcRegisterTask', opnum: 1, details: { task_name: '\\Update' } }));
  const a = only(h.finish(), TASK);
  assert.equal(a[0]!.event.severity, 3);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) added an AT job running "cmd \/c net user backup P@ss-1 \/add" at 12:30 on 10\.77\.1\.10/);
  assert.equal(a[1]!.event.severity, 3);
  assert.match(a[1]!.message, /^10\.77\.2\.21 \(workstations\) registered scheduled task "\\Update" on 10\.77\.1\.10/);
});

test('remote_task: NetrJobAdd and SASetAccountInformation alert; task enumeration does not; allowlist and faults apply', () => {
  const quiet = harness(SITE_YAML);
  quiet.emit(rpcCall(1000, { endpoint: 'ITaskSchedulerService', operation: 'SchRpcEnumTasks', opnum: 7 }));
  quiet.emit(rpcCall(1000, { endpoint: 'atsvc', operation: 'NetrJobEnum', opnum: 2 }));
  assert.equal(only(quiet.finish(), TASK).length, 0);

  const h = harness(SITE_YAML);
  h.emit(rpcCall(1000, { endpoint: 'atsvc', operation: 'NetrJobAdd', opnum: 0 }));
  h.emit(rpcCall(1000, { client: '10.77.2.21', endpoint: 'sasec', operation: 'SASetAccountInformation', opnum: 0 }));
  const a = only(h.finish(), TASK);
  assert.equal(a.length, 2);
  assert.match(a[0]!.message, /added an AT job/);
  assert.match(a[1]!.message, /set a scheduled task's account/);

  const allowed = harness(`${SITE_YAML}detectors:\n  dcerpc.remote_task: { allowed_clients: [10.77.2.20] }\n`);
  allowed.emit(rpcCall(1000, { endpoint: 'atsvc', operation: 'NetrJobAdd', opnum: 0 }));
  assert.equal(only(allowed.finish(), TASK).length, 0);

  const faulted = harness(SITE_YAML);
  faulted.emit(rpcCall(1000, { endpoint: 'atsvc', operation: 'NetrJobAdd', opnum: 0, fault: 'nca_s_op_rng_error' }));
  const f = only(faulted.finish(), TASK);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.event.severity, 2);
  assert.match(f[0]!.message, /tried to set up a scheduled task/);
});

// --- dcerpc.dcsync -----------------------------------------------------------

test('dcsync: DRSGetNCChanges from a workstation to a configured DC is critical', () => {
  const h = harness(`${SITE_YAML}detectors:\n  dcerpc.dcsync: { domain_controllers: [10.77.1.5, 10.77.1.6] }\n`);
  h.emit(rpcBind(999, { client: '10.77.2.20' }));
  h.emit(getNcChanges(1000, '10.77.2.20'));
  h.emit(getNcChanges(1001, '10.77.2.20'));
  const a = only(h.finish(), DCSYNC);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.equal(a[0]!.threat.technique.id, 'T1003.006');
  assert.equal(a[0]!.count, 2);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) replicated directory data from domain controller 10\.77\.1\.5 \(servers\) with drsuapi DRSGetNCChanges over TCP port 49668, 2 calls: DCSync; 10\.77\.2\.20 is not one of the configured domain controllers$/);
});

test('dcsync: DC to DC replication is quiet when both are known (configured, or learned from Kerberos)', () => {
  const configured = harness(`${SITE_YAML}detectors:\n  dcerpc.dcsync: { domain_controllers: [10.77.1.5, 10.77.1.6] }\n`);
  configured.emit(rpcBind(999));
  configured.emit(getNcChanges(1000, '10.77.1.6'));
  assert.equal(only(configured.finish(), DCSYNC).length, 0);

  const learned = harness(SITE_YAML);
  learned.emit(kdc(990, { kdc: '10.77.1.6', client: '10.77.2.30' }));
  learned.emit(getNcChanges(1000, '10.77.1.6'));
  assert.equal(only(learned.finish(), DCSYNC).length, 0);

  const noLearning = harness(`${SITE_YAML}detectors:\n  dcerpc.dcsync: { learn: false }\n`);
  noLearning.emit(kdc(990, { kdc: '10.77.1.6', client: '10.77.2.30' }));
  noLearning.emit(getNcChanges(1000, '10.77.1.6'));
  assert.equal(only(noLearning.finish(), DCSYNC).length, 1);
});

test('dcsync: a DC learned from serving drsuapi is a DC when it replicates in turn', () => {
  const h = harness(SITE_YAML);
  // 10.77.1.5 replicates from 10.77.1.6 (which serves drsuapi), then 10.77.1.6 from 10.77.1.5.
  h.emit(getNcChanges(1000, '10.77.1.5', { server: '10.77.1.6' }));
  h.emit(getNcChanges(1010, '10.77.1.6'));
  const a = only(h.finish(), DCSYNC);
  // The first call came before anything showed 10.77.1.5 to be a DC: reported, saying no DC is known.
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source?.ip, '10.77.1.5');
  assert.match(a[0]!.message, /no domain controller is known .*list the domain controllers in detectors\.dcerpc\.dcsync\.domain_controllers$/);
});

test('dcsync: with no DC known the alert says so; with learned DCs it says the client was not seen as one', () => {
  const none = harness(SITE_YAML);
  none.emit(getNcChanges(1000, '10.77.2.20'));
  const a = only(none.finish(), DCSYNC);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4);
  assert.match(a[0]!.message, /no domain controller is known \(none configured, none other seen answering Kerberos or serving replication\)/);
  assert.equal(a[0]!.evidence.domain_controllers_configured, false);

  const some = harness(SITE_YAML);
  some.emit(kdc(990, { kdc: '10.77.1.5' }));
  some.emit(getNcChanges(1000, '10.77.2.20'));
  const b = only(some.finish(), DCSYNC);
  assert.equal(b.length, 1);
  assert.match(b[0]!.message, /10\.77\.2\.20 was not seen acting as a domain controller and none are configured/);
});

test('dcsync: other drsuapi calls do not alert; an allowed client (Entra Connect) does not; a refused call is high', () => {
  const h = harness(SITE_YAML);
  h.emit(getNcChanges(1000, '10.77.2.20', { operation: 'DRSCrackNames', opnum: 12 }));
  h.emit(getNcChanges(1000, '10.77.2.20', { operation: 'DRSBind', opnum: 0 }));
  assert.equal(only(h.finish(), DCSYNC).length, 0);

  const allowed = harness(`${SITE_YAML}detectors:\n  dcerpc.dcsync: { allowed_clients: [10.77.1.40] }\n`);
  allowed.emit(getNcChanges(1000, '10.77.1.40'));
  assert.equal(only(allowed.finish(), DCSYNC).length, 0);

  const refused = harness(SITE_YAML);
  refused.emit(getNcChanges(1000, '10.77.2.20', { fault: 'nca_s_fault_access_denied' }));
  const r = only(refused.finish(), DCSYNC);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.event.severity, 3);
  assert.match(r[0]!.message, /asked domain controller 10\.77\.1\.5 \(servers\) for directory replication and was refused \(nca_s_fault_access_denied\)/);
});

// --- dcerpc.recon ------------------------------------------------------------

/** SharpHound-style session collection: NetrSessionEnum and NetrWkstaUserEnum against `hosts` servers. */
function sweep(emit: (e: DceRpcCallEvent) => void, hosts: number, from = '10.77.2.20'): void {
  for (let i = 0; i < hosts; i++) {
    const server = `10.77.1.${100 + i}`;
    emit(rpcCall(1000 + i * 5, { client: from, server, named_pipe: '\\PIPE\\srvsvc', endpoint: 'srvsvc', interface_uuid: '4b324fc8-1670-01d3-1278-5a47bf6ee188', operation: 'NetrSessionEnum', opnum: 12 }));
    emit(rpcCall(1001 + i * 5, { client: from, server, named_pipe: '\\PIPE\\wkssvc', endpoint: 'wkssvc', interface_uuid: '6bffd098-a112-3610-9833-46c3f87e345a', operation: 'NetrWkstaUserEnum', opnum: 2 }));
  }
}

test('recon: session enumeration on 9 hosts is quiet, on 10 it alerts naming operations and hosts', () => {
  const h9 = harness(SITE_YAML);
  sweep((e) => h9.emit(e), 9);
  assert.equal(only(h9.finish(), RECON).length, 0);

  const h10 = harness(SITE_YAML);
  sweep((e) => h10.emit(e), 10);
  const a = only(h10.finish(), RECON);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.equal(a[0]!.evidence.servers_count, 10);
  assert.equal((a[0]!.evidence.servers as string[]).length, 10);
  assert.deepEqual(a[0]!.evidence.operations, ['NetrSessionEnum', 'NetrWkstaUserEnum']);
  assert.deepEqual(a[0]!.evidence.interface, ['srvsvc', 'wkssvc']);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) enumerated sessions, users, groups or shares on 10 hosts in 45 s \(NetrSessionEnum, NetrWkstaUserEnum; last on 10\.77\.1\.109 over the SMB pipe \\PIPE\\wkssvc\)$/);
});

test('recon: hosts spread beyond the window, other operations and allowed clients do not count', () => {
  const slow = harness(SITE_YAML);
  for (let i = 0; i < 12; i++) slow.emit(rpcCall(1000 + i * 120, { server: `10.77.1.${100 + i}`, endpoint: 'srvsvc', operation: 'NetrSessionEnum' }));
  assert.equal(only(slow.finish(), RECON).length, 0);

  const other = harness(SITE_YAML);
  for (let i = 0; i < 12; i++) other.emit(rpcCall(1000 + i, { server: `10.77.1.${100 + i}`, endpoint: 'srvsvc', operation: 'NetrServerGetInfo' }));
  assert.equal(only(other.finish(), RECON).length, 0);

  const allowed = harness(`${SITE_YAML}detectors:\n  dcerpc.recon: { allowed_clients: [workstations] }\n`);
  sweep((e) => allowed.emit(e), 12);
  assert.equal(only(allowed.finish(), RECON).length, 0);
});

test('recon: share enumeration on 10 hosts (Snaffler, SharpShares, NetExec --shares) alerts; on 9 it does not', () => {
  const run = (hosts: number) => {
    const h = harness(SITE_YAML);
    for (let i = 0; i < hosts; i++) h.emit(rpcCall(1000 + i, { server: `10.77.1.${100 + i}`, named_pipe: '\\PIPE\\srvsvc', endpoint: 'srvsvc', interface_uuid: '4b324fc8-1670-01d3-1278-5a47bf6ee188', operation: 'NetrShareEnum', opnum: 15 }));
    return only(h.finish(), RECON);
  };
  assert.equal(run(9).length, 0);
  const a = run(10);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.operations, ['NetrShareEnum']);
  assert.match(a[0]!.message, /enumerated sessions, users, groups or shares on 10 hosts in 9 s \(NetrShareEnum; /);
});

test('recon: SAMR local group membership across hosts (BloodHound local admins) alerts', () => {
  const h = harness(SITE_YAML);
  for (let i = 0; i < 10; i++) h.emit(rpcCall(1000 + i, { server: `10.77.1.${100 + i}`, named_pipe: '\\PIPE\\samr', endpoint: 'samr', operation: 'SamrGetMembersInAlias', opnum: 33 }));
  const a = only(h.finish(), RECON);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.operations, ['SamrGetMembersInAlias']);
});

test('recon: SID brute force against one server, 499 SIDs quiet, 500 alert (one SID per call, and batched)', () => {
  const lookup = (ts: number, bytes: number, op = 'LsarLookupSids'): DceRpcCallEvent =>
    rpcCall(ts, { server: '10.77.1.5', named_pipe: '\\PIPE\\lsarpc', endpoint: 'lsarpc', operation: op, opnum: 15, request_bytes: bytes });
  assert.equal(estimatedSids(84), 1);
  assert.equal(estimatedSids(20), 1);
  assert.equal(estimatedSids(40 + 36 * 1000), 1000);

  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 499; i++) h1.emit(lookup(1000 + i * 0.1, 84));
  assert.equal(only(h1.finish(), RECON).length, 0);

  const h2 = harness(SITE_YAML);
  for (let i = 0; i < 500; i++) h2.emit(lookup(1000 + i * 0.1, 84));
  const a = only(h2.finish(), RECON);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.destination?.ip, '10.77.1.5');
  assert.equal(a[0]!.evidence.sids_estimated, 500);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) asked 10\.77\.1\.5 \(servers\) to resolve about 500 SIDs in at most 10 min \(500 calls of LsarLookupSids over the SMB pipe \\PIPE\\lsarpc\): SID brute force$/);

  // Impacket lookupsid: 1,000 SIDs per call.
  const batched = harness(SITE_YAML);
  batched.emit(lookup(1000, 40 + 36 * 1000, 'LsarLookupSids2'));
  assert.equal(only(batched.finish(), RECON).length, 1);

  // LsarLookupSids3 (member servers resolving at their DC) does not count.
  const sids3 = harness(SITE_YAML);
  for (let i = 0; i < 600; i++) sids3.emit(lookup(1000 + i * 0.1, 84, 'LsarLookupSids3'));
  assert.equal(only(sids3.finish(), RECON).length, 0);
});

test('recon: clients past max_tracked are dropped and counted as state evictions', () => {
  const h = harness(`${SITE_YAML}detectors:\n  dcerpc.recon: { max_tracked: 100 }\n`);
  for (let c = 0; c < 300; c++) h.emit(rpcCall(1000 + c, { client: `10.77.3.${c % 250}`, server: `10.77.1.${c % 7}`, endpoint: 'srvsvc', operation: 'NetrSessionEnum' }));
  h.finish();
  assert.ok((h.engine.stats().state_evictions[RECON] ?? 0) > 0);
});

// --- the recorded Samba capture ----------------------------------------------

const SAMBA = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'samba-rpc.pcap');

test('recon: the real calls of the Samba capture made against 10 servers (9 quiet) read as a sweep', async () => {
  const calls = (await replayEvents([SAMBA])).filter((e): e is DceRpcCallEvent => e.type === 'dce_rpc.call');
  const run = (servers: number): Alert[] => {
    const h = harness(SITE_YAML);
    for (let i = 0; i < servers; i++) for (const c of calls) h.emit({ ...c, ts: c.ts + i * 20, server: `10.77.1.${100 + i}` });
    return only(h.finish(), RECON);
  };
  assert.equal(run(9).length, 0);
  const a = run(10);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source?.ip, '10.99.7.2');
  // rpcclient's netshareenum and enumdomusers.
  assert.deepEqual(a[0]!.evidence.operations, ['NetrShareEnum', 'SamrEnumerateUsersInDomain']);
  assert.deepEqual(a[0]!.evidence.named_pipes, ['\\pipe\\srvsvc', '\\pipe\\samr']);
  assert.match(a[0]!.message, /^10\.99\.7\.2 enumerated sessions, users, groups or shares on 10 hosts in 3 min \(NetrShareEnum, SamrEnumerateUsersInDomain; last on 10\.77\.1\.109 over the SMB pipe \\pipe\\samr\)$/);
});

const replayAlerts = (file: string, yaml = ''): Promise<Alert[]> => replayRuleAlerts(file, NEW_RULES, yaml);

test('rpc-exec.pcap and samba-svcctl.pcap: the alerts say what was run; severities follow the commands', async () => {
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc');
  const alerts = await replayAlerts(path.join(fixtures, 'rpc-exec.pcap'));
  assert.deepEqual(
    alerts.map((a) => `${a.rule.id} ${a.source?.ip} ${a.event.severity} ${(a.evidence.execution_patterns as string[]).join(',')}`),
    [
      `${SERVICE} 127.0.0.2 4 shell_output_redirect`,
      `${SERVICE} 127.0.0.3 4 windows_folder_program`,
      `${SERVICE} 127.0.0.4 4 encoded_powershell,windows_folder_program`,
      `${TASK} 127.0.0.5 4 shell_output_redirect`,
      `${TASK} 127.0.0.6 3 `,
      'dcerpc.wmi_exec 127.0.0.7 3 ',
      `${SERVICE} 127.0.0.8 4 shell_output_redirect`,
    ],
  );
  assert.match(alerts[3]!.message, /^127\.0\.0\.5 registered scheduled task "\\tRxQpWvZ" running "cmd\.exe \/C whoami \/all > %windir%\\Temp\\tRxQpWvZ\.tmp 2>&1" as "S-1-5-18" and ran scheduled task/);
  assert.match(alerts[5]!.message, /^127\.0\.0\.7 ran WMI method "Create" on "Win32_Process" and ran WMI method "GetStringValue" on "StdRegProv" on 127\.0\.0\.1/);
  const samba = await replayAlerts(path.join(fixtures, 'samba-svcctl.pcap'));
  assert.equal(samba.length, 1);
  assert.equal(samba[0]!.event.severity, 2);
  assert.match(samba[0]!.message, /^10\.99\.8\.2 tried to set up a service \(service "PKTSVC" running "%COMSPEC% \/Q \/c echo whoami .*" and a service's program changed to "C:\\Windows\\qXwPzLmN\.exe"\) on 10\.99\.8\.1 over RPC \(svcctl CreateServiceW, ChangeServiceConfigW over the SMB pipe \\pipe\\svcctl\); all 2 calls failed/);
});

test('rpc-outcomes.pcap: what the calls returned: refusals are medium, a service is named by its handle, what came after joins the alert', async () => {
  const alerts = await replayAlerts(path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-outcomes.pcap'));
  assert.deepEqual(
    alerts.map((a) => `${a.rule.id} ${a.source?.ip} ${a.event.severity} ${a.count} ${JSON.stringify(a.evidence.failures)}`),
    [
      `${SERVICE} 127.0.0.2 4 1 []`,
      `${SERVICE} 127.0.0.3 2 1 ["ERROR_ACCESS_DENIED"]`,
      `${SERVICE} 127.0.0.4 4 2 []`,
      `${TASK} 127.0.0.5 2 1 ["E_ACCESSDENIED"]`,
      'dcerpc.wmi_exec 127.0.0.6 2 1 ["WBEM_E_ACCESS_DENIED"]',
    ],
  );
  const [smbexec, refused, scshell, task, wmi] = alerts.map((a) => a.message);
  // Started (the command ran: a command line never answers as a service), deleted; the start on the closed handle names nothing and is left out.
  assert.match(
    smbexec!,
    /^127\.0\.0\.2 created service "BTOBTO" running "%COMSPEC% .*", started service "BTOBTO" \(its program ran but did not answer as a service: ERROR_SERVICE_REQUEST_TIMEOUT\) and deleted service "BTOBTO" on 127\.0\.0\.1 over RPC \(svcctl CreateServiceW over TCP port 49671\)$/,
  );
  assert.equal(refused, '127.0.0.3 tried to set up a service (service "PSEXESVC" running "%SystemRoot%\\PSEXESVC.exe") on 127.0.0.1 over RPC (svcctl CreateServiceW over TCP port 49671); the call failed (ERROR_ACCESS_DENIED)');
  // OpenServiceW named the service whose handle ChangeServiceConfigW and StartServiceW gave.
  assert.match(
    scshell!,
    /^127\.0\.0\.4 changed service "XblAuthManager"'s program to "C:\\windows\\system32\\cmd\.exe \/c powershell\.exe -nop -w hidden -enc [^"]+", started service "XblAuthManager" \(.*\) and changed service "XblAuthManager"'s program to "C:\\Windows\\system32\\svchost\.exe -k netsvcs -p" on 127\.0\.0\.1 over RPC \(svcctl ChangeServiceConfigW over TCP port 49671; 2 calls\)$/,
  );
  assert.match(task!, /^127\.0\.0\.5 tried to set up a scheduled task \(scheduled task "\\tRxQpWvZ" running "cmd\.exe .*"\) .*; the call failed \(E_ACCESSDENIED\)$/);
  assert.match(wmi!, /; the call failed \(WBEM_E_ACCESS_DENIED\)$/);
  const details = alerts[0]!.evidence.details as { operation: string; returned?: string; failed: boolean }[];
  assert.deepEqual(
    details.map((d) => [d.operation, d.returned, d.failed]),
    [
      ['CreateServiceW', 'ERROR_SUCCESS', false],
      ['StartServiceW', 'ERROR_SERVICE_REQUEST_TIMEOUT', true],
      ['DeleteService', 'ERROR_SUCCESS', false],
    ],
  );
  // report_failed: false leaves the refusals out.
  const quiet = await replayAlerts(
    path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-outcomes.pcap'),
    'detectors:\n  dcerpc.remote_service: { report_failed: false }\n  dcerpc.remote_task: { report_failed: false }\n  dcerpc.wmi_exec: { report_failed: false }\n',
  );
  assert.deepEqual(quiet.map((a) => a.source?.ip), ['127.0.0.2', '127.0.0.4']);
});

test('a bind accepting NDR64, then an NDR64 CreateServiceW (as 64-bit Windows clients send it): the alert says what was run, as for NDR 2.0', async () => {
  const dir = tempDir('picket-ndr64-rule-');
  try {
    const messages: string[][] = [];
    for (const syntax of ['ndr64', 'ndr'] as const) {
      const file = path.join(dir, `svcctl-${syntax}.pcap`);
      await writeSession(ndr64Session(syntax), file);
      const alerts = await replayAlerts(file);
      messages.push(alerts.map((a) => `${a.rule.id} ${a.event.severity} ${a.message}`));
    }
    assert.deepEqual(messages[0], [
      `${SERVICE} 4 10.77.2.20 created service "WinUpd64" running "C:\\Windows\\Temp\\upd64.exe -silent" on 10.77.1.10 over RPC (svcctl CreateServiceW over TCP port 49670)`,
    ]);
    assert.deepEqual(messages[1], messages[0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('samba-rpc.pcap (rpcclient: srvsvc, lsarpc, samr, wkssvc against one server) raises none of the DCE/RPC rules', async () => {
  const r = checkConfigText('', 'default.yaml');
  assert.ok(r.config !== null);
  const alerts: Alert[] = [];
  const bus = new EventBus();
  let calls = 0;
  bus.on('dce_rpc.call', () => calls++);
  const engine = createEngine({ config: r.config, bus, onAlert: (a) => alerts.push(a) });
  await replayCaptures([SAMBA], { bus });
  alerts.push(...engine.flush());
  assert.ok(calls >= 20, `${calls} calls`);
  assert.deepEqual(alerts.filter((a) => NEW_RULES.includes(a.rule.id)).map((a) => a.message), []);
});
