/**
 * Tests for the tcpdump-backed live source, on loopback only: 50 UDP
 * datagrams to a port of our own must all arrive and tcpdump's kernel drop
 * count must be read. Also the coded errors for a missing interface and a
 * missing tcpdump, and the stderr parsing on its own. Each test kills its
 * tcpdump child by PID if it is somehow still alive at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { openLiveCapture, tcpdumpArgs } from '../../src/capture/live-source.js';
import { guardChild } from '../../src/capture/orphan-guard.js';
import { LinkType } from '../../src/capture/packet.js';
import { createTcpdumpReport, readTcpdumpLine, tcpdumpFailure } from '../../src/capture/tcpdump-stderr.js';
import { PicketError } from '../../src/util/errors.js';

const TCPDUMP = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump', '/usr/local/bin/tcpdump', '/usr/local/sbin/tcpdump']
  .find((p) => fs.existsSync(p));
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const LIVE_SKIP = TCPDUMP === undefined ? 'tcpdump not installed' : !IS_ROOT ? 'needs root to capture' : false;
const DATAGRAMS = 50;
/** Hang guard only: the test fails (not passes) if packets never show up. */
const HANG_GUARD_MS = 30_000;

/** Kills tcpdump by PID if it outlived its test (it normally has exited already). */
function killIfAlive(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone, the normal case
  }
}

test('loopback: every datagram sent to our port is captured and kernel drops are reported',
  { skip: LIVE_SKIP }, async () => {
    const receiver = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    receiver.on('message', () => {});
    const port = receiver.address().port;
    const sender = dgram.createSocket('udp4');
    const src = openLiveCapture({ interface: 'lo', filter: `udp and dst port ${port}`, tcpdumpPath: TCPDUMP! });
    const marks = new Set<number>();
    let other = 0;
    let linkType = -1;
    let allSeen: () => void = () => {};
    const seen = new Promise<void>((resolve) => { allSeen = resolve; });
    const running = src.run((p) => {
      linkType = p.linkType;
      // Payload "picket-NN" sits at the end of the frame (Ethernet + IPv4 + UDP).
      const text = Buffer.from(p.data.buffer, p.data.byteOffset + p.offset, p.caplen).toString('latin1');
      const m = /picket-(\d+)$/.exec(text);
      if (m === null) other++;
      else marks.add(Number(m[1]));
      if (marks.size === DATAGRAMS) allSeen();
    });
    let pid: number | undefined;
    try {
      assert.equal(await src.ready, true, 'tcpdump reported that it is listening');
      pid = src.pid;
      assert.ok(pid !== undefined);
      for (let i = 0; i < DATAGRAMS; i++) {
        await new Promise<void>((resolve, reject) =>
          sender.send(`picket-${i}`, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      }
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([seen, new Promise<void>((resolve) => { guard = setTimeout(resolve, HANG_GUARD_MS); })]);
      clearTimeout(guard);
      src.stop();
      const stats = await running;
      assert.equal(marks.size, DATAGRAMS, 'all datagrams captured');
      assert.equal(other, 0, 'the filter let nothing else through');
      assert.equal(stats.packets, DATAGRAMS);
      assert.equal(linkType, LinkType.ETHERNET);
      assert.equal(typeof src.kernelDrops, 'number');
      // On loopback the kernel counts each packet in both directions; libpcap
      // delivers it once. So "received by filter" is at least, not exactly, 50.
      assert.ok(src.receivedByFilter !== undefined && src.receivedByFilter >= DATAGRAMS);
      assert.deepEqual(stats.truncated, []);
    } finally {
      src.stop();
      await running.catch(() => {});
      killIfAlive(pid);
      sender.close();
      receiver.close();
    }
  });

test('a missing interface: PKT_ERR_CAPTURE_INTERFACE quoting tcpdump', { skip: LIVE_SKIP }, async () => {
  const src = openLiveCapture({ interface: 'nosuchif0', tcpdumpPath: TCPDUMP! });
  const running = src.run(() => {});
  const pid = src.pid;
  try {
    await assert.rejects(running, (e: unknown) => {
      assert.ok(e instanceof PicketError);
      assert.equal(e.code, 'PKT_ERR_CAPTURE_INTERFACE');
      assert.match(e.message, /nosuchif0/);
      assert.match(e.message, /tcpdump said: "tcpdump: nosuchif0/);
      return true;
    });
    assert.equal(await src.ready, false);
  } finally {
    killIfAlive(pid);
  }
});

test('tcpdump missing: PKT_ERR_CAPTURE_TCPDUMP_MISSING with the install hint', async () => {
  const dir = tempDir();
  try {
    const src = openLiveCapture({ interface: 'lo', tcpdumpPath: path.join(dir, 'tcpdump') });
    await assert.rejects(src.run(() => {}), (e: unknown) =>
      e instanceof PicketError && e.code === 'PKT_ERR_CAPTURE_TCPDUMP_MISSING' &&
      e.message.includes('apt-get install tcpdump') && e.message.includes('picket replay'));
    assert.equal(await src.ready, false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('stop() before run() never starts tcpdump', async () => {
  const src = openLiveCapture({ interface: 'lo', tcpdumpPath: '/nonexistent-on-purpose' });
  src.stop();
  const stats = await src.run(() => {});
  assert.equal(stats.packets, 0);
  assert.equal(src.pid, undefined);
});

test('tcpdump command line', () => {
  assert.deepEqual(tcpdumpArgs({ interface: 'eth0' }),
    ['-i', 'eth0', '-U', '--immediate-mode', '-s', '65535', '-B', '32768', '-w', '-']);
  assert.deepEqual(tcpdumpArgs({ interface: 'lo', filter: 'tcp port 80', snaplen: 256, bufferKiB: 1024 }),
    ['-i', 'lo', '-U', '--immediate-mode', '-s', '256', '-B', '1024', '-w', '-', 'tcp port 80']);
});

/** True once `pid` is gone (or a zombie nobody reaped yet: it captures nothing). */
function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

const ORPHAN_SKIP = LIVE_SKIP !== false ? LIVE_SKIP : process.platform !== 'linux' ? 'reads /proc' : false;

test('tcpdump does not outlive a sensor process that was SIGKILLed', { skip: ORPHAN_SKIP }, async () => {
  const module = new URL('../../src/capture/live-source.js', import.meta.url).href;
  // The child exits on its own after a minute should this test fail to kill it.
  const script = [
    `const { openLiveCapture } = await import(${JSON.stringify(module)});`,
    `const src = openLiveCapture({ interface: 'lo', filter: 'ether proto 0x88b5', tcpdumpPath: ${JSON.stringify(TCPDUMP)} });`,
    `src.run(() => {}).catch((e) => { console.error(String(e)); process.exit(3); });`,
    `if (await src.ready) console.log('tcpdump ' + src.pid); else process.exit(2);`,
    `setTimeout(() => process.exit(4), 60000);`,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tcpdumpPid: number | undefined;
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    tcpdumpPid = await new Promise<number>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no tcpdump pid within ${HANG_GUARD_MS} ms; stderr: ${err}`)), HANG_GUARD_MS);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /tcpdump (\d+)/.exec(out);
        if (m !== null) { clearTimeout(guard); resolve(Number(m[1])); }
      });
      child.once('exit', (code) => { clearTimeout(guard); reject(new Error(`child exited with ${String(code)}: ${err}`)); });
    });
    assert.equal(processGone(tcpdumpPid), false, 'tcpdump runs while its parent does');
    child.kill('SIGKILL');
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!processGone(tcpdumpPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(processGone(tcpdumpPid), true, 'tcpdump ended with its parent');
  } finally {
    child.kill('SIGKILL');
    killIfAlive(tcpdumpPid);
  }
});

test('orphan guard: a released watchdog exits and leaves its child alone', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async () => {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    assert.ok(sleeper.pid !== undefined);
    const guard = guardChild(sleeper.pid);
    assert.ok(guard.pid !== undefined);
    assert.equal(processGone(guard.pid), false, 'the watchdog waits while not released');
    guard.release();
    guard.release(); // twice is harmless
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!processGone(guard.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(processGone(guard.pid), true, 'the released watchdog exited');
    assert.equal(processGone(sleeper.pid), false, 'and did not kill the child');
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('tcpdump stderr: counters, listening line and failure classes', () => {
  const r = createTcpdumpReport();
  for (const line of [
    'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 65535 bytes',
    '120 packets captured', '125 packets received by filter', '3 packets dropped by kernel', '1 packet dropped by interface',
  ]) readTcpdumpLine(line, r);
  assert.deepEqual(r, { listening: true, receivedByFilter: 125, kernelDrops: 3, interfaceDrops: 1 });
  // Asked with SIGUSR1 while running, tcpdump puts its counters on one line.
  readTcpdumpLine('130 packets captured, 140 packets received by filter, 7 packets dropped by kernel', r);
  assert.deepEqual([r.receivedByFilter, r.kernelDrops], [140, 7]);
  // A failure mid-capture quotes tcpdump's complaint, not its listening line or its counters.
  const lost = tcpdumpFailure('lo', [
    'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 65535 bytes',
    'tcpdump: pcap_loop: The interface disappeared', '12 packets captured', '12 packets received by filter', '0 packets dropped by kernel'], 'exit code 1');
  assert.match(lost.message, /tcpdump said: "tcpdump: pcap_loop: The interface disappeared"/);

  const perm = tcpdumpFailure('eth0', [
    "tcpdump: eth0: You don't have permission to perform this capture on that device",
    '(socket: Operation not permitted)'], 'exit code 1');
  assert.equal(perm.code, 'PKT_ERR_CAPTURE_PERMISSION');
  assert.match(perm.message, /You don't have permission/);
  assert.equal(tcpdumpFailure('x', ['tcpdump: x: No such device exists', '(No such device exists)'], 'exit code 1').code,
    'PKT_ERR_CAPTURE_INTERFACE');
  assert.equal(tcpdumpFailure('lo', ["tcpdump: can't parse filter expression: syntax error"], 'exit code 1').code,
    'PKT_ERR_CAPTURE_FILTER');
  assert.equal(tcpdumpFailure('lo', [], 'killed by SIGSEGV').code, 'PKT_ERR_CAPTURE_TCPDUMP_EXIT');
});
