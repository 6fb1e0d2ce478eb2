/** Persistent state: round trip, caps, atomic files, corrupt files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MAX_HOSTNAME_LENGTH, MAX_HOSTNAMES_PER_DEVICE, MAX_IPS_PER_DEVICE, StateStore } from '../../src/state/store.js';
import { tempDir } from '../helpers/paths.js';
import { retainedBytes } from '../helpers/heap.js';

test('devices, user-agents, first-seen and first start survive a save and load', () => {
  const dir = tempDir();
  try {
    const s = StateStore.load(dir);
    s.touch(100);
    assert.equal(s.noteDevice('servers', '02:00:00:00:00:01', '10.0.0.1', 'db1', 100), 'new');
    assert.equal(s.noteDevice('servers', '02:00:00:00:00:01', '10.0.0.2', undefined, 200), 'known');
    assert.equal(s.noteUserAgent('curl/8.0', 100), true);
    assert.equal(s.noteUserAgent('curl/8.0', 150), false);
    assert.equal(s.firstSeen('ja3', 'abc', 120), 120);
    s.save();
    assert.deepEqual(fs.readdirSync(dir).sort(), ['devices.json', 'first-seen.json', 'meta.json', 'user-agent-hosts.json', 'user-agents.json']);

    const t = StateStore.load(dir);
    assert.equal(t.firstStart, 100);
    assert.deepEqual(t.device('servers', '02:00:00:00:00:01'), { mac: '02:00:00:00:00:01', ips: ['10.0.0.1', '10.0.0.2'], hostnames: ['db1'], first_seen: 100, last_seen: 200 });
    assert.deepEqual(t.userAgent('curl/8.0'), { first_seen: 100, last_seen: 150, count: 2 });
    assert.equal(t.firstSeen('ja3', 'abc', 999), 120);
    t.touch(5000);
    assert.equal(t.firstStart, 100, 'the first start is kept');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('per-device lists keep the newest entries up to their caps', () => {
  const s = StateStore.memory();
  for (let i = 0; i < MAX_IPS_PER_DEVICE + 5; i++) s.noteDevice('n', 'm', `10.0.0.${i}`, `h${i % (MAX_HOSTNAMES_PER_DEVICE + 3)}`, i);
  const d = s.device('n', 'm')!;
  assert.equal(d.ips.length, MAX_IPS_PER_DEVICE);
  assert.equal(d.ips.at(-1), `10.0.0.${MAX_IPS_PER_DEVICE + 4}`);
  assert.equal(d.hostnames.length, MAX_HOSTNAMES_PER_DEVICE);
  s.save(); // in-memory store: a no-op
});

test('corrupt or foreign state is refused with the file named', () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ version: 99 }));
    assert.throws(() => StateStore.load(dir), (e: Error & { code?: string }) => e.code === 'PKT_ERR_STATE_CORRUPT' && e.message.includes('meta.json'));
    fs.writeFileSync(path.join(dir, 'meta.json'), 'not json');
    assert.throws(() => StateStore.load(dir), (e: Error & { code?: string }) => e.code === 'PKT_ERR_STATE_CORRUPT');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('user-agents cut to MAX_USER_AGENT_LENGTH do not keep the whole header alive', () => {
  const kept = retainedBytes(() => {
    const s = StateStore.memory();
    for (let i = 0; i < 400; i++) {
      const ua = `agent-${i} `.padEnd(64 * 1024, 'x');
      s.noteUserAgent(ua, 100);
      s.noteUserAgentHost('lan', ua, '10.0.0.1', 100);
    }
    return s;
  });
  // Keys sliced from 64 KiB headers kept 25 MB; cut into their own strings, well under 1 MB.
  assert.ok(kept < 6 * 1024 * 1024, `${kept} bytes kept`);
});

test('device hostnames are stored cut to MAX_HOSTNAME_LENGTH', () => {
  const s = StateStore.memory();
  // A 255-byte binary name as the parsers write it (\xHH escapes): over 1,000 characters.
  const long = '\\xff'.repeat(255);
  s.noteDevice('lan', '02:00:00:00:00:01', '10.0.0.1', long, 100);
  assert.deepEqual(s.device('lan', '02:00:00:00:00:01')?.hostnames, [long.slice(0, MAX_HOSTNAME_LENGTH)]);
});

test('a state directory that is a file, or sits under one, is refused by name', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'picket.yaml');
    fs.writeFileSync(file, 'networks: []\n');
    assert.throws(() => StateStore.load(file), (e: Error & { code?: string }) => e.code === 'PKT_ERR_STATE_READ' && e.message === `state directory ${file} is a file, not a directory`);
    const under = path.join(file, 'state');
    assert.throws(() => StateStore.load(under), (e: Error & { code?: string }) => e.code === 'PKT_ERR_STATE_READ' && e.message === `state directory ${under} cannot be made: a folder on its path is a file`);
    // A missing directory is fine: it is made on the first save.
    assert.equal(StateStore.load(path.join(dir, 'new')).firstStart, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
