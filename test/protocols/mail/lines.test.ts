/**
 * LineReader: lines split across chunks, several per chunk, CR LF and bare
 * LF, truncation of overlong lines (bounded), raw skips, resync after a gap,
 * and stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader, type LineSink } from '../../../src/protocols/mail/lines.js';
import { text } from './session.js';
import { retainedBytes } from '../../helpers/heap.js';

function collector(): { sink: LineSink; lines: [string, boolean][] } {
  const lines: [string, boolean][] = [];
  return {
    lines,
    sink: { line: (_o, b, s, e, _ts, t) => lines.push([Buffer.from(b.subarray(s, e)).toString('latin1'), t]) },
  };
}

test('lines: several per chunk, split across chunks, CR LF and LF', () => {
  const r = new LineReader(true, 64);
  const { sink, lines } = collector();
  r.feed(text('USER bob\r\nPA'), 1, sink);
  r.feed(text('SS x'), 2, sink);
  r.feed(text('\r'), 3, sink);
  r.feed(text('\nQUIT\n\r\n'), 4, sink);
  assert.deepEqual(lines, [['USER bob', false], ['PASS x', false], ['QUIT', false], ['', false]]);
});

test('lines: an overlong line is cut at the bound and flagged, whole or split', () => {
  const r = new LineReader(false, 8);
  const { sink, lines } = collector();
  r.feed(text('0123456789abc\r\nok\r\n'), 1, sink);
  r.feed(text('0123'), 2, sink);
  r.feed(text('456789'), 3, sink);
  r.feed(text('xyz\r\n'), 4, sink);
  assert.deepEqual(lines, [['01234567', true], ['ok', false], ['01234567', true]]);
});

test('lines: skip passes over raw bytes; resync drops to the next line; stop ends it', () => {
  const r = new LineReader(true, 64);
  const lines: string[] = [];
  const sink: LineSink = {
    line: (_o, b, s, e) => {
      const l = Buffer.from(b.subarray(s, e)).toString('latin1');
      lines.push(l);
      if (l === 'BDAT 5') r.skip(5);
      if (l === 'STOP') r.stop();
    },
  };
  r.feed(text('BDAT 5\r\nab\r\ncNEXT\r\nhalf'), 1, sink);
  r.resync();
  r.feed(text('-line lost\r\nAFTER\r\nSTOP\r\nNEVER\r\n'), 2, sink);
  assert.deepEqual(lines, ['BDAT 5', 'NEXT', 'AFTER', 'STOP']);
  assert.equal(r.active, false);
});

test('flush hands over the last line no line end closed, once, flagged unterminated; nothing after a resync', () => {
  const r = new LineReader(true, 8);
  const got: [string, boolean, boolean][] = [];
  const sink: LineSink = { line: (_o, b, s, e, _ts, t, u) => got.push([Buffer.from(b.subarray(s, e)).toString('latin1'), t, u === true]) };
  r.feed(text('one\r\ntw'), 1, sink);
  r.feed(text('o'), 2, sink);
  r.flush(3, sink);
  r.flush(3, sink);
  r.feed(text('0123456789'), 4, sink);
  r.flush(5, sink);
  r.feed(text('lost'), 6, sink);
  r.resync();
  r.feed(text('tail'), 7, sink);
  r.flush(8, sink);
  assert.deepEqual(got, [['one', false, false], ['two', false, true], ['01234567', true, true]]);
});

test('a partial line allocates for what it holds, not for the longest line', () => {
  const { sink, lines } = collector();
  const kept = retainedBytes(() => {
    const readers: LineReader[] = [];
    for (let i = 0; i < 4000; i++) {
      const r = new LineReader(true, 12288);
      r.feed(text('EHLO x'), 1, sink);
      readers.push(r);
    }
    return readers;
  });
  // A 12 KiB buffer per reader kept 48 MB for these 4,000 readers.
  assert.ok(kept < 8 * 1024 * 1024, `${kept} bytes kept`);
  // And a line grown across many chunks is whole.
  const r = new LineReader(true, 12288);
  const long = 'x'.repeat(5000);
  for (let i = 0; i < long.length; i += 7) r.feed(text(long.slice(i, i + 7)), 1, sink);
  r.feed(text('\r\n'), 2, sink);
  assert.deepEqual(lines, [[long, false]]);
});

test('divert: the bytes after the line that diverted the reader, in that chunk and every later one, go elsewhere', () => {
  const r = new LineReader(false, 64);
  const lines: string[] = [];
  const diverted: string[] = [];
  const sink: LineSink = {
    line: (_o, b, s, e) => {
      const l = Buffer.from(b.subarray(s, e)).toString('latin1');
      lines.push(l);
      if (l.startsWith('220 ')) r.divert((d, ds, de) => diverted.push(Buffer.from(d.subarray(ds, de)).toString('latin1')));
    },
  };
  r.feed(text('250 ok\r\n220 go ahead\r\n\x16\x03\x01'), 1, sink);
  r.feed(text('more\nbytes\r\n'), 2, sink);
  assert.deepEqual(lines, ['250 ok', '220 go ahead']);
  assert.deepEqual(diverted, ['\x16\x03\x01', 'more\nbytes\r\n']);
  assert.equal(r.active, false);
});
