/**
 * A small NDR encoder for the tests, in either transfer syntax, written
 * from the rules rather than from the reader under test: NDR 2.0 (C706
 * chapter 14) and NDR64 ([MS-RPCE] 2.2.5.3), little-endian (NDR64 PDUs
 * MUST use data representation 0x10, [MS-RPCE] 2.2.5). Alignment is
 * counted from the stub's first byte. Where the syntaxes differ:
 * - referent ids: 4 bytes in NDR 2.0; 8 bytes aligned to 8 in NDR64
 *   (2.2.5.3.5);
 * - conformance and variance (maximum count, offset, actual count): 4 bytes
 *   in NDR 2.0; unsigned 64-bit, aligned to 8, in NDR64 (2.2.5.3.2.1-3,
 *   2.2.5.3.3.2 for conformant varying strings);
 * - structures align to their most aligned member, so one holding a
 *   pointer starts at 8 in NDR64 (2.2.5.3.4), and its size is padded to a
 *   multiple of that alignment (2.2.5.3.4.1, trailing gap);
 * - everything else (u8, u16, u32, GUIDs, context handles) is laid out as
 *   in NDR 2.0 (2.2.5.3.1).
 * And the five requests the stub reader reads, parameter by parameter, as
 * the IDL of [MS-SCMR], [MS-TSCH], [MS-DCOM] and [MS-WMI] lists them.
 */
import type { NdrSyntax } from '../../../src/protocols/dcerpc/ndr.js';

export class NdrWriter {
  readonly ndr64: boolean;
  readonly #out: number[] = [];
  /** The byte padding is filled with (senders fill it with anything). */
  readonly #fill: number;

  constructor(syntax: NdrSyntax, fill = 0) {
    this.ndr64 = syntax === 'ndr64';
    this.#fill = fill;
  }

  get length(): number {
    return this.#out.length;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.#out);
  }

  align(n: number): this {
    while (this.#out.length % n !== 0) this.#out.push(this.#fill);
    return this;
  }

  raw(b: Uint8Array | readonly number[]): this {
    for (const x of b) this.#out.push(x);
    return this;
  }

  u8(v: number): this {
    this.#out.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    this.align(2);
    return this.raw([v & 0xff, (v >> 8) & 0xff]);
  }

  u32(v: number): this {
    this.align(4);
    return this.raw([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
  }

  /** An unsigned 64-bit integer, aligned to 8 (a hyper in either syntax). */
  u64(v: bigint): this {
    this.align(8);
    for (let i = 0n; i < 8n; i++) this.#out.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }

  /** A referent id (0: null). */
  pointer(id: number | bigint): this {
    return this.ndr64 ? this.u64(BigInt(id)) : this.u32(Number(id));
  }

  /** A conformance or variance count. */
  count(n: number | bigint): this {
    return this.ndr64 ? this.u64(BigInt(n)) : this.u32(Number(n));
  }

  /** The alignment of a structure holding a pointer. */
  alignPointer(): this {
    return this.align(this.ndr64 ? 8 : 4);
  }

  /** A [string] wchar_t array with its terminator: maximum count, offset 0, actual count, UTF-16LE units. */
  wide(text: string): this {
    const units = text.length + 1;
    this.count(units).count(0).count(units);
    for (let i = 0; i < text.length; i++) this.u16(text.charCodeAt(i));
    return this.u16(0);
  }

  /** A [string] char array (8-bit) with its terminator. */
  ansi(text: string): this {
    const b = Buffer.from(`${text}\0`, 'latin1');
    this.count(b.length).count(0).count(b.length);
    return this.raw(b);
  }

  /** A unique pointer to a string (null for `null`). */
  uniqueString(text: string | null, id: number, wide = true): this {
    if (text === null) return this.pointer(0);
    this.pointer(id);
    return wide ? this.wide(text) : this.ansi(text);
  }

  /** A BSTR: unique pointer to a FLAGGED_WORD_BLOB (conformance first, then fFlags = byte length, clSize, units). */
  bstr(text: string, id: number): this {
    this.pointer(id).count(text.length).u32(2 * text.length).u32(text.length);
    for (let i = 0; i < text.length; i++) this.u16(text.charCodeAt(i));
    return this;
  }
}

/** A 20-byte context handle (attributes, then a GUID): the same in both syntaxes. */
export function contextHandle(w: NdrWriter, tag: number): NdrWriter {
  return w.u32(0).raw(new Uint8Array(16).fill(tag));
}

export interface CreateService {
  name: string;
  display: string | null;
  type: number;
  start: number;
  path: string;
  account: string | null;
  /** lpDependencies: a 4-byte array (default) or a null pointer. */
  dependencies?: boolean;
}

/** RCreateServiceW/A ([MS-SCMR] 3.1.4.12): every [in] parameter. */
export function createServiceStub(syntax: NdrSyntax, s: CreateService, wide = true, fill = 0): Uint8Array {
  const w = contextHandle(new NdrWriter(syntax, fill), 1);
  // lpServiceName: a top-level [ref] string, no referent id.
  if (wide) w.wide(s.name);
  else w.ansi(s.name);
  w.uniqueString(s.display, 0x20000, wide);
  w.u32(0xf01ff).u32(s.type).u32(s.start).u32(0); // dwDesiredAccess, dwServiceType, dwStartType, dwErrorControl
  if (wide) w.wide(s.path);
  else w.ansi(s.path);
  w.pointer(0); // lpLoadOrderGroup
  w.pointer(0); // lpdwTagId
  if (s.dependencies === false) w.pointer(0).u32(0);
  else w.pointer(0x20004).count(4).raw([0x41, 0, 0, 0]).u32(4); // lpDependencies (a conformant byte array), dwDependSize
  w.uniqueString(s.account, 0x20008, wide);
  w.pointer(0).u32(0); // lpPassword, dwPwSize
  return w.bytes();
}

export interface ChangeService {
  type: number;
  start: number;
  path: string | null;
  account: string | null;
  display: string | null;
}

/** RChangeServiceConfigW/A ([MS-SCMR] 3.1.4.11): every [in] parameter. */
export function changeServiceStub(syntax: NdrSyntax, s: ChangeService, wide = true): Uint8Array {
  const w = contextHandle(new NdrWriter(syntax), 3);
  w.u32(s.type).u32(s.start).u32(0xffffffff); // dwServiceType, dwStartType, dwErrorControl
  w.uniqueString(s.path, 0x20000, wide);
  w.pointer(0).pointer(0).pointer(0).u32(0); // lpLoadOrderGroup, lpdwTagId, lpDependencies, dwDependSize
  w.uniqueString(s.account, 0x20004, wide);
  w.pointer(0).u32(0); // lpPassword, dwPwSize
  w.uniqueString(s.display, 0x20008, wide);
  return w.bytes();
}

/** SchRpcRegisterTask ([MS-TSCH] 3.2.5.4.2): path, xml, flags, sddl, logonType, cCreds, pCreds. */
export function registerTaskStub(syntax: NdrSyntax, path: string, xml: string): Uint8Array {
  const w = new NdrWriter(syntax);
  w.uniqueString(path, 0x20000).wide(xml);
  w.u32(6).pointer(0).u32(0).u32(0).pointer(0);
  return w.bytes();
}

/** SchRpcRun (3.2.5.4.13): path, cArgs, pArgs, flags, sessionId, user. */
export function runTaskStub(syntax: NdrSyntax, path: string): Uint8Array {
  const w = new NdrWriter(syntax);
  w.wide(path).u32(0).pointer(0).u32(0).u32(0).pointer(0);
  return w.bytes();
}

/** NetrJobAdd (3.2.5.2.1): ServerName, then AT_INFO with its Command string deferred after it. */
export function jobAddStub(syntax: NdrSyntax, command: string, jobTimeMs: number, server: string | null = null): Uint8Array {
  const w = new NdrWriter(syntax);
  w.uniqueString(server, 0x10000); // ServerName
  // AT_INFO holds a pointer: aligned to 8 in NDR64 (2.2.5.3.4). JobTime is a DWORD_PTR, 32-bit on the wire ([MS-DTYP] 2.2.1).
  w.alignPointer();
  const at = w.length;
  w.u32(jobTimeMs).u32(0x10).u8(0x7f).u8(0x01); // JobTime, DaysOfMonth, DaysOfWeek, Flags
  w.pointer(0x20000); // Command
  // The structure's size is a multiple of its alignment (NDR64 trailing gap; 16 in NDR 2.0, 24 in NDR64).
  w.alignPointer();
  if (w.length - at !== (w.ndr64 ? 24 : 16)) throw new Error('AT_INFO size');
  w.wide(command);
  return w.bytes();
}

/** ORPCTHIS ([MS-DCOM] 2.2.13.3), with one 8-byte extension when `extension`. */
function orpcThis(w: NdrWriter, extension: boolean): void {
  w.u16(5).u16(7).u32(0).u32(0).raw(new Uint8Array(16).fill(0x11)); // version, flags, reserved1, cid
  w.pointer(extension ? 0x20000 : 0); // extensions; ORPCTHIS is 32 + 8 = 40 bytes in NDR64, 32 in NDR 2.0
  if (!extension) return;
  // ORPC_EXTENT_ARRAY: size, reserved, extent (a unique pointer to an array of (size + 1) & ~1 unique pointers).
  w.alignPointer().u32(1).u32(0).pointer(0x20004);
  w.count(2).pointer(0x20008).pointer(0);
  // ORPC_EXTENT: a conformant structure, its conformance ((size + 7) & ~7) first, then id, size, data.
  w.count(8).raw(Buffer.from('8096f1f12a4dce11a66a0020af6e72f4', 'hex')).u32(8).raw(new Uint8Array(8).fill(0x4d));
}

/** IWbemServices ExecMethod / ExecMethodAsync ([MS-WMI] 3.1.4.3.22-23): ORPCTHIS, strObjectPath, strMethodName, lFlags, pCtx, pInParams. */
export function execMethodStub(syntax: NdrSyntax, path: string, method: string, extension = false): Uint8Array {
  const w = new NdrWriter(syntax);
  orpcThis(w, extension);
  w.bstr(path, 0x30000).bstr(method, 0x30004);
  w.u32(0).pointer(0).pointer(0);
  return w.bytes();
}
