/**
 * Robustness: thousands of seeded random mutations (bit flips, truncation,
 * extreme bytes, duplicated slices) of HTTP messages, fed in random pieces;
 * nothing may throw, and the parsers' pure functions survive the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpSpec } from '../../../src/protocols/http/index.js';
import {
  newHeaderBounds, parseChunkSize, parseContentLength, parseHeaderLine, parseRequestLine, parseStatusLine, probeHttp,
} from '../../../src/protocols/http/parser.js';
import { parseAuthorization } from '../../../src/protocols/http/auth.js';
import { unescapeUri } from '../../../src/protocols/wire-text.js';
import { ascii, fakeContext, feedInterleaved, mutate, rng } from './fake-ctx.js';

const ITERATIONS = 3000;

const SEEDS: [Uint8Array, Uint8Array][] = [
  [
    ascii('GET /a%20b?x=%zz HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\nAuthorization: Basic YWxpY2U6cHc=\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'),
    ascii('HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'),
  ],
  [
    ascii('POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\nAuthorization: NTLM TlRMTVNTUAADAAAAGAAYAEAAAAA=\r\n\r\n5;x\r\nhello\r\n0\r\nT: 1\r\n\r\n'),
    ascii('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nbody until close'),
  ],
  [ascii('GET /\nFakeHeader\nHost: x\n\n'), ascii('<html>0.9</html>')],
  [ascii('CONNECT h:443 HTTP/1.1\r\n\r\n\x16\x03\x01'), ascii('HTTP/1.1 200 OK\r\n\r\n\x16\x03\x03')],
  [
    ascii(
      'POST /f HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 171\r\n\r\n' +
        'pre\r\n--zz\r\nContent-Disposition: form-data; name="a"; filename="a.exe"\r\n\r\nMZ\x90\x00\r\n--z\r\n' +
        '--zz \r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=\r\n--zz--\r\n',
    ),
    ascii('HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary="r r"\r\n\r\n--r r\r\nContent-Range: bytes 0-3/9\r\n\r\n\x7fELF\r\n--r r--'),
  ],
];

test('the HTTP analyzer never throws on mutated, randomly split input', () => {
  const rand = rng(0x4854_5450);
  for (let n = 0; n < ITERATIONS; n++) {
    const [req, resp] = SEEDS[n % SEEDS.length]!;
    const a = httpSpec.create(fakeContext());
    const mreq = mutate(req, rand);
    const mresp = mutate(resp, rand);
    feedInterleaved(a, mreq, mresp, rand, n, 40, (r) => Math.floor(r() * 100));
    a.end(n + 1);
  }
});

test('the HTTP line parsers never throw on mutated lines', () => {
  const rand = rng(7);
  const hb = newHeaderBounds();
  const lines = [
    ascii('GET /x%41 HTTP/1.1'), ascii('HTTP/1.1 200 OK'), ascii('Content-Length: 12'), ascii('1a;ext=1'),
    ascii('Authorization: Basic YWxpY2U6cHc='),
  ];
  for (let n = 0; n < ITERATIONS; n++) {
    const l = mutate(lines[n % lines.length]!, rand);
    parseRequestLine(l, 0, l.length);
    parseStatusLine(l, 0, l.length);
    parseHeaderLine(l, 0, l.length, hb);
    parseChunkSize(l, 0, l.length);
    parseContentLength(l, 0, l.length);
    parseAuthorization(l, 0, l.length);
    unescapeUri(l, 0, l.length);
    assert.equal(typeof probeHttp(l, n % 2 === 0), 'boolean');
  }
});
