/**
 * mssql.command_exec: SQL batches that turn on or use xp_cmdshell, OLE
 * automation shells, CLR assemblies, Agent CmdExec/PowerShell steps, UNC
 * paths and registry writes alert (one alert per client and server, steps
 * joining it; severity 4 once something ran); ordinary SQL, allowed and
 * admin clients do not; the lab's recorded intruder, and every other
 * capture (quiet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import { stepsOf } from '../../src/detect/mssql.command_exec.js';
import type { MssqlBatchEvent } from '../../src/protocols/tds/events.js';

const RULE = 'mssql.command_exec';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

function batch(ts: number, text: string, client = '10.77.2.26'): MssqlBatchEvent {
  return { type: 'mssql.batch', ts, uid: `CB${ts}`, client, client_port: 50000, server: '10.77.1.10', server_port: 1433, user: 'app', text };
}

function run(events: MssqlBatchEvent[], yaml = SITE_YAML) {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('stepsOf: what each statement does', () => {
  assert.deepEqual(stepsOf("EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;"), ['enable_xp_cmdshell']);
  assert.deepEqual(stepsOf("exec sp_configure N'xp_cmdshell', 0"), [], 'turning it off');
  assert.deepEqual(stepsOf("EXEC master..xp_cmdshell 'powershell -enc AAAA'"), ['xp_cmdshell']);
  assert.deepEqual(stepsOf('DECLARE @c varchar(100) = \'whoami\'; EXEC xp_cmdshell @c'), ['xp_cmdshell']);
  assert.deepEqual(stepsOf("DECLARE @s int; EXEC sp_OACreate 'WScript.Shell', @s OUT; EXEC sp_OAMethod @s, 'Run', NULL, 'calc'"), ['ole_shell']);
  assert.deepEqual(stepsOf("EXEC sp_configure 'Ole Automation Procedures', 1"), ['enable_ole']);
  assert.deepEqual(stepsOf("EXEC sp_configure 'clr enabled', 1; EXEC sp_configure 'clr strict security', 0"), ['enable_clr']);
  assert.deepEqual(stepsOf('CREATE ASSEMBLY tool FROM 0x4D5A9000 WITH PERMISSION_SET = UNSAFE'), ['clr_assembly']);
  assert.deepEqual(stepsOf("EXEC msdb..sp_add_jobstep @job_name = 'x', @step_name = 's', @subsystem = 'PowerShell', @command = 'iex'"), ['agent_job']);
  assert.deepEqual(stepsOf("EXEC master..xp_dirtree '\\\\198.51.100.10\\share'"), ['unc_path']);
  assert.deepEqual(stepsOf("EXEC xp_regwrite 'HKEY_LOCAL_MACHINE', 'SOFTWARE\\x', 'v', 'REG_SZ', 'y'"), ['registry_write']);
  assert.deepEqual(stepsOf("SELECT name FROM sys.configurations WHERE name = 'xp_cmdshell'"), [], 'reading the setting');
  assert.deepEqual(stepsOf("EXEC xp_dirtree 'C:\\backups'"), [], 'a local folder');
  assert.deepEqual(stepsOf('SELECT * FROM orders WHERE id = 7'), []);
});

test('one alert per client and server: turning xp_cmdshell on is high, running it makes it critical', () => {
  const first = run([batch(1, "EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;")]);
  assert.equal(first[0]!.event.severity, 3);
  const a = run([batch(1, "EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;"), batch(2, 'SELECT 1'), batch(3, "EXEC master..xp_cmdshell 'whoami'")]);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.event.severity, a[0]!.threat.technique.id, a[0]!.destination?.port, a[0]!.count], [4, 'T1505.001', 1433, 2]);
  assert.equal(a[0]!.message, '10.77.2.26 (workstations), signed in as app, turned xp_cmdshell on and ran commands through xp_cmdshell on SQL Server 10.77.1.10 (servers)');
  assert.deepEqual(a[0]!.evidence.statements, ["EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;", "EXEC master..xp_cmdshell 'whoami'"]);
});

test('allowed clients and admin networks are not judged', () => {
  const events = [batch(1, "EXEC master..xp_cmdshell 'dir'", '10.77.2.30')];
  assert.equal(run(events, `${SITE_YAML}detectors:\n  mssql.command_exec: { allowed_clients: [10.77.2.30] }\n`).length, 0);
  const admin = SITE_YAML.replace('networks:\n', 'networks:\n  - { name: dba, cidrs: [10.77.9.0/24], role: admin }\n');
  assert.equal(run([batch(1, "EXEC master..xp_cmdshell 'dir'", '10.77.9.5')], admin).length, 0);
});

test('mssql.pcap: the lab intruder turning xp_cmdshell on, running whoami and listing a UNC path', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'mssql.pcap'), [RULE]);
  assert.deepEqual(a.map((x) => [x.source.ip, x.destination?.ip, x.event.severity, x.evidence.kinds, x.evidence.user]), [
    ['10.77.2.26', '10.77.1.10', 4, ['enable_xp_cmdshell', 'xp_cmdshell', 'unc_path'], 'app'],
  ]);
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('mssql.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});
