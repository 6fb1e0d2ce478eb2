/**
 * FTP data channels: where PORT, EPRT, PASV (227) and EPSV (229) say the
 * data connection opens (RFC 959, RFC 2428), the sizes 150 and 213 replies
 * announce, and the control analyzer's announcements (AnalyzerContext.expect)
 * and the data analyzer they create: its file named after the transfer
 * command, typed and hashed, with digests only when no byte was lost and
 * the announced size came whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { announcedSize, parseEprt, parseEpsvReply, parseHostPort } from '../../../src/protocols/ftp/data-channel.js';
import { createFtpSpec } from '../../../src/protocols/ftp/index.js';
import type { FtpRecord } from '../../../src/protocols/ftp/events.js';
import type { ExpectedConnection } from '../../../src/protocols/analyzer.js';
import type { FileEvent } from '../../../src/events/file.js';
import { fakeContext } from '../http/fake-ctx.js';
import { ascii } from '../../helpers/bytes.js';

test('PORT arguments and 227 replies: four address numbers and two port bytes', () => {
  assert.deepEqual(parseHostPort('10,77,2,22,211,29'), { host: '10.77.2.22', port: 211 * 256 + 29 });
  assert.deepEqual(parseHostPort('Entering Passive Mode (198,51,100,10,156,66).'), { host: '198.51.100.10', port: 40002 });
  // Some servers leave out the parentheses; leading zeros are not part of the address.
  assert.deepEqual(parseHostPort('Entering Passive Mode 192,0,2,007,0,21'), { host: '192.0.2.7', port: 21 });
  for (const bad of ['10,77,2,256,1,1', '10,77,2,22,0,0', '10,77,2,22,1', 'PASV', '']) assert.equal(parseHostPort(bad), null, bad);
});

test('EPRT arguments: protocol 1 or 2, the address in canonical text, any delimiter', () => {
  assert.deepEqual(parseEprt('|1|10.77.2.23|38879|'), { host: '10.77.2.23', port: 38879 });
  assert.deepEqual(parseEprt('|2|2001:DB8:0:0::7|6275|'), { host: '2001:db8::7', port: 6275 });
  assert.deepEqual(parseEprt('!1!192.0.2.1!21!'), { host: '192.0.2.1', port: 21 });
  for (const bad of ['|1|2001:db8::7|6275|', '|2|192.0.2.1|6275|', '|3|192.0.2.1|6275|', '|1|192.0.2.1|0|', '|1|192.0.2.1|70000|', '|1|192.0.2.1|', '1|192.0.2.1|21|']) {
    assert.equal(parseEprt(bad), null, bad);
  }
});

test('229 replies: the port alone (the control server\'s address), or with an address', () => {
  assert.deepEqual(parseEpsvReply('Entering Extended Passive Mode (|||40002|)'), { host: null, port: 40002 });
  assert.deepEqual(parseEpsvReply('Entering Extended Passive Mode (|2|2001:db8::1|40002|)'), { host: '2001:db8::1', port: 40002 });
  for (const bad of ['Entering Extended Passive Mode (|||0|)', 'Entering Extended Passive Mode |||40002|', '(|||x|)', '(||bogus|40002|)']) {
    assert.equal(parseEpsvReply(bad), null, bad);
  }
});

test('sizes: "(N bytes)" in a 150 reply, the number alone in a 213 reply', () => {
  assert.equal(announcedSize(150, 'Opening BINARY mode data connection for update.exe (108032 bytes).'), 108032);
  assert.equal(announcedSize(150, 'Here comes the directory listing.'), undefined);
  assert.equal(announcedSize(213, '1320'), 1320);
  assert.equal(announcedSize(213, '20261130120000'), 20261130120000);
  assert.equal(announcedSize(213, 'not a size'), undefined);
});

/** A control session to 198.51.100.10:21 from 10.0.0.5, whose announcements and log lines are collected. */
function control() {
  const expected: ExpectedConnection[] = [];
  const records: FtpRecord[] = [];
  const ctx = { ...fakeContext({ uid: 'CControl', orig_h: '10.0.0.5', orig_p: 50000, resp_h: '198.51.100.10', resp_p: 21 }), expect: (c: ExpectedConnection) => expected.push(c) };
  const a = createFtpSpec({ log: (e) => records.push(e.record) }).create(ctx);
  const say = (fromOrig: boolean, line: string, ts: number) => a.data(fromOrig, ascii(`${line}\r\n`), ts);
  return { a, say, expected, records, ctx };
}

const PROGRAM = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(0x3a), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(0x40), Buffer.from('PE\0\0'), Buffer.alloc(3000, 7)]);

function dataFiles(ev: readonly { type: string }[]): FileEvent[] {
  return ev.filter((e): e is FileEvent => e.type === 'file');
}

test('PASV: the data channel is announced for five minutes, and its file is the RETR\'s, typed, sized and hashed', () => {
  const c = control();
  c.say(false, '220 FTP ready', 1);
  c.say(true, 'USER alice', 2);
  c.say(false, '230 Login successful.', 2);
  c.say(true, 'PASV', 3);
  c.say(false, '227 Entering Passive Mode (198,51,100,10,156,66).', 3);
  assert.equal(c.expected.length, 1);
  const x = c.expected[0]!;
  assert.deepEqual([x.orig_h, x.resp_h, x.resp_p, x.until, x.spec.name], ['10.0.0.5', '198.51.100.10', 40002, 303, 'ftp-data']);
  c.say(true, 'RETR tools/update.exe', 4);
  c.say(false, `150 Opening BINARY mode data connection for tools/update.exe (${PROGRAM.length} bytes).`, 4);

  const dctx = fakeContext({ uid: 'CData', orig_h: '10.0.0.5', orig_p: 50001, resp_h: '198.51.100.10', resp_p: 40002 });
  const d = x.spec.create(dctx);
  for (let i = 0; i < PROGRAM.length; i += 1000) d.data(false, PROGRAM.subarray(i, i + 1000), 5);
  c.say(false, '226 Transfer complete.', 6);
  d.end(7);
  c.a.end(8);

  assert.deepEqual(dctx.services, ['ftp-data']);
  const [f] = dataFiles(dctx.events);
  assert.ok(f !== undefined);
  const r = f.record;
  assert.deepEqual([r.source, r.filename, r.mime_type, r.is_orig, r.seen_bytes, r.total_bytes, r.missing_bytes], ['FTP_DATA', 'tools/update.exe', 'application/x-dosexec', false, PROGRAM.length, PROGRAM.length, 0]);
  assert.equal(r.sha256, crypto.createHash('sha256').update(PROGRAM).digest('hex'));
  assert.equal(r.md5, crypto.createHash('md5').update(PROGRAM).digest('hex'));
  assert.deepEqual(f.ftp, { control_uid: 'CControl', client: '10.0.0.5', server: '198.51.100.10', server_port: 21, user: 'alice', command: 'RETR', arg: 'tools/update.exe', upload: false });

  const pasv = c.records.find((l) => l.command === 'PASV')!;
  assert.deepEqual(
    [pasv['data_channel.passive'], pasv['data_channel.orig_h'], pasv['data_channel.resp_h'], pasv['data_channel.resp_p']],
    [true, '10.0.0.5', '198.51.100.10', 40002],
  );
  const retr = c.records.find((l) => l.command === 'RETR')!;
  assert.deepEqual([retr.fuid, retr.mime_type, retr.file_size, retr.reply_code], [r.fuid, 'application/x-dosexec', PROGRAM.length, 226]);
  // Zeek's column order: the file's columns around the reply, the data channel and fuid last.
  assert.deepEqual(Object.keys(retr).slice(6), ['user', 'command', 'arg', 'mime_type', 'file_size', 'reply_code', 'reply_msg', 'fuid']);
  assert.deepEqual(Object.keys(pasv).slice(-4), ['data_channel.passive', 'data_channel.orig_h', 'data_channel.resp_h', 'data_channel.resp_p']);
});

test('PORT and EPRT announce a channel the server opens; STOR makes an upload; EPSV uses the control server', () => {
  const c = control();
  c.say(false, '220 FTP ready', 1);
  c.say(true, 'PORT 10,0,0,5,200,1', 2);
  c.say(false, '200 PORT command successful.', 2);
  c.say(true, 'EPRT |1|10.0.0.5|51202|', 3);
  c.say(false, '200 EPRT command successful.', 3);
  c.say(true, 'EPSV', 4);
  c.say(false, '229 Entering Extended Passive Mode (|||40010|)', 4);
  assert.deepEqual(
    c.expected.map((x) => [x.orig_h, x.resp_h, x.resp_p]),
    [['198.51.100.10', '10.0.0.5', 51201], ['198.51.100.10', '10.0.0.5', 51202], ['10.0.0.5', '198.51.100.10', 40010]],
  );
  c.say(true, 'STOR drop.bin', 5);
  c.say(false, '150 Ok to send data.', 5);
  const dctx = fakeContext({ uid: 'CUp', orig_h: '10.0.0.5', orig_p: 50002, resp_h: '198.51.100.10', resp_p: 40010 });
  const d = c.expected[2]!.spec.create(dctx);
  d.data(true, ascii('hello world, this is text'), 6);
  d.end(7);
  const [f] = dataFiles(dctx.events);
  assert.equal(f!.record.is_orig, true);
  assert.equal(f!.record.filename, 'drop.bin');
  assert.equal(f!.record.mime_type, 'text/plain');
  assert.equal(f!.ftp!.upload, true);
  assert.equal(f!.record.sha1, crypto.createHash('sha1').update('hello world, this is text').digest('hex'));
  // No announced size for an upload: complete as far as the channel goes.
  assert.equal(f!.record.total_bytes, undefined);
});

test('no digests for a file with a gap or shorter than announced; a channel nobody commands still logs its bytes', () => {
  const c = control();
  c.say(false, '220 FTP ready', 1);
  c.say(true, 'PASV', 2);
  c.say(false, '227 Entering Passive Mode (198,51,100,10,156,66).', 2);
  c.say(true, 'PASV', 3);
  c.say(false, '227 Entering Passive Mode (198,51,100,10,156,67).', 3);
  c.say(true, 'RETR a.bin', 4);
  c.say(false, '150 Opening BINARY mode data connection for a.bin (5000 bytes).', 4);
  const short = fakeContext({ uid: 'CShort', resp_p: 40002 });
  const d1 = c.expected[0]!.spec.create(short);
  d1.data(false, new Uint8Array(4000), 5);
  d1.end(6);
  const gap = fakeContext({ uid: 'CGap', resp_p: 40003 });
  const d2 = c.expected[1]!.spec.create(gap);
  d2.data(false, new Uint8Array(1000), 5);
  d2.gap!(false, 1000);
  d2.data(false, new Uint8Array(3000), 5);
  d2.end(6);
  const [s] = dataFiles(short.events);
  const [g] = dataFiles(gap.events);
  assert.deepEqual([s!.record.seen_bytes, s!.record.total_bytes, s!.record.sha256, s!.record.analyzers], [4000, 5000, undefined, []]);
  assert.deepEqual([g!.record.seen_bytes, g!.record.missing_bytes, g!.record.sha256], [4000, 1000, undefined]);

  // Bytes on a data channel before any transfer command: a file without a name or command.
  const lone = control();
  lone.say(false, '220 FTP ready', 1);
  lone.say(true, 'PASV', 1);
  lone.say(false, '227 Entering Passive Mode (198,51,100,10,156,66).', 1);
  const lctx = fakeContext({ uid: 'CLone', resp_p: 40002 });
  const d3 = lone.expected[0]!.spec.create(lctx);
  d3.data(false, ascii('drwxr-xr-x 2 0 0 4096 Nov 30 pub\r\n'), 2);
  d3.end(3);
  const [l] = dataFiles(lctx.events);
  assert.equal(l!.record.filename, undefined);
  assert.equal(l!.ftp!.command, undefined);
  assert.equal(l!.ftp!.upload, false);
});

test('malformed PORT/PASV text announces nothing and never throws', () => {
  const c = control();
  c.say(false, '220 FTP ready', 1);
  c.say(true, 'PORT 10,0,0,999,1,1', 2);
  c.say(false, '200 PORT command successful.', 2);
  c.say(true, 'PASV', 3);
  c.say(false, '227 Entering Passive Mode (garbage).', 3);
  c.say(true, 'EPSV', 4);
  c.say(false, '229 Entering Extended Passive Mode (|||99999|)', 4);
  c.say(true, 'EPRT |9|x|1|', 5);
  c.say(false, '200 EPRT command successful.', 5);
  assert.deepEqual(c.expected, []);
  assert.ok(c.records.every((r) => r['data_channel.resp_p'] === undefined));
});
