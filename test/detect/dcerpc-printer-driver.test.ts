/**
 * dcerpc.printer_driver on rpc-driver.pcap (test/fixtures/dcerpc, made by
 * record-rpc-driver.sh: PrintNightmare's RpcAddPrinterDriverEx calls, the
 * same refused by a patched spooler, and a driver deployment, encoded by
 * Impacket) replayed through the parser and the engine, and on built
 * dce_rpc.call events: MS-PAR's RpcAsyncAddPrinterDriver under packet
 * privacy, the allowlist, report_failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts, rpcCall } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';

const RULE = 'dcerpc.printer_driver';
const DRIVER = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-driver.pcap');

test('rpc-driver.pcap: PrintNightmare is critical, naming the share and the "old" folder; the patched spooler\'s refusal is medium; a deployment is high', async () => {
  const alerts = await replayRuleAlerts(DRIVER, [RULE]);
  assert.deepEqual(
    alerts.map((a) => [a.source?.ip, a.event.severity, a.evidence.execution_patterns]),
    [
      ['127.0.0.2', 4, ['driver_file_on_share', 'old_driver_folder']],
      ['127.0.0.3', 2, []],
      ['127.0.0.4', 3, []],
    ],
  );
  assert.equal(alerts[0]!.threat.technique.id, 'T1210');
  assert.equal(
    alerts[0]!.message,
    '127.0.0.2 installed printer driver "1234" with a file on 127.0.0.2\'s share ("\\\\127.0.0.2\\share\\nightmare.dll") on 127.0.0.1 over RPC (spoolss RpcAddPrinterDriverEx over TCP port 49673; 2 calls)',
  );
  assert.equal(
    alerts[1]!.message,
    '127.0.0.3 tried to install a printer driver (printer driver "1234" with a file on 127.0.0.2\'s share ("\\\\127.0.0.2\\share\\nightmare.dll")) on 127.0.0.1 over RPC (spoolss RpcAddPrinterDriverEx over TCP port 49673); the call failed (ERROR_ACCESS_DENIED)',
  );
  assert.match(alerts[2]!.message, /^127\.0\.0\.4 installed printer driver "HP Universal Printing PCL 6" loading "C:\\Windows\\System32\\DriverStore\\.*\\unidrvui\.dll" on 127\.0\.0\.1 /);
  const quiet = await replayRuleAlerts(DRIVER, [RULE], 'detectors:\n  dcerpc.printer_driver: { report_failed: false }\n');
  assert.deepEqual(quiet.map((a) => a.source?.ip), ['127.0.0.2', '127.0.0.4']);
});

test('MS-PAR RpcAsyncAddPrinterDriver under packet privacy alerts without details; allowed clients are quiet', () => {
  const call = rpcCall(1000, {
    server: '10.77.1.5',
    server_port: 49670,
    transport: 'tcp',
    named_pipe: '49670',
    interface_uuid: '76f03f96-cdfd-44fc-a22c-64950a001209',
    endpoint: 'IRemoteWinspool',
    opnum: 39,
    operation: 'RpcAsyncAddPrinterDriver',
    auth_level: 6,
  });
  const h = harness(SITE_YAML);
  h.emit(call);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) installed a printer driver on 10.77.1.5 (servers) over RPC (IRemoteWinspool RpcAsyncAddPrinterDriver over TCP port 49670)');
  const allowed = harness(`${SITE_YAML}detectors:\n  dcerpc.printer_driver: { allowed_clients: [workstations] }\n`);
  allowed.emit(call);
  assert.equal(only(allowed.finish(), RULE).length, 0);
});

test('driver files on the server\'s own share, named as its client resolved it or as it announced itself, are no share of another host', () => {
  const run = (answered: 'dns' | 'nbns' | 'nbns-other' | false) => {
    const h = harness(SITE_YAML);
    if (answered === 'dns') {
      h.emit({ type: 'dns.answer', ts: 990, uid: 'Cdns1', client: '10.77.2.20', server: '10.77.1.1', query: 'print01.corp.example', qtype_name: 'A', addrs: ['10.77.1.9'], ttls: [300], cnames: [] });
    } else if (answered !== false) {
      h.emit({ type: 'hostname', ts: 990, ip: answered === 'nbns' ? '10.77.1.9' : '10.77.1.10', name: 'PRINT01', source: 'nbns' });
    }
    h.emit(
      rpcCall(1000, {
        server: '10.77.1.9',
        named_pipe: '\\PIPE\\spoolss',
        interface_uuid: '12345678-1234-abcd-ef00-0123456789ab',
        endpoint: 'spoolss',
        opnum: 89,
        operation: 'RpcAddPrinterDriverEx',
        details: { driver_name: 'HP', environment: 'Windows x64', driver_path: '\\\\PRINT01\\drivers\\unidrv.dll', data_file: '', config_file: '\\\\PRINT01\\drivers\\unidrvui.dll' },
      }),
    );
    return only(h.finish(), RULE).map((a) => a.event.severity);
  };
  assert.deepEqual(run('dns'), [3]);
  assert.deepEqual(run('nbns'), [3]);
  assert.deepEqual(run('nbns-other'), [4]);
  assert.deepEqual(run(false), [4]);
});
