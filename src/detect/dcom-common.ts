/**
 * What dcerpc.wmi_exec and dcerpc.dcom_exec share: the DCOM activations a
 * client made on a server (IRemoteSCMActivator RemoteCreateInstance and
 * RemoteGetClassObject, the older IActivation RemoteActivation), the most
 * recent one per client -> server pair, and the names of the classes
 * those activations ask for when the analyzer could read them (`clsid` of
 * the call event: only when the activation's stub is in clear).
 *
 * An activation and the calls on the object it made travel on different
 * connections (the activation on 135, the object's calls on the port the
 * object exporter listens on), so they are joined by client and server
 * address.
 */
import { LruMap } from '../state/lru.js';
import type { DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import type { Evidence } from '../alerts/alert.js';
import type { BoundedState } from './detector.js';
import type { OperationTable } from './dcerpc-common.js';
import { callFailure, isOperation, pairKey, pipeText, transportText } from './dcerpc-common.js';

/** The activation operations, by interface ([MS-DCOM] 3.1.2.5.2.3, 3.1.2.5.1). */
export const ACTIVATIONS: OperationTable = new Map([
  ['IRemoteSCMActivator', new Set(['RemoteCreateInstance', 'RemoteGetClassObject'])],
  ['IActivation', new Set(['RemoteActivation'])],
]);

/** packet privacy ([MS-RPCE] 2.2.1.1.8): the stub, and the class it names, is encrypted. */
const PKT_PRIVACY = 6;

/** A DCOM class by CLSID: its name, and whether intrusion tooling is known to drive it remotely. */
interface DcomClass {
  readonly name: string;
  readonly lateral: boolean;
}

/**
 * Classes worth naming. The lateral-movement ones are those public tooling
 * and published research drive over DCOM to run commands or load code
 * (Impacket's dcomexec: MMC20.Application ExecuteShellCommand,
 * ShellWindows and ShellBrowserWindow Document.Application.ShellExecute;
 * Excel.Application DDEInitiate and RegisterXLL, Outlook.Application and
 * InternetExplorer.Application in research); WbemLevel1Login is how every
 * WMI session starts.
 */
const CLASSES: ReadonlyMap<string, DcomClass> = new Map([
  ['8bc3f05e-d86b-11d0-a075-00c04fb68820', { name: 'WbemLevel1Login', lateral: false }],
  ['49b2791a-b1ae-4c90-9b8e-e860ba07f889', { name: 'MMC20.Application', lateral: true }],
  ['9ba05972-f6a8-11cf-a442-00a0c90a8f39', { name: 'ShellWindows', lateral: true }],
  ['c08afd90-f2a1-11d1-8455-00a0c91f3880', { name: 'ShellBrowserWindow', lateral: true }],
  ['00024500-0000-0000-c000-000000000046', { name: 'Excel.Application', lateral: true }],
  ['0006f03a-0000-0000-c000-000000000046', { name: 'Outlook.Application', lateral: true }],
  ['0002df01-0000-0000-c000-000000000046', { name: 'InternetExplorer.Application', lateral: true }],
]);

/** The name of a class, if it is one worth naming. */
export function className(clsid: string): string | undefined {
  return CLASSES.get(clsid)?.name;
}

/** True for a class public tooling drives over DCOM for lateral movement. */
export function lateralClass(clsid: string): boolean {
  return CLASSES.get(clsid)?.lateral === true;
}

/** "MMC20.Application" or the CLSID in braces. */
export function classText(clsid: string): string {
  return className(clsid) ?? `{${clsid}}`;
}

/** One activation a client made on a server. */
export interface Activation {
  ts: number;
  /** "IRemoteSCMActivator RemoteCreateInstance". */
  call: string;
  /** The class asked for, when the stub was read. */
  clsid: string | undefined;
  /** True when packet privacy hid the class. */
  encrypted: boolean;
  /** Pipe or port it went over (as evidence lists it). */
  pipe: string;
  /** "TCP port 135": how it travelled, for messages. */
  how: string;
}

/** The activation call `e` describes, when it is one that did not fail (no fault, no error status read). */
export function activationOf(e: DceRpcCallEvent): Activation | undefined {
  if (callFailure(e) !== undefined || !isOperation(ACTIVATIONS, e)) return undefined;
  return {
    ts: e.ts,
    call: `${e.endpoint!} ${e.operation}`,
    clsid: e.clsid,
    encrypted: (e.auth_level ?? 0) >= PKT_PRIVACY,
    pipe: pipeText(e.named_pipe ?? `${e.server_port}`),
    how: transportText(e),
  };
}

/** The most recent activation per client -> server pair, for at most `max` pairs (least recently active dropped). */
export class RecentActivations implements BoundedState {
  readonly #last: LruMap<string, Activation>;

  constructor(max: number) {
    this.#last = new LruMap(max);
  }

  get evictions(): number {
    return this.#last.evictions;
  }

  /** Keeps `e` when it is an answered activation between two different hosts; returns it. */
  note(e: DceRpcCallEvent): Activation | undefined {
    if (e.client === e.server) return undefined;
    const a = activationOf(e);
    if (a !== undefined) this.#last.set(pairKey(e.client, e.server), a);
    return a;
  }

  /** The latest activation `client` made on `server` at or before `ts`. */
  last(client: string, server: string, ts: number): Activation | undefined {
    const a = this.#last.get(pairKey(client, server));
    return a !== undefined && a.ts <= ts ? a : undefined;
  }
}

/** Evidence describing an activation (null when none was seen). */
export function activationEvidence(a: Activation | undefined, ts: number): Evidence | null {
  if (a === undefined) return null;
  return {
    call: a.call,
    clsid: a.clsid ?? null,
    class: a.clsid !== undefined ? (className(a.clsid) ?? null) : null,
    encrypted: a.encrypted,
    named_pipe: a.pipe,
    seconds_before: secondsBefore(ts, a.ts),
  };
}

/** Seconds from `at` to `ts`, to the millisecond. */
export function secondsBefore(ts: number, at: number): number {
  return Math.round((ts - at) * 1000) / 1000;
}
