/**
 * dcerpc.wmi_exec — a client runs a WMI method on another host over DCOM
 * (T1047): IWbemServices ExecMethod or ExecMethodAsync ([MS-WMI] 3.1.4.3,
 * opnums 24 and 25). Impacket's wmiexec, NetExec's wmiexec,
 * `wmic /node: process call create`, PowerShell's Invoke-WmiMethod
 * -ComputerName and SharpWMI start processes on the next machine this way
 * (Win32_Process.Create); queries (ExecQuery, CreateInstanceEnum,
 * GetObject), what monitoring and inventory tools mostly make, are not
 * method calls and do not count. Read from `dce_rpc.call` events; the
 * method's class and name travel in the stub (encrypted with packet
 * privacy, and not read otherwise), so the alert says a WMI method ran,
 * not which one.
 *
 * A WMI session begins with a DCOM activation of WbemLevel1Login on port
 * 135 (IRemoteSCMActivator RemoteCreateInstance) and an
 * IWbemLevel1Login NTLMLogin on the port the WMI service listens on; the
 * latest of each from the same client to the same server is named in the
 * alert when seen (an activation whose readable class is another one is
 * not), but neither is required: a capture may begin after them, and a
 * long-lived session runs many methods after one login. A faulted call is
 * reported at severity 2 (`report_faulted`). Management servers that call
 * WMI methods for a living (SCCM client actions, inventory tools reading
 * the registry through StdRegProv): `allowed_clients`.
 */
import type { Evidence } from '../alerts/alert.js';
import type { DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { LruMap } from '../state/lru.js';
import { defineDetector } from './detector.js';
import { createRemoteExec, MAX_RPC_PAIRS, operationActions, pipeText, REMOTE_EXEC_OPTIONS, type CallContext } from './dcerpc-common.js';
import { activationEvidence, className, pairKey, RecentActivations, secondsBefore, type Activation } from './dcom-common.js';

export const OPTIONS = REMOTE_EXEC_OPTIONS;

const RAN = 'ran a WMI method';

/** [MS-WMI] 3.1.4.3.22 and 3.1.4.3.23. */
const OPERATIONS = operationActions([['IWbemServices', [['ExecMethod', RAN], ['ExecMethodAsync', RAN]]]]);

const WBEM_LOGIN = 'WbemLevel1Login';
const LOGIN_INTERFACE = 'IWbemLevel1Login';
const LOGIN = 'NTLMLogin';

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
      if (e.endpoint === LOGIN_INTERFACE && e.operation === LOGIN && e.fault === undefined && e.client !== e.server) {
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
    return createRemoteExec(ctx, { operations: OPERATIONS, attempt: 'tried to run a WMI method', context: wmiSetup() });
  },
});
