/**
 * Multipart bodies split into their parts (src/protocols/http/multipart.ts):
 * names and types per part, whatever way the bytes are cut; preamble,
 * padding and epilogue; look-alike boundaries inside content; base64
 * parts; nested multiparts, byte ranges and bounds. Then through the HTTP
 * analyzer, an upload and a multipart/byteranges reply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PARTS, multipartBoundary, MultipartSplitter, type BodyFile } from '../../../src/protocols/mime/multipart.js';
import { httpSpec } from '../../../src/protocols/http/index.js';
import { HASH_NAMES } from '../../../src/files/file-hashes.js';
import type { HttpRecord } from '../../../src/protocols/http/events.js';
import { ascii, concat, peFile } from '../../helpers/bytes.js';
import { fakeContext, type FakeContext } from './fake-ctx.js';

/** A part as the tests compare it: name and type (and, with `withBytes`, its size and whether it was whole). */
interface PartView {
  fileName?: string;
  mime?: string;
}

function view(f: BodyFile): PartView {
  const v: PartView = {};
  if (f.fileName !== undefined) v.fileName = f.fileName;
  if (f.mime !== undefined) v.mime = f.mime;
  return v;
}

function splitFiles(boundary: string, body: Uint8Array, piece = body.length, complete = true): BodyFile[] {
  const s = new MultipartSplitter(boundary, HASH_NAMES);
  for (let i = 0; i < body.length; i += piece) s.feed(body, i, Math.min(piece, body.length - i), 1000 + i);
  return s.finish(complete);
}

function split(boundary: string, body: Uint8Array, piece = body.length): PartView[] {
  return splitFiles(boundary, body, piece).map(view);
}

/** A form upload as browsers and curl send it. */
function form(boundary: string): Uint8Array {
  return concat(
    ascii(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nshipping list for monday\r\n`),
    ascii(`--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n2\r\n`),
    ascii(`--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="invoice.pdf.exe"\r\nContent-Type: application/pdf\r\n\r\n`),
    peFile(900),
    ascii(`\r\n--${boundary}--\r\n`),
  );
}

const FORM_PARTS: PartView[] = [{ mime: 'text/plain' }, {}, { fileName: 'invoice.pdf.exe', mime: 'application/x-dosexec' }];

test('boundary parameter: quoted, plain, among other parameters; none, empty or too long gives nothing', () => {
  assert.equal(multipartBoundary('multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW'), '----WebKitFormBoundary7MA4YWxkTrZu0gW');
  assert.equal(multipartBoundary('multipart/mixed; charset=utf-8; BOUNDARY="a b:c"'), 'a b:c');
  assert.equal(multipartBoundary('multipart/form-data; boundary=xyz; foo=bar'), 'xyz');
  assert.equal(multipartBoundary('multipart/form-data'), undefined);
  assert.equal(multipartBoundary('multipart/form-data; boundary=""'), undefined);
  assert.equal(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(201)}`), undefined);
});

test('each part is named and typed by its own content (not its declared type); the same for every way the bytes are cut', () => {
  const body = form('----WebKitFormBoundary7MA4YWxkTrZu0gW');
  assert.deepEqual(split('----WebKitFormBoundary7MA4YWxkTrZu0gW', body), FORM_PARTS);
  for (const piece of [1, 2, 3, 7, 41, 512]) {
    assert.deepEqual(split('----WebKitFormBoundary7MA4YWxkTrZu0gW', body, piece), FORM_PARTS, `pieces of ${piece}`);
  }
});

test('a preamble, transport padding after a boundary, an epilogue and bare line feeds are read as RFC 2046 allows', () => {
  const body = concat(
    ascii('This is the preamble; MZ here is not a part.\r\n--b1   \r\nContent-Type: text/plain\r\n\r\nfirst part text body\r\n'),
    ascii('--b1\t\r\nContent-Disposition: attachment; filename=tool.elf\r\n\r\n'),
    new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
    ascii('\r\n--b1--  \r\nepilogue --b1\r\nContent-Disposition: attachment; filename=ignored\r\n\r\nx'),
  );
  assert.deepEqual(split('b1', body), [{ mime: 'text/plain' }, { fileName: 'tool.elf', mime: 'application/x-executable' }]);
  // The epilogue is no part; the ELF part is its 8 bytes, whole.
  const files = splitFiles('b1', body);
  assert.equal(files[1]!.transfer.seen, 8);
  assert.equal(files[1]!.complete, true);
  // Line feeds alone, as some scripts send.
  const lf = ascii('--b1\nContent-Disposition: form-data; name="f"; filename="a.txt"\n\nplain words in a file\n--b1--\n');
  assert.deepEqual(split('b1', lf), [{ fileName: 'a.txt', mime: 'text/plain' }]);
});

test('boundary look-alikes inside a part are content: a longer boundary, a cut one, a CR without LF', () => {
  const inner = ascii('0123456789\r\n--b1x is not it\r\r\n--b\r\n-- b1 neither\r\n');
  const body = concat(ascii('--b1\r\nContent-Disposition: form-data; name="f"; filename="n.txt"\r\n\r\n'), inner, ascii('\r\n--b1--\r\n'));
  // Kept whole: the sniffer sees the inner bytes (the first ten printable).
  assert.deepEqual(split('b1', body), [{ fileName: 'n.txt', mime: 'text/plain' }]);
  // A part whose content starts at once with a line break and the delimiter is empty: no file, as in Zeek.
  const empty = ascii('--b1\r\nContent-Disposition: form-data; name="e"; filename="empty.bin"\r\n\r\n\r\n--b1--');
  assert.deepEqual(split('b1', empty), []);
  // A part without headers.
  assert.deepEqual(split('b1', ascii('--b1\r\n\r\n#!/bin/sh\necho hi\r\n--b1--')), [{ mime: 'text/x-shellscript' }]);
});

test('base64 parts are decoded before typing; quoted text parts are typed as they are', () => {
  const b64 = Buffer.from(peFile(700)).toString('base64').replace(/.{76}/g, '$&\r\n');
  const body = ascii(`--m\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="update.bin"\r\n\r\n${b64}\r\n--m--\r\n`);
  assert.deepEqual(split('m', body), [{ fileName: 'update.bin', mime: 'application/x-dosexec' }]);
  assert.deepEqual(split('m', body, 5), [{ fileName: 'update.bin', mime: 'application/x-dosexec' }]);
});

test('a nested multipart is split in turn, its parts in its place; deeper than MAX_DEPTH it is one part, named, not typed', () => {
  const nested = concat(
    ascii('--o\r\nContent-Type: multipart/mixed; boundary=i\r\nContent-Disposition: attachment; filename="bundle"\r\n\r\n'),
    ascii('--i\r\nContent-Disposition: attachment; filename="a.exe"\r\n\r\n'),
    peFile(300),
    ascii('\r\n--i\r\nContent-Type: text/plain; name="b.txt"\r\n\r\nhello there, world\r\n--i--\r\n'),
    ascii('--o\r\n\r\nthe last part, plain text\r\n--o--'),
  );
  const want = [{ fileName: 'a.exe', mime: 'application/x-dosexec' }, { fileName: 'b.txt', mime: 'text/plain' }, { mime: 'text/plain' }];
  assert.deepEqual(split('o', nested), want);
  assert.deepEqual(split('o', nested, 7), want, 'in 7-byte pieces');
  const [exe] = splitFiles('o', nested);
  assert.equal(exe!.transfer.hashing, true);
  // Five levels: the fifth is not split.
  let deep = ascii('--b5\r\n\r\nMZ inside\r\n--b5--');
  for (let level = 4; level >= 1; level--) {
    deep = concat(ascii(`--b${level}\r\nContent-Type: multipart/mixed; boundary=b${level + 1}\r\nContent-Disposition: attachment; filename="deep${level}"\r\n\r\n`), deep, ascii(`\r\n--b${level}--`));
  }
  const [only] = splitFiles('b1', deep);
  assert.deepEqual([only!.fileName, only!.mime, only!.transfer.hashing], ['deep4', undefined, false]);
});

test('byte ranges not from the first byte are not typed nor hashed', () => {
  const ranges = concat(
    ascii('--r\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-299/4000\r\n\r\n'),
    peFile(300),
    ascii('\r\n--r\r\nContent-Range: bytes 1000-1009/4000\r\n\r\nMZxxxxxxxx\r\n--r--'),
  );
  assert.deepEqual(split('r', ranges), [{ mime: 'application/x-dosexec' }, {}]);
  // Only a range from byte 0 is hashed as the file's beginning... and never as the whole file unless it is.
  const [first, later] = splitFiles('r', ranges);
  assert.equal(first!.transfer.hashing, true);
  assert.equal(later!.transfer.hashing, false);
});

test('a body cut short reports its last part; overlong headers are not read; parts past the bound are counted, not kept', () => {
  const cut = concat(ascii('--c\r\nContent-Disposition: form-data; name="f"; filename="big.exe"\r\n\r\n'), peFile(200));
  assert.deepEqual(split('c', cut), [{ fileName: 'big.exe', mime: 'application/x-dosexec' }]);
  assert.equal(splitFiles('c', cut)[0]!.complete, true);
  assert.equal(splitFiles('c', cut, cut.length, false)[0]!.complete, false);
  // Cut inside the headers: no content, no file.
  assert.deepEqual(split('c', ascii('--c\r\nContent-Disposition: form-data; filename="half.zip"\r\nContent-Ty')), []);
  const long = ascii(`--c\r\nX-Pad: ${'p'.repeat(5000)}\r\nContent-Disposition: attachment; filename="lost.txt"\r\n\r\n0123456789abc\r\n--c\r\nContent-Disposition: attachment; filename="next.txt"\r\n\r\nx\r\n--c--`);
  // Headers past the bound are not read (no name), the content is still typed.
  assert.deepEqual(split('c', long), [{ mime: 'text/plain' }, { fileName: 'next.txt' }]);
  const many: Uint8Array[] = [];
  for (let i = 0; i < MAX_PARTS + 5; i++) many.push(ascii(`--c\r\nContent-Disposition: form-data; name="f${i}"; filename="f${i}"\r\n\r\nx\r\n`));
  many.push(ascii('--c--'));
  const s = new MultipartSplitter('c', HASH_NAMES);
  const all = concat(...many);
  s.feed(all, 0, all.length, 1);
  const parts = s.finish(true);
  assert.equal(parts.length, MAX_PARTS);
  assert.equal(parts[MAX_PARTS - 1]!.fileName, `f${MAX_PARTS - 1}`);
  assert.equal(s.skippedParts, 5);
});

test('no delimiter at all: the whole body is preamble and nothing is reported', () => {
  assert.deepEqual(split('b', ascii('MZ.... no parts here, --x\r\n--bb')), []);
});

function records(ctx: FakeContext): HttpRecord[] {
  const out: HttpRecord[] = [];
  for (const e of ctx.events) if (e.type === 'http') out.push(e.record);
  return out;
}

test('through HTTP: an upload form lists every named or typed part; a byteranges reply is typed by its first range', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const body = form('XyZ');
  // Chunked, with the chunk edge inside the boundary.
  const cutAt = body.length - 10;
  const chunked = concat(
    ascii(`${cutAt.toString(16)}\r\n`),
    body.subarray(0, cutAt),
    ascii(`\r\n${(body.length - cutAt).toString(16)}\r\n`),
    body.subarray(cutAt),
    ascii('\r\n0\r\n\r\n'),
  );
  a.data(true, concat(ascii('POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked), 1);
  a.data(true, ascii('GET /file HTTP/1.1\r\nHost: h\r\nRange: bytes=0-299,1000-1009\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 2);
  const ranges = concat(
    ascii('--r\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-299/4000\r\n\r\n'),
    peFile(300),
    ascii('\r\n--r\r\nContent-Range: bytes 1000-1009/4000\r\n\r\nAAAAAAAAAA\r\n--r--\r\n'),
  );
  a.data(false, concat(ascii(`HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=r\r\nContent-Length: ${ranges.length}\r\n\r\n`), ranges), 3);
  const r = records(ctx);
  assert.deepEqual(
    r.map((x) => [x.uri, x.orig_filenames, x.orig_mime_types, x.resp_filenames, x.resp_mime_types]),
    [
      ['/upload', ['invoice.pdf.exe'], ['text/plain', 'application/x-dosexec'], undefined, undefined],
      ['/file', undefined, undefined, undefined, ['application/x-dosexec']],
    ],
  );
  // A gzip-coded multipart body is not split (its parts are inside the coding).
  const ctx2 = fakeContext();
  const b = httpSpec.create(ctx2);
  b.data(true, concat(ascii(`POST /z HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`), body), 1);
  b.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 2);
  assert.deepEqual(records(ctx2).map((x) => [x.orig_filenames, x.orig_mime_types]), [[undefined, undefined]]);
});
