/**
 * How `picket sensor` ends and keeps its logs, driven by a stand-in tcpdump
 * (a shell script first in PATH that writes a real capture to stdout): what
 * tcpdump does when an interface disappears or its stream breaks cannot be
 * caused on purpose on a real interface, and the script needs no capture
 * rights. The real tcpdump is covered by the loopback tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { REPO_ROOT, ZEEK_CORPUS, tempDir } from '../helpers/paths.js';

const BIN = path.join(REPO_ROOT, 'bin', 'picket.js');
/** 30 FTP logins that fail, one connection each. */
const FTP = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');

/** A directory holding a `tcpdump` script: says it listens, writes `capture` (or `body`), then `after`. */
function fakeTcpdump(dir: string, script: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'tcpdump'), `#!/bin/sh\necho "tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 65535 bytes" >&2\n${script}\n`, { mode: 0o755 });
  return bin;
}

function sensor(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'sensor', '-i', 'lo', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lineCount(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length : 0;
}

test('tcpdump failing mid-capture: what was seen is logged and summarised, and the error quotes its real complaint', () => {
  const dir = tempDir();
  try {
    const bin = fakeTcpdump(dir, `cat ${JSON.stringify(FTP)}\necho "tcpdump: pcap_loop: The interface disappeared" >&2\nexit 1`);
    const logs = path.join(dir, 'logs');
    const r = sensor(bin, ['--logs', logs, '--duration', '30']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /tcpdump said: "tcpdump: pcap_loop: The interface disappeared"/);
    assert.match(r.stderr, /picket sensor lo: 1 input\(s\), [\d,]+ packets/, 'the summary is written');
    assert.ok(lineCount(path.join(logs, 'conn.jsonl')) >= 30, 'every connection is logged');
    const alerts = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { id: string }; count: number });
    const brute = alerts.filter((a) => a.rule.id === 'auth.bruteforce');
    assert.equal(brute.length >= 1 ? brute[brute.length - 1]!.count : 0, 30, 'the alert is final: all 30 failures');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a sensor restarted on the same --logs appends to its logs', () => {
  const dir = tempDir();
  try {
    const bin = fakeTcpdump(dir, `cat ${JSON.stringify(FTP)}`);
    const logs = path.join(dir, 'logs');
    const first = sensor(bin, ['--logs', logs]);
    assert.equal(first.status, 0, first.stderr);
    const once = lineCount(path.join(logs, 'conn.jsonl'));
    assert.ok(once > 0);
    const second = sensor(bin, ['--logs', logs]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(lineCount(path.join(logs, 'conn.jsonl')), 2 * once);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a live sensor writes a connection to its log soon after it ends, not at exit', async () => {
  const dir = tempDir();
  // The capture, then a quiet link: tcpdump stays up with nothing more to say (exec: the sensor's stop reaches it).
  const bin = fakeTcpdump(dir, `cat ${JSON.stringify(FTP)}\nexec sleep 20`);
  const logs = path.join(dir, 'logs');
  const child = spawn(process.execPath, [BIN, 'sensor', '-i', 'lo', '--logs', logs, '--duration', '30'], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const conn = path.join(logs, 'conn.jsonl');
    const deadline = Date.now() + 10_000;
    while (lineCount(conn) === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    assert.equal(child.exitCode, null, `still running; stderr: ${stderr}`);
    assert.ok(lineCount(conn) > 0, `conn.jsonl written while the sensor runs; stderr: ${stderr}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a stream from tcpdump that turns into garbage stops the sensor with a non-zero exit', () => {
  const dir = tempDir();
  try {
    // A valid pcap header and one packet, then a record header claiming a 2 GB packet.
    const bytes = fs.readFileSync(FTP);
    const firstLen = bytes.readUInt32LE(24 + 8);
    const good = bytes.subarray(0, 24 + 16 + firstLen);
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(0x7fffffff, 8);
    bad.writeUInt32LE(0x7fffffff, 12);
    const file = path.join(dir, 'broken.pcap');
    fs.writeFileSync(file, Buffer.concat([good, bad, Buffer.alloc(64)]));
    const bin = fakeTcpdump(dir, `cat ${JSON.stringify(file)}\nexec sleep 5`);
    const r = sensor(bin, ['--duration', '30']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /capture stopped early: the stream from tcpdump was not a valid capture/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--duration and --stats-interval longer than a timer can wait are refused', () => {
  const r = spawnSync(process.execPath, [BIN, 'sensor', '-i', 'lo', '--duration', '2592000'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--duration must be at most 2147483 seconds \(24\.8 days\), got 2592000; leave it out to run until stopped/);
  const s = spawnSync(process.execPath, [BIN, 'sensor', '-i', 'lo', '--stats-interval', '2592000'], { encoding: 'utf8' });
  assert.match(s.stderr, /--stats-interval must be at most 2147483 seconds/);
});
