/**
 * HTTP bodies as files (files.jsonl): digests of the de-chunked bytes, of
 * decoded base64 parts, of gzip and deflate bodies' decoded bytes; none for
 * a body with a gap, cut by the connection's end, coded otherwise (br),
 * corrupt or inflating past the bound, or a range from its middle; fuids on
 * the http line in order; Zeek's column order; a fuid per connection and
 * file number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { httpSpec } from '../../../src/protocols/http/index.js';
import type { FilesRecord } from '../../../src/events/file.js';
import type { HttpRecord } from '../../../src/protocols/http/events.js';
import { makeFuid } from '../../../src/files/fuid.js';
import { parserBuffers } from '../../../src/protocols/buffer-budget.js';
import { INFLATE_STATE_BYTES } from '../../../src/protocols/http/content-decoder.js';
import { ascii, fakeContext, type FakeContext } from './fake-ctx.js';
import { concat } from '../../helpers/bytes.js';

function files(ctx: FakeContext): FilesRecord[] {
  return ctx.events.flatMap((e) => (e.type === 'file' ? [e.record] : []));
}

function http(ctx: FakeContext): HttpRecord[] {
  return ctx.events.flatMap((e) => (e.type === 'http' ? [e.record] : []));
}

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

test('a chunked reply is hashed as its de-chunked bytes; the record has Zeek\'s columns in order', () => {
  const body = ascii('MZ' + 'program bytes '.repeat(300));
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /tool.exe HTTP/1.1\r\nHost: h\r\n\r\n'), 10);
  const half = 1000;
  a.data(false, concat(ascii(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Disposition: attachment; filename="tool.exe"\r\n\r\n${half.toString(16)}\r\n`), body.subarray(0, half), ascii('\r\n')), 11);
  a.data(false, concat(ascii(`${(body.length - half).toString(16)}\r\n`), body.subarray(half), ascii('\r\n0\r\n\r\n')), 12.5);
  const [f] = files(ctx);
  assert.deepEqual(Object.keys(f!), [
    'ts', 'fuid', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'source', 'depth', 'analyzers', 'mime_type',
    'filename', 'duration', 'is_orig', 'seen_bytes', 'missing_bytes', 'overflow_bytes', 'timedout', 'md5', 'sha1', 'sha256',
  ]);
  assert.equal(f!.sha256, sha256(body));
  assert.equal(f!.md5, crypto.createHash('md5').update(body).digest('hex'));
  assert.equal(f!.sha1, crypto.createHash('sha1').update(body).digest('hex'));
  assert.equal(f!.seen_bytes, body.length);
  // Chunked: no length was announced.
  assert.equal(f!.total_bytes, undefined);
  assert.equal(f!.ts, 11);
  assert.equal(f!.duration, 1.5);
  assert.equal(f!.filename, 'tool.exe');
  assert.equal(f!.fuid, makeFuid(f!.uid, 0));
  assert.deepEqual(http(ctx)[0]!.resp_fuids, [f!.fuid]);
});

test('no digests for a body with a gap, a body cut by the connection\'s end or a later range; a gzip body\'s are of its decoded bytes', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\nGET /4 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  // /1: 20 bytes announced, 5 lost in the middle (the framing holds).
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nabcdefghij'), 2);
  a.gap!(false, 5);
  a.data(false, ascii('klmno'), 2);
  // /2: gzip-coded: the file is its decoded bytes.
  const page = Buffer.from('<html><body>' + 'x'.repeat(100) + '</body></html>');
  const gz = zlib.gzipSync(page);
  a.data(false, concat(ascii(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz), 3);
  // /3: a range from the middle of the file.
  a.data(false, ascii('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-109/500\r\nContent-Length: 10\r\n\r\n0123456789'), 4);
  // /4: cut by the connection's end.
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it'), 5);
  a.end(6);
  const f = files(ctx);
  assert.deepEqual(
    f.map((x) => [x.seen_bytes, x.missing_bytes, x.total_bytes, x.mime_type, x.sha256, x.analyzers.length]),
    [
      [15, 5, 20, 'text/plain', undefined, 0],
      [page.length, 0, undefined, 'text/html', sha256(page), 3],
      [10, 0, undefined, undefined, undefined, 0],
      [15, 0, 100, 'text/plain', undefined, 0],
    ],
  );
  // Each a file of its own, numbered in the connection.
  assert.deepEqual(f.map((x) => x.fuid), [0, 1, 2, 3].map((n) => makeFuid(f[0]!.uid, n)));
});

test('an upload: a plain body and a multipart form\'s base64 part are hashed as the files they carry', () => {
  const program = concat([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], new Uint8Array(600).fill(7));
  const b64 = Buffer.from(program).toString('base64').replace(/.{76}/g, '$&\r\n');
  const form = ascii(`--B\r\nContent-Disposition: form-data; name="f"; filename="agent"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--B--\r\n`);
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, concat(ascii(`PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: ${program.length}\r\n\r\n`), program), 1);
  a.data(false, ascii('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'), 2);
  a.data(true, concat(ascii(`POST /f HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${form.length}\r\n\r\n`), form), 3);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 4);
  const f = files(ctx);
  assert.deepEqual(f.map((x) => [x.is_orig, x.depth, x.seen_bytes, x.total_bytes, x.filename, x.mime_type, x.sha256]), [
    [true, 1, program.length, program.length, undefined, 'application/x-executable', sha256(program)],
    [true, 2, program.length, undefined, 'agent', 'application/x-executable', sha256(program)],
  ]);
  assert.deepEqual(http(ctx).map((r) => [r.orig_fuids, r.resp_fuids]), [[[f[0]!.fuid], undefined], [[f[1]!.fuid], undefined]]);
});

test('an upload cut by the connection\'s end is logged, without digests', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nfirst bytes of a large upload'), 1);
  a.end(2);
  const f = files(ctx);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.is_orig, true);
  assert.equal(f[0]!.seen_bytes, 29);
  assert.equal(f[0]!.sha256, undefined);
  assert.deepEqual(http(ctx)[0]!.orig_fuids, [f[0]!.fuid]);
});

test('fuids: "F" and 18 base62 characters, fixed by connection uid and file number, distinct across both', () => {
  const seen = new Set<string>();
  for (const uid of ['CTestUid0000000001', 'CTestUid0000000002', 'C1OOuRu0x2f89048aOx']) {
    for (let n = 0; n < 200; n++) {
      const f = makeFuid(uid, n);
      assert.match(f, /^F[0-9A-Za-z]{18}$/);
      assert.equal(makeFuid(uid, n), f);
      seen.add(f);
    }
  }
  assert.equal(seen.size, 600);
});

test('the site picks the digests (files.hashes): some, none, the same on pipeline threads; the rule still matches what is computed', async () => {
  const { replayCaptures } = await import('../../../src/pipeline/replay.js');
  const { checkConfigText, formatProblem } = await import('../../../src/config/load.js');
  const { siteAnalyzerOptions } = await import('../../../src/cli/detection.js');
  const { REPO_ROOT } = await import('../../helpers/paths.js');
  const path = await import('node:path');
  const capture = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'exe-download.pcap');
  const run = async (yaml: string, workers: number): Promise<FilesRecord[]> => {
    const out: FilesRecord[] = [];
    await replayCaptures([capture], {
      analyzers: siteAnalyzerOptions(checkConfigText(yaml, 'picket.yaml').config!),
      workers,
      onEvent: (e) => {
        if (e.type === 'file') out.push(e.record);
      },
    });
    return out;
  };
  const all = await run('{}', 1);
  assert.ok(all.length > 0 && all.every((f) => f.md5 !== undefined && f.sha1 !== undefined && f.sha256 !== undefined));
  for (const workers of [1, 2]) {
    const sha256Only = await run('files: { hashes: [sha256] }\n', workers);
    assert.equal(sha256Only.length, all.length);
    for (const f of sha256Only) {
      assert.deepEqual(f.analyzers, ['SHA256']);
      assert.equal(f.md5, undefined);
      assert.equal(f.sha1, undefined);
      assert.ok(all.some((g) => g.sha256 === f.sha256));
    }
    const none = await run('files: { hashes: [] }\n', workers);
    assert.equal(none.length, all.length);
    for (const f of none) {
      assert.deepEqual(f.analyzers, []);
      assert.equal(f.sha256, undefined);
      assert.ok(f.mime_type !== undefined && f.seen_bytes > 0);
    }
  }
  const bad = checkConfigText('files:\n  hashes: [sha512]\n', 'picket.yaml');
  assert.equal(bad.config, null);
  assert.match(formatProblem(bad.problems[0]!), /picket\.yaml:2.*files\.hashes/);
});

/** One reply with `headers` and `body` (fed in `piece`-byte pieces), then the connection's end; its file. */
function reply(headers: string, body: Uint8Array, piece = body.length, cut = 0): FilesRecord {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /x HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii(`HTTP/1.1 200 OK\r\n${headers}Content-Length: ${body.length}\r\n\r\n`), 2);
  const sent = body.subarray(0, body.length - cut);
  for (let i = 0; i < sent.length; i += piece) a.data(false, sent.subarray(i, Math.min(sent.length, i + piece)), 3);
  a.end(4);
  return files(ctx)[0]!;
}

test('gzip and deflate bodies (zlib-wrapped or raw) are typed and hashed as their decoded bytes, in any cut', () => {
  const program = concat(ascii('MZ'), new Uint8Array(58), [0x80, 0, 0, 0], new Uint8Array(64), ascii('PE\0\0'), crypto.randomBytes(20000), new Uint8Array(40000));
  for (const [coding, coded] of [
    ['gzip', zlib.gzipSync(program)],
    ['x-gzip', zlib.gzipSync(program)],
    ['deflate', zlib.deflateSync(program)],
    ['deflate', zlib.deflateRawSync(program)],
  ] as const) {
    for (const piece of [coded.length, 1000, 7]) {
      const f = reply(`Content-Encoding: ${coding}\r\n`, coded, piece);
      assert.deepEqual(
        [f.mime_type, f.seen_bytes, f.total_bytes, f.sha256, f.analyzers],
        ['application/x-dosexec', program.length, undefined, sha256(program), ['MD5', 'SHA1', 'SHA256']],
        `${coding}, ${coded[0]}, pieces of ${piece}`,
      );
    }
  }
});

test('a coded body that is corrupt, cut short, inflates past the bound or uses another coding has no digests', () => {
  const text = Buffer.from('<html><body>' + crypto.randomBytes(5000).toString('hex') + '</body></html>');
  const gz = zlib.gzipSync(text);
  const corrupt = Buffer.from(gz);
  corrupt.fill(0xff, 200, 260);
  assert.equal(reply('Content-Encoding: gzip\r\n', corrupt).sha256, undefined);
  // Decodes to the end, but the trailer's CRC-32 (or length) says these are not the bytes sent: typed, not hashed.
  for (const at of [8, 2]) {
    const badTrailer = Buffer.from(gz);
    badTrailer[badTrailer.length - at]! ^= 0xff;
    const bad = reply('Content-Encoding: gzip\r\n', badTrailer, 7);
    assert.deepEqual([bad.mime_type, bad.seen_bytes, bad.sha256], ['text/html', text.length, undefined]);
  }
  // The connection ends 20 bytes short of the announced length.
  const cut = reply('Content-Encoding: gzip\r\n', gz, gz.length, 20);
  assert.equal(cut.sha256, undefined);
  // 80 MiB of zeros in some 80 kB: decoding stops at its bound.
  const bomb = zlib.gzipSync(Buffer.alloc(80 * 1024 * 1024));
  const b = reply('Content-Encoding: gzip\r\n', bomb);
  assert.equal(b.sha256, undefined);
  assert.ok(b.seen_bytes <= 64 * 1024 * 1024);
  // br is not decoded: neither typed nor hashed.
  const br = reply('Content-Encoding: br\r\n', zlib.brotliCompressSync(text));
  assert.deepEqual([br.mime_type, br.sha256], [undefined, undefined]);
});

test('mutated gzip bodies never throw, and a digest given is always the true file\'s', () => {
  const text = Buffer.from('<html><body>' + crypto.randomBytes(3000).toString('hex') + '</body></html>');
  const gz = zlib.gzipSync(text);
  let seed = 0x5eed77;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  let hashed = 0;
  for (let round = 0; round < 300; round++) {
    const m = Buffer.from(gz);
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) m[Math.floor(rand() * m.length)]! ^= 1 << Math.floor(rand() * 8);
    const f = reply('Content-Encoding: gzip\r\n', m, 1 + Math.floor(rand() * 2000));
    if (f.sha256 !== undefined) {
      assert.equal(f.sha256, sha256(text), `round ${round}`);
      hashed++;
    }
  }
  // Flips in the header's time and OS bytes change nothing of the file: some rounds keep its digest.
  assert.ok(hashed < 300);
});

test('each coded body under way holds a share of the parser buffer budget, given back when it ends', () => {
  const before = parserBuffers.held;
  const gz = zlib.gzipSync(Buffer.from('<html><body>' + 'x'.repeat(50000) + '</body></html>'));
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /x HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, concat(ascii(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz.subarray(0, 100)), 2);
  assert.equal(parserBuffers.held - before, INFLATE_STATE_BYTES);
  a.data(false, gz.subarray(100), 3);
  assert.equal(parserBuffers.held, before);
  assert.equal(files(ctx)[0]!.sha256 !== undefined, true);
  // A budget that is spent: the body is not decoded, so not hashed.
  const max = parserBuffers.maxBytes;
  parserBuffers.maxBytes = parserBuffers.held;
  try {
    const f = reply('Content-Encoding: gzip\r\n', gz);
    assert.deepEqual([f.sha256, f.mime_type], [undefined, undefined]);
  } finally {
    parserBuffers.maxBytes = max;
  }
});

test('http.jsonl body lengths of a coded body are its decoded bytes, as Zeek counts them; raw bytes when it was not decoded', () => {
  const text = Buffer.from('<html><body>' + 'hello '.repeat(3000) + '</body></html>');
  const lengths = (headers: string, body: Uint8Array): [number, number] => {
    const ctx = fakeContext();
    const a = httpSpec.create(ctx);
    a.data(true, concat(ascii(`POST /up HTTP/1.1\r\nHost: h\r\n${headers}Content-Length: ${body.length}\r\n\r\n`), body), 1);
    a.data(false, concat(ascii(`HTTP/1.1 200 OK\r\n${headers}Content-Length: ${body.length}\r\n\r\n`), body), 2);
    a.end(3);
    const r = http(ctx)[0]!;
    return [r.request_body_len, r.response_body_len];
  };
  const gz = zlib.gzipSync(text);
  assert.ok(gz.length < text.length / 10);
  assert.deepEqual(lengths('Content-Encoding: gzip\r\n', gz), [text.length, text.length]);
  assert.deepEqual(lengths('Content-Encoding: deflate\r\n', zlib.deflateRawSync(text)), [text.length, text.length]);
  // Not decoded: the bytes sent.
  const br = zlib.brotliCompressSync(text);
  assert.deepEqual(lengths('Content-Encoding: br\r\n', br), [br.length, br.length]);
  assert.deepEqual(lengths('', text), [text.length, text.length]);
  // Corrupt past its first bytes: what decoded before the damage.
  const corrupt = Buffer.from(gz);
  corrupt.fill(0xff, Math.floor(gz.length / 2));
  const [, bad] = lengths('Content-Encoding: gzip\r\n', corrupt);
  assert.ok(bad < text.length, `${bad}`);
  // No room in the parser buffer budget: not decoded, so the bytes sent.
  const max = parserBuffers.maxBytes;
  parserBuffers.maxBytes = parserBuffers.held;
  try {
    assert.deepEqual(lengths('Content-Encoding: gzip\r\n', gz), [gz.length, gz.length]);
  } finally {
    parserBuffers.maxBytes = max;
  }
});
