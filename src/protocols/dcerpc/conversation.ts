/**
 * One DCE/RPC association's reader, shared by the TCP analyzer (one per
 * connection) and the SMB analyzer (one per named pipe opened on IPC$): it
 * frames PDUs in each direction's bytes (several per chunk, or one across
 * many chunks, bounded by a StreamBuffer), keeps the presentation contexts
 * bound (context id -> interface, confirmed by the bind_ack), pairs
 * requests with responses or faults by call id (multi-fragment calls count
 * once) and publishes `dce_rpc` log lines, `dce_rpc.call` and
 * `dce_rpc.bind` events through the analyzer's context. It knows nothing of
 * who listens.
 *
 * Per PDU only numbers are read; text is made for events (a bind's
 * interface UUID, a call's log line). Stub data is not parsed, except when
 * it is in clear (below packet privacy): the class a DCOM activation
 * request names, from its first fragment (activation.ts), and what a
 * remote-execution request asks for (request-details.ts), from its whole
 * stub, in the transfer syntax its context was bound to (NDR 2.0 or
 * NDR64): a request in several fragments has its stub gathered, up to
 * MAX_DETAIL_STUB bytes for at most MAX_GATHERED_STUBS calls at a time, in
 * a StreamBuffer charged to the parser buffer budget, and read with its
 * last fragment. Of a response in clear only the end is kept (24 bytes):
 * the status the operation returned (call-result.ts), and for svcctl
 * calls that open a service the handle before it, so later calls naming
 * the service by that handle are named (service-handles.ts).
 */
import type { AnalyzerContext } from '../analyzer.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { GssAuth } from '../smb/gss-auth.js';
import { startRecord } from '../zeek-record.js';
import {
  BIND_TIME_FEATURE_PREFIX,
  ContextResult,
  DceRpcAnomaly,
  HEADER_SIZE,
  MAX_CONTEXTS,
  MAX_DETAIL_STUB,
  MAX_FRAG_BYTES,
  MAX_GATHERED_STUBS,
  MAX_PENDING_CALLS,
  PduType,
  SEC_TRAILER_SIZE,
  AuthType,
  AuthLevel,
  PfcFlags,
  faultName,
} from './consts.js';
import type { DceRpcBindEvent, DceRpcCallDetails, DceRpcCallEvent, DceRpcCallResult, DceRpcRecord, DceRpcTransport } from './events.js';
import { endpointName, ignoredOperation, NDR64_SYNTAX, operationName, pipeInterface } from './interfaces.js';
import { activationClsid, isActivationRequest } from './activation.js';
import { readsDetails, requestDetails } from './request-details.js';
import { callResult, ResponseTail, statusKind } from './call-result.js';
import { closesHandle, opensService, requestHandle, ServiceHandles } from './service-handles.js';
import type { NdrSyntax } from './ndr.js';
import {
  authLevel,
  newCallPdu,
  newHeader,
  readBind,
  readBindAck,
  readFault,
  readHeader,
  readRequest,
  readResponse,
  uuidText,
  type ContextItem,
} from './parser.js';

/** A bound presentation context. */
interface BoundContext {
  uuid: string;
  version: string;
  /** Its stubs are NDR64 ([MS-RPCE] 2.2.5.3) rather than NDR 2.0. */
  ndr64: boolean;
}

/** A bind or alter_context awaiting its answer. */
interface OfferedBind {
  ts: number;
  alter: boolean;
  items: ContextItem[];
}

/** A call whose request was seen. */
interface PendingCall {
  /** Time of the request's last fragment seen so far. */
  ts: number;
  contextId: number;
  opnum: number;
  /** Interface at request time (the context may be re-bound later). */
  uuid: string | undefined;
  version: string | undefined;
  objectUuid: string | undefined;
  requestBytes: number;
  responseBytes: number;
  /** The request's auth level (0: no verifier). */
  authLevel: number;
  /** A DCOM activation's class, when its stub was read. */
  clsid: string | undefined;
  /** What a remote-execution request asks for, once its whole stub was read. */
  details: DceRpcCallDetails | undefined;
  /** The stub of a request whose details are read, gathered until its last fragment. */
  stub: StreamBuffer | undefined;
  /** The end of the response stub, for operations whose status is read (call-result.ts). */
  tail: ResponseTail | undefined;
  /** svcctl calls naming a service by handle: the handle (service-handles.ts). */
  serviceHandle: string | undefined;
  /** The request's byte order (its data representation). */
  little: boolean;
  /** The transfer syntax of its context (NDR 2.0 unless bound to NDR64). */
  syntax: NdrSyntax;
}

/** One direction's framing state. */
class Direction {
  readonly buf = new StreamBuffer(MAX_FRAG_BYTES);
  /** After a malformed header or a gap: nothing is read until a PDU start is known. */
  lost = false;
}

export class DceRpcConversation {
  readonly #ctx: AnalyzerContext;
  readonly #transport: DceRpcTransport;
  /** SMB: the pipe's name from its create request; undefined for TCP. */
  readonly #pipe: string | undefined;
  readonly #dirs: [Direction, Direction] = [new Direction(), new Direction()];
  readonly #header = newHeader();
  readonly #call = newCallPdu();
  readonly #contexts = new Map<number, BoundContext>();
  readonly #pending = new Map<number, PendingCall>();
  #offered: OfferedBind | undefined = undefined;
  /** The latest bind_ack's secondary address ('' until one names it). */
  #secAddr = '';
  #confirmed = false;
  #ended = false;
  /** The bind's authentication (SPNEGO, Kerberos or NTLMSSP verifiers), made when the first one is seen. */
  #gss: GssAuth | undefined = undefined;
  /** Pending calls whose stubs are being gathered. */
  #gathering = 0;
  /** svcctl: the services handles stand for, made with the first handle returned. */
  #handles: ServiceHandles | undefined = undefined;

  constructor(ctx: AnalyzerContext, transport: DceRpcTransport, pipe?: string) {
    this.#ctx = ctx;
    this.#transport = transport;
    this.#pipe = pipe;
  }

  /**
   * The next bytes `data[start, end)` of one direction. `boundary` says a
   * PDU may begin there (the start of an SMB write or read; for TCP, of a
   * reassembled chunk, as senders write each PDU at once): after an error or
   * a gap, reading resumes at the first such start that holds a valid header.
   */
  feed(fromOrig: boolean, data: Uint8Array, start: number, end: number, ts: number, boundary = false): void {
    if (this.#ended) return;
    const dir = this.#dirs[fromOrig ? 0 : 1];
    if (dir.lost) {
      // Only where a PDU may start, and silently: a retry that fails is not a new anomaly.
      if (!boundary || end - start < HEADER_SIZE || !readHeader(data, start, this.#header)) return;
      dir.lost = false;
    }
    const buf = dir.buf;
    const h = this.#header;
    let p = start;
    while (p < end) {
      if (buf.length > 0) {
        // Complete the header, then the PDU, held in the buffer.
        const want = buf.length < HEADER_SIZE ? HEADER_SIZE : this.#fragLength(buf.bytes, buf.offset);
        if (want < 0) return this.#lose(dir);
        const k = Math.min(want - buf.length, end - p);
        if (!buf.push(data, p, p + k)) {
          this.#ctx.anomaly(DceRpcAnomaly.PDU_TOO_LONG);
          return this.#lose(dir);
        }
        p += k;
        if (buf.length < want) return;
        if (want === HEADER_SIZE) {
          const len = this.#fragLength(buf.bytes, buf.offset);
          if (len < 0) return this.#lose(dir);
          if (len > HEADER_SIZE) continue;
        }
        this.#pdu(buf.bytes, buf.offset, ts);
        buf.clear();
        continue;
      }
      if (end - p < HEADER_SIZE) {
        if (!buf.push(data, p, end)) this.#ctx.anomaly(DceRpcAnomaly.PDU_TOO_LONG);
        return;
      }
      if (!readHeader(data, p, h)) {
        this.#ctx.anomaly(DceRpcAnomaly.BAD_HEADER);
        return this.#lose(dir);
      }
      if (end - p < h.fragLength) {
        if (!buf.push(data, p, end)) {
          this.#ctx.anomaly(DceRpcAnomaly.PDU_TOO_LONG);
          return this.#lose(dir);
        }
        return;
      }
      this.#pdu(data, p, ts);
      p += h.fragLength;
    }
  }

  /**
   * Bytes of one direction were lost: the partial PDU goes, reading resumes
   * at a known PDU start. A client's stubs being gathered miss fragments:
   * they are dropped.
   */
  gap(fromOrig: boolean): void {
    const dir = this.#dirs[fromOrig ? 0 : 1];
    this.#ctx.anomaly(DceRpcAnomaly.CONTENT_GAP);
    this.#lose(dir);
    if (fromOrig && this.#gathering > 0) for (const call of this.#pending.values()) this.#dropStub(call);
  }

  /** The association ended (flow end, pipe closed): unanswered calls are logged without rtt. */
  end(_ts: number): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const [callId, call] of this.#pending) {
      this.#pending.delete(callId);
      this.#finish(call, undefined, undefined);
    }
    this.#dirs[0].buf.release();
    this.#dirs[1].buf.release();
    this.#gss?.flush();
  }

  /** True once a valid PDU was read: the bytes are DCE/RPC. */
  get confirmed(): boolean {
    return this.#confirmed;
  }

  #lose(dir: Direction): void {
    dir.buf.clear();
    dir.lost = true;
  }

  /** frag_length of the header at `o` when valid, else -1 (anomaly counted). */
  #fragLength(b: Uint8Array, o: number): number {
    if (!readHeader(b, o, this.#header)) {
      this.#ctx.anomaly(DceRpcAnomaly.BAD_HEADER);
      return -1;
    }
    return this.#header.fragLength;
  }

  /** One whole PDU at `o` (its header already read into #header); its type, not the side it came from, says what it is. */
  #pdu(b: Uint8Array, o: number, ts: number): void {
    const h = this.#header;
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('dce_rpc');
    }
    switch (h.ptype) {
      case PduType.BIND:
      case PduType.ALTER_CONTEXT: {
        const body = readBind(b, o, h);
        if (body === null) return this.#ctx.anomaly(DceRpcAnomaly.TRUNCATED_PDU);
        if (body.cut) this.#ctx.anomaly(DceRpcAnomaly.TOO_MANY_CONTEXT_ITEMS);
        this.#offered = { ts, alter: h.ptype === PduType.ALTER_CONTEXT, items: body.items };
        if (h.authLength > 0) this.#authToken(true, b, o, ts);
        return;
      }
      case PduType.BIND_ACK:
      case PduType.ALTER_CONTEXT_RESP: {
        const body = readBindAck(b, o, h);
        if (body === null) return this.#ctx.anomaly(DceRpcAnomaly.TRUNCATED_PDU);
        if (body.secAddr !== '') this.#secAddr = body.secAddr;
        this.#bound(body.results, body.syntaxes, ts);
        if (h.authLength > 0) this.#authToken(false, b, o, ts);
        return;
      }
      case PduType.BIND_NAK:
        this.#bound([], [], ts);
        return;
      case PduType.REQUEST:
        if (!readRequest(b, o, h, this.#call)) return this.#ctx.anomaly(DceRpcAnomaly.TRUNCATED_PDU);
        this.#request(b, h.callId, h.flags, h.little, authLevel(b, o, h), ts);
        return;
      case PduType.RESPONSE:
        if (!readResponse(b, o, h, this.#call)) return this.#ctx.anomaly(DceRpcAnomaly.TRUNCATED_PDU);
        this.#response(h.callId, h.flags, ts, undefined, b, h.little, authLevel(b, o, h));
        return;
      case PduType.FAULT:
        if (!readFault(b, o, h, this.#call)) return this.#ctx.anomaly(DceRpcAnomaly.TRUNCATED_PDU);
        this.#response(h.callId, PfcFlags.LAST_FRAG, ts, this.#call.status, b, h.little, 0);
        return;
      case PduType.AUTH3:
        if (h.authLength > 0) this.#authToken(true, b, o, ts);
        return;
      case PduType.SHUTDOWN:
      case PduType.CO_CANCEL:
      case PduType.ORPHANED:
        return;
      default:
        this.#ctx.anomaly(DceRpcAnomaly.UNKNOWN_PDU_TYPE);
        return;
    }
  }

  /**
   * The auth verifier of a bind, alter_context or auth3 (client) or of their
   * answers (server), when it is a GSS token Picket reads: Kerberos AP
   * exchanges go to kerberos.log, NTLMSSP to ntlm.log, as Zeek logs them.
   */
  #authToken(fromClient: boolean, b: Uint8Array, o: number, ts: number): void {
    const h = this.#header;
    const trailer = o + h.fragLength - h.authLength - SEC_TRAILER_SIZE;
    const type = b[trailer]!;
    if (type !== AuthType.SPNEGO && type !== AuthType.KERBEROS && type !== AuthType.NTLMSSP) return;
    this.#gss ??= new GssAuth(this.#ctx);
    const start = trailer + SEC_TRAILER_SIZE;
    const end = o + h.fragLength;
    if (fromClient) this.#gss.clientToken(b, start, end, ts);
    else this.#gss.serverToken(b, start, end, ts);
  }

  /**
   * The answer to the offered bind: `results` in the order of its items
   * (empty for a bind_nak: all rejected), with the transfer syntax each
   * acceptance chose.
   */
  #bound(results: readonly number[], syntaxes: readonly string[], ts: number): void {
    const offer = this.#offered;
    if (offer === undefined) return;
    this.#offered = undefined;
    const items = offer.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.transferSyntax.startsWith(BIND_TIME_FEATURE_PREFIX)) continue;
      const accepted = i < results.length && results[i] === ContextResult.ACCEPTANCE;
      const version = `${item.versionMajor}.${item.versionMinor}`;
      if (accepted) this.#bindContext(item.contextId, { uuid: item.uuid, version, ndr64: (syntaxes[i] ?? item.transferSyntax) === NDR64_SYNTAX });
      const c = this.#ctx.conn;
      const ev: DceRpcBindEvent = {
        type: 'dce_rpc.bind',
        ts,
        uid: c.uid,
        client: c.orig_h,
        server: c.resp_h,
        server_port: c.resp_p,
        transport: this.#transport,
        interface_uuid: item.uuid,
        interface_version: version,
        endpoint: endpointName(item.uuid),
        context_id: item.contextId,
        accepted,
        alter: offer.alter,
        named_pipe: this.#namedPipe(),
      };
      this.#ctx.emit(ev);
    }
  }

  #bindContext(id: number, ctx: BoundContext): void {
    const map = this.#contexts;
    if (map.size >= MAX_CONTEXTS && !map.has(id)) {
      this.#ctx.anomaly(DceRpcAnomaly.TOO_MANY_CONTEXTS);
      const oldest = map.keys().next();
      if (oldest.done !== true) map.delete(oldest.value);
    }
    map.set(id, ctx);
  }

  #request(b: Uint8Array, callId: number, flags: number, little: boolean, level: number, ts: number): void {
    const pdu = this.#call;
    const known = this.#pending.get(callId);
    if (known !== undefined && (flags & PfcFlags.FIRST_FRAG) === 0) {
      // A later fragment of a call already counted.
      known.ts = ts;
      known.requestBytes += pdu.stubBytes;
      if (known.stub !== undefined) this.#gather(known, b, flags, level);
      return;
    }
    if (known !== undefined) {
      // A new call reusing an unanswered call id: the old one is over.
      this.#pending.delete(callId);
      this.#finish(known, undefined, undefined);
    }
    if ((flags & PfcFlags.FIRST_FRAG) === 0) return; // the start of this call was not seen
    const bound = this.#contexts.get(pdu.contextId);
    let uuid = bound?.uuid;
    if (uuid === undefined && this.#pipe !== undefined) uuid = pipeInterface(this.#pipe);
    const pending = this.#pending;
    if (pending.size >= MAX_PENDING_CALLS) {
      this.#ctx.anomaly(DceRpcAnomaly.TOO_MANY_PENDING);
      const oldest = pending.entries().next();
      if (oldest.done !== true) {
        pending.delete(oldest.value[0]);
        this.#finish(oldest.value[1], undefined, undefined);
      }
    }
    const clear = level < AuthLevel.PKT_PRIVACY;
    const call: PendingCall = {
      ts,
      contextId: pdu.contextId,
      opnum: pdu.opnum,
      uuid,
      version: bound?.version,
      objectUuid: pdu.objectAt >= 0 ? uuidText(b, pdu.objectAt, little) : undefined,
      requestBytes: pdu.stubBytes,
      responseBytes: 0,
      authLevel: level,
      // An activation's class, from its first fragment, unless packet privacy encrypted the stub.
      clsid: clear && isActivationRequest(uuid, pdu.opnum) ? activationClsid(b, pdu.stubAt, pdu.stubAt + pdu.stubBytes) : undefined,
      details: undefined,
      stub: undefined,
      tail: statusKind(uuid) !== undefined ? new ResponseTail() : undefined,
      serviceHandle: clear ? requestHandle(uuid, pdu.opnum, b, pdu.stubAt, pdu.stubAt + pdu.stubBytes) : undefined,
      little,
      syntax: bound?.ndr64 === true ? 'ndr64' : 'ndr',
    };
    pending.set(callId, call);
    if (!clear || !readsDetails(uuid, pdu.opnum)) return;
    if ((flags & PfcFlags.LAST_FRAG) !== 0) {
      call.details = requestDetails(uuid, pdu.opnum, b, pdu.stubAt, pdu.stubAt + pdu.stubBytes, little, call.syntax);
    } else if (this.#gathering < MAX_GATHERED_STUBS) {
      call.stub = new StreamBuffer(MAX_DETAIL_STUB);
      this.#gathering++;
      this.#gather(call, b, flags, level);
    }
  }

  /**
   * Adds the current request fragment's stub to `call`'s; with the last
   * fragment, reads what it asks for. A fragment under packet privacy, or
   * one past MAX_DETAIL_STUB or the buffer budget, ends the gathering with
   * nothing read.
   */
  #gather(call: PendingCall, b: Uint8Array, flags: number, level: number): void {
    const stub = call.stub!;
    const pdu = this.#call;
    if (level >= AuthLevel.PKT_PRIVACY || !stub.push(b, pdu.stubAt, pdu.stubAt + pdu.stubBytes)) return this.#dropStub(call);
    if ((flags & PfcFlags.LAST_FRAG) === 0) return;
    call.details = requestDetails(call.uuid, call.opnum, stub.bytes, stub.offset, stub.offset + stub.length, call.little, call.syntax);
    this.#dropStub(call);
  }

  /** Ends the gathering of `call`'s stub, giving its buffer back. */
  #dropStub(call: PendingCall): void {
    if (call.stub === undefined) return;
    call.stub.release();
    call.stub = undefined;
    this.#gathering--;
  }

  /**
   * A response fragment or a fault (`fault` is its status) for call
   * `callId`, in PDU buffer `b` (byte order `little`, auth level `level`).
   */
  #response(callId: number, flags: number, ts: number, fault: number | undefined, b: Uint8Array, little: boolean, level: number): void {
    const call = this.#pending.get(callId);
    if (call === undefined) return; // its request was not seen (capture started mid-call)
    const pdu = this.#call;
    call.responseBytes += pdu.stubBytes;
    if (fault === undefined && call.tail !== undefined) call.tail.add(b, pdu.stubAt, pdu.stubAt + pdu.stubBytes, little, level >= AuthLevel.PKT_PRIVACY);
    if (fault === undefined && (flags & PfcFlags.LAST_FRAG) === 0) return;
    this.#pending.delete(callId);
    this.#finish(call, ts - call.ts, fault);
  }

  /** The secondary address, or the pipe name (SMB) or server port (TCP). */
  #namedPipe(): string {
    if (this.#secAddr !== '') return this.#secAddr;
    if (this.#pipe !== undefined) return this.#pipe;
    return `${this.#ctx.conn.resp_p}`;
  }

  /** What an answered call's operation returned, when its interface's statuses are read and the response was in clear. */
  #result(call: PendingCall): DceRpcCallResult | undefined {
    const kind = statusKind(call.uuid);
    const code = call.tail?.status();
    return kind === undefined || code === undefined ? undefined : callResult(kind, code);
  }

  /**
   * svcctl: remembers the handle an opening call returned for the service
   * it named; names the service of a call that gives a handle; forgets a
   * closed handle.
   */
  #nameService(call: PendingCall, result: DceRpcCallResult | undefined): void {
    const handle = call.serviceHandle;
    if (handle !== undefined) {
      if (closesHandle(call.opnum)) {
        if (result?.ok !== false) this.#handles?.forget(handle);
        return;
      }
      const name = this.#handles?.nameOf(handle);
      if (name !== undefined && call.details !== undefined) call.details.service_name ??= name;
      return;
    }
    const name = call.details?.service_name;
    if (name === undefined || result?.ok !== true || !opensService(call.uuid, call.opnum)) return;
    const returned = call.tail?.handle();
    if (returned !== undefined) (this.#handles ??= new ServiceHandles()).remember(returned, name);
  }

  /** Publishes a call: its event, and its log line unless Zeek's default ignores the operation. */
  #finish(call: PendingCall, rtt: number | undefined, fault: number | undefined): void {
    // A stub still being gathered never got its last fragment: cut, not read.
    this.#dropStub(call);
    const c = this.#ctx.conn;
    const operation = operationName(call.uuid, call.opnum);
    const endpoint = call.uuid === undefined ? undefined : endpointName(call.uuid);
    const pipe = this.#namedPipe();
    const ev: DceRpcCallEvent = {
      type: 'dce_rpc.call',
      ts: call.ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      transport: this.#transport,
      opnum: call.opnum,
      operation,
      request_bytes: call.requestBytes,
      response_bytes: call.responseBytes,
      named_pipe: pipe,
    };
    if (call.uuid !== undefined) {
      ev.interface_uuid = call.uuid;
      if (call.version !== undefined) ev.interface_version = call.version;
      ev.endpoint = endpoint!;
    }
    if (rtt !== undefined) ev.rtt = rtt;
    if (fault !== undefined) ev.fault = faultName(fault);
    if (call.objectUuid !== undefined) ev.object_uuid = call.objectUuid;
    if (call.authLevel > 0) ev.auth_level = call.authLevel;
    if (call.clsid !== undefined) ev.clsid = call.clsid;
    const result = rtt !== undefined && fault === undefined ? this.#result(call) : undefined;
    if (result !== undefined) ev.result = result;
    this.#nameService(call, result);
    if (call.details !== undefined) ev.details = call.details;
    this.#ctx.emit(ev);

    if (endpoint !== undefined && ignoredOperation(endpoint, operation)) return;
    // Filled in column order.
    const rec = startRecord<DceRpcRecord>(c, call.ts);
    if (rtt !== undefined) rec.rtt = rtt;
    rec.named_pipe = pipe;
    if (endpoint !== undefined) rec.endpoint = endpoint;
    rec.operation = operation;
    this.#ctx.emit({ type: 'dce_rpc', log: 'dce_rpc', ts: call.ts, uid: c.uid, record: rec });
  }
}
