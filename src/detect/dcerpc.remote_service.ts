/**
 * dcerpc.remote_service — a client creates a Windows service on another
 * host, or points an existing service at another program, through the
 * service control manager's RPC interface (svcctl, [MS-SCMR]) (T1569.002,
 * over SMB admin shares T1021.002). PsExec, Impacket's psexec and smbexec,
 * CrackMapExec/NetExec's smbexec and many ransomware operators copy or
 * name a program and start it as a service this way; SCShell-style tools
 * rewrite an existing service's binary path with ChangeServiceConfig
 * instead of creating one. Read from `dce_rpc.call` events:
 * CreateServiceW/A, CreateServiceWOW64W/A and ChangeServiceConfigW/A.
 * Reaching CreateService at all takes a handle from OpenSCManager with
 * create rights, i.e. administrator rights on the target. The call's own
 * return code travels in the response's stub, which is not read, so
 * "created" means the server answered without an RPC fault; a faulted call
 * is reported at severity 2 (`report_faulted`). Software deployment and
 * management servers do this for a living: list them in `allowed_clients`.
 *
 * When the request's stub was in clear (no packet privacy: psexec-style
 * tools bind svcctl over an SMB pipe without DCE/RPC authentication) the
 * analyzer read what it asked for, and the alert says it: the service's
 * name and the program it runs ('created service "BTOBTO" running
 * "%COMSPEC% /Q /c echo ..."'), or the program a ChangeServiceConfig sets
 * (that call names the service by a handle from an earlier OpenService,
 * so which service is not in it); the evidence lists the details. A
 * program typical of remote-execution tools (exec-patterns.ts: a shell
 * whose output is redirected to a share or the Windows folder, encoded
 * PowerShell, a program dropped in the Windows folder or on an admin
 * share) raises the alert to severity 4.
 */
import type { DceRpcCallDetails, DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { defineDetector } from './detector.js';
import { createRemoteExec, operationActions, quotedCommand, quotedName, raisedBy, REMOTE_EXEC_OPTIONS, type CallDescription } from './dcerpc-common.js';
import { execPatterns, programOf } from './exec-patterns.js';

export const OPTIONS = REMOTE_EXEC_OPTIONS;

const CREATED = 'created a service';
const CHANGED = "changed a service's program";

/** [MS-SCMR] 3.1.4: the calls that install or re-point a service. */
const OPERATIONS = operationActions([
  [
    'svcctl',
    [
      ['CreateServiceW', CREATED],
      ['CreateServiceA', CREATED],
      ['CreateServiceWOW64W', CREATED],
      ['CreateServiceWOW64A', CREATED],
      ['ChangeServiceConfigW', CHANGED],
      ['ChangeServiceConfigA', CHANGED],
    ],
  ],
]);

const CHANGES: ReadonlySet<string> = new Set(['ChangeServiceConfigW', 'ChangeServiceConfigA']);
/** Said once of an alert whose calls changed a service: which one is not on the wire. */
const BY_HANDLE = 'ChangeServiceConfig names the service by a handle from an earlier OpenService, not by name';

/** 'start type demand, account "x"': the settings a ChangeServiceConfig sets besides the program. */
function settingsText(d: DceRpcCallDetails): string {
  const parts: string[] = [];
  if (d.start_type !== undefined) parts.push(`start type ${d.start_type}`);
  if (d.service_type !== undefined) parts.push(`type ${d.service_type}`);
  if (d.user !== undefined) parts.push(`account ${quotedName(d.user)}`);
  if (d.display_name !== undefined) parts.push(`display name ${quotedName(d.display_name)}`);
  return parts.join(', ');
}

/** What a service call's stub details say; a program typical of remote-execution tools is severity 4. */
export function describeServiceCall(e: DceRpcCallEvent, d: DceRpcCallDetails): CallDescription {
  const path = d.binary_path;
  const patterns = path !== undefined ? execPatterns(programOf(path), path) : [];
  const raised = raisedBy(patterns);
  if (CHANGES.has(e.operation)) {
    if (path === undefined) {
      const settings = settingsText(d);
      const what = settings !== '' ? ` (${settings})` : '';
      return { action: `changed a service's settings but not its program${what}`, subject: `a service's settings${what}`, note: BY_HANDLE };
    }
    return { action: `changed a service's program to ${quotedCommand(path)}`, subject: `a service's program changed to ${quotedCommand(path)}`, note: BY_HANDLE, ...raised };
  }
  const service = d.service_name !== undefined ? `service ${quotedName(d.service_name)}` : 'a service';
  const running = path !== undefined ? ` running ${quotedCommand(path)}` : '';
  return { action: `created ${service}${running}`, subject: `${service}${running}`, ...raised };
}

export default defineDetector({
  id: 'dcerpc.remote_service',
  name: 'Remote service creation',
  description: 'A client created a service on another host, or changed the program of one, over RPC (PsExec, Impacket psexec/smbexec).',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1569.002',
  subscribes: ['dce_rpc.call'],
  options: OPTIONS,
  create(ctx) {
    return createRemoteExec(ctx, { operations: OPERATIONS, attempt: 'tried to set up a service', describe: describeServiceCall });
  },
});
