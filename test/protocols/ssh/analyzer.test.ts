/**
 * Unit tests of the SSH analyzer: identification lines, KEXINIT negotiation,
 * the host key fingerprint, HASSH, the packet-size authentication heuristic
 * (failures, success, banner skip, compression, gaps), version agreement,
 * direction, and the content probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSshSpec, sshSpec } from '../../../src/protocols/ssh/index.js';
import { agreedVersion, negotiate, negotiateBoth, parseKexInit } from '../../../src/protocols/ssh/parser.js';
import { isPrivateAddress, loginDirection } from '../../../src/protocols/ssh/direction.js';
import { AuthGuess, AuthSizeHeuristic } from '../../../src/protocols/ssh/heuristic.js';
import type { SshRecord } from '../../../src/protocols/ssh/events.js';
import { MAX_NAMES } from '../../../src/protocols/ssh/consts.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import { ascii, fakeContext, pieces, type FakeContext } from '../http/fake-ctx.js';

function ssh(ctx: FakeContext): SshRecord[] {
  const out: SshRecord[] = [];
  for (const e of ctx.events) if (e.type === 'ssh') out.push(e.record);
  return out;
}

function auths(ctx: FakeContext): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (const e of ctx.events) if (e.type === 'auth') out.push(e);
  return out;
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** An SSH-2 binary packet in clear: length, padding length, payload, padding to 8 bytes. */
function packet(payload: number[]): Uint8Array {
  let pad = 8 - ((4 + 1 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return new Uint8Array([...u32(1 + payload.length + pad), pad, ...payload, ...new Array(pad).fill(0)]);
}

function nameList(names: string[]): number[] {
  const s = Buffer.from(names.join(','), 'latin1');
  return [...u32(s.length), ...s];
}

function kexinit(lists: string[][]): number[] {
  const out = [20, ...new Array(16).fill(0xaa)];
  for (const l of lists) out.push(...nameList(l));
  out.push(0, ...u32(0));
  return out;
}

const CLIENT_KEX = kexinit([
  ['curve25519-sha256', 'diffie-hellman-group14-sha256'], ['ssh-ed25519', 'rsa-sha2-512'],
  ['chacha20-poly1305@openssh.com', 'aes128-ctr'], ['chacha20-poly1305@openssh.com', 'aes128-ctr'],
  ['hmac-sha2-256'], ['hmac-sha2-256'], ['none', 'zlib@openssh.com'], ['none', 'zlib@openssh.com'], [], [],
]);
const SERVER_KEX = kexinit([
  ['diffie-hellman-group14-sha256', 'curve25519-sha256'], ['rsa-sha2-512', 'ssh-ed25519'],
  ['aes128-ctr', 'chacha20-poly1305@openssh.com'], ['aes128-ctr', 'chacha20-poly1305@openssh.com'],
  ['hmac-sha2-256'], ['hmac-sha2-256'], ['none'], ['none'], [], [],
]);
const HOST_KEY_BLOB = [...u32(11), ...Buffer.from('ssh-ed25519'), ...u32(32), ...new Array(32).fill(5)];
const KEX_REPLY = [31, ...u32(HOST_KEY_BLOB.length), ...HOST_KEY_BLOB, ...u32(4), 1, 2, 3, 4];
const NEWKEYS = packet([21]);

/** Client and server clear-text phases up to and including NEWKEYS. */
function clearPhases(): { client: Uint8Array; server: Uint8Array } {
  const c = Buffer.concat([ascii('SSH-2.0-OpenSSH_9.6\r\n'), packet(CLIENT_KEX), packet([30, 0, 0, 0, 1, 9]), NEWKEYS]);
  const s = Buffer.concat([ascii('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n'), packet(SERVER_KEX), packet(KEX_REPLY), NEWKEYS]);
  return { client: new Uint8Array(c), server: new Uint8Array(s) };
}

/** Drives a connection: clear phases, then encrypted segments of the given sizes (c = client, s = server). */
function run(ctx: FakeContext, segments: [('c' | 's'), number][], split = 1 << 20) {
  const a = sshSpec.create(ctx);
  const { client, server } = clearPhases();
  for (const p of pieces(client, split)) a.data(true, p, 1);
  for (const p of pieces(server, split)) a.data(false, p, 2);
  let ts = 3;
  for (const [who, len] of segments) a.data(who === 'c', new Uint8Array(len), ts++);
  return a;
}

test('banners, negotiated algorithms and host key fingerprint are logged', () => {
  for (const split of [1, 3, 17, 1 << 20]) {
    const ctx = fakeContext({ resp_p: 22 });
    const a = run(ctx, [], split);
    a.end(10);
    const r = ssh(ctx);
    assert.equal(r.length, 1, `split ${split}`);
    const rec = r[0]!;
    assert.equal(rec.client, 'SSH-2.0-OpenSSH_9.6');
    assert.equal(rec.server, 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3');
    assert.equal(rec.version, 2);
    assert.equal(rec.kex_alg, 'curve25519-sha256');
    assert.equal(rec.host_key_alg, 'ssh-ed25519');
    assert.equal(rec.cipher_alg, 'chacha20-poly1305@openssh.com');
    assert.equal(rec.mac_alg, 'hmac-sha2-256');
    assert.equal(rec.compression_alg, 'none');
    const md5 = createHash('md5').update(Buffer.from(HOST_KEY_BLOB)).digest('hex');
    assert.equal(rec.host_key, md5.match(/../g)!.join(':'));
    assert.equal(rec.auth_attempts, 0);
    assert.equal(rec.auth_success, undefined);
    assert.deepEqual(ctx.services, ['ssh']);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(auths(ctx).map((x) => x.outcome), ['unknown']);
  }
});

test('HASSH of both sides: MD5 of kex;enc;mac;comp of the own direction, over the lists as sent, past MAX_NAMES', () => {
  const md5 = (text: string): string => createHash('md5').update(text, 'latin1').digest('hex');
  // Far more key exchange names than parseKexInit keeps (MAX_NAMES), and a direction-specific list per side.
  const many = Array.from({ length: MAX_NAMES + 72 }, (_, i) => `kex-${i}@lab.example`);
  const client = kexinit([many, ['ssh-ed25519'], ['aes128-ctr'], ['aes256-ctr'], ['hmac-sha2-256'], ['hmac-sha1'], ['none', 'zlib@openssh.com'], ['zlib'], [], []]);
  const ctx = fakeContext({ resp_p: 22 });
  const a = sshSpec.create(ctx);
  a.data(true, new Uint8Array(Buffer.concat([ascii('SSH-2.0-Lab_1.0\r\n'), packet(client)])), 1);
  a.data(false, new Uint8Array(Buffer.concat([ascii('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n'), packet(SERVER_KEX)])), 2);
  a.end(3);
  const rec = ssh(ctx)[0]!;
  const clientText = `${many.join(',')};aes128-ctr;hmac-sha2-256;none,zlib@openssh.com`;
  assert.equal(rec.hasshAlgorithms, clientText);
  assert.equal(rec.hassh, md5(clientText));
  const serverText = 'diffie-hellman-group14-sha256,curve25519-sha256;aes128-ctr,chacha20-poly1305@openssh.com;hmac-sha2-256;none';
  assert.equal(rec.hasshServerAlgorithms, serverText);
  assert.equal(rec.hasshServer, md5(serverText));
  // Fields after host_key, in the Zeek HASSH package's order.
  const keys = Object.keys(rec);
  assert.deepEqual(keys.slice(keys.indexOf('hassh')), ['hassh', 'hasshServer', 'hasshAlgorithms', 'hasshServerAlgorithms']);
  // Without a KEXINIT from the server, only the client's fingerprint.
  const one = fakeContext({ resp_p: 22 });
  const b = sshSpec.create(one);
  b.data(true, new Uint8Array(Buffer.concat([ascii('SSH-2.0-Lab_1.0\r\n'), packet(CLIENT_KEX)])), 1);
  b.data(false, ascii('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n'), 2);
  b.end(3);
  const r1 = ssh(one)[0]!;
  assert.equal(r1.hassh, md5('curve25519-sha256,diffie-hellman-group14-sha256;chacha20-poly1305@openssh.com,aes128-ctr;hmac-sha2-256;none,zlib@openssh.com'));
  assert.equal(r1.hasshServer, undefined);
  assert.equal(r1.hasshServerAlgorithms, undefined);
});

test('heuristic: repeated failure-sized replies are failed attempts; outcome failure at end', () => {
  const ctx = fakeContext();
  // client SERVICE_REQUEST, server SERVICE_ACCEPT (52), client "none", server first FAILURE (68),
  // then two password tries answered by FAILURE of the same size.
  const a = run(ctx, [['c', 52], ['s', 52], ['c', 84], ['s', 68], ['c', 100], ['s', 68], ['c', 100], ['s', 68]]);
  assert.equal(ssh(ctx).length, 0);
  a.end(20);
  const r = ssh(ctx)[0]!;
  assert.equal(r.auth_success, false);
  assert.equal(r.auth_attempts, 2);
  const au = auths(ctx);
  assert.equal(au.length, 1);
  assert.equal(au[0]!.outcome, 'failure');
  assert.equal(au[0]!.service, 'ssh');
  assert.equal(au[0]!.client, '10.0.0.1');
  assert.equal(au[0]!.attempts, 2, 'the failure stands for both guesses (auth.bruteforce counts each)');
});

test('heuristic: a reply 16 bytes smaller than SERVICE_ACCEPT is success, logged at once', () => {
  const ctx = fakeContext();
  const a = run(ctx, [['c', 52], ['s', 52], ['c', 84], ['s', 68], ['c', 100], ['s', 68], ['c', 100], ['s', 36]]);
  const r = ssh(ctx);
  assert.equal(r.length, 1, 'logged on success, before the end');
  assert.equal(r[0]!.auth_success, true);
  assert.equal(r[0]!.auth_attempts, 2);
  assert.equal(a.wants!(true), false);
  a.end(30);
  assert.equal(ssh(ctx).length, 1);
  assert.deepEqual(auths(ctx).map((x) => [x.outcome, x.attempts]), [['success', undefined]]);
});

test('heuristic rules in isolation: "none" success, banner skip, server data before client', () => {
  const h = new AuthSizeHeuristic();
  assert.equal(h.segment(false, 52), AuthGuess.NONE); // before client data: ignored
  assert.equal(h.segment(true, 52), AuthGuess.NONE);
  assert.equal(h.segment(false, 52), AuthGuess.NONE); // SERVICE_ACCEPT
  assert.equal(h.segment(false, 36), AuthGuess.SUCCESS); // "none" accepted
  assert.equal(h.decided, true);

  const b = new AuthSizeHeuristic();
  b.segment(true, 52);
  b.segment(false, 52);
  assert.equal(b.segment(false, 52 + 400), AuthGuess.NONE); // pre-auth banner skipped once
  assert.equal(b.segment(false, 68), AuthGuess.NONE); // first failure sets the size
  assert.equal(b.segment(false, 68), AuthGuess.FAILED_ATTEMPT);
  assert.equal(b.segment(false, 90), AuthGuess.NONE); // other sizes are not counted
});

test('NEWKEYS followed by encrypted bytes in the same chunk counts only the encrypted tail', () => {
  const ctx = fakeContext();
  const a = sshSpec.create(ctx);
  const { client, server } = clearPhases();
  // Each side's clear phase and its first encrypted packet arrive in one chunk.
  a.data(true, new Uint8Array(Buffer.concat([client, Buffer.alloc(52)])), 1);
  a.data(false, new Uint8Array(Buffer.concat([server, Buffer.alloc(52)])), 2);
  // Only if SERVICE_ACCEPT was measured as 52 (not the whole chunk) is 36 the success size.
  a.data(false, new Uint8Array(36), 3);
  assert.equal(ssh(ctx)[0]?.auth_success, true);
});

test('zlib compression disables the heuristic (sizes lie)', () => {
  const ctx = fakeContext();
  const a = sshSpec.create(ctx);
  const zlibServer = kexinit([
    ['curve25519-sha256'], ['ssh-ed25519'], ['aes128-ctr'], ['aes128-ctr'], ['hmac-sha2-256'], ['hmac-sha2-256'],
    ['zlib@openssh.com'], ['zlib@openssh.com'], [], [],
  ]);
  a.data(true, new Uint8Array(Buffer.concat([ascii('SSH-2.0-c\r\n'), packet(CLIENT_KEX), NEWKEYS])), 1);
  a.data(false, new Uint8Array(Buffer.concat([ascii('SSH-2.0-s\r\n'), packet(zlibServer), NEWKEYS])), 2);
  for (const [c, n] of [[true, 52], [false, 52], [true, 84], [false, 68], [true, 90], [false, 68]] as const) a.data(c, new Uint8Array(n), 3);
  a.end(4);
  const r = ssh(ctx)[0]!;
  assert.equal(r.compression_alg, 'zlib@openssh.com');
  assert.equal(r.auth_attempts, 0);
  assert.equal(auths(ctx)[0]!.outcome, 'unknown');
});

test('a gap stops the heuristic', () => {
  const ctx = fakeContext();
  const a = run(ctx, [['c', 52], ['s', 52], ['c', 84], ['s', 68]]);
  a.gap!(false, 100);
  a.data(false, new Uint8Array(68), 9);
  a.end(10);
  assert.equal(ssh(ctx)[0]!.auth_attempts, 0);
  assert.ok(ctx.anomalies.includes('ssh_content_gap'));
});

test('servers may send lines before the identification; clients may not', () => {
  const ctx = fakeContext();
  const a = sshSpec.create(ctx);
  a.data(false, ascii('Welcome\r\nto the box\r\nSSH-2.0-srv\r\n'), 1);
  a.data(true, ascii('SSH-2.0-cli\n'), 2);
  a.end(3);
  assert.equal(ssh(ctx)[0]!.server, 'SSH-2.0-srv');
  assert.equal(ssh(ctx)[0]!.client, 'SSH-2.0-cli');

  const ctx2 = fakeContext();
  const b = sshSpec.create(ctx2);
  b.data(true, ascii('hello there\r\n'), 1);
  assert.ok(ctx2.anomalies.includes('ssh_malformed_identification'));
  assert.equal(b.wants!(true), false);
  b.end(2);
  assert.equal(ssh(ctx2).length, 0, 'nothing SSH was seen');
});

test('oversized packets are flagged and reading stops', () => {
  const ctx = fakeContext();
  const a = sshSpec.create(ctx);
  a.data(true, new Uint8Array([...ascii('SSH-2.0-c\r\n'), 0x7f, 0xff, 0xff, 0xff, 4, 20]), 1);
  assert.ok(ctx.anomalies.includes('ssh_packet_too_long'));
  assert.equal(a.wants!(true), false);
});

test('version agreement follows Zeek (1.99 speaks both)', () => {
  assert.equal(agreedVersion('SSH-2.0-a', 'SSH-2.0-b'), 2);
  assert.equal(agreedVersion('SSH-1.99-a', 'SSH-2.0-b'), 2);
  assert.equal(agreedVersion('SSH-2.0-a', 'SSH-1.99-b'), 2);
  assert.equal(agreedVersion('SSH-1.5-a', 'SSH-1.5-b'), 1);
  assert.equal(agreedVersion('SSH-1.5-a', 'SSH-2.0-b'), undefined);
  assert.equal(agreedVersion('SSH-', 'SSH-2.0-b'), undefined);
});

test('negotiation: client preference wins; differing directions are spelled out; no match is Zeek\'s text', () => {
  assert.equal(negotiate(['a', 'b'], ['b', 'a']), 'a');
  assert.equal(negotiate(['a'], ['b']), 'Algorithm negotiation failed');
  assert.equal(negotiateBoth(['x'], ['x'], ['y'], ['y']), 'To server: x, to client: y');
  assert.equal(parseKexInit(new Uint8Array([20, 1, 2])), null);
});

test('direction: private space is local by default; a site can say otherwise', () => {
  assert.equal(isPrivateAddress('192.168.1.5'), true);
  assert.equal(isPrivateAddress('172.20.0.1'), true);
  assert.equal(isPrivateAddress('172.32.0.1'), false);
  assert.equal(isPrivateAddress('8.8.8.8'), false);
  assert.equal(isPrivateAddress('fd00::1'), true);
  assert.equal(isPrivateAddress('fe80::1'), true);
  assert.equal(isPrivateAddress('2001:db8::1'), false);
  assert.equal(loginDirection('10.0.0.1', '8.8.8.8', isPrivateAddress), 'OUTBOUND');
  assert.equal(loginDirection('8.8.8.8', '10.0.0.1', isPrivateAddress), 'INBOUND');
  assert.equal(loginDirection('10.0.0.1', '10.0.0.2', isPrivateAddress), undefined);

  const spec = createSshSpec({ isLocal: (ip) => ip === '10.0.0.1' });
  const ctx = fakeContext({ orig_h: '10.0.0.1', resp_h: '10.0.0.2' });
  const a = spec.create(ctx);
  a.data(true, ascii('SSH-2.0-c\r\n'), 1);
  a.end(2);
  assert.equal(ssh(ctx)[0]!.direction, 'OUTBOUND');
});

test('probe: "SSH-" and a digit, from either side', () => {
  assert.equal(sshSpec.probe!(ascii('SSH-2.0-OpenSSH\r\n'), true, 'tcp'), true);
  assert.equal(sshSpec.probe!(ascii('SSH-1.99-x'), false, 'tcp'), true);
  assert.equal(sshSpec.probe!(ascii('SSH-'), true, 'tcp'), false);
  assert.equal(sshSpec.probe!(ascii('GET / HTTP/1.1'), true, 'tcp'), false);
});
