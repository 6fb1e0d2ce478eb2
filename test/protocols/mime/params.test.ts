/**
 * MIME header parameters: plain and quoted values, RFC 2231 extended values
 * and continuations (any charset the runtime knows), RFC 2047 encoded words
 * in a plain value (B and Q, adjacent words joined), and what stays as sent
 * (unknown charsets, malformed words). A program's name hidden in any of
 * these forms is read, so its extension still counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEncodedWords, headerParam } from '../../../src/protocols/mime/params.js';
import { dispositionFileName } from '../../../src/protocols/mime/disposition.js';
import { contentTypeName } from '../../../src/protocols/mime/multipart.js';

test('plain, quoted (with escapes) and token values; absent or empty is undefined', () => {
  assert.equal(dispositionFileName('attachment; filename="a \\"b\\".pdf"'), 'a "b".pdf');
  assert.equal(dispositionFileName('attachment; filename=report.pdf; size=10'), 'report.pdf');
  assert.equal(dispositionFileName('attachment; size=10; FileName = "x;y.txt"'), 'x;y.txt');
  assert.equal(dispositionFileName('inline'), undefined);
  assert.equal(dispositionFileName('attachment; filename=""'), undefined);
  assert.equal(contentTypeName('application/octet-stream; name="setup.exe"'), 'setup.exe');
  assert.equal(contentTypeName('text/plain; charset=utf-8'), undefined);
});

test('RFC 2231: extended values and continuations, in UTF-8 or another charset; preferred over the plain value', () => {
  assert.equal(dispositionFileName(`attachment; filename="fallback.pdf"; filename*=UTF-8''%E2%82%AC%20rates.pdf`), '€ rates.pdf');
  assert.equal(dispositionFileName(`attachment; filename*=iso-8859-1'de'Gr%FC%DFe.txt`), 'Grüße.txt');
  assert.equal(
    dispositionFileName(`attachment; filename*0*=UTF-8''Rechnung%20; filename*1="2026 "; filename*2*=%C3%BCber.pdf.exe`),
    'Rechnung 2026 über.pdf.exe',
  );
  // Sections out of order are put back in order.
  assert.equal(dispositionFileName('attachment; filename*1=".exe"; filename*0="invoice.pdf"'), 'invoice.pdf.exe');
  assert.equal(contentTypeName(`application/x-msdownload; name*=UTF-8''tool.exe`), 'tool.exe');
  // A broken escape: the plain value when there is one, else the value as sent; an unknown charset falls back to UTF-8.
  assert.equal(dispositionFileName(`attachment; filename*=UTF-8''%ZZ; filename=fallback.bin`), 'fallback.bin');
  assert.equal(dispositionFileName(`attachment; filename*=UTF-8''100%25%ZZ.txt`), '100%25%ZZ.txt');
  assert.equal(dispositionFileName(`attachment; filename*=x-no-such-charset''a%20b.txt`), 'a b.txt');
});

test('RFC 2047 encoded words in a plain value: B and Q, adjacent words joined, text around kept', () => {
  const b64 = Buffer.from('invoice.pdf.exe').toString('base64');
  assert.equal(dispositionFileName(`attachment; filename="=?UTF-8?B?${b64}?="`), 'invoice.pdf.exe');
  assert.equal(contentTypeName(`application/octet-stream; name="=?utf-8?Q?Fa=C3=A7ture_2026.zip?="`), 'Façture 2026.zip');
  assert.equal(decodeEncodedWords('=?UTF-8?B?SW52b2ljZSA=?= =?UTF-8?B?NDQ3MQ==?= overdue'), 'Invoice 4471 overdue');
  assert.equal(decodeEncodedWords('Re: =?ISO-8859-1?Q?Gr=FC=DFe?= from =?windows-1252?Q?Andr=E9?='), 'Re: Grüße from André');
  assert.equal(decodeEncodedWords('=?UTF-8*en?Q?hello?='), 'hello');
  // Left as sent: unknown charsets, malformed words, plain text.
  assert.equal(decodeEncodedWords('=?x-unknown?B?SGk=?= there'), '=?x-unknown?B?SGk=?= there');
  assert.equal(decodeEncodedWords('=?UTF-8?X?abc?= and =?broken'), '=?UTF-8?X?abc?= and =?broken');
  assert.equal(decodeEncodedWords('no words here'), 'no words here');
});

test('bounded and never throws on odd input', () => {
  assert.ok(headerParam(`a; filename*=UTF-8''${'%41'.repeat(5000)}`, 'filename')!.length <= 1024);
  const parts = Array.from({ length: 200 }, (_, i) => `filename*${i}="x"`).join('; ');
  assert.equal(headerParam(`a; ${parts}`, 'filename'), 'x'.repeat(64));
  for (const s of ['', ';', ';;=;', 'a; =x', 'a; filename', 'a; filename="unterminated', 'a; filename*=\'\'', '=?=?=?', 'a; filename*0*=%']) {
    headerParam(s, 'filename');
    decodeEncodedWords(s);
  }
});
