/**
 * `picket query` as a separate process: straight on a data directory filled
 * by replaying the wikipedia capture, and against a real `picket server` on
 * 127.0.0.1 holding the same data; both answers must equal the store's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStores } from '../../src/store/open.js';
import { ingestReplay } from '../../src/store/ingest-replay.js';
import { runServer } from '../../src/server/server.js';
import type { HostSummary, Page, ConnRow } from '../../src/store/types.js';
import { REPO_ROOT, ZEEK_CORPUS, tempDir } from '../helpers/paths.js';
import { conn } from './store-suite.js';
import { spanEnd } from '../../src/server/host-window.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const WIKI = path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap');
const HOST = '141.142.220.118';

function picket(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(JSON.parse(process.argv[1]));`, JSON.stringify(args)],
      { env: { ...process.env, PICKET_ADMIN_TOKEN: '', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('picket query on a data directory and through a running server', async () => {
  const dir = tempDir('picket-query-');
  try {
    let expected: HostSummary;
    let expectedSpan: HostSummary;
    let expectedConns: Page<ConnRow>;
    let expectedBiggest: Page<ConnRow>;
    {
      const { store, close } = await openStores(dir);
      await ingestReplay(store, [WIKI]);
      // One older connection of the host, two days before the capture, so a span leaves something out.
      const capture = (await store.hostLastSeen(HOST))!;
      await store.insert('conn', [conn({ ts: capture - 2 * 86400, uid: 'Cold1', 'id.orig_h': HOST })]);
      expected = await store.hostSummary(HOST);
      // --span 10s: the last ten seconds of the host's own activity, ending just past its newest connection.
      const end = spanEnd(capture);
      expectedSpan = await store.hostSummary(HOST, end - 10, end);
      expectedConns = await store.connections({ cidr: '141.142.220.0/24', port: 80, limit: 5 });
      expectedBiggest = await store.connections({ ip: HOST, limit: 3, sort: { field: 'bytes', dir: 'desc' } });
      await close();
    }
    assert.ok(expected.connections > 10);

    const host = await picket(['query', 'host', HOST, '--data', dir, '--format', 'json']);
    assert.equal(host.status, 0, host.stderr);
    assert.deepEqual(JSON.parse(host.stdout), expected);

    const spanned = await picket(['query', 'host', HOST, '--span', '10s', '--data', dir, '--format', 'json']);
    assert.equal(spanned.status, 0, spanned.stderr);
    assert.deepEqual(JSON.parse(spanned.stdout), expectedSpan);
    assert.ok(expectedSpan.connections > 0 && expectedSpan.connections < expected.connections, 'the span is a real part of the history');
    assert.equal((await picket(['query', 'host', HOST, '--span', 'soon', '--data', dir])).status, 2);
    assert.equal((await picket(['query', 'host', HOST, '--span', '1h', '--from', '2011-03-18', '--data', dir])).status, 2);

    // Any spelling of the address is the same host (the store keeps the dotted one).
    const mapped = await picket(['query', 'host', `::FFFF:${HOST}`, '--data', dir, '--format', 'json']);
    assert.equal(mapped.status, 0, mapped.stderr);
    assert.deepEqual(JSON.parse(mapped.stdout), expected);
    const mappedDns = await picket(['query', 'dns', '--ip', `::ffff:${HOST}`, '--data', dir, '--format', 'json']);
    const plainDns = await picket(['query', 'dns', '--ip', HOST, '--data', dir, '--format', 'json']);
    assert.ok((JSON.parse(plainDns.stdout) as Page<unknown>).total > 0);
    assert.deepEqual(JSON.parse(mappedDns.stdout), JSON.parse(plainDns.stdout));
    const v6 = await picket(['query', 'connections', '--ip', 'FE80:0:0:0:3074:17D5:2052:C324', '--data', dir, '--format', 'json']);
    assert.equal(v6.status, 0, v6.stderr);
    assert.ok((JSON.parse(v6.stdout) as Page<ConnRow>).total > 0, 'the IPv6 host of the capture, written in full and upper case');

    const tableOut = await picket(['query', 'host', HOST, '--data', dir]);
    assert.equal(tableOut.status, 0, tableOut.stderr);
    assert.match(tableOut.stdout, /bytes sent/);
    assert.match(tableOut.stdout, new RegExp(`\\b${expected.bytes_sent}\\b`));
    assert.match(tableOut.stdout, /upload\.wikimedia\.org/);

    const conns = await picket(['query', 'connections', '--cidr', '141.142.220.0/24', '--port', '80', '--limit', '5', '--data', dir, '--format', 'json']);
    assert.equal(conns.status, 0, conns.stderr);
    assert.deepEqual(JSON.parse(conns.stdout), expectedConns);

    const biggest = await picket(['query', 'connections', '--ip', HOST, '--sort=-bytes', '--limit', '3', '--data', dir, '--format', 'json']);
    assert.equal(biggest.status, 0, biggest.stderr);
    assert.deepEqual(JSON.parse(biggest.stdout), expectedBiggest);
    const newest = await picket(['query', 'connections', '--ip', HOST, '--limit', '3', '--data', dir, '--format', 'json']);
    assert.notDeepEqual((JSON.parse(newest.stdout) as Page<ConnRow>).rows, expectedBiggest.rows, 'not the default order');
    const badSort = await picket(['query', 'alerts', '--sort', 'bytes', '--data', dir]);
    assert.equal(badSort.status, 2);
    assert.match(badSort.stderr, /--sort "bytes" is not one of time, severity, rule, count/);
    assert.equal((await picket(['query', 'dns', '--sort', 'time', '--data', dir])).status, 2);

    const window = await picket(['query', 'dns', '--ip', HOST, '--from', '2011-03-18T19:06:00Z', '--to', '1400000000', '--data', dir, '--format', 'json']);
    assert.equal(window.status, 0, window.stderr);
    assert.ok((JSON.parse(window.stdout) as Page<unknown>).total > 0);

    const bad = await picket(['query', 'host', 'not-an-ip', '--data', dir]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not an IP address/);
    assert.equal((await picket(['query', 'connections', '--from', 'yesterday', '--data', dir])).status, 2);
    assert.equal((await picket(['query', 'host', HOST, '--server', 'http://127.0.0.1:1'])).status, 2); // no token

    const token = `admintoken-${process.pid}-0123456789abcdef`;
    const server = await runServer({ dataDir: dir, listen: '127.0.0.1:0', env: { PICKET_ADMIN_TOKEN: token }, logLevel: false });
    try {
      const remote = await picket(['query', 'host', HOST, '--server', server.url, '--format', 'json'], { PICKET_ADMIN_TOKEN: token });
      assert.equal(remote.status, 0, remote.stderr);
      assert.deepEqual(JSON.parse(remote.stdout), expected);
      const rspan = await picket(['query', 'host', HOST, '--span', '10s', '--server', server.url, '--token', token, '--format', 'json']);
      assert.equal(rspan.status, 0, rspan.stderr);
      assert.deepEqual(JSON.parse(rspan.stdout), expectedSpan);
      const rconns = await picket(['query', 'connections', '--cidr', '141.142.220.0/24', '--port', '80', '--limit', '5', '--server', server.url, '--token', token, '--format', 'json']);
      assert.equal(rconns.status, 0, rconns.stderr);
      assert.deepEqual(JSON.parse(rconns.stdout), expectedConns);
      const rbiggest = await picket(['query', 'connections', '--ip', HOST, '--sort=-bytes', '--limit', '3', '--server', server.url, '--token', token, '--format', 'json']);
      assert.equal(rbiggest.status, 0, rbiggest.stderr);
      assert.deepEqual(JSON.parse(rbiggest.stdout), expectedBiggest);
      const rmapped = await picket(['query', 'host', `::ffff:${HOST}`, '--server', server.url, '--token', token, '--format', 'json']);
      assert.equal(rmapped.status, 0, rmapped.stderr);
      assert.deepEqual(JSON.parse(rmapped.stdout), expected);
      const denied = await picket(['query', 'host', HOST, '--server', server.url, '--token', 'wrong']);
      assert.equal(denied.status, 1);
      assert.match(denied.stderr, /401/);
      // While the server holds the file, --data is refused with a pointer to --server.
      const locked = await picket(['query', 'host', HOST, '--data', dir]);
      assert.equal(locked.status, 1);
      assert.match(locked.stderr, /--server/);
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('picket query --data on a directory without a store fails naming the path and creates nothing', async () => {
  const dir = tempDir('picket-query-missing-');
  try {
    const typo = path.join(dir, 'nonexistent', 'x');
    const r = await picket(['query', 'host', HOST, '--data', typo, '--format', 'json']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`no Picket store at ${path.join(typo, 'picket.duckdb')}`), r.stderr);
    assert.equal(fs.existsSync(path.join(dir, 'nonexistent')), false, 'no directory made');
    const empty = await picket(['query', 'connections', '--data', dir]);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /has no picket\.duckdb.*the server creates its store/);
    assert.deepEqual(fs.readdirSync(dir), [], 'no store file made');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('picket query connections: a tunnel column, with kind and id, only on a page that has tunnelled connections', async () => {
  const dir = tempDir('picket-query-');
  try {
    {
      const { store, close } = await openStores(dir);
      await ingestReplay(store, [path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels', 'vxlan.pcap')]);
      await close();
    }
    const header = (out: string): string[] => out.split('\n')[0]!.trim().split(/\s{2,}/);
    const inner = await picket(['query', 'connections', '--cidr', '10.201.1.0/24', '--data', dir]);
    assert.equal(inner.status, 0, inner.stderr);
    assert.equal(header(inner.stdout).at(-1), 'tunnel');
    const rows = inner.stdout.split('\n').slice(1).filter((l) => l.includes('10.201.1.'));
    assert.ok(rows.length > 0 && rows.every((l) => l.trimEnd().endsWith('vxlan 4242')), inner.stdout);
    const outer = await picket(['query', 'connections', '--ip', '10.200.0.1', '--data', dir]);
    assert.equal(outer.status, 0, outer.stderr);
    assert.ok(!header(outer.stdout).includes('tunnel'), 'the tunnel\'s own connections came out of none');
    assert.match(outer.stdout, / vxlan /, 'their service is the tunnel\'s name');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
