/**
 * The DCE/RPC reader on hand-built PDUs (pdus.ts, laid out per C706): binds
 * with several contexts (one rejected, a bind-time feature negotiation),
 * alter_context, both byte orders, multi-fragment calls, faults, auth
 * verifiers, object UUIDs, several PDUs in one chunk and one PDU cut byte
 * by byte, unanswered calls, Zeek's ignored operations, garbage; the same
 * over SMB2 (with an interim STATUS_PENDING read reply) and SMB1 named
 * pipes; and the content probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DceRpcAnalyzer } from '../../../src/protocols/dcerpc/analyzer.js';
import { probeDceRpc } from '../../../src/protocols/dcerpc/index.js';
import { SmbAnalyzer } from '../../../src/protocols/smb/analyzer.js';
import { concat, ofType, testContext, type TestContext } from '../asn1/helpers.js';
import {
  createRequest,
  createResponse,
  fileId,
  nbss,
  readRequest,
  smb1CreateRequest,
  smb1CreateResponse,
  smb1ReadRequest,
  smb1TreeConnect,
  smb1WriteRequest,
  treeConnectRequest,
  treeConnectResponse,
  writeRequest,
  closeRequest,
} from '../smb/messages.js';
import {
  BIND_TIME,
  DRSUAPI,
  LSARPC,
  NDR64,
  SRVSVC,
  SVCCTL,
  WKSSVC,
  bind,
  bindAck,
  fault,
  request,
  response,
  smb1ReadResponse,
  smb1TransactNmPipe,
  smb1TransactionResponse,
  smb2InterimResponse,
  smb2ReadResponse,
  smb2Transceive,
  smb2TransceiveResponse,
} from './pdus.js';

const STUB = new Uint8Array(40).fill(7);

function tcp(): { ctx: TestContext; a: DceRpcAnalyzer } {
  const ctx = testContext('tcp', 135);
  return { ctx, a: new DceRpcAnalyzer(ctx) };
}

function logLines(ctx: TestContext): Record<string, unknown>[] {
  return ofType(ctx.events, 'dce_rpc').map((e) => {
    const { ts: _ts, uid: _uid, 'id.orig_h': _oh, 'id.orig_p': _op, 'id.resp_h': _rh, 'id.resp_p': _rp, ...rest } = e.record;
    return rest;
  });
}

/** svcctl (NDR) accepted, svcctl over NDR64 rejected, a bind-time feature context answered negotiate_ack. */
function svcctlSession(little: boolean): [boolean, Uint8Array, number][] {
  return [
    [true, bind(1, [{ ctx: 0, uuid: SVCCTL, major: 2 }, { ctx: 1, uuid: SVCCTL, major: 2, syntax: NDR64 }, { ctx: 2, uuid: SVCCTL, major: 2, syntax: BIND_TIME }], { little }), 1],
    [false, bindAck(1, '49667', [0, 2, 3], { little }), 1.001],
    [true, request(2, 0, 15, STUB, { little }), 2],
    [false, response(2, 0, STUB, { little }), 2.25],
    [true, request(3, 0, 12, STUB, { little }), 3],
    [false, response(3, 0, STUB, { little }), 3.5],
    [true, request(4, 1, 19, STUB, { little }), 4],
    [false, fault(4, 0x1c00001c, { little }), 4.125],
  ];
}

for (const little of [true, false]) {
  test(`${little ? 'little' : 'big'}-endian: a multi-context bind, calls on the accepted context, a fault on the rejected one`, () => {
    const { ctx, a } = tcp();
    for (const [orig, bytes, ts] of svcctlSession(little)) a.data(orig, bytes, ts);
    a.end(5);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(ctx.services, ['dce_rpc']);
    assert.deepEqual(logLines(ctx), [
      { rtt: 0.25, named_pipe: '49667', endpoint: 'svcctl', operation: 'OpenSCManagerW' },
      { rtt: 0.5, named_pipe: '49667', endpoint: 'svcctl', operation: 'CreateServiceW' },
      // Context 1 was rejected: the call's interface is unknown, its opnum stays a number.
      { rtt: 0.125, named_pipe: '49667', operation: '19' },
    ]);
    const binds = ofType(ctx.events, 'dce_rpc.bind').map((e) => [e.context_id, e.endpoint, e.interface_version, e.accepted, e.alter]);
    assert.deepEqual(binds, [
      [0, 'svcctl', '2.0', true, false],
      [1, 'svcctl', '2.0', false, false],
    ]);
    const calls = ofType(ctx.events, 'dce_rpc.call');
    assert.equal(calls.length, 3);
    assert.equal(calls[0]!.interface_uuid, SVCCTL);
    assert.equal(calls[0]!.transport, 'tcp');
    assert.equal(calls[1]!.request_bytes, STUB.length);
    assert.equal(calls[1]!.response_bytes, STUB.length);
    assert.equal(calls[2]!.fault, 'nca_s_invalid_pres_context_id');
    assert.equal(calls[2]!.endpoint, undefined);
  });
}

test('alter_context binds a further interface on the association; the server port names a TCP pipe when the ack has no address', () => {
  const { ctx, a } = tcp();
  a.data(true, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), 1);
  a.data(false, bindAck(1, '', [0]), 1);
  a.data(true, bind(2, [{ ctx: 1, uuid: DRSUAPI, major: 4 }], { alter: true }), 2);
  a.data(false, bindAck(2, '', [0], { alter: true }), 2);
  a.data(true, request(3, 1, 3, STUB), 3);
  a.data(false, response(3, 1, STUB), 4);
  a.data(true, request(4, 0, 21, STUB), 5);
  a.data(false, response(4, 0, STUB), 5.5);
  assert.deepEqual(logLines(ctx), [
    { rtt: 1, named_pipe: '135', endpoint: 'drsuapi', operation: 'DRSGetNCChanges' },
    { rtt: 0.5, named_pipe: '135', endpoint: 'srvsvc', operation: 'NetrServerGetInfo' },
  ]);
  const binds = ofType(ctx.events, 'dce_rpc.bind');
  assert.deepEqual(binds.map((b) => [b.endpoint, b.alter, b.accepted]), [['srvsvc', false, true], ['drsuapi', true, true]]);
});

test('a call in several fragments each way is one call: ts at its last request fragment, rtt to the last response fragment', () => {
  const { ctx, a } = tcp();
  a.data(true, bind(1, [{ ctx: 0, uuid: DRSUAPI, major: 4 }]), 1);
  a.data(false, bindAck(1, '49668', [0]), 1);
  a.data(true, request(2, 0, 3, STUB, { flags: 0x01 }), 2);
  a.data(true, request(2, 0, 3, STUB, { flags: 0x00 }), 2.5);
  a.data(true, request(2, 0, 3, STUB, { flags: 0x02 }), 3);
  a.data(false, response(2, 0, STUB, { flags: 0x01 }), 4);
  a.data(false, response(2, 0, STUB, { flags: 0x02 }), 5);
  const lines = ofType(ctx.events, 'dce_rpc');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.record.ts, 3);
  assert.equal(lines[0]!.record.rtt, 2);
  const call = ofType(ctx.events, 'dce_rpc.call')[0]!;
  assert.equal(call.operation, 'DRSGetNCChanges');
  assert.equal(call.request_bytes, 3 * STUB.length);
  assert.equal(call.response_bytes, 2 * STUB.length);
});

test('several PDUs in one chunk, and the whole conversation fed byte by byte, give the same lines', () => {
  const session = svcctlSession(true);
  const whole = tcp();
  whole.a.data(true, concat(session[0]![1]), 1);
  whole.a.data(false, session[1]![1], 1);
  whole.a.data(true, concat(session[2]![1], session[4]![1], session[6]![1]), 2);
  whole.a.data(false, concat(session[3]![1], session[5]![1], session[7]![1]), 3);
  whole.a.end(4);
  const split = tcp();
  for (const [orig, bytes] of session) for (let i = 0; i < bytes.length; i++) split.a.data(orig, bytes.subarray(i, i + 1), 1);
  split.a.end(4);
  const ops = (ctx: TestContext): unknown[] => logLines(ctx).map((l) => [l.endpoint, l.operation]);
  assert.deepEqual(ops(whole.ctx), [['svcctl', 'OpenSCManagerW'], ['svcctl', 'CreateServiceW'], [undefined, '19']]);
  assert.deepEqual(ops(split.ctx), ops(whole.ctx));
  assert.deepEqual(split.ctx.anomalies, []);
});

test('auth verifiers are stepped over; an object UUID is read; unknown opnums and interfaces stay numbers and UUIDs', () => {
  const { ctx, a } = tcp();
  const unknown = '01234567-89ab-cdef-0123-456789abcdef';
  a.data(true, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }, { ctx: 1, uuid: unknown }], { auth: 32 }), 1);
  a.data(false, bindAck(1, '\\PIPE\\srvsvc', [0, 0], { auth: 16 }), 1);
  a.data(true, request(2, 0, 15, STUB, { auth: 16 }), 2);
  a.data(false, response(2, 0, STUB, { auth: 16 }), 2);
  a.data(true, request(3, 1, 7, STUB, { object: SVCCTL }), 3);
  a.data(false, response(3, 1, STUB), 3);
  a.data(true, request(4, 0, 999, STUB), 4);
  a.data(false, fault(4, 0x1c010002), 4);
  assert.deepEqual(ctx.anomalies, []);
  assert.deepEqual(logLines(ctx).map((l) => [l.named_pipe, l.endpoint, l.operation]), [
    ['\\PIPE\\srvsvc', 'srvsvc', 'NetrShareEnum'],
    ['\\PIPE\\srvsvc', unknown, '7'],
    ['\\PIPE\\srvsvc', 'srvsvc', '999'],
  ]);
  const calls = ofType(ctx.events, 'dce_rpc.call');
  assert.equal(calls[0]!.request_bytes, STUB.length);
  assert.equal(calls[1]!.object_uuid, SVCCTL);
  assert.equal(calls[2]!.fault, 'nca_s_op_rng_error');
});

test('a request never answered is logged at the end without rtt; Zeek\'s ignored operations are events only', () => {
  const { ctx, a } = tcp();
  a.data(true, bind(1, [{ ctx: 0, uuid: WKSSVC }]), 1);
  a.data(false, bindAck(1, '135', [0]), 1);
  a.data(true, request(2, 0, 0, STUB), 2); // NetrWkstaGetInfo, ignored by Zeek's default
  a.data(false, response(2, 0, STUB), 2.5);
  a.data(true, request(3, 0, 2, STUB), 3); // NetrWkstaUserEnum, never answered
  assert.equal(ofType(ctx.events, 'dce_rpc').length, 0);
  a.end(9);
  assert.deepEqual(logLines(ctx), [{ named_pipe: '135', endpoint: 'wkssvc', operation: 'NetrWkstaUserEnum' }]);
  assert.deepEqual(ofType(ctx.events, 'dce_rpc.call').map((c) => [c.operation, c.rtt]), [['NetrWkstaGetInfo', 0.5], ['NetrWkstaUserEnum', undefined]]);
});

test('a bind_nak rejects every offered context', () => {
  const { ctx, a } = tcp();
  a.data(true, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), 1);
  a.data(false, concat([5, 0, 13, 3, 0x10, 0, 0, 0], [20, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]), 1);
  assert.deepEqual(ofType(ctx.events, 'dce_rpc.bind').map((b) => [b.endpoint, b.accepted]), [['srvsvc', false]]);
});

test('garbage is a counted anomaly; nothing is logged, nothing throws; a later chunk starting a PDU is read', () => {
  const { ctx, a } = tcp();
  a.data(true, new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 1);
  a.data(true, new TextEncoder().encode('more text'), 1);
  a.data(false, concat([5, 0, 12, 3, 0x10, 0, 0, 0], [10, 0, 0, 0], [1, 0, 0, 0]), 2); // frag_length 10 < header
  assert.deepEqual(ctx.anomalies, ['dce_rpc_bad_header', 'dce_rpc_bad_header']);
  assert.equal(ctx.events.length, 0);
  assert.deepEqual(ctx.services, []);
  a.data(true, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), 3);
  a.data(false, bindAck(1, '135', [0]), 3);
  a.end(4);
  assert.deepEqual(ofType(ctx.events, 'dce_rpc.bind').map((b) => b.endpoint), ['srvsvc']);
  assert.deepEqual(ctx.services, ['dce_rpc']);
});

test('after a gap the next chunk that starts a PDU is read again', () => {
  const { ctx, a } = tcp();
  a.data(true, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), 1);
  a.data(false, bindAck(1, '135', [0]), 1);
  const req = request(2, 0, 21, STUB);
  a.data(true, req.subarray(0, 20), 2);
  a.gap(true, 10);
  a.data(true, req.subarray(30), 2); // the rest of the cut PDU: not a PDU start
  a.data(true, request(3, 0, 15, STUB), 3);
  a.data(false, response(3, 0, STUB), 3);
  assert.deepEqual(logLines(ctx).map((l) => l.operation), ['NetrShareEnum']);
  assert.ok(ctx.anomalies.includes('dce_rpc_content_gap'));
});

test('the probe claims a client bind and nothing else', () => {
  const b = bind(1, [{ ctx: 0, uuid: SRVSVC }]);
  assert.equal(probeDceRpc(b, true, 'tcp'), true);
  assert.equal(probeDceRpc(bind(1, [{ ctx: 0, uuid: SRVSVC }], { little: false }), true, 'tcp'), true);
  assert.equal(probeDceRpc(b, false, 'tcp'), false);
  assert.equal(probeDceRpc(b, true, 'udp'), false);
  assert.equal(probeDceRpc(request(1, 0, 0, STUB), true, 'tcp'), false);
  assert.equal(probeDceRpc(b.subarray(0, 12), true, 'tcp'), false);
  assert.equal(probeDceRpc(concat(b.subarray(0, 8), [20, 0], b.subarray(10)), true, 'tcp'), false);
});

test('SMB2 named pipe: CREATE on IPC$, bind by WRITE and READ, calls by FSCTL_PIPE_TRANSCEIVE; CLOSE logs what is unanswered', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const pipe = fileId(0x40);
  a.data(true, nbss(treeConnectRequest('\\\\SRV\\IPC$', 1)), 1);
  a.data(false, nbss(treeConnectResponse(0, 2, 1)), 1);
  a.data(true, nbss(createRequest('srvsvc', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: pipe }, { messageId: 2 })), 2);
  a.data(true, nbss(writeRequest(pipe, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), { messageId: 3 })), 3);
  a.data(true, nbss(readRequest(pipe, { messageId: 4 })), 3);
  a.data(false, nbss(smb2ReadResponse(bindAck(1, '\\PIPE\\srvsvc', [0]), 4)), 3.01);
  a.data(true, nbss(smb2Transceive(pipe, request(2, 0, 15, STUB), 5)), 4);
  a.data(false, nbss(smb2TransceiveResponse(pipe, response(2, 0, STUB), 5)), 4.5);
  a.data(true, nbss(smb2Transceive(pipe, request(3, 0, 12, STUB), 6)), 5);
  a.data(true, nbss(closeRequest(pipe, { messageId: 7 })), 6);
  assert.deepEqual(ctx.anomalies, []);
  assert.deepEqual(ctx.services, ['smb', 'dce_rpc']);
  assert.deepEqual(logLines(ctx), [
    { rtt: 0.5, named_pipe: '\\PIPE\\srvsvc', endpoint: 'srvsvc', operation: 'NetrShareEnum' },
    { named_pipe: '\\PIPE\\srvsvc', endpoint: 'srvsvc', operation: 'NetrSessionEnum' },
  ]);
  assert.equal(ofType(ctx.events, 'dce_rpc.call')[0]!.transport, 'smb');
  // A pipe is not a file: smb_files stays empty.
  assert.equal(ofType(ctx.events, 'smb_files').length, 0);
});

test('SMB2 named pipe: a READ answered first by an interim STATUS_PENDING, then by its async reply, carries the bind ack', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const pipe = fileId(0x41);
  a.data(true, nbss(treeConnectRequest('\\\\SRV\\IPC$', 1)), 1);
  a.data(false, nbss(treeConnectResponse(0, 2, 1)), 1);
  a.data(true, nbss(createRequest('lsarpc', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: pipe }, { messageId: 2 })), 2);
  a.data(true, nbss(writeRequest(pipe, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), { messageId: 3 })), 3);
  a.data(true, nbss(readRequest(pipe, { messageId: 4 })), 3);
  // The server parks the read: the interim reply's error body is not pipe data.
  a.data(false, nbss(smb2InterimResponse(8, 4, 0x77)), 3.001);
  a.data(false, nbss(smb2ReadResponse(bindAck(1, '\\PIPE\\srvsvc', [0]), 4, 0, 0x77)), 3.2);
  a.data(true, nbss(smb2Transceive(pipe, request(2, 0, 15, STUB), 5)), 4);
  a.data(false, nbss(smb2TransceiveResponse(pipe, response(2, 0, STUB), 5)), 4.25);
  assert.deepEqual(ctx.anomalies, []);
  assert.deepEqual(ctx.services, ['smb', 'dce_rpc']);
  assert.deepEqual(logLines(ctx), [{ rtt: 0.25, named_pipe: '\\PIPE\\srvsvc', endpoint: 'srvsvc', operation: 'NetrShareEnum' }]);
  // The interim reply alone: nothing logged, nothing counted as malformed.
  const ctx2 = testContext('tcp', 445);
  const b = new SmbAnalyzer(ctx2);
  b.data(true, nbss(treeConnectRequest('\\\\SRV\\IPC$', 1)), 1);
  b.data(false, nbss(treeConnectResponse(0, 2, 1)), 1);
  b.data(true, nbss(createRequest('lsarpc', { messageId: 2 })), 2);
  b.data(false, nbss(createResponse({ id: pipe }, { messageId: 2 })), 2);
  b.data(true, nbss(writeRequest(pipe, bind(1, [{ ctx: 0, uuid: SRVSVC, major: 3 }]), { messageId: 3 })), 3);
  b.data(true, nbss(readRequest(pipe, { messageId: 4 })), 3);
  b.data(false, nbss(smb2InterimResponse(8, 4, 0x77)), 3.001);
  assert.deepEqual(ctx2.anomalies, []);
  assert.deepEqual(logLines(ctx2), []);
});

test('SMB2: a bind on a disk share file is not read as RPC; a pipe whose bind was not seen is named by its pipe', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  a.data(true, nbss(treeConnectRequest('\\\\SRV\\data', 1)), 1);
  a.data(false, nbss(treeConnectResponse(0, 1, 1)), 1);
  a.data(true, nbss(createRequest('srvsvc', { messageId: 2 })), 2);
  a.data(false, nbss(createResponse({ id: fileId(1) }, { messageId: 2 })), 2);
  a.data(true, nbss(writeRequest(fileId(1), bind(1, [{ ctx: 0, uuid: SRVSVC }]), { messageId: 3 })), 3);
  assert.deepEqual(ctx.services, ['smb']);
  // A pipe opened before... its calls only: the usual interface of "lsarpc".
  const ctx2 = testContext('tcp', 445);
  const b = new SmbAnalyzer(ctx2);
  b.data(true, nbss(treeConnectRequest('\\\\SRV\\IPC$', 1)), 1);
  b.data(false, nbss(treeConnectResponse(0, 2, 1)), 1);
  b.data(true, nbss(createRequest('lsarpc', { messageId: 2 })), 2);
  b.data(false, nbss(createResponse({ id: fileId(3) }, { messageId: 2 })), 2);
  b.data(true, nbss(smb2Transceive(fileId(3), request(9, 0, 44, STUB), 3)), 3);
  b.data(false, nbss(smb2TransceiveResponse(fileId(3), response(9, 0, STUB), 3)), 3);
  assert.deepEqual(logLines(ctx2).map((l) => [l.named_pipe, l.endpoint, l.operation]), [['lsarpc', 'lsarpc', 'LsarOpenPolicy2']]);
});

test('SMB1 named pipe: NT_CREATE_ANDX on IPC, bind by WRITE_ANDX and READ_ANDX, a call by TransactNmPipe', () => {
  const ctx = testContext('tcp', 445);
  const a = new SmbAnalyzer(ctx);
  const [tcReq, tcRes] = smb1TreeConnect('\\\\SRV\\IPC$', 'IPC', 1);
  a.data(true, nbss(tcReq), 1);
  a.data(false, nbss(tcRes), 1);
  a.data(true, nbss(smb1CreateRequest('\\lsarpc', 2)), 2);
  a.data(false, nbss(smb1CreateResponse(0x4001, 2, 0, [1600000000, 1600000000, 1600000000, 1600000000])), 2);
  a.data(true, nbss(smb1WriteRequest(0x4001, 3, bind(1, [{ ctx: 0, uuid: LSARPC }]))), 3);
  a.data(true, nbss(smb1ReadRequest(0x4001, 4)), 3);
  a.data(false, nbss(smb1ReadResponse(bindAck(1, '\\PIPE\\lsass', [0]), 4)), 3);
  a.data(true, nbss(smb1TransactNmPipe(0x4001, request(2, 0, 44, STUB), 5)), 4);
  a.data(false, nbss(smb1TransactionResponse(response(2, 0, STUB), 5)), 4.25);
  a.data(true, nbss(smb1TransactNmPipe(0x4001, request(3, 0, 15, STUB), 6)), 5);
  a.data(false, nbss(smb1TransactionResponse(response(3, 0, STUB), 6)), 5.5);
  a.end(6);
  assert.deepEqual(ctx.anomalies, []);
  assert.deepEqual(ctx.services, ['smb', 'dce_rpc']);
  assert.deepEqual(logLines(ctx), [
    { rtt: 0.25, named_pipe: '\\PIPE\\lsass', endpoint: 'lsarpc', operation: 'LsarOpenPolicy2' },
    { rtt: 0.5, named_pipe: '\\PIPE\\lsass', endpoint: 'lsarpc', operation: 'LsarLookupSids' },
  ]);
});
