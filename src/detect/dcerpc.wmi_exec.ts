/**
 * dcerpc.wmi_exec — a client runs a WMI method on another host over DCOM
 * (T1047): IWbemServices ExecMethod or ExecMethodAsync ([MS-WMI] 3.1.4.3,
 * opnums 24 and 25). Impacket's wmiexec, NetExec's wmiexec,
 * `wmic /node: process call create`, PowerShell's Invoke-WmiMethod
 * -ComputerName and SharpWMI start processes on the next machine this way
 * (Win32_Process.Create); queries (ExecQuery, CreateInstanceEnum,
 * GetObject), what monitoring and inventory tools mostly make, are not
 * method calls and do not count. Read from `dce_rpc.call` events. The
 * method's object path and name travel in the stub: encrypted under packet
 * privacy (wmiexec's and wmic's default), the alert then says that a WMI
 * method ran, not which. When the stub was in clear it names them ('ran
 * WMI method "Create" on "Win32_Process"'); a readable method that does
 * not start a program or install anything (`EXECUTION_METHODS`:
 * Win32_Process.Create, Win32_Service.Create and Change,
 * Win32_ScheduledJob.Create, Win32_Product.Install) is reported at
 * severity 2, not 3: StdRegProv registry reads by inventory tools, SCCM
 * client actions. The in-parameters (Win32_Process.Create's CommandLine)
 * are an encoded WMI object the analyzer does not read.
 *
 * A WMI session begins with a DCOM activation of WbemLevel1Login on port
 * 135 (IRemoteSCMActivator RemoteCreateInstance) and an
 * IWbemLevel1Login NTLMLogin on the port the WMI service listens on; the
 * latest of each from the same client to the same server is named in the
 * alert when seen (an activation whose readable class is another one is
 * not), but neither is required: a capture may begin after them, and a
 * long-lived session runs many methods after one login. A call that failed
 * (an RPC fault, or an error status such as WBEM_E_ACCESS_DENIED when the
 * response was in clear) is reported at severity 2 (`report_failed`). Management servers that call
 * WMI methods for a living (SCCM client actions, inventory tools reading
 * the registry through StdRegProv): `allowed_clients`.
 */
import type { Evidence } from '../alerts/alert.js';
import type { DceRpcCallDetails, DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { LruMap } from '../state/lru.js';
import { defineDetector } from './detector.js';
import {
  callFailure,
  createRemoteExec,
  MAX_RPC_PAIRS,
  operationActions,
  pairKey,
  pipeText,
  quotedName,
  REMOTE_EXEC_OPTIONS,
  type CallContext,
  type CallDescription,
} from './dcerpc-common.js';
import { activationEvidence, className, RecentActivations, secondsBefore, type Activation } from './dcom-common.js';

export const OPTIONS = REMOTE_EXEC_OPTIONS;

const RAN = 'ran a WMI method';

/** [MS-WMI] 3.1.4.3.22 and 3.1.4.3.23. */
const OPERATIONS = operationActions([['IWbemServices', [['ExecMethod', RAN], ['ExecMethodAsync', RAN]]]]);

const WBEM_LOGIN = 'WbemLevel1Login';
const LOGIN_INTERFACE = 'IWbemLevel1Login';
const LOGIN = 'NTLMLogin';

/** WMI methods that start a program or install something (class.method, lower case): the others are severity 2 when readable. */
const EXECUTION_METHODS: ReadonlySet<string> = new Set([
  'win32_process.create',
  'win32_service.create',
  'win32_service.change',
  'win32_scheduledjob.create',
  'win32_product.install',
]);

/** The class of a WMI object path (lower case): "\\.\root\cimv2:Win32_Service.Name=\"x\"" -> "win32_service". */
export function wmiClass(path: string): string {
  const colon = path.lastIndexOf(':');
  const rest = colon >= 0 ? path.slice(colon + 1) : path;
  const end = rest.search(/[.=]/);
  return (end >= 0 ? rest.slice(0, end) : rest).trim().toLowerCase();
}

/** What an ExecMethod's stub details say: the method and object; severity 2 for a method that runs nothing. */
export function describeMethodCall(_e: DceRpcCallEvent, d: DceRpcCallDetails): CallDescription | undefined {
  if (d.method === undefined || d.object_path === undefined) return undefined;
  const subject = `method ${quotedName(d.method)} on ${quotedName(d.object_path)}`;
  const runs = EXECUTION_METHODS.has(`${wmiClass(d.object_path)}.${d.method.toLowerCase()}`);
  return { action: `ran WMI ${subject}`, subject, ...(runs ? {} : { severity: 2 as const }) };
}

/** A login seen from a client to a server. */
interface Login {
  ts: number;
  pipe: string;
}

/** The activation and login before a method call, named in its alert. */
function wmiSetup(): CallContext {
  const activations = new RecentActivations(MAX_RPC_PAIRS);
  const logins = new LruMap<string, Login>(MAX_RPC_PAIRS);
  /** An activation that may have started this WMI session: of WbemLevel1Login, or of a class that could not be read. */
  const wmiActivation = (e: DceRpcCallEvent): Activation | undefined => {
    const a = activations.last(e.client, e.server, e.ts);
    return a !== undefined && (a.clsid === undefined || className(a.clsid) === WBEM_LOGIN) ? a : undefined;
  };
  return {
    note(e) {
      if (activations.note(e) !== undefined) return;
      if (e.endpoint === LOGIN_INTERFACE && e.operation === LOGIN && callFailure(e) === undefined && e.client !== e.server) {
        logins.set(pairKey(e.client, e.server), { ts: e.ts, pipe: pipeText(e.named_pipe ?? `${e.server_port}`) });
      }
    },
    describe(e) {
      const a = wmiActivation(e);
      const found = logins.get(pairKey(e.client, e.server));
      const l = found !== undefined && found.ts <= e.ts ? found : undefined;
      const parts: string[] = [];
      if (a !== undefined) {
        const what = a.clsid !== undefined ? `DCOM activation of ${WBEM_LOGIN}` : `a DCOM activation (class ${a.encrypted ? 'encrypted' : 'not read'})`;
        parts.push(`${what} over ${a.how}`);
      }
      if (l !== undefined) parts.push(`${LOGIN_INTERFACE} ${LOGIN}`);
      const evidence: Evidence = {
        activation: activationEvidence(a, e.ts),
        login: l !== undefined ? { call: `${LOGIN_INTERFACE} ${LOGIN}`, named_pipe: l.pipe, seconds_before: secondsBefore(e.ts, l.ts) } : null,
      };
      return { text: parts.join(' and '), evidence };
    },
  };
}

export default defineDetector({
  id: 'dcerpc.wmi_exec',
  name: 'Remote WMI method execution',
  description: 'A client ran a WMI method on another host over DCOM (IWbemServices ExecMethod): how wmiexec-style tools start processes with Win32_Process.Create.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1047',
  subscribes: ['dce_rpc.call'],
  options: OPTIONS,
  create(ctx) {
    return createRemoteExec(ctx, { operations: OPERATIONS, attempt: 'tried to run a WMI method', context: wmiSetup(), describe: describeMethodCall });
  },
});
