/**
 * Which service a svcctl handle stands for ([MS-SCMR] 3.1.4), within one
 * association: ROpenService and RCreateService name a service and return a
 * 20-byte context handle for it; RChangeServiceConfig, RStartService,
 * RControlService and RDeleteService name the service by that handle only.
 * Remembering the handles that opening calls returned lets those calls be
 * named ("started service "BTOBTO""). RCloseServiceHandle forgets one.
 * Bounded: at most MAX_HANDLES per association, the oldest forgotten first.
 */
import { handleText } from './call-result.js';
import { CONTEXT_HANDLE_BYTES } from './consts.js';

export const SVCCTL_UUID = '367abb81-9844-35f1-ad32-98f038001003';

/** Handles remembered per association (tools open a handful; service managers enumerate with one). */
const MAX_HANDLES = 64;

/** RCreateServiceW/A, RCreateServiceWOW64A/W, ROpenServiceW/A: the request names a service, the response returns its handle. */
const OPENING: ReadonlySet<number> = new Set([12, 16, 24, 28, 44, 45]);
/** RCloseServiceHandle, RControlService, RDeleteService, RChangeServiceConfigW/A, RStartServiceW/A: the request starts with a handle. */
const BY_HANDLE: ReadonlySet<number> = new Set([0, 1, 2, 11, 19, 23, 31]);
const CLOSE = 0;

/** True when svcctl operation `opnum` returns the handle of the service its request names. */
export function opensService(uuid: string | undefined, opnum: number): boolean {
  return uuid === SVCCTL_UUID && OPENING.has(opnum);
}

/** The handle request stub `b[start, end)` of svcctl operation `opnum` starts with, as hex text; undefined for other calls. */
export function requestHandle(uuid: string | undefined, opnum: number, b: Uint8Array, start: number, end: number): string | undefined {
  if (uuid !== SVCCTL_UUID || !BY_HANDLE.has(opnum) || end - start < CONTEXT_HANDLE_BYTES) return undefined;
  return handleText(b, start);
}

/** True for RCloseServiceHandle. */
export function closesHandle(opnum: number): boolean {
  return opnum === CLOSE;
}

export class ServiceHandles {
  readonly #names = new Map<string, string>();

  /** `handle` stands for service `name` from now on. */
  remember(handle: string, name: string): void {
    const names = this.#names;
    names.delete(handle);
    if (names.size >= MAX_HANDLES) {
      const oldest = names.keys().next();
      if (oldest.done !== true) names.delete(oldest.value);
    }
    names.set(handle, name);
  }

  /** The service `handle` stands for, when an opening call returned it. */
  nameOf(handle: string): string | undefined {
    return this.#names.get(handle);
  }

  forget(handle: string): void {
    this.#names.delete(handle);
  }
}
