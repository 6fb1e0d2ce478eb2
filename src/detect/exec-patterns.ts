/**
 * Command lines typical of remote-execution tools, read from the stubs of
 * service and task creation requests (dcerpc.remote_service and
 * dcerpc.remote_task raise their severity when one matches):
 * - `shell_output_redirect`: the command interpreter (cmd.exe or
 *   %COMSPEC%) run with /c, /k or /r, its output redirected (`>`, also
 *   `^>` inside an echo) to a UNC path or into the Windows folder, from
 *   where the tool reads it back over the C$ or ADMIN$ share: Impacket's
 *   smbexec (`%COMSPEC% /Q /c echo ... ^> \\127.0.0.1\C$\__output`),
 *   atexec (`cmd.exe /C ... > %windir%\Temp\x.tmp`), wmiexec and their
 *   NetExec/CrackMapExec forms;
 * - `encoded_powershell`: powershell or pwsh given a base64 command with
 *   -EncodedCommand or one of its abbreviations (-e, -ec, -en, -enc, ...),
 *   how post-exploitation frameworks launch their stagers;
 * - `windows_folder_program`: the program is an executable directly in the
 *   Windows folder or its Temp folder (%SystemRoot%, %windir%, C:\Windows),
 *   or on an administrative share (\\host\ADMIN$\..., \\host\C$\...):
 *   where psexec-style tools copy the program they install as a service
 *   (PsExec's PSEXESVC.exe, Impacket psexec's random eight letters, RemCom,
 *   PAExec). Installed software runs from System32 or Program Files.
 * Matching is on text only, case-insensitive, and cheap: a handful of
 * regular expressions without nested repetition over at most a few KiB.
 */

export type ExecPattern = 'shell_output_redirect' | 'encoded_powershell' | 'windows_folder_program';

const SHELL = /(?:^|[\s\\"'/&|(])(?:cmd(?:\.exe)?|%comspec%)(?=$|[\s"'])/i;
const SHELL_RUN = /(?:^|\s)\/[ckr](?=$|[\s"])/i;
const REDIRECT_AWAY = /\^?>\s*\^?["']?(?:\\\\|%windir%|%systemroot%|[a-z]:\\windows\\)/i;
const POWERSHELL = /(?:^|[\s\\"'/&|(])(?:powershell|pwsh)(?:\.exe)?(?=$|[\s"'])/i;
const ENCODED = /(?:^|\s)[-/](?:e|ec|en[a-z]*)\s+["']?[a-z0-9+/]{16,}={0,2}/i;
const WINDOWS_FOLDER = /^(?:%systemroot%|%windir%|[a-z]:\\windows)\\(?:temp\\)?[^\\]+\.exe$/i;
const ADMIN_SHARE = /^\\\\[^\\]+\\(?:admin\$|[a-z]\$)\\/i;

/** The program of a command line: its first token, or the quoted text it starts with. */
export function programOf(commandLine: string): string {
  const text = commandLine.trimStart();
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    return end < 0 ? text.slice(1) : text.slice(1, end);
  }
  const space = text.search(/\s/);
  return space < 0 ? text : text.slice(0, space);
}

/**
 * The patterns `commandLine` matches; `program` is what it runs (the first
 * token of a service's binary path, a task's Command).
 */
export function execPatterns(program: string, commandLine: string): ExecPattern[] {
  const found: ExecPattern[] = [];
  if (SHELL.test(commandLine) && SHELL_RUN.test(commandLine) && REDIRECT_AWAY.test(commandLine)) found.push('shell_output_redirect');
  if (POWERSHELL.test(commandLine) && ENCODED.test(commandLine)) found.push('encoded_powershell');
  const p = program.trim().replace(/^"|"$/g, '');
  if (WINDOWS_FOLDER.test(p) || ADMIN_SHARE.test(p)) found.push('windows_folder_program');
  return found;
}
