/**
 * File types by content (src/protocols/file-magic.ts): real files of this
 * machine's own kinds (the Node.js binary, a gzip made by zlib), hand-made
 * headers for the formats that cannot be produced here, and what must not
 * be named (short or binary text, a DOS header pointing at no PE signature).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { EXECUTABLE_MIME_TYPES, MAGIC_BYTES, sniffMimeType } from '../../src/protocols/file-magic.js';
import { ascii, concat, hex } from '../helpers/bytes.js';

function sniff(b: Uint8Array): string | undefined {
  return sniffMimeType(b, 0, b.length);
}

/** A minimal PE: DOS header whose e_lfanew (0x3c) points at "PE\0\0". */
function pe(lfanew: number): Uint8Array {
  const b = new Uint8Array(Math.max(lfanew + 24, 0x40));
  b[0] = 0x4d;
  b[1] = 0x5a;
  new DataView(b.buffer).setUint32(0x3c, lfanew, true);
  if (lfanew + 4 <= b.length) b.set([0x50, 0x45, 0, 0], lfanew);
  return b;
}

test('the running Node.js binary is an ELF executable', () => {
  const fd = fs.openSync(process.execPath, 'r');
  const head = new Uint8Array(MAGIC_BYTES);
  fs.readSync(fd, head, 0, MAGIC_BYTES, 0);
  fs.closeSync(fd);
  assert.equal(sniff(head), 'application/x-executable');
  assert.ok(EXECUTABLE_MIME_TYPES.has('application/x-executable'));
});

test('Windows programs: MZ with a PE signature where e_lfanew points; MZ alone when it points past the bytes read', () => {
  assert.equal(sniff(pe(0x80)), 'application/x-dosexec');
  assert.equal(sniff(pe(0xf8)), 'application/x-dosexec');
  // The header is cut before the signature: taken on the DOS header.
  assert.equal(sniff(pe(0x80).subarray(0, 0x60)), 'application/x-dosexec');
  assert.equal(sniff(ascii('MZ')), 'application/x-dosexec');
  // e_lfanew beyond the sniffed bytes (large DOS stubs): "MZ" decides.
  const far = new Uint8Array(MAGIC_BYTES);
  far.set([0x4d, 0x5a]);
  new DataView(far.buffer).setUint32(0x3c, 0x1000, true);
  assert.equal(sniff(far), 'application/x-dosexec');
  // e_lfanew within reach but no PE signature there, or pointing into the DOS header: not a program.
  const bad = pe(0x80);
  bad[0x80] = 0x41;
  assert.equal(sniff(bad), undefined);
  const inside = new Uint8Array(0x80);
  inside.set([0x4d, 0x5a]);
  new DataView(inside.buffer).setUint32(0x3c, 0x10, true);
  assert.equal(sniff(inside), undefined);
  assert.ok(EXECUTABLE_MIME_TYPES.has('application/x-dosexec'));
});

test('archives, images, documents and Mach-O by their fixed signatures', () => {
  assert.equal(sniff(zlib.gzipSync(Buffer.from('hello'))), 'application/x-gzip');
  assert.equal(sniff(hex('504b0304140000000800')), 'application/zip');
  assert.equal(sniff(hex('89504e470d0a1a0a0000000d49484452')), 'image/png');
  assert.equal(sniff(ascii('GIF89a\x01\x00')), 'image/gif');
  assert.equal(sniff(hex('ffd8ffe000104a464946')), 'image/jpeg');
  assert.equal(sniff(ascii('%PDF-1.7\n')), 'application/pdf');
  assert.equal(sniff(hex('cffaedfe0700000103000000')), 'application/x-mach-o-executable');
  assert.equal(sniff(hex('d0cf11e0a1b11ae100000000')), 'application/x-ole-storage');
  assert.equal(sniff(hex('377abcaf271c0004')), 'application/x-7z-compressed');
  assert.equal(sniff(ascii('MSCF\0\0\0\0')), 'application/vnd.ms-cab-compressed');
  assert.equal(sniff(ascii('BZh91AY')), 'application/x-bzip2');
  assert.ok(!EXECUTABLE_MIME_TYPES.has('application/zip'));
});

test('markup after white space or a byte order mark, case-insensitive; scripts by their #! line', () => {
  assert.equal(sniff(ascii('\r\n  <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0//EN">')), 'text/html');
  assert.equal(sniff(concat([0xef, 0xbb, 0xbf], ascii('<html><body>'))), 'text/html');
  assert.equal(sniff(ascii('<?xml version="1.0"?><a/>')), 'application/xml');
  assert.equal(sniff(ascii('#!/bin/sh\necho hi\n')), 'text/x-shellscript');
  assert.equal(sniff(ascii('#!/usr/bin/env python3\nprint(1)\n')), 'text/x-python');
  assert.equal(sniff(ascii('#!/usr/bin/perl -w\n')), 'text/x-perl');
});

test('text no signature names is text/plain from ten printable characters on, after an optional byte order mark', () => {
  assert.equal(sniff(ascii('hello world')), 'text/plain');
  assert.equal(sniff(ascii('{1f777390-0b42-11e3-80ad-806e6f6e6963}')), 'text/plain');
  assert.equal(sniff(ascii('line one\r\n\tline two')), 'text/plain');
  assert.equal(sniff(concat([0xef, 0xbb, 0xbf], ascii('0123456789'))), 'text/plain');
  assert.equal(sniff(concat([0xff, 0xfe, 0x00, 0x00], ascii('0123456789'))), 'text/plain');
  // Fewer than ten characters, or a control or high byte among the first ten: no type.
  assert.equal(sniff(ascii('123456789')), undefined);
  assert.equal(sniff(concat([0xef, 0xbb, 0xbf], ascii('ok'))), undefined);
  assert.equal(sniff(ascii('abc\x00defghijk')), undefined);
  assert.equal(sniff(concat(ascii('abcd'), [0xc3, 0xa9], ascii('fghijk'))), undefined);
  // UTF-16 text (a zero byte after each character) is not ASCII text.
  assert.equal(sniff(concat([0xff, 0xfe], ascii('h\x00e\x00l\x00l\x00o\x00'))), undefined);
});

test('an empty ZIP directory (PK 05 06) is not named a ZIP, as Zeek does not; a #! line without a path is text; empty input is not named', () => {
  assert.equal(sniff(concat(ascii('PK'), [0x05, 0x06], new Uint8Array(18))), undefined);
  assert.equal(sniff(ascii('#!not a path')), 'text/plain');
  assert.equal(sniff(new Uint8Array(0)), undefined);
  assert.equal(sniffMimeType(ascii('xxMZ'), 2, 2), undefined);
});
