/**
 * dcerpc.remote_task — a client creates or starts a scheduled task on
 * another host over RPC (T1053.005): the Task Scheduler 2.0 interface
 * (ITaskSchedulerService, [MS-TSCH] 3.2.5.4) SchRpcRegisterTask and
 * SchRpcRun, the AT service's NetrJobAdd (3.2.5.2), and Task Scheduler
 * 1.0's SASetAccountInformation (3.2.5.3), which sets the account of a
 * .job file copied to the target's Tasks folder. Impacket's atexec,
 * `schtasks /create /s`, NetExec's atexec and many intrusion playbooks run
 * commands this way. Read from `dce_rpc.call` events; a call that failed
 * (an RPC fault, or an error status such as E_ACCESSDENIED when the
 * response was in clear) is reported at severity 2 (`report_failed`). Management servers that push
 * tasks (SCCM, backup agents): `allowed_clients`.
 *
 * When the call's stub was in clear the alert names the task and what it
 * runs: SchRpcRegisterTask's path, the first Exec action's command and
 * arguments and the principal's account from the task XML
 * ('registered scheduled task "\tRxQpWvZ" running "cmd.exe /C whoami >
 * %windir%\Temp\tRxQpWvZ.tmp 2>&1" as "S-1-5-18"'), SchRpcRun's path,
 * NetrJobAdd's command line and time. A command typical of
 * remote-execution tools (exec-patterns.ts) raises the alert to severity 4.
 */
import type { DceRpcCallDetails, DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { defineDetector } from './detector.js';
import { createRemoteExec, operationActions, quotedCommand, quotedName, raisedBy, REMOTE_EXEC_OPTIONS, type CallDescription } from './dcerpc-common.js';
import { execPatterns, programOf } from './exec-patterns.js';

export const OPTIONS = REMOTE_EXEC_OPTIONS;

/** [MS-TSCH]: the calls that create a task or run one. */
const OPERATIONS = operationActions([
  ['ITaskSchedulerService', [['SchRpcRegisterTask', 'registered a scheduled task'], ['SchRpcRun', 'ran a scheduled task']]],
  ['atsvc', [['NetrJobAdd', 'added an AT job']]],
  ['sasec', [['SASetAccountInformation', "set a scheduled task's account"]]],
]);

/** What a task call's stub details say; a command typical of remote-execution tools is severity 4. */
export function describeTaskCall(e: DceRpcCallEvent, d: DceRpcCallDetails): CallDescription | undefined {
  const task = d.task_name !== undefined ? `scheduled task ${quotedName(d.task_name)}` : 'a scheduled task';
  switch (e.operation) {
    case 'SchRpcRegisterTask': {
      const command = d.command;
      const line = command !== undefined && d.arguments !== undefined ? `${command} ${d.arguments}` : command;
      const running = line !== undefined ? ` running ${quotedCommand(line)}` : '';
      const as = d.user !== undefined ? ` as ${quotedName(d.user)}` : '';
      // The program is the Command element whole (it may hold spaces without quotes).
      const raised = command !== undefined ? raisedBy(execPatterns(command, line!)) : {};
      return { action: `registered ${task}${running}${as}`, subject: `${task}${running}${as}`, ...raised };
    }
    case 'SchRpcRun':
      return d.task_name !== undefined ? { action: `ran ${task}`, subject: `running ${task}` } : undefined;
    case 'NetrJobAdd': {
      if (d.command === undefined) return undefined;
      const at = d.job_time !== undefined ? ` at ${d.job_time}` : '';
      const job = `an AT job running ${quotedCommand(d.command)}${at}`;
      return { action: `added ${job}`, subject: job, ...raisedBy(execPatterns(programOf(d.command), d.command)) };
    }
    default:
      return undefined;
  }
}

export default defineDetector({
  id: 'dcerpc.remote_task',
  name: 'Remote scheduled task',
  description: 'A client registered or ran a scheduled task on another host over RPC (Impacket atexec, schtasks /s, at).',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1053.005',
  subscribes: ['dce_rpc.call'],
  options: OPTIONS,
  create(ctx) {
    return createRemoteExec(ctx, { operations: OPERATIONS, attempt: 'tried to set up a scheduled task', describe: describeTaskCall });
  },
});
