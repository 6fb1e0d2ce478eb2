/**
 * dcerpc.remote_task — a client creates or starts a scheduled task on
 * another host over RPC (T1053.005): the Task Scheduler 2.0 interface
 * (ITaskSchedulerService, [MS-TSCH] 3.2.5.4) SchRpcRegisterTask and
 * SchRpcRun, the AT service's NetrJobAdd (3.2.5.2), and Task Scheduler
 * 1.0's SASetAccountInformation (3.2.5.3), which sets the account of a
 * .job file copied to the target's Tasks folder. Impacket's atexec,
 * `schtasks /create /s`, NetExec's atexec and many intrusion playbooks run
 * commands this way. Read from `dce_rpc.call` events; a faulted call is
 * reported at severity 2 (`report_faulted`). Management servers that push
 * tasks (SCCM, backup agents): `allowed_clients`.
 */
import { defineDetector } from './detector.js';
import { createRemoteExec, operationActions, REMOTE_EXEC_OPTIONS } from './dcerpc-common.js';

export const OPTIONS = REMOTE_EXEC_OPTIONS;

/** [MS-TSCH]: the calls that create a task or run one. */
const OPERATIONS = operationActions([
  ['ITaskSchedulerService', [['SchRpcRegisterTask', 'registered a scheduled task'], ['SchRpcRun', 'ran a scheduled task']]],
  ['atsvc', [['NetrJobAdd', 'added an AT job']]],
  ['sasec', [['SASetAccountInformation', "set a scheduled task's account"]]],
]);

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
    return createRemoteExec(ctx, { operations: OPERATIONS, attempt: 'tried to set up a scheduled task' });
  },
});
