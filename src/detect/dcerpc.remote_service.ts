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
 * return code travels in the encrypted or unparsed stub, so "created"
 * means the server answered without an RPC fault; a faulted call is
 * reported at severity 2 (`report_faulted`). Software deployment and
 * management servers do this for a living: list them in `allowed_clients`.
 */
import { defineDetector } from './detector.js';
import { createRemoteExec, operationActions, REMOTE_EXEC_OPTIONS } from './dcerpc-common.js';

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
    return createRemoteExec(ctx, { operations: OPERATIONS, attempt: 'tried to set up a service' });
  },
});
