/**
 * What a WMI method call asks for: the object path and method name of an
 * IWbemServices ExecMethod (opnum 24) or ExecMethodAsync (opnum 25)
 * request ([MS-WMI] 3.1.4.3.22 and 3.1.4.3.23), read from its NDR 2.0 or
 * NDR64 stub (ndr.ts):
 * ORPCTHIS ([MS-DCOM] 2.2.13.3) with its optional extensions
 * (ORPC_EXTENT_ARRAY, 2.2.13.2), then strObjectPath and strMethodName, two
 * BSTRs. The in-parameters object that follows (pInParams, an encoded
 * object in [MS-WMIO]'s format, where Win32_Process.Create's CommandLine
 * travels) is not read: finding one property's value means walking the
 * class part's property table and heap, and wmiexec-style tools encrypt
 * these calls with packet privacy anyway. Text comes back raw
 * (request-details.ts makes it log text).
 */
import type { DceRpcCallDetails } from './events.js';
import { MAX_STUB_NAME } from './consts.js';
import type { NdrReader } from './ndr.js';

/** ORPCTHIS before its extensions pointer: version, flags, reserved1, causality id. */
const ORPCTHIS_FIXED = 4 + 4 + 4 + 16;
/** Extents read from one ORPCTHIS: DCOM clients send one or two. */
const MAX_EXTENTS = 16;
/** Bytes of one extent's data. */
const MAX_EXTENT_BYTES = 4096;
/** Characters a path or method name may announce (WMI object paths are short; the gathered stub bounds them anyway). */
const MAX_BSTR_UNITS = 8192;

/** Skips an ORPCTHIS; `r.ok` says whether it was whole and consistent. */
export function skipOrpcThis(r: NdrReader): void {
  r.skip(ORPCTHIS_FIXED);
  if (r.pointer() === 0 || !r.ok) return;
  // ORPC_EXTENT_ARRAY: size, reserved, a unique pointer to an array of unique pointers to ORPC_EXTENTs (aligned as its pointer).
  r.align(r.pointerSize);
  r.u32();
  r.u32();
  if (r.pointer() === 0 || !r.ok) return;
  const n = r.count();
  if (n > MAX_EXTENTS) return r.fail();
  let present = 0;
  for (let i = 0; i < n; i++) if (r.pointer() !== 0) present++;
  for (let i = 0; i < present && r.ok; i++) {
    // ORPC_EXTENT, a conformant structure: the conformance of its data first, then id (GUID), size, data.
    const count = r.count();
    r.skip(16);
    r.u32();
    if (count > MAX_EXTENT_BYTES) return r.fail();
    r.skip(count);
  }
}

/** ExecMethod or ExecMethodAsync: undefined when the stub is cut or inconsistent. */
export function execMethodDetails(r: NdrReader): DceRpcCallDetails | undefined {
  skipOrpcThis(r);
  const path = r.bstr(MAX_BSTR_UNITS, MAX_STUB_NAME);
  const method = r.bstr(MAX_BSTR_UNITS, MAX_STUB_NAME);
  if (!r.ok) return undefined;
  return { object_path: path, method };
}
