/**
 * TFTP: requests parsed (file, mode, options), the transfer's flow
 * announced to the pipeline as UDP, blocks taken in order (retransmissions
 * passed over, lost blocks a gap, numbers wrapping past 65535, the block
 * size an OACK agreed), a server answering from port 69, retransmitted
 * requests, requests nobody answered; bad datagrams counted, never thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTftpSpec } from '../../../src/protocols/tftp/index.js';
import { parseRequest, parseError, parseOack } from '../../../src/protocols/tftp/parser.js';
import { TftpAnomaly } from '../../../src/protocols/tftp/consts.js';
import type { ExpectedConnection } from '../../../src/protocols/analyzer.js';
import { collectingContext, ofType } from '../../helpers/analyzer-context.js';
import { concat, mutate, rng } from '../asn1/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const u16 = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 0xff]);
const request = (op: 1 | 2, name: string, mode = 'octet', ...opts: string[]): Uint8Array => concat(u16(op), ...[name, mode, ...opts].map((s) => enc(`${s}\0`)));
const data = (block: number, bytes: Uint8Array): Uint8Array => concat(u16(3), u16(block), bytes);
const ack = (block: number): Uint8Array => concat(u16(4), u16(block));
const error = (code: number, msg: string): Uint8Array => concat(u16(5), u16(code), enc(`${msg}\0`));
const oack = (...opts: string[]): Uint8Array => concat(u16(6), ...opts.map((s) => enc(`${s}\0`)));
const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('requests, OACKs and errors parse; what is not one is null', () => {
  assert.deepEqual(parseRequest(request(1, 'bins.sh', 'OCTET', 'blksize', '1024', 'tsize', '0')), { write: false, fileName: 'bins.sh', mode: 'octet', options: new Map([['blksize', '1024'], ['tsize', '0']]) });
  assert.equal(parseRequest(request(2, 'cfg'))?.write, true);
  assert.equal(parseRequest(concat(u16(1), enc('no-nul'))), null);
  assert.equal(parseRequest(concat(u16(1), enc('\0octet\0'))), null);
  assert.equal(parseRequest(ack(1)), null);
  assert.deepEqual(parseOack(oack('blksize', '1428')), new Map([['blksize', '1428']]));
  assert.deepEqual(parseError(error(2, 'Access violation')), { code: 2, message: 'Access violation' });
});

interface Flow {
  orig_h: string;
  orig_p: number;
  resp_h: string;
  resp_p: number;
}
const CLIENT = { orig_h: '10.0.0.5', orig_p: 40000, resp_h: '192.0.2.1', resp_p: 69 };
const TRANSFER = { orig_h: '192.0.2.1', orig_p: 50000, resp_h: '10.0.0.5', resp_p: 40000 };

/** The request flow, then (when announced) the transfer flow, as the pipeline would run them. */
function run(requestSteps: [boolean, Uint8Array, number][], transferSteps: [boolean, Uint8Array, number][] = [], transferFlow: Flow = TRANSFER) {
  const expected: ExpectedConnection[] = [];
  const rc = { ...collectingContext({ uid: 'Creq', ...CLIENT, proto: 'udp' }), expect: (c: ExpectedConnection) => expected.push(c) };
  const a = createTftpSpec().create(rc);
  for (const [o, d, ts] of requestSteps) a.data(o, d, ts);
  const tc = collectingContext({ uid: 'Cdata', ...transferFlow, proto: 'udp' });
  if (transferSteps.length > 0) {
    const t = expected[0]!.spec.create(tc);
    for (const [o, d, ts] of transferSteps) t.data(o, d, ts);
    t.end(100);
  }
  a.end(100);
  const events = [...rc.events, ...tc.events];
  return { expected, logs: ofType(events, 'tftp').map((e) => e.record), files: ofType(events, 'file').map((e) => e.record), anomalies: [...rc.anomalies, ...tc.anomalies], services: [...rc.services, ...tc.services] };
}

test('a read: the transfer flow is announced as UDP from the server to the client port; blocks in order make the file', () => {
  const file = filled(1200, 1);
  const r = run(
    [[true, request(1, 'fw.bin'), 1]],
    [
      [true, data(1, file.subarray(0, 512)), 1.1],
      [false, ack(1), 1.2],
      [true, data(1, file.subarray(0, 512)), 1.3],
      [true, data(2, file.subarray(512, 1024)), 1.4],
      [false, ack(2), 1.5],
      [true, data(3, file.subarray(1024)), 1.6],
      [false, ack(3), 1.7],
    ],
  );
  assert.deepEqual(
    r.expected.map((e) => [e.transport, e.orig_h, e.resp_h, e.resp_p, e.until]),
    [['udp', '192.0.2.1', '10.0.0.5', 40000, 31]],
  );
  assert.deepEqual(r.services, ['tftp', 'tftp']);
  assert.deepEqual(Object.keys(r.logs[0]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'wrq', 'fname', 'mode', 'uid_data', 'size', 'block_sent', 'block_acked']);
  assert.deepEqual([r.logs[0]!.uid, r.logs[0]!.uid_data, r.logs[0]!.size, r.logs[0]!.block_sent, r.logs[0]!.block_acked], ['Creq', 'Cdata', 1200, 4, 3]);
  assert.equal(r.files.length, 1);
  const f = r.files[0]!;
  assert.deepEqual([f.uid, f.source, f.filename, f.seen_bytes, f.is_orig, f.missing_bytes], ['Cdata', 'TFTP', 'fw.bin', 1200, true, 0]);
  assert.ok(f.sha256 !== undefined, 'seen whole: hashed');
});

test('an OACK sets the block size; a lost block is a gap (no digest); numbers wrap past 65535', () => {
  const big = run(
    [[true, request(1, 'big', 'octet', 'blksize', '8'), 1]],
    [
      [true, oack('blksize', '8'), 1.1],
      [false, ack(0), 1.2],
      [true, data(1, filled(8, 1)), 1.3],
      [true, data(3, filled(8, 3)), 1.4],
      [true, data(4, filled(2, 4)), 1.5],
    ],
  );
  assert.deepEqual([big.logs[0]!.size, big.files[0]!.seen_bytes, big.files[0]!.missing_bytes, big.files[0]!.sha256], [18, 18, 8, undefined]);
  // 65,536 blocks of 8 bytes and a last short one: block numbers wrap from 65535 to 0.
  const steps: [boolean, Uint8Array, number][] = [[true, oack('blksize', '8'), 1]];
  const block = filled(8, 9);
  for (let i = 1; i <= 65536; i++) steps.push([true, data(i & 0xffff, block), 2]);
  steps.push([true, data(65537 & 0xffff, new Uint8Array(0)), 3]);
  const wrap = run([[true, request(1, 'huge', 'octet', 'blksize', '8'), 1]], steps);
  assert.deepEqual([wrap.logs[0]!.size, wrap.files[0]!.missing_bytes], [65536 * 8, 0]);
  assert.ok(wrap.files[0]!.sha256 !== undefined);
});

test('a write: the client sends the blocks; an error ends the transfer', () => {
  const w = run(
    [[true, request(2, 'router.cfg'), 1]],
    [
      [true, ack(0), 1.1],
      [false, data(1, enc('hostname r1\n')), 1.2],
      [true, ack(1), 1.3],
    ],
  );
  assert.deepEqual([w.logs[0]!.wrq, w.logs[0]!.size, w.files[0]!.is_orig, w.files[0]!.filename], [true, 12, false, 'router.cfg']);
  const e = run([[true, request(1, 'nope')]].map(([o, d]) => [o, d, 1] as [boolean, Uint8Array, number]), [[true, error(1, 'File not found'), 1.1]]);
  assert.deepEqual([e.logs[0]!.error_code, e.logs[0]!.error_msg, e.logs[0]!.size, e.files.length], [1, 'File not found', 0, 0]);
});

test('a server answering from port 69 is read on the request flow; a repeated unanswered request is one request; an unanswered one is still logged', () => {
  const same = run([
    [true, request(1, 'a.txt'), 1],
    [true, request(1, 'a.txt'), 2],
    [false, data(1, enc('hello')), 2.1],
    [true, ack(1), 2.2],
  ]);
  assert.equal(same.expected.length, 1);
  assert.deepEqual(same.logs.map((r) => [r.fname, r.size, r.uid_data]), [['a.txt', 5, undefined]]);
  assert.deepEqual(same.files.map((f) => [f.uid, f.seen_bytes]), [['Creq', 5]]);
  const lonely = run([[true, request(1, 'gone'), 1]]);
  assert.deepEqual(lonely.logs.map((r) => [r.fname, r.size, r.block_sent, r.uid_data]), [['gone', 0, 0, undefined]]);
});

test('bad datagrams are counted; mutated traffic never throws', () => {
  const r = run([
    [true, concat(u16(9), enc('x')), 1],
    [false, request(1, 'x'), 2],
    [true, ack(1), 3],
  ]);
  assert.deepEqual(r.anomalies, [TftpAnomaly.BAD_PACKET, TftpAnomaly.BAD_PACKET, TftpAnomaly.BAD_PACKET]);
  const rand = rng(69);
  const seeds = [request(1, 'f', 'octet', 'blksize', '1024'), data(1, filled(100, 2)), ack(3), error(0, 'x'), oack('blksize', '9999999')];
  for (let i = 0; i < 3000; i++) {
    const steps: [boolean, Uint8Array, number][] = [[true, request(1, 'seed'), 0]];
    for (let k = 0; k < 4; k++) steps.push([k % 2 === 0, mutate(seeds[Math.floor(rand() * seeds.length)]!, rand), k]);
    run(steps.slice(0, 1), steps.slice(1));
    run(steps);
  }
});
