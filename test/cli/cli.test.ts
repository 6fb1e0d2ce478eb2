/**
 * The `picket` command end to end: real processes on real captures, checking
 * exit codes, stdout (alerts), stderr (summary, errors) and the log files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { REPO_ROOT, ZEEK_CORPUS, tempDir } from '../helpers/paths.js';

const BIN = path.join(REPO_ROOT, 'bin', 'picket.js');
const WIKI = path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap');
const LAB = path.join(REPO_ROOT, 'test', 'lab');

function picket(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

test('--help lists the commands', () => {
  const r = picket(['--help']);
  assert.equal(r.status, 0);
  for (const cmd of ['replay', 'sensor', 'baseline', 'config check', 'demo']) assert.match(r.stdout, new RegExp(cmd));
  assert.match(r.stdout, /--version/);
  // Options a command takes are in its help.
  assert.match(picket(['learn', '--help']).stdout, /-q, --quiet/);
  assert.match(picket(['baseline', '--help']).stdout, /-h, --help/);
});

test('replay writes Zeek-style logs and a summary', () => {
  const dir = tempDir();
  try {
    const r = picket(['replay', WIKI, '--logs', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /136 packets/);
    assert.match(r.stderr, /packets\/s/);
    assert.match(r.stderr, /flows 34 /);
    const conn = lines(path.join(dir, 'conn.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(conn.length, 34);
    for (const rec of conn) {
      assert.equal(typeof rec.uid, 'string');
      assert.match(String(rec.community_id), /^1:/);
    }
    assert.equal(lines(path.join(dir, 'dns.jsonl')).length, 34);
    assert.ok(fs.existsSync(path.join(dir, 'http.jsonl')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay reads standard input', () => {
  const dir = tempDir();
  try {
    const r = picket(['replay', '-', '--logs', dir, '--no-analyzers'], fs.readFileSync(WIKI));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lines(path.join(dir, 'conn.jsonl')).length, 34);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated capture reports the byte offset and keeps the results before it', () => {
  const dir = tempDir();
  try {
    const whole = fs.readFileSync(WIKI);
    const cut = path.join(dir, 'cut.pcap');
    fs.writeFileSync(cut, whole.subarray(0, 10_000));
    const r = picket(['replay', cut, '--logs', path.join(dir, 'logs')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /cut\.pcap is truncated: reading stopped at byte [\d,]+/);
    const conn = lines(path.join(dir, 'logs', 'conn.jsonl'));
    assert.ok(conn.length > 0 && conn.length < 34, `got ${conn.length} connections`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('alerts go to stdout as JSON lines or text', () => {
  const capture = path.join(LAB, 'captures', 'scan-syn.pcap');
  const config = path.join(LAB, 'picket.yaml');
  const json = picket(['replay', capture, '--config', config, '-q']);
  assert.equal(json.status, 0, json.stderr);
  const alerts = lines0(json.stdout).map((l) => JSON.parse(l) as { rule: { id: string }; source: { ip: string } });
  const scan = alerts.find((a) => a.rule.id === 'scan.port.vertical');
  assert.ok(scan, json.stdout);
  assert.equal(scan.source.ip, '10.77.2.20');
  const text = picket(['replay', capture, '--config', config, '--format', 'text', '-q']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /scan\.port\.vertical +10\.77\.2\.20 -> 10\.77\.1\.10: 10\.77\.2\.20 probed [\d,]+ TCP ports/);
});

test('the summary says when a rule state was full and it may have missed activity', () => {
  const dir = tempDir();
  try {
    const capture = path.join(LAB, 'captures', 'scan-syn.pcap');
    const small = path.join(dir, 'small.yaml');
    // The scan's 1,000 ports are 1,000 (source, port) keys of the sweep rule.
    fs.writeFileSync(small, 'detectors:\n  scan.port.horizontal: { max_tracked: 100 }\n');
    const r = picket(['replay', capture, '--config', small]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /detector state full: 900 tracked keys dropped \(scan\.port\.horizontal 900\); those rules may have missed activity/);
    const roomy = picket(['replay', capture, '--config', path.join(LAB, 'picket.yaml')]);
    assert.equal(roomy.status, 0, roomy.stderr);
    assert.doesNotMatch(roomy.stderr, /detector state full/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that closes standard output early does not crash the run', async () => {
  const capture = path.join(LAB, 'captures', 'scan-syn.pcap');
  const child = spawn(process.execPath, [BIN, 'replay', capture, '--config', path.join(LAB, 'picket.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the first alert is written: every write to standard output fails with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /standard output was closed by its reader; the run goes on without it/);
  assert.match(stderr, /alerts [1-9]/, 'the summary is still written');
});

test('the summary tells what each sink delivered and what is still queued when a receiver is down', async () => {
  const dir = tempDir();
  try {
    // A port that was just free: nothing listens there, so the webhook cannot deliver.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const config = path.join(dir, 'picket.yaml');
    fs.writeFileSync(
      config,
      `sinks:\n  - { name: hook, type: webhook, url: "http://127.0.0.1:${port}/alerts", queue: { retry_initial: 60 } }\n  - { name: file, type: file, path: alerts.jsonl }\n` +
        fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8'),
    );
    const r = picket(['replay', path.join(LAB, 'captures', 'scan-syn.pcap'), '--config', config, '--state', path.join(dir, 'state')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /sink hook \(webhook\): delivered 0, 3 still queued \(sent when a later run with the same data directory reaches the receiver\); last error: \S/);
    assert.match(r.stderr, /sink file \(file\): delivered 3$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function lines0(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

test('bad input gets a clear error and a non-zero exit', () => {
  const dir = tempDir();
  try {
    const notCapture = path.join(dir, 'notes.txt');
    fs.writeFileSync(notCapture, 'hello, this is not a capture file\n');
    const r1 = picket(['replay', notCapture]);
    assert.equal(r1.status, 1);
    assert.match(r1.stderr, /notes\.txt/);
    const r2 = picket(['replay', path.join(dir, 'missing.pcap')]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /no such file/);
    const r3 = picket(['replay', WIKI, '--frobnicate']);
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /frobnicate/);
    const bad = path.join(dir, 'picket.yaml');
    fs.writeFileSync(bad, 'networks:\n  - name: lan\n    cidrs: [10.0.0.0/33]\n');
    const r4 = picket(['config', 'check', bad]);
    assert.equal(r4.status, 2);
    assert.match(r4.stderr, /:3: networks\[0\]\.cidrs\[0\]: "10\.0\.0\.0\/33" is not a CIDR/);
    const r5 = picket(['replay', WIKI, '--config', bad]);
    assert.equal(r5.status, 2);
    assert.match(r5.stderr, /is not a CIDR/);
    const r6 = picket(['config', 'check', path.join(LAB, 'picket.yaml')]);
    assert.equal(r6.status, 0, r6.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('picket demo replays the bundled capture and prints its alerts', () => {
  const dir = tempDir();
  try {
    const r = spawnSync(process.execPath, [BIN, 'demo'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Alerts: \d+/);
    for (const rule of ['scan.port.vertical', 'auth.bruteforce', 'dhcp.rogue_server', 'smb.internet', 'dns.bad_name', 'ip.bad', 'file.bad_hash', 'http.executable_download', 'smtp.direct_to_internet', 'auth.cleartext', 'snmp.default_community', 'net.bad_name', 'http.bad_url', 'http.websocket_tunnel', 'net.proxy_tunnel', 'net.external_proxy', 'dns.encrypted', 'kerberos.overpass_the_hash', 'scan.ping', 'smb.named_pipe']) assert.match(r.stdout, new RegExp(rule.replace('.', '\\.')));
    assert.ok(fs.existsSync(path.join(dir, 'data', 'demo-logs', 'conn.jsonl')));
    // Written into the current folder: the output says where.
    assert.ok(r.stdout.includes(`Logs: ${fs.realpathSync(dir)}${path.sep}data${path.sep}demo-logs\n`) || r.stdout.includes(`Logs: ${dir}${path.sep}data${path.sep}demo-logs\n`), r.stdout);
    const help = picket(['demo', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /\.\/data\/demo-logs/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sensor reports a clear error for a missing interface', () => {
  const r = picket(['sensor', '--interface', 'picket-no-such-if0', '--duration', '5']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /picket-no-such-if0|tcpdump/);
});

test('sensor captures live traffic on loopback and logs it', { skip: process.getuid?.() !== 0 ? 'needs root to capture' : false }, async () => {
  const { spawn } = await import('node:child_process');
  const dgram = await import('node:dgram');
  const dir = tempDir();
  const port = 40000 + Math.floor(Math.random() * 20000);
  // Stopped with SIGTERM once the checks are done, not by --duration: on a busy machine starting
  // the sensor and tcpdump can take longer than a short run would last.
  const child = spawn(process.execPath, [BIN, 'sensor', '-i', 'lo', '--filter', `udp port ${port}`, '--duration', '120', '--logs', dir, '--stats-interval', '1', '--metrics', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  /** Waits (bounded) until `ok` holds. */
  const until = async (ok: () => boolean | Promise<boolean>, seconds: number): Promise<boolean> => {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await ok()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return ok();
  };
  try {
    // A health line with tcpdump's own counters (asked for with SIGUSR1, not only at exit) shows it is capturing.
    assert.ok(await until(() => /^picket sensor: lo: .*kernel drops \d+$/m.test(stderr), 60), stderr);
    await new Promise((r) => setTimeout(r, 300));
    const sock = dgram.createSocket('udp4');
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => sock.send(Buffer.from(`probe ${i}`), port, '127.0.0.1', () => resolve()));
    }
    sock.close();
    const metricsUrl = /metrics on (http:\/\/\S+)/.exec(stderr)?.[1];
    assert.ok(metricsUrl, stderr);
    let scrape = '';
    const counted = await until(async () => {
      scrape = await (await fetch(metricsUrl)).text();
      const packets = /^picket_packets_total (\d+)/m.exec(scrape);
      return packets !== null && Number(packets[1]) >= 20;
    }, 30);
    assert.ok(counted, scrape);
    assert.match(scrape, /^picket_flows_live /m);
    child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, stderr);
    const conn = lines(path.join(dir, 'conn.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const flow = conn.find((c) => c['id.resp_p'] === port);
    assert.ok(flow, `no flow to port ${port} in ${JSON.stringify(conn)}; stderr: ${stderr}`);
    assert.equal(flow.orig_pkts, 20);
  } finally {
    // A failed assertion leaves the sensor running: SIGTERM lets it stop its tcpdump (a SIGKILL would
    // orphan tcpdump, which on a quiet filter never writes and so never meets the closed pipe).
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const gone = await Promise.race([new Promise((r) => child.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 8000))]);
      if (gone !== true) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay delivers alerts to the configured sinks (file sink, EVE format)', () => {
  const dir = tempDir();
  try {
    const config = path.join(dir, 'picket.yaml');
    const lab = fs.readFileSync(path.join(LAB, 'picket.yaml'), 'utf8');
    fs.writeFileSync(config, `${lab}\nsinks:\n  - { type: file, name: eve, path: ${JSON.stringify(path.join(dir, 'eve.json'))}, format: eve }\n`);
    const r = picket(['replay', path.join(LAB, 'captures', 'scan-syn.pcap'), '--config', config, '--state', path.join(dir, 'state'), '-q']);
    assert.equal(r.status, 0, r.stderr);
    const eve = lines(path.join(dir, 'eve.json')).map((l) => JSON.parse(l) as { event_type: string; src_ip: string; alert: { signature: string } });
    const stdout = lines0(r.stdout);
    assert.equal(eve.length, stdout.length, 'every alert reached the sink');
    assert.ok(eve.some((e) => e.event_type === 'alert' && e.src_ip === '10.77.2.20'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay --no-detect --workers 2 writes the same logs on two pipeline threads, and no alerts', () => {
  const one = tempDir();
  const two = tempDir();
  try {
    const a = picket(['replay', WIKI, '--no-detect', '--workers', '1', '--logs', one]);
    const b = picket(['replay', WIKI, '--no-detect', '--workers', '2', '--logs', two]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.doesNotMatch(a.stderr, /pipeline threads/);
    assert.match(b.stderr, /136 packets.* on 2 pipeline threads/);
    // Each thread's peak is its own; their sum only bounds the peak of the whole.
    assert.match(b.stderr, /max live at most \d+/);
    assert.match(a.stderr, /max live \d+/);
    assert.doesNotMatch(b.stderr, /alerts/);
    assert.equal(b.stdout, '');
    for (const log of ['conn.jsonl', 'dns.jsonl', 'http.jsonl']) {
      const strip = (l: string): string => JSON.stringify({ ...(JSON.parse(l) as object), uid: undefined });
      assert.deepEqual(lines(path.join(two, log)).map(strip).sort(), lines(path.join(one, log)).map(strip).sort(), log);
    }
    assert.deepEqual(fs.readdirSync(two).sort(), fs.readdirSync(one).sort());
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
    fs.rmSync(two, { recursive: true, force: true });
  }
});

test('replay with detectors on two pipeline threads raises the alerts of one', () => {
  const capture = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
  const a = picket(['replay', capture, '--no-intel', '--workers', '1']);
  const b = picket(['replay', capture, '--no-intel', '--workers', '2']);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const rules = (out: string): string[] =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const alert = JSON.parse(l) as { rule: string; src?: string; dst?: string };
        return `${alert.rule} ${alert.src ?? ''} ${alert.dst ?? ''}`;
      })
      .sort();
  assert.ok(rules(a.stdout).length > 0, 'the capture raises alerts');
  assert.deepEqual(rules(b.stdout), rules(a.stdout));
});

test('replay --decode-thread: the logs and alerts of one thread, conn.jsonl on its own thread when nothing else reads flows', () => {
  const one = tempDir();
  const two = tempDir();
  const three = tempDir();
  try {
    const a = picket(['replay', WIKI, '--no-detect', '--no-analyzers', '--workers', '1', '--logs', one]);
    const b = picket(['replay', WIKI, '--no-detect', '--no-analyzers', '--decode-thread', '--logs', two]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stderr, /136 packets.*\(decode and conn log threads\)/);
    // uids differ between runs (random seed): compare everything else, in order.
    const strip = (l: string): string => JSON.stringify({ ...(JSON.parse(l) as object), uid: undefined, community_id: undefined });
    assert.deepEqual(lines(path.join(two, 'conn.jsonl')).map(strip), lines(path.join(one, 'conn.jsonl')).map(strip));
    const capture = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
    const c = picket(['replay', capture, '--no-intel', '--workers', '1']);
    const d = picket(['replay', capture, '--no-intel', '--decode-thread', '--logs', three]);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stderr, /\(decode thread\)/);
    assert.ok(c.stdout.length > 0, 'the capture raises alerts');
    assert.equal(d.stdout.split('\n').length, c.stdout.split('\n').length);
    assert.ok(fs.readdirSync(three).includes('conn.jsonl'));
    const stdin = picket(['replay', '-', '--decode-thread'], fs.readFileSync(WIKI));
    assert.equal(stdin.status, 2);
    assert.match(stdin.stderr, /--decode-thread reads capture files/);
    const both = picket(['replay', WIKI, '--decode-thread', '--workers', '2']);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /does not go with --workers 2/);
  } finally {
    for (const dir of [one, two, three]) fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay fails, naming the file, when a log cannot be written', () => {
  const dir = tempDir();
  try {
    fs.mkdirSync(path.join(dir, 'conn.jsonl'));
    const r = picket(['replay', WIKI, '--no-detect', '--logs', dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot write the conn log .*conn\.jsonl: EISDIR/);
    assert.ok(fs.existsSync(path.join(dir, 'dns.jsonl')), 'the other logs are written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay --workers and --no-detect refuse what they cannot do', () => {
  const bad = picket(['replay', WIKI, '--workers', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers takes a whole number from 1 to 16, got "0"/);
  const stdin = picket(['replay', '-', '--workers', '2'], fs.readFileSync(WIKI));
  assert.equal(stdin.status, 2);
  assert.match(stdin.stderr, /standard input needs --workers 1/);
  const conflict = picket(['replay', WIKI, '--no-detect', '--config', 'x.yaml']);
  assert.equal(conflict.status, 2);
  assert.match(conflict.stderr, /--no-detect runs no detectors/);
});

test('baseline learns the same on two pipeline threads', () => {
  const one = tempDir();
  const two = tempDir();
  try {
    const a = picket(['baseline', WIKI, '--state', one, '--workers', '1']);
    const b = picket(['baseline', WIKI, '--state', two, '--workers', '2']);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    const learned = (s: string): string => /learned: .*;/.exec(s)?.[0] ?? '';
    assert.match(learned(a.stderr), /learned: \d+ devices/);
    assert.equal(learned(b.stderr), learned(a.stderr));
    assert.match(b.stderr, /on 2 pipeline threads/);
    const bad = picket(['baseline', WIKI, '--state', two, '--workers', 'x']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /baseline: --workers takes a whole number/);
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
    fs.rmSync(two, { recursive: true, force: true });
  }
});

test('replay checks every file is a capture before analysing any, in every layout', () => {
  const dir = tempDir();
  try {
    const empty = path.join(dir, 'empty.pcap');
    fs.writeFileSync(empty, '');
    const notes = path.join(dir, 'notes.pcap');
    fs.writeFileSync(notes, 'hello, this is not a capture file\n');
    const good = path.join(LAB, 'captures', 'new-device.pcap');
    for (const [bad, why] of [[empty, /empty\.pcap: empty file, not a pcap or pcapng file/], [notes, /notes\.pcap: not a pcap or pcapng file \(first bytes 68 65 6c 6c\)/]] as const) {
      for (const layout of [[], ['--workers', '2'], ['--decode-thread']]) {
        const state = path.join(dir, 'state');
        const logs = path.join(dir, 'logs');
        const r = picket(['replay', good, bad, '--config', path.join(LAB, 'picket.yaml'), '--state', state, '--logs', logs, '--format', 'text', ...layout]);
        assert.equal(r.status, 1, `${layout.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, why);
        assert.equal(r.stdout, '', 'nothing was analysed');
        assert.ok(!fs.existsSync(state), 'no state was written');
        assert.ok(!fs.existsSync(logs), 'no logs were written');
      }
    }
    // The same list without the bad file runs to the end.
    const ok = picket(['replay', good, '--config', path.join(LAB, 'picket.yaml'), '--format', 'text']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(lines0(ok.stdout).filter((l) => l.includes('device.new')).length, 4);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a logs folder that is a file gets a clear error, in every layout and in demo', () => {
  const dir = tempDir();
  try {
    const afile = path.join(dir, 'afile');
    fs.writeFileSync(afile, 'not a folder\n');
    const layouts = [[], ['--workers', '2'], ['--decode-thread'], ['--no-detect', '--workers', '2'], ['--no-detect', '--no-analyzers']];
    for (const layout of layouts) {
      const r = picket(['replay', WIKI, '--logs', afile, ...layout]);
      assert.equal(r.status, 1, `${layout.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `picket: --logs: ${afile} is a file, not a directory\n`, layout.join(' '));
    }
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'demo-logs'), 'not a folder\n');
    const demo = spawnSync(process.execPath, [BIN, 'demo'], { cwd: dir, encoding: 'utf8' });
    assert.equal(demo.status, 1, demo.stderr);
    assert.match(demo.stderr, /demo logs: .*data\/demo-logs is a file, not a directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay -q still warns that a capture is truncated; only the summary is quiet', () => {
  const dir = tempDir();
  try {
    const cut = path.join(dir, 't.pcap');
    fs.writeFileSync(cut, fs.readFileSync(WIKI).subarray(0, 200));
    for (const extra of [[], ['--no-detect']]) {
      const r = picket(['replay', cut, '-q', ...extra]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^picket: warning: .*t\.pcap is truncated: reading stopped at byte [\d,]+ \(\w+\); results cover the packets before it\n$/);
      assert.doesNotMatch(r.stderr, /packets\/s/, 'no summary');
    }
    const whole = picket(['replay', WIKI, '-q', '--no-detect']);
    assert.equal(whole.status, 0, whole.stderr);
    assert.equal(whole.stderr, '', 'a whole capture gives no warning');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay refuses standard input named twice (it can be read once)', () => {
  const r = picket(['replay', '-', '-'], fs.readFileSync(WIKI));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /replay: "-" \(standard input\) can be named only once/);
  assert.equal(r.stdout, '');
});

/**
 * A copy of a little-endian Ethernet pcap with every IP packet's Ethernet
 * header taken off, written with link type `linkType` (non-IP frames dropped).
 */
function rawIpPcap(source: string, linkType: number): Buffer {
  const src = fs.readFileSync(source);
  assert.equal(src.readUInt32LE(0), 0xa1b2c3d4, 'a little-endian microsecond pcap');
  assert.equal(src.readUInt32LE(20), 1, 'an Ethernet capture');
  const out: Buffer[] = [];
  const header = Buffer.from(src.subarray(0, 24));
  header.writeUInt32LE(linkType, 20);
  out.push(header);
  for (let off = 24; off + 16 <= src.length;) {
    const caplen = src.readUInt32LE(off + 8);
    const origlen = src.readUInt32LE(off + 12);
    const frame = src.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const etherType = frame.length >= 14 ? frame.readUInt16BE(12) : 0;
    if (etherType !== 0x0800 && etherType !== 0x86dd) continue;
    const rec = Buffer.from(src.subarray(off - 16 - caplen, off - caplen));
    rec.writeUInt32LE(caplen - 14, 8);
    rec.writeUInt32LE(origlen - 14, 12);
    out.push(rec, frame.subarray(14));
  }
  return Buffer.concat(out);
}

test('replay decodes pcap link type 12 (raw IP as OpenBSD writes it) like LINKTYPE_RAW', () => {
  const dir = tempDir();
  try {
    const raw12 = path.join(dir, 'raw12.pcap');
    fs.writeFileSync(raw12, rawIpPcap(WIKI, 12));
    const raw101 = path.join(dir, 'raw101.pcap');
    fs.writeFileSync(raw101, rawIpPcap(WIKI, 101));
    const conn = (file: string, logs: string, extra: string[] = []): string[] => {
      const r = picket(['replay', file, '--no-detect', '--logs', path.join(dir, logs), ...extra]);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /linktype/, r.stderr);
      return lines(path.join(dir, logs, 'conn.jsonl')).map((l) => {
        const rec = JSON.parse(l) as Record<string, unknown>;
        return `${String(rec['id.orig_h'])} ${String(rec['id.orig_p'])} ${String(rec['id.resp_h'])} ${String(rec['id.resp_p'])} ${String(rec.proto)} ${String(rec.conn_state)}`;
      }).sort();
    };
    const want = conn(raw101, 'l101');
    assert.ok(want.length > 20, `got ${want.length} connections`);
    assert.deepEqual(conn(raw12, 'l12'), want);
    assert.deepEqual(conn(raw12, 'l12w', ['--workers', '2']), want);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sensor --metrics without a port is a usage error naming the option and HOST:PORT', () => {
  for (const bad of ['localhost', 'localhost:99999', '[::1]']) {
    const r = picket(['sensor', '-i', 'lo', '--metrics', bad, '--duration', '1']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `picket: --metrics: "${bad}" is not HOST:PORT (e.g. 127.0.0.1:8780 or [::1]:8780)\n`);
  }
});

test('a misspelt command or option is named with the closest one, and an option without its value says so', () => {
  const cmd = picket(['replya', WIKI]);
  assert.equal(cmd.status, 2);
  assert.match(cmd.stderr, /^picket: unknown command "replya" \(did you mean "replay"\?\)\n/);
  const help = picket(['help', 'sensr']);
  assert.equal(help.status, 2);
  assert.match(help.stderr, /unknown command "sensr" \(did you mean "sensor"\?\)/);
  const far = picket(['xyzzy']);
  assert.equal(far.status, 2);
  assert.match(far.stderr, /^picket: unknown command "xyzzy"\n/);
  const opt = picket(['replay', WIKI, '--log', 'logs']);
  assert.equal(opt.status, 2);
  assert.equal(opt.stderr, 'picket: replay: unknown option --log (did you mean --logs?) (see picket replay --help)\n');
  const short = picket(['baseline', WIKI, '-z']);
  assert.equal(short.status, 2);
  assert.match(short.stderr, /baseline: unknown option -z \(see picket baseline --help\)/);
  const missing = picket(['replay', WIKI, '--logs']);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'picket: replay: --logs needs a value (see picket replay --help)\n');
});

test('demo refuses arguments it would otherwise ignore', () => {
  const dir = tempDir();
  try {
    const opt = spawnSync(process.execPath, [BIN, 'demo', '--logs', dir], { cwd: dir, encoding: 'utf8' });
    assert.equal(opt.status, 2);
    assert.match(opt.stderr, /demo: unknown option --logs/);
    const file = spawnSync(process.execPath, [BIN, 'demo', WIKI], { cwd: dir, encoding: 'utf8' });
    assert.equal(file.status, 2);
    assert.match(file.stderr, /demo: takes no arguments, got ".*wikipedia\.pcap" \(to analyse your own capture: picket replay FILE\)/);
    // Nothing was replayed.
    assert.equal(fs.existsSync(path.join(dir, 'data')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('agent: a missing --name, --kind or id is reported before the store is opened', () => {
  const dir = tempDir();
  try {
    // No store in this data directory: the usage problem is still what is reported.
    const data = path.join(dir, 'data');
    const noName = picket(['agent', 'token', 'create', '--kind', 'sensor', '--data', data]);
    assert.equal(noName.status, 2);
    assert.match(noName.stderr, /agent: token create needs --name NAME/);
    const noKind = picket(['agent', 'token', 'create', '--name', 'edge-1', '--data', data]);
    assert.equal(noKind.status, 2);
    assert.match(noKind.stderr, /agent: token create needs --kind sensor\|honeypot\|egress/);
    const noId = picket(['agent', 'revoke', '--data', data]);
    assert.equal(noId.status, 2);
    assert.match(noId.stderr, /agent: revoke needs the agent id/);
    // With everything given, the missing store is what is wrong.
    const noStore = picket(['agent', 'token', 'create', '--name', 'edge-1', '--kind', 'sensor', '--data', data]);
    assert.equal(noStore.status, 1);
    assert.match(noStore.stderr, /no Picket store/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('conn.jsonl has local_orig and local_resp from the configured networks, on one thread or two, and none without networks', () => {
  const dir = tempDir();
  const demo = path.join(REPO_ROOT, 'assets', 'demo');
  try {
    for (const workers of ['1', '2']) {
      const logs = path.join(dir, `w${workers}`);
      const r = picket(['replay', path.join(demo, 'demo.pcap'), '--config', path.join(demo, 'picket.yaml'), '--logs', logs, '--workers', workers, '-q']);
      assert.equal(r.status, 0, r.stderr);
      const conn = lines(path.join(logs, 'conn.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
      // The demo's networks are 10.77.1.0/24 and 10.77.2.0/24; 198.51.100.10 stands in for the Internet.
      const inNets = (ip: unknown): boolean => /^10\.77\.[12]\./.test(String(ip));
      for (const c of conn) {
        assert.equal(c.local_orig, inNets(c['id.orig_h']), JSON.stringify(c));
        assert.equal(c.local_resp, inNets(c['id.resp_h']), JSON.stringify(c));
      }
      assert.ok(conn.some((c) => c.local_resp === false));
    }
    const plain = path.join(dir, 'plain');
    const r = picket(['replay', path.join(demo, 'demo.pcap'), '--logs', plain, '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(lines(path.join(plain, 'conn.jsonl')).every((l) => !l.includes('local_orig') && !l.includes('local_resp')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the tunnels: section of picket.yaml turns the tunnel\'s own connections, or decapsulation, off, in every layout', () => {
  const dir = tempDir();
  const capture = path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels', 'vxlan.pcap');
  try {
    const services = (config: string | null, layout: string[]): { vxlan: number; inner: number; outer: number } => {
      const logs = path.join(dir, `logs-${fs.readdirSync(dir).length}`);
      const args = ['replay', capture, '--logs', logs, '-q', ...layout];
      if (config !== null) {
        const file = path.join(dir, `c-${fs.readdirSync(dir).length}.yaml`);
        fs.writeFileSync(file, config);
        args.push('--config', file);
      }
      const r = picket(args);
      assert.equal(r.status, 0, r.stderr);
      const conn = lines(path.join(logs, 'conn.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
      return {
        vxlan: conn.filter((c) => c.service === 'vxlan').length,
        inner: conn.filter((c) => c.tunnel === 'vxlan').length,
        outer: conn.filter((c) => c['id.resp_p'] === 4789 && c.service === undefined).length,
      };
    };
    for (const layout of [[], ['--workers', '2'], ['--decode-thread']]) {
      const on = services(null, layout);
      assert.ok(on.vxlan > 0 && on.inner > 0 && on.outer === 0, `${layout.join(' ')}: ${JSON.stringify(on)}`);
      assert.deepEqual(services('tunnels: { outer_conns: false }\n', layout), { vxlan: 0, inner: on.inner, outer: 0 });
      const off = services('tunnels:\n  decapsulate: false\n', layout);
      assert.ok(off.vxlan === 0 && off.inner === 0 && off.outer > 0, JSON.stringify(off));
    }
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'tunnels:\n  outer_conn: false\n');
    const r = picket(['replay', capture, '--config', bad, '-q']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /bad\.yaml:2.*outer_conn/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the summary counts decoder anomalies by reason, in every layout', () => {
  const dir = tempDir();
  try {
    // One raw IPv4 packet (LINKTYPE_RAW) whose UDP length (40) disagrees with its IP payload (12 bytes).
    const ip = Buffer.from([0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53, 0, 40, 0, 0, 1, 2, 3, 4]);
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(101, 20);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000, 0);
    rec.writeUInt32LE(ip.length, 8);
    rec.writeUInt32LE(ip.length, 12);
    const file = path.join(dir, 'odd.pcap');
    fs.writeFileSync(file, Buffer.concat([header, rec, ip]));
    for (const layout of [[], ['--workers', '2'], ['--decode-thread']]) {
      const r = picket(['replay', file, '--no-detect', ...layout]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /decoder anomalies 1 \(udp_length_mismatch 1\)/, `${layout.join(' ')}: ${r.stderr}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
