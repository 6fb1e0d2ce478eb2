/**
 * dcerpc.coerce on rpc-coerce.pcap (test/fixtures/dcerpc, made by
 * record-rpc-coerce.sh: PetitPotam, PrinterBug, DFSCoerce and ShadowCoerce
 * calls and ordinary calls of the same operations, encoded by Impacket)
 * replayed through the parser and the engine, and on built dce_rpc.call
 * events for what the capture does not hold: calls under packet privacy,
 * RPC faults, IPv6 and long UNC forms, the allowlist; and listenerOf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts, rpcCall } from './harness.js';
import { listenerOf } from '../../src/detect/dcerpc.coerce.js';
import type { DceRpcCallEvent } from '../../src/protocols/dcerpc/events.js';
import type { HostnameEvent } from '../../src/events/hostname.js';
import { REPO_ROOT } from '../helpers/paths.js';

const RULE = 'dcerpc.coerce';
const COERCE = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-coerce.pcap');

/** An EFSRPC EfsRpcOpenFileRaw from workstation 10.77.2.20 to DC 10.77.1.5 over \PIPE\lsarpc. */
function efs(ts: number, filePath: string | undefined, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  return rpcCall(ts, {
    server: '10.77.1.5',
    named_pipe: '\\PIPE\\lsarpc',
    interface_uuid: 'c681d488-d850-11d0-8c52-00c04fd90f7e',
    interface_version: '1.0',
    endpoint: 'efsrpc',
    opnum: 0,
    operation: 'EfsRpcOpenFileRaw',
    ...(filePath !== undefined ? { details: { path: filePath } } : {}),
    result: { code: 53, name: 'ERROR_BAD_NETPATH', ok: false },
    ...c,
  });
}

/** A print change-notification registration from 10.77.2.20 to 10.77.1.7. */
function notify(ts: number, host: string | undefined, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  return rpcCall(ts, {
    server: '10.77.1.7',
    named_pipe: '\\PIPE\\spoolss',
    interface_uuid: '12345678-1234-abcd-ef00-0123456789ab',
    interface_version: '1.0',
    endpoint: 'spoolss',
    opnum: 65,
    operation: 'RpcRemoteFindFirstPrinterChangeNotificationEx',
    ...(host !== undefined ? { details: { notify_host: host } } : {}),
    ...c,
  });
}

test('rpc-coerce.pcap: PetitPotam, PrinterBug, DFSCoerce, ShadowCoerce and CheeseOunce alert; a print client, local paths and a path on the server do not', async () => {
  const alerts = await replayRuleAlerts(COERCE, [RULE]);
  assert.deepEqual(
    alerts.map((a) => [a.source?.ip, a.event.severity, a.evidence.listeners, a.evidence.webdav_listeners]),
    [
      ['127.0.0.2', 4, ['127.0.0.2', 'kali'], ['kali']],
      ['127.0.0.3', 3, ['198.51.100.7'], []],
      ['127.0.0.5', 4, ['127.0.0.5'], []],
      ['127.0.0.6', 4, ['127.0.0.6'], []],
      ['127.0.0.9', 4, ['127.0.0.9'], []],
      ['127.0.0.11', 3, ['198.51.100.8'], []],
    ],
  );
  assert.equal(alerts[0]!.threat.technique.id, 'T1187');
  assert.equal(
    alerts[0]!.message,
    '127.0.0.2 made 127.0.0.1 reach 127.0.0.2 and "kali" over WebDAV over RPC (efsrpc EfsRpcOpenFileRaw, EfsRpcEncryptFileSrv over TCP port 49672; 2 calls, returned ERROR_BAD_NETPATH): ' +
      'authentication coercion (PetitPotam); the server authenticates to 127.0.0.2 and "kali" as its machine account (WebDAV: HTTP authentication, which can be relayed to LDAP)',
  );
  assert.deepEqual(alerts[0]!.evidence.paths, ['\\\\127.0.0.2\\test\\Settings.ini', '\\\\kali@80/test\\Settings.ini']);
  // The call's own error does not lower it: the server reached out before failing.
  assert.deepEqual(alerts[0]!.evidence.failures, ['ERROR_BAD_NETPATH']);
  assert.match(alerts[1]!.message, /^127\.0\.0\.3 made 127\.0\.0\.1 reach 198\.51\.100\.7 over RPC \(spoolss RpcRemoteFindFirstPrinterChangeNotificationEx .*\): authentication coercion \(PrinterBug\)/);
  assert.match(alerts[2]!.message, /\(DFSCoerce\)/);
  assert.match(alerts[3]!.message, /\(ShadowCoerce\)/);
  assert.match(alerts[4]!.message, /^127\.0\.0\.9 made 127\.0\.0\.1 reach 127\.0\.0\.9 over RPC \(eventlog ElfrOpenBELW .*\(CheeseOunce\)/);
  assert.match(alerts[5]!.message, /^127\.0\.0\.11 made 127\.0\.0\.1 reach 198\.51\.100\.8 over RPC \(eventlog ElfrOpenBELA .*\(CheeseOunce\)/);
});

test('under packet privacy an EFSRPC call is medium and says the host is not known; print and VSS calls stay quiet', () => {
  const h = harness(SITE_YAML);
  h.emit(efs(1000, undefined, { auth_level: 6, result: undefined }));
  h.emit(notify(1001, undefined, { auth_level: 6 }));
  h.emit(rpcCall(1002, { server: '10.77.1.9', endpoint: 'FileServerVssAgent', interface_uuid: 'a8e0653c-2744-4389-a61d-7373df8b2292', opnum: 8, operation: 'IsPathSupported', auth_level: 6 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 2);
  assert.equal(
    a[0]!.message,
    '10.77.2.20 (workstations) called 10.77.1.5 (servers) over RPC (efsrpc EfsRpcOpenFileRaw over the SMB pipe \\PIPE\\lsarpc), a call that makes the server reach a path it is given; ' +
      'its stub was encrypted, so the host is not known: possible authentication coercion (PetitPotam)',
  );
});

test('the host named decides: the client itself or WebDAV is critical, a third host high, the server itself or a local path nothing', () => {
  const severities = (filePath: string): number[] => {
    const h = harness(SITE_YAML);
    h.emit(efs(1000, filePath));
    return only(h.finish(), RULE).map((a) => a.event.severity);
  };
  assert.deepEqual(severities('\\\\10.77.2.20\\share\\x.txt'), [4]);
  assert.deepEqual(severities('\\\\relay01@SSL@443\\dav\\x.txt'), [4]);
  assert.deepEqual(severities('\\\\10.77.1.66\\share\\x.txt'), [3]);
  assert.deepEqual(severities('\\\\ws-0042\\share\\x.txt'), [3]);
  assert.deepEqual(severities('\\\\?\\UNC\\10.77.2.20\\share\\x.txt'), [4]);
  assert.deepEqual(severities('\\\\10.77.1.5\\share\\x.txt'), []);
  assert.deepEqual(severities('C:\\Users\\Public\\x.txt'), []);
  assert.deepEqual(severities('\\\\localhost\\c$\\x.txt'), []);
  assert.deepEqual(severities('\\\\127.0.0.1\\c$\\x.txt'), []);
  assert.deepEqual(severities(''), []);
});

test('a path naming the server by the name its client resolved it from is the server\'s own; another name is another host', () => {
  const run = (filePath: string, answered: boolean) => {
    const h = harness(SITE_YAML);
    if (answered) {
      h.emit({ type: 'dns.answer', ts: 990, uid: 'Cdns1', client: '10.77.2.20', server: '10.77.1.1', query: 'fs01.corp.example', qtype_name: 'A', addrs: ['10.77.1.5'], ttls: [300], cnames: [] });
    }
    h.emit(efs(1000, filePath));
    return only(h.finish(), RULE).map((a) => a.event.severity);
  };
  assert.deepEqual(run('\\\\FS01\\share\\x.txt', true), []);
  assert.deepEqual(run('\\\\fs01.corp.example\\share\\x.txt', true), []);
  assert.deepEqual(run('\\\\FS01\\share\\x.txt', false), [3]);
  assert.deepEqual(run('\\\\fs02\\share\\x.txt', true), [3]);
  assert.deepEqual(run('\\\\fs01@80\\share\\x.txt', true), []);
});

test('a path naming the server by a name it announced or was given (NBNS, LLMNR, mDNS, DHCP) is the server\'s own', () => {
  const run = (filePath: string, ...names: HostnameEvent[]) => {
    const h = harness(SITE_YAML);
    for (const e of names) h.emit(e);
    h.emit(efs(1000, filePath));
    return only(h.finish(), RULE).map((a) => a.event.severity);
  };
  const said = (ip: string, name: string, source: HostnameEvent['source']): HostnameEvent => ({ type: 'hostname', ts: 990, ip, name, source });
  assert.deepEqual(run('\\\\DC01\\share\\x.txt', said('10.77.1.5', 'DC01', 'nbns')), []);
  assert.deepEqual(run('\\\\dc01\\share\\x.txt', said('10.77.1.5', 'dc01', 'llmnr')), []);
  assert.deepEqual(run('\\\\dc01\\share\\x.txt', said('10.77.1.5', 'dc01.corp.example', 'dhcp')), []);
  // Several names for one address: the older ones still count.
  assert.deepEqual(run('\\\\DC01\\share\\x.txt', said('10.77.1.5', 'DC01', 'nbns'), said('10.77.1.5', 'dc01-mgmt', 'mdns')), []);
  // Another host's name, or a longer DNS name that only starts like the server's NetBIOS name, is another host.
  assert.deepEqual(run('\\\\DC01\\share\\x.txt', said('10.77.1.6', 'DC01', 'nbns')), [3]);
  assert.deepEqual(run('\\\\dc01.attacker.example\\share\\x.txt', said('10.77.1.5', 'DC01', 'nbns')), [3]);
  // The WebDAV form still alerts at its own severity when it names another host.
  assert.deepEqual(run('\\\\ws01@80\\share\\x.txt', said('10.77.1.5', 'DC01', 'nbns')), [4]);
});

test('print notifications: an address or WebDAV form alerts, a computer name does not; an RPC fault is medium; allowed clients are quiet', () => {
  const h = harness(SITE_YAML);
  h.emit(notify(1000, '\\\\PC-0042'));
  h.emit(notify(1001, 'PC-0042'));
  assert.equal(only(h.finish(), RULE).length, 0);
  const byAddress = harness(SITE_YAML);
  byAddress.emit(notify(1000, '\\\\10.77.2.20'));
  assert.deepEqual(only(byAddress.finish(), RULE).map((a) => a.event.severity), [4]);
  const faulted = harness(SITE_YAML);
  faulted.emit(efs(1000, '\\\\10.77.2.20\\x\\y', { fault: 'nca_s_op_rng_error', result: undefined }));
  const f = only(faulted.finish(), RULE);
  assert.equal(f[0]!.event.severity, 2);
  assert.deepEqual(f[0]!.evidence.failures, ['nca_s_op_rng_error']);
  const allowed = harness(`${SITE_YAML}detectors:\n  dcerpc.coerce: { allowed_clients: [workstations] }\n`);
  allowed.emit(efs(1000, '\\\\10.77.2.20\\x\\y'));
  assert.equal(only(allowed.finish(), RULE).length, 0);
});

test('listenerOf: UNC forms, WebDAV, IPv6 literals, bare callback names', () => {
  assert.deepEqual(listenerOf('\\\\Host1\\share\\f'), { host: 'host1', webdav: false });
  assert.deepEqual(listenerOf('//host1/share/f'), { host: 'host1', webdav: false });
  assert.deepEqual(listenerOf('\\\\?\\UNC\\host1\\share'), { host: 'host1', webdav: false });
  assert.deepEqual(listenerOf('\\\\attacker@80/test\\f'), { host: 'attacker', webdav: true });
  assert.deepEqual(listenerOf('\\\\fe80--1.ipv6-literal.net\\s'), { host: 'fe80--1.ipv6-literal.net', webdav: false });
  assert.deepEqual(listenerOf('\\\\host1'), { host: 'host1', webdav: false });
  assert.equal(listenerOf('host1'), undefined);
  assert.deepEqual(listenerOf('host1', true), { host: 'host1', webdav: false });
  assert.equal(listenerOf('C:\\x', true), undefined);
  assert.equal(listenerOf('\\\\'), undefined);
  assert.equal(listenerOf('\\\\.\\pipe\\x'), undefined);
});
