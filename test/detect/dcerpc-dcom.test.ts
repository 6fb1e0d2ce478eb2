/**
 * dcerpc.wmi_exec and dcerpc.dcom_exec on built dce_rpc.call sequences
 * (wmiexec's and dcomexec's order of calls, and the WMI queries, bare
 * activations, local calls, faults, windows and allowlists that must stay
 * quiet), and on dcom-wmi.pcap (test/fixtures/dcerpc, DCE/RPC PDUs
 * encoded by Impacket, made by record-dcom-wmi.sh) and Zeek's
 * kerberos135_auth (a Windows WMI activation alone) replayed through the
 * parser and the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts, rpcCall } from './harness.js';
import { checkConfigText } from '../../src/config/load.js';
import type { Alert } from '../../src/alerts/alert.js';
import type { DceRpcCallEvent } from '../../src/protocols/dcerpc/events.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../helpers/paths.js';

const WMI = 'dcerpc.wmi_exec';
const DCOM = 'dcerpc.dcom_exec';

const WBEM_LEVEL1_LOGIN = '8bc3f05e-d86b-11d0-a075-00c04fb68820';
const MMC20 = '49b2791a-b1ae-4c90-9b8e-e860ba07f889';
const SHELL_WINDOWS = '9ba05972-f6a8-11cf-a442-00a0c90a8f39';
/** A class on no list (Microsoft.Update.Session, which admin scripts automate remotely). */
const UPDATE_SESSION = '4cb43d7f-7eee-4906-8698-60da1c38f2fe';

/** A RemoteCreateInstance from 10.77.2.20 to 10.77.1.10 on 135; `clsid` null when its stub was not read. */
function activation(ts: number, clsid: string | null, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  const e = rpcCall(ts, {
    server_port: 135,
    transport: 'tcp',
    named_pipe: '135',
    interface_uuid: '000001a0-0000-0000-c000-000000000046',
    interface_version: '0.0',
    endpoint: 'IRemoteSCMActivator',
    opnum: 4,
    operation: 'RemoteCreateInstance',
    ...c,
  });
  if (clsid !== null) e.clsid = clsid;
  return e;
}

/** A DCOM call on the object exporter's port 49667 of 10.77.1.10. */
function dcomCall(ts: number, endpoint: string, uuid: string, operation: string, opnum: number, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  return rpcCall(ts, {
    server_port: 49667,
    transport: 'tcp',
    named_pipe: '49667',
    interface_uuid: uuid,
    interface_version: '0.0',
    endpoint,
    opnum,
    operation,
    object_uuid: '00008c01-0b58-ffff-1d3e-ac41e04a1f67',
    ...c,
  });
}

const login = (ts: number, c: Partial<DceRpcCallEvent> = {}) => dcomCall(ts, 'IWbemLevel1Login', 'f309ad18-d86a-11d0-a075-00c04fb68820', 'NTLMLogin', 6, c);
const wbem = (ts: number, operation: string, opnum: number, c: Partial<DceRpcCallEvent> = {}) =>
  dcomCall(ts, 'IWbemServices', '9556dc99-828c-11cf-a37e-00aa003240c7', operation, opnum, c);
const dispatch = (ts: number, operation: 'Invoke' | 'GetIDsOfNames', c: Partial<DceRpcCallEvent> = {}) =>
  dcomCall(ts, 'IDispatch', '00020400-0000-0000-c000-000000000046', operation, operation === 'Invoke' ? 6 : 5, c);
const release = (ts: number) => dcomCall(ts, 'IRemUnknown2', '00000143-0000-0000-c000-000000000046', 'RemRelease', 5);

/** wmiexec: activation of WbemLevel1Login, NTLMLogin, RemRelease, GetObject(Win32_Process), ExecMethod(Create). */
function wmiexec(emit: (e: DceRpcCallEvent) => void, t = 1000, clsid: string | null = WBEM_LEVEL1_LOGIN): void {
  emit(activation(t, clsid));
  emit(login(t + 0.1));
  emit(release(t + 0.2));
  emit(wbem(t + 0.3, 'GetObject', 6));
  emit(wbem(t + 0.4, 'ExecMethod', 24));
}

/** dcomexec with MMC20.Application: activation, then GetIDsOfNames and Invoke for Document, ActiveView, ExecuteShellCommand. */
function dcomexec(emit: (e: DceRpcCallEvent) => void, t = 1000, clsid: string | null = MMC20, c: Partial<DceRpcCallEvent> = {}): void {
  emit(activation(t, clsid, c));
  for (let i = 0; i < 3; i++) {
    emit(dispatch(t + 1 + i, 'GetIDsOfNames', c));
    emit(dispatch(t + 1.5 + i, 'Invoke', c));
  }
}

// --- dcerpc.wmi_exec ---------------------------------------------------------

test('wmi_exec: wmiexec\'s sequence is one alert naming ExecMethod, the activation of WbemLevel1Login and NTLMLogin', () => {
  const h = harness(SITE_YAML);
  wmiexec((e) => h.emit(e));
  h.emit(wbem(1010, 'ExecMethod', 24));
  const a = only(h.finish(), WMI);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.count, 2);
  assert.equal(a[0]!.threat.technique.id, 'T1047');
  assert.equal(a[0]!.source?.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.ip, '10.77.1.10');
  assert.equal(
    a[0]!.message,
    '10.77.2.20 (workstations) ran a WMI method on 10.77.1.10 (servers) over RPC (IWbemServices ExecMethod over TCP port 49667; 2 calls; ' +
      'after DCOM activation of WbemLevel1Login over TCP port 135 and IWbemLevel1Login NTLMLogin)',
  );
  const ev = a[0]!.evidence;
  assert.deepEqual(ev.interface, ['IWbemServices']);
  assert.deepEqual(ev.operations, ['ExecMethod']);
  assert.deepEqual(ev.named_pipes, ['49667']);
  assert.equal(ev.calls, 2);
  assert.deepEqual(ev.activation, { call: 'IRemoteSCMActivator RemoteCreateInstance', clsid: WBEM_LEVEL1_LOGIN, class: 'WbemLevel1Login', encrypted: false, named_pipe: '135', seconds_before: 10 });
  assert.deepEqual(ev.login, { call: 'IWbemLevel1Login NTLMLogin', named_pipe: '49667', seconds_before: 9.9 });
  assert.equal(only(a, DCOM).length, 0);
});

test('wmi_exec: ExecMethodAsync alone (capture began after the login) alerts without naming a setup', () => {
  const h = harness(SITE_YAML);
  h.emit(wbem(1000, 'ExecMethodAsync', 25));
  const a = only(h.finish(), WMI);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) ran a WMI method on 10.77.1.10 (servers) over RPC (IWbemServices ExecMethodAsync over TCP port 49667)');
  assert.equal(a[0]!.evidence.activation, null);
  assert.equal(a[0]!.evidence.login, null);
});

test('wmi_exec: a readable method is named; one that runs nothing (StdRegProv) is medium, Win32_Process.Create keeps high', () => {
  const method = (ts: number, object_path: string, m: string, c: Partial<DceRpcCallEvent> = {}) =>
    wbem(ts, 'ExecMethod', 24, { details: { object_path, method: m }, ...c });
  const reads = harness(SITE_YAML);
  reads.emit(method(1000, 'StdRegProv', 'GetStringValue'));
  reads.emit(method(1001, 'StdRegProv', 'EnumKey'));
  let a = only(reads.finish(), WMI);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.equal(
    a[0]!.message,
    '10.77.2.20 (workstations) ran WMI method "GetStringValue" on "StdRegProv" and ran WMI method "EnumKey" on "StdRegProv" on 10.77.1.10 (servers) over RPC (IWbemServices ExecMethod over TCP port 49667; 2 calls)',
  );
  assert.deepEqual(a[0]!.evidence.details, [
    { operation: 'ExecMethod', failed: false, object_path: 'StdRegProv', method: 'GetStringValue' },
    { operation: 'ExecMethod', failed: false, object_path: 'StdRegProv', method: 'EnumKey' },
  ]);

  // A process creation after the reads raises the same alert; class and method match in any case, with a namespace.
  const both = harness(SITE_YAML);
  both.emit(method(1000, 'StdRegProv', 'GetStringValue'));
  both.emit(method(1001, '\\\\.\\root\\cimv2:win32_process', 'create'));
  a = only(both.finish(), WMI);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  for (const [path, m] of [['Win32_Service.Name="Spooler"', 'Change'], ['Win32_Service', 'Create'], ['Win32_ScheduledJob', 'Create'], ['Win32_Product', 'Install']] as const) {
    const h = harness(SITE_YAML);
    h.emit(method(1000, path, m));
    assert.equal(only(h.finish(), WMI)[0]!.event.severity, 3, `${path}.${m}`);
  }
  // Details without a method (not read) leave the rule's severity and words.
  const partial = harness(SITE_YAML);
  partial.emit(wbem(1000, 'ExecMethod', 24, { details: {} }));
  a = only(partial.finish(), WMI);
  assert.equal(a[0]!.event.severity, 3);
  assert.match(a[0]!.message, /ran a WMI method on/);
  // A faulted readable call is medium and says what was tried.
  const faulted = harness(SITE_YAML);
  faulted.emit(method(1000, 'Win32_Process', 'Create', { fault: 'nca_s_fault_access_denied' }));
  a = only(faulted.finish(), WMI);
  assert.equal(a[0]!.event.severity, 2);
  assert.match(a[0]!.message, /tried to run a WMI method \(method "Create" on "Win32_Process"\) on 10\.77\.1\.10/);
});

test('wmi_exec: WMI queries, object reads and enumerations (monitoring) do not alert', () => {
  const h = harness(SITE_YAML);
  h.emit(activation(1000, WBEM_LEVEL1_LOGIN));
  h.emit(login(1000.1));
  for (const [op, opnum] of [['ExecQuery', 20], ['ExecQueryAsync', 21], ['GetObject', 6], ['CreateInstanceEnum', 18], ['ExecNotificationQuery', 22], ['OpenNamespace', 3]] as const) {
    h.emit(wbem(1001, op, opnum));
  }
  h.emit(dcomCall(1002, 'IEnumWbemClassObject', '027947e1-d731-11ce-a357-000000000001', 'Next', 4));
  assert.equal(only(h.finish(), WMI).length, 0);
});

test('wmi_exec: allowed clients (network name, CIDR), excluded hosts and calls to the client itself are quiet', () => {
  for (const yaml of [
    `${SITE_YAML}detectors:\n  dcerpc.wmi_exec: { allowed_clients: [workstations] }\n`,
    `${SITE_YAML}detectors:\n  dcerpc.wmi_exec: { allowed_clients: [10.77.2.20/32] }\n`,
    `${SITE_YAML}detectors:\n  dcerpc.wmi_exec: { exclude: [10.77.1.10] }\n`,
  ]) {
    const h = harness(yaml);
    wmiexec((e) => h.emit(e));
    assert.equal(only(h.finish(), WMI).length, 0, yaml);
  }
  const other = harness(`${SITE_YAML}detectors:\n  dcerpc.wmi_exec: { allowed_clients: [servers] }\n`);
  wmiexec((e) => other.emit(e));
  assert.equal(only(other.finish(), WMI).length, 1);
  const local = harness(SITE_YAML);
  wmiexec((e) => local.emit({ ...e, client: '10.77.1.10' }));
  assert.equal(only(local.finish(), WMI).length, 0);
});

test('wmi_exec: a faulted call is medium (off with report_failed: false); an activation of another readable class is not named', () => {
  const h = harness(SITE_YAML);
  h.emit(wbem(1000, 'ExecMethod', 24, { fault: 'ACCESS_DENIED' }));
  const a = only(h.finish(), WMI);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.match(a[0]!.message, /tried to run a WMI method on 10\.77\.1\.10 \(servers\) over RPC \(IWbemServices ExecMethod over TCP port 49667\); the call failed \(ACCESS_DENIED\)$/);

  const off = harness(`${SITE_YAML}detectors:\n  dcerpc.wmi_exec: { report_failed: false }\n`);
  off.emit(wbem(1000, 'ExecMethod', 24, { fault: 'ACCESS_DENIED' }));
  assert.equal(only(off.finish(), WMI).length, 0);

  const shell = harness(SITE_YAML);
  wmiexec((e) => shell.emit(e), 1000, SHELL_WINDOWS);
  const s = only(shell.finish(), WMI);
  assert.equal(s.length, 1);
  assert.match(s[0]!.message, /; after IWbemLevel1Login NTLMLogin\)$/);
  assert.equal(s[0]!.evidence.activation, null);

  const encrypted = harness(SITE_YAML);
  wmiexec((e) => encrypted.emit(e.operation === 'RemoteCreateInstance' ? { ...e, auth_level: 6 } : e), 1000, null);
  assert.match(only(encrypted.finish(), WMI)[0]!.message, /after a DCOM activation \(class encrypted\) over TCP port 135 and IWbemLevel1Login NTLMLogin\)$/);
});

// --- dcerpc.dcom_exec --------------------------------------------------------

test('dcom_exec: MMC20.Application activated and driven through IDispatch is one high alert naming the class', () => {
  const h = harness(SITE_YAML);
  dcomexec((e) => h.emit(e));
  const a = only(h.finish(), DCOM);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.count, 3);
  assert.equal(a[0]!.threat.technique.id, 'T1021.003');
  assert.equal(a[0]!.first_seen, new Date(1000 * 1000).toISOString());
  assert.equal(
    a[0]!.message,
    '10.77.2.20 (workstations) activated MMC20.Application on 10.77.1.10 (servers) and called it through IDispatch ' +
      '(IRemoteSCMActivator RemoteCreateInstance over TCP port 135, then IDispatch GetIDsOfNames, Invoke over TCP port 49667; 3 Invoke calls): ' +
      'a class intrusion tools drive to run commands',
  );
  const ev = a[0]!.evidence;
  assert.deepEqual(ev.operations, ['GetIDsOfNames', 'Invoke']);
  assert.deepEqual(ev.named_pipes, ['49667']);
  assert.equal(ev.calls, 6);
  assert.equal(ev.invokes, 3);
  assert.equal(ev.lateral_movement_class, true);
  assert.deepEqual(ev.activation, { call: 'IRemoteSCMActivator RemoteCreateInstance', clsid: MMC20, class: 'MMC20.Application', encrypted: false, named_pipe: '135', seconds_before: 3.5 });
  assert.equal(only(a, WMI).length, 0);
});

test('dcom_exec: an activation with no IDispatch call, IDispatch with no activation, or a faulted activation or Invoke are quiet', () => {
  const bare = harness(SITE_YAML);
  bare.emit(activation(1000, SHELL_WINDOWS));
  bare.emit(release(1001));
  assert.equal(only(bare.finish(), DCOM).length, 0);

  const orphan = harness(SITE_YAML);
  orphan.emit(dispatch(1000, 'GetIDsOfNames'));
  orphan.emit(dispatch(1001, 'Invoke'));
  assert.equal(only(orphan.finish(), DCOM).length, 0);

  const refused = harness(SITE_YAML);
  dcomexec((e) => refused.emit(e.operation === 'RemoteCreateInstance' ? { ...e, fault: 'ACCESS_DENIED' } : e));
  assert.equal(only(refused.finish(), DCOM).length, 0);

  const failed = harness(SITE_YAML);
  dcomexec((e) => failed.emit(e.operation === 'Invoke' ? { ...e, fault: 'nca_s_fault_context_mismatch' } : e));
  assert.equal(only(failed.finish(), DCOM).length, 0);

  // The activation on one server, the calls on another; WMI's own sequence.
  const elsewhere = harness(SITE_YAML);
  dcomexec((e) => elsewhere.emit(e.operation === 'RemoteCreateInstance' ? e : { ...e, server: '10.77.1.11' }));
  wmiexec((e) => elsewhere.emit(e), 2000);
  assert.equal(only(elsewhere.finish(), DCOM).length, 0);
});

test('dcom_exec: the first Invoke counts at the window\'s end, not one second past it; an open alert keeps counting after it', () => {
  const at = (delay: number): Alert[] => {
    const h = harness(SITE_YAML);
    h.emit(activation(1000, MMC20));
    h.emit(dispatch(1000 + delay, 'Invoke'));
    return only(h.finish(), DCOM);
  };
  assert.equal(at(300).length, 1);
  assert.equal(at(301).length, 0);
  const h = harness(`${SITE_YAML}detectors:\n  dcerpc.dcom_exec: { window: 30s }\n`);
  h.emit(activation(1000, MMC20));
  h.emit(dispatch(1010, 'Invoke'));
  h.emit(dispatch(1900, 'Invoke'));
  const a = only(h.finish(), DCOM);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2);
  assert.equal(a[0]!.evidence.window_seconds, 30);
});

test('dcom_exec: an unlisted readable class is medium; allowed_classes silences it; an encrypted class is high and says so', () => {
  const other = harness(SITE_YAML);
  dcomexec((e) => other.emit(e), 1000, UPDATE_SESSION);
  const a = only(other.finish(), DCOM);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) activated DCOM class \{4cb43d7f-7eee-4906-8698-60da1c38f2fe\} on 10\.77\.1\.10 \(servers\) and called it through IDispatch \(.*; 3 Invoke calls\)$/);
  assert.equal(a[0]!.evidence.lateral_movement_class, false);

  const allowed = harness(`${SITE_YAML}detectors:\n  dcerpc.dcom_exec: { allowed_classes: ["{4CB43D7F-7EEE-4906-8698-60DA1C38F2FE}"] }\n`);
  dcomexec((e) => allowed.emit(e), 1000, UPDATE_SESSION);
  assert.equal(only(allowed.finish(), DCOM).length, 0);
  // The allowance names a class: it cannot cover an activation whose class is hidden.
  const hidden = harness(`${SITE_YAML}detectors:\n  dcerpc.dcom_exec: { allowed_classes: ["${UPDATE_SESSION}"] }\n`);
  dcomexec((e) => hidden.emit(e), 1000, null, { auth_level: 6 });
  const b = only(hidden.finish(), DCOM);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.event.severity, 3);
  assert.match(b[0]!.message, /activated a DCOM object \(its class encrypted\) on 10\.77\.1\.10 \(servers\)/);
  assert.equal((b[0]!.evidence.activation as { encrypted: boolean }).encrypted, true);
});

test('dcom_exec: allowed clients, excluded hosts and local calls are quiet; a bad allowed_classes entry is a config error', () => {
  for (const yaml of [
    `${SITE_YAML}detectors:\n  dcerpc.dcom_exec: { allowed_clients: [workstations] }\n`,
    `${SITE_YAML}detectors:\n  dcerpc.dcom_exec: { exclude: [10.77.2.0/24] }\n`,
  ]) {
    const h = harness(yaml);
    dcomexec((e) => h.emit(e));
    assert.equal(only(h.finish(), DCOM).length, 0, yaml);
  }
  const local = harness(SITE_YAML);
  dcomexec((e) => local.emit({ ...e, client: '10.77.1.10' }));
  assert.equal(only(local.finish(), DCOM).length, 0);
  const r = checkConfigText(`${SITE_YAML}detectors:\n  dcerpc.dcom_exec: { allowed_classes: [MMC20.Application] }\n`, 't.yaml');
  assert.equal(r.config, null);
  assert.match(r.problems.map((p) => p.message).join('\n'), /"MMC20\.Application" is not a CLSID/);
});

// --- captures through the parser ---------------------------------------------

const DCOM_WMI = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'dcom-wmi.pcap');
const KRB135 = path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego', 'kerberos135_auth.pcapng');

const replayAlerts = (file: string, yaml = ''): Promise<Alert[]> => replayRuleAlerts(file, [WMI, DCOM], yaml);

test('dcom-wmi.pcap: wmiexec from .2 and MMC20 from .4 alert; the WMI query (.3), the bare activation (.5) and the local session do not', async () => {
  const alerts = await replayAlerts(DCOM_WMI);
  assert.deepEqual(
    alerts.map((a) => `${a.rule.id} ${a.source?.ip} -> ${a.destination?.ip} ${a.count}`),
    [`${WMI} 127.0.0.2 -> 127.0.0.1 1`, `${DCOM} 127.0.0.4 -> 127.0.0.1 3`],
  );
  const [wmi, dcom] = alerts;
  assert.equal(
    wmi!.message,
    '127.0.0.2 ran WMI method "Create" on "Win32_Process" on 127.0.0.1 over RPC (IWbemServices ExecMethod over TCP port 49667; after DCOM activation of WbemLevel1Login over TCP port 135 and IWbemLevel1Login NTLMLogin)',
  );
  // The stub is in clear: Win32_Process.Create starts a program, the rule's severity stays.
  assert.equal(wmi!.event.severity, 3);
  assert.deepEqual(wmi!.evidence.details, [{ operation: 'ExecMethod', failed: false, returned: 'S_OK', object_path: 'Win32_Process', method: 'Create' }]);
  assert.equal((wmi!.evidence.activation as { clsid: string }).clsid, WBEM_LEVEL1_LOGIN);
  assert.match(dcom!.message, /^127\.0\.0\.4 activated MMC20\.Application on 127\.0\.0\.1 and called it through IDispatch \(IRemoteSCMActivator RemoteCreateInstance over TCP port 135, then IDispatch GetIDsOfNames, Invoke over TCP port 49667; 3 Invoke calls\)/);
  assert.equal(dcom!.evidence.calls, 6);
});

test('dcom-wmi.pcap with the clients allowed, and kerberos135_auth (a WMI activation alone), raise neither rule', async () => {
  const yaml = 'detectors:\n  dcerpc.wmi_exec: { allowed_clients: [127.0.0.2] }\n  dcerpc.dcom_exec: { allowed_clients: [127.0.0.0/29] }\n';
  assert.deepEqual(await replayAlerts(DCOM_WMI, yaml), []);
  if (fs.existsSync(KRB135)) assert.deepEqual(await replayAlerts(KRB135), []);
});
