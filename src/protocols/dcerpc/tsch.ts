/**
 * What the task scheduler's requests that create or run a task ask for
 * ([MS-TSCH] 3.2.5), read from their NDR 2.0 or NDR64 stubs (ndr.ts):
 * - ITaskSchedulerService SchRpcRegisterTask (opnum 1): the task's path
 *   and, from its XML definition (task-xml.ts), the command, arguments,
 *   account and run level;
 * - ITaskSchedulerService SchRpcRun (opnum 12): the task's path;
 * - ATSvc NetrJobAdd (opnum 0): the AT_INFO command line and time of day.
 * The parameters after the last one read are not looked at. Text comes
 * back raw (request-details.ts makes it log text and drops what is empty).
 */
import type { DceRpcCallDetails } from './events.js';
import { MAX_DETAIL_STUB, MAX_STUB_COMMAND, MAX_STUB_NAME } from './consts.js';
import type { NdrReader } from './ndr.js';
import { taskXmlFacts } from './task-xml.js';

/** Characters a string may announce: the gathered stub (MAX_DETAIL_STUB bytes) bounds what can be read anyway. */
const MAX_UNITS = MAX_DETAIL_STUB;
/** Milliseconds in a day: an AT_INFO JobTime is a time of day. */
const DAY_MS = 86_400_000;

/** SchRpcRegisterTask: undefined when the stub is cut or inconsistent. */
export function registerTaskDetails(r: NdrReader): DceRpcCallDetails | undefined {
  const path = r.uniqueString(true, MAX_UNITS, MAX_STUB_NAME);
  const xml = r.wideString(MAX_UNITS, MAX_UNITS);
  if (!r.ok || xml === undefined) return undefined;
  return { task_name: path, ...taskXmlFacts(xml) };
}

/** SchRpcRun: the task's path. */
export function runTaskDetails(r: NdrReader): DceRpcCallDetails | undefined {
  const path = r.wideString(MAX_UNITS, MAX_STUB_NAME);
  if (!r.ok) return undefined;
  return { task_name: path };
}

/** "HH:MM" of a JobTime (milliseconds after midnight); undefined past a day. */
function timeOfDay(ms: number): string | undefined {
  if (ms >= DAY_MS) return undefined;
  const minutes = Math.floor(ms / 60_000);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * NetrJobAdd: ServerName, then AT_INFO (JobTime, DaysOfMonth, DaysOfWeek,
 * Flags, Command, whose string follows the structure). AT_INFO holds a
 * pointer, so it starts at a pointer's alignment (8 in NDR64); JobTime, a
 * DWORD_PTR, is 32-bit on the wire in both syntaxes ([MS-DTYP] 2.2.1).
 */
export function jobAddDetails(r: NdrReader): DceRpcCallDetails | undefined {
  r.uniqueString(true, MAX_UNITS, 0);
  r.align(r.pointerSize);
  const jobTime = r.u32();
  r.u32(); // DaysOfMonth
  r.u8(); // DaysOfWeek
  r.u8(); // Flags
  const command = r.pointer() !== 0 ? r.wideString(MAX_UNITS, MAX_STUB_COMMAND) : '';
  if (!r.ok) return undefined;
  return { command, job_time: timeOfDay(jobTime) };
}
