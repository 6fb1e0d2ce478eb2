/**
 * The command lines that raise dcerpc.remote_service and dcerpc.remote_task
 * to severity 4: what Impacket's smbexec, atexec, wmiexec and psexec, and
 * encoded PowerShell launchers write, against service and task command
 * lines of ordinary software and administration that must not match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execPatterns, programOf } from '../../src/detect/exec-patterns.js';

const of = (line: string, program = programOf(line)) => execPatterns(program, line);

test('remote-execution tool command lines match', () => {
  // smbexec (Impacket, NetExec): a batch file written by echo, its output to C$.
  assert.deepEqual(of('%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat'), ['shell_output_redirect']);
  // wmiexec's command, as a service would carry it; atexec's task (program and arguments).
  assert.deepEqual(of('cmd.exe /Q /c whoami 1> \\\\127.0.0.1\\ADMIN$\\__1700000000.12 2>&1'), ['shell_output_redirect']);
  assert.deepEqual(execPatterns('cmd.exe', 'cmd.exe /C whoami > %windir%\\Temp\\tRxQpWvZ.tmp 2>&1'), ['shell_output_redirect']);
  assert.deepEqual(of('C:\\Windows\\System32\\cmd.exe /c "ipconfig > C:\\Windows\\Temp\\o.txt"'), ['shell_output_redirect']);
  // Encoded PowerShell, with the abbreviations PowerShell accepts.
  for (const flag of ['-enc', '-EncodedCommand', '-e', '-ec', '/enc', '-En']) {
    assert.deepEqual(of(`powershell.exe -nop -w hidden ${flag} SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=`), ['encoded_powershell'], flag);
  }
  assert.deepEqual(of('C:\\windows\\system32\\cmd.exe /c powershell -enc SQBFAFgAIAAoAE4AZQB3AC0A'), ['encoded_powershell']);
  // A program dropped in the Windows folder (ADMIN$) or its Temp, or run from an admin share.
  for (const path of ['%systemroot%\\qZkWpLmN.exe', '%SystemRoot%\\PSEXESVC.exe', '"C:\\Windows\\RemComSvc.exe"', 'C:\\Windows\\Temp\\svc.exe -s', '\\\\10.0.0.5\\ADMIN$\\x.exe', '\\\\fs\\C$\\Users\\Public\\a.exe']) {
    assert.deepEqual(of(path), ['windows_folder_program'], path);
  }
});

test('ordinary service and task command lines do not match', () => {
  for (const line of [
    'C:\\Windows\\system32\\svchost.exe -k netsvcs -p',
    '"C:\\Program Files\\Upd\\upd.exe" --service',
    'C:\\Program Files\\Upd\\upd.exe',
    '%SystemRoot%\\System32\\spoolsv.exe',
    'C:\\Windows\\System32\\cmd.exe /c C:\\scripts\\backup.cmd',
    'cmd /c net user backup P@ss-1 /add',
    'cmd.exe /c echo done > C:\\logs\\task.log',
    'powershell.exe -ExecutionPolicy Bypass -File C:\\scripts\\inventory.ps1',
    'powershell.exe -ep bypass -Command Get-Service',
    'powershell.exe -e short',
    '\\\\fileserver\\deploy\\setup.exe /quiet',
  ]) {
    assert.deepEqual(of(line), [], line);
  }
  // A redirection without a shell run by /c, or /c without a redirection away.
  assert.deepEqual(of('myapp.exe > \\\\host\\share\\out.txt'), []);
  assert.deepEqual(programOf('  "C:\\a b\\c.exe" -x'), 'C:\\a b\\c.exe');
  assert.deepEqual(programOf('"unterminated'), 'unterminated');
});
