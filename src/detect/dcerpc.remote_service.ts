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
 * create rights, i.e. administrator rights on the target. "Created" means
 * the server answered without an RPC fault and, when the response was in
 * clear, returned ERROR_SUCCESS; a call that failed (a fault, or an error
 * such as ERROR_ACCESS_DENIED or ERROR_SERVICE_EXISTS) is reported at
 * severity 2 (`report_failed`). Software deployment and management
 * servers do this for a living: list them in `allowed_clients`.
 *
 * Once a pair's alert holds a call that went through, what the client
 * does next with the service joins it: StartService ("started service
 * "BTOBTO""; ERROR_SERVICE_REQUEST_TIMEOUT, which a command line run as a
 * service always gets, still means its program ran) and DeleteService
 * (tools remove their service when done). These calls never alert alone:
 * administrators start and stop services remotely every day.
 *
 * When the request's stub was in clear (no packet privacy: psexec-style
 * tools bind svcctl over an SMB pipe without DCE/RPC authentication) the
 * analyzer read what it asked for, and the alert says it: the service's
 * name and the program it runs ('created service "BTOBTO" running
 * "%COMSPEC% /Q /c echo ..."'), or the program a ChangeServiceConfig sets
 * and, when the same association's OpenService was seen, which service
 * (that call names it by the handle OpenService returned); the evidence
 * lists the details. A
 * program typical of remote-execution tools (exec-patterns.ts: a shell
 * whose output is redirected to a share or the Windows folder, encoded
 * PowerShell, a program dropped in the Windows folder or on an admin
 * share) raises the alert to severity 4.
 */
import type { DceRpcCallDetails, DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { defineDetector } from './detector.js';
import { callFailure, createRemoteExec, operationActions, quotedCommand, quotedName, raisedBy, REMOTE_EXEC_OPTIONS, type CallDescription } from './dcerpc-common.js';
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
/** Said once of an alert whose calls changed a service whose name was not seen. */
const BY_HANDLE = 'ChangeServiceConfig names the service by a handle from an earlier OpenService, not by name, and that OpenService was not seen';

/** What a client does with a service once one of its calls went through (remote_service's follow-ups). */
const FOLLOW_UPS = operationActions([
  [
    'svcctl',
    [
      ['StartServiceW', 'started'],
      ['StartServiceA', 'started'],
      ['DeleteService', 'deleted'],
    ],
  ],
]);
/** StartService's status when the program ran but is no service (a command line): the service manager gave up waiting for it. */
const REQUEST_TIMEOUT = 'ERROR_SERVICE_REQUEST_TIMEOUT';

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
    const named = d.service_name !== undefined;
    const whose = named ? `service ${quotedName(d.service_name!)}'s` : "a service's";
    const note = named ? {} : { note: BY_HANDLE };
    if (path === undefined) {
      const settings = settingsText(d);
      const what = settings !== '' ? ` (${settings})` : '';
      return { action: `changed ${whose} settings but not its program${what}`, subject: `${whose} settings${what}`, ...note };
    }
    return { action: `changed ${whose} program to ${quotedCommand(path)}`, subject: `${whose} program changed to ${quotedCommand(path)}`, ...note, ...raised };
  }
  const service = d.service_name !== undefined ? `service ${quotedName(d.service_name)}` : 'a service';
  const running = path !== undefined ? ` running ${quotedCommand(path)}` : '';
  return { action: `created ${service}${running}`, subject: `${service}${running}`, ...raised };
}

/** What a StartService or DeleteService call adds to an open alert: 'started service "X"', 'failed to delete service "X" (...)'. */
export function describeFollowUp(e: DceRpcCallEvent): string | undefined {
  const verb = FOLLOW_UPS.get(e.endpoint ?? '')?.get(e.operation);
  if (verb === undefined) return undefined;
  const name = e.details?.service_name;
  const service = name !== undefined ? `service ${quotedName(name)}` : 'the service';
  const failure = callFailure(e);
  if (failure === undefined) return `${verb} ${service}`;
  // A failed call on a handle never seen opened says nothing about this alert's service.
  if (name === undefined) return undefined;
  if (verb === 'started' && failure === REQUEST_TIMEOUT) return `started ${service} (its program ran but did not answer as a service: ${REQUEST_TIMEOUT})`;
  return `failed to ${verb === 'started' ? 'start' : 'delete'} ${service} (${failure})`;
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
    return createRemoteExec(ctx, {
      operations: OPERATIONS,
      attempt: 'tried to set up a service',
      describe: describeServiceCall,
      followUps: new Map([...FOLLOW_UPS].map(([endpoint, ops]) => [endpoint, new Set(ops.keys())])),
      followUp: describeFollowUp,
    });
  },
});
