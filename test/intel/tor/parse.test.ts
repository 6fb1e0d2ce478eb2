/** Tor relay documents: the real consensus and exit-list samples, Onionoo details JSON, address lists. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DATA } from '../../helpers/paths.js';
import { detectTorFormat, parseTorDocument } from '../../../src/intel/tor/parse.js';
import { TorRelayIndex } from '../../../src/intel/tor/relay-index.js';

const TOR = path.join(SHARED_DATA, 'tor');
const read = (f: string): string => fs.readFileSync(path.join(TOR, f), 'utf8');

test('consensus 2018-06-01 00:00: 208 r entries and 37 a lines, with ports, flags and hex fingerprints', () => {
  const p = parseTorDocument(read('consensus-2018-06-01-00-00-00.txt'));
  assert.equal(p.format, 'consensus');
  assert.equal(p.badCount, 0);
  assert.equal(p.relays.length, 208 + 37);
  const calyx = p.relays.find((r) => r.nickname === 'CalyxInstitute14')!;
  assert.deepEqual(calyx, {
    address: '162.247.72.201',
    nickname: 'CalyxInstitute14',
    or_port: 443,
    dir_port: 80,
    flags: ['Exit', 'Fast', 'Guard', 'HSDir', 'Running', 'Stable', 'V2Dir', 'Valid'],
    exit: true,
    // base64 "ABG9JIWtRdmE7EFZyI/AZuXjMA4" as hex
    fingerprint: '0011BD2485AD45D984EC4159C88FC066E5E3300E',
  });
  const seele = p.relays.find((r) => r.nickname === 'seele')!;
  assert.equal(seele.exit, false, 'p reject 1-65535 and no Exit flag');
  assert.equal(seele.dir_port, undefined, 'DirPort 0 means none');
  // "a [2607:5300:60:1bd1::1]:9050" belongs to PancakeWhore (198.27.66.209:9001).
  const v6 = p.relays.filter((r) => r.nickname === 'PancakeWhore');
  assert.deepEqual(v6.map((r) => [r.address, r.or_port]), [['198.27.66.209', 9001], ['2607:5300:60:1bd1:0:0:0:1', 9050]]);
  assert.deepEqual(v6[1]!.flags, v6[0]!.flags);
});

test('consensus 2018-06-01 01:00 parses too (35 entries)', () => {
  const p = parseTorDocument(read('consensus-2018-06-01-01-00-00.txt'));
  assert.equal(p.format, 'consensus');
  assert.equal(p.relays.filter((r) => !r.address.includes(':')).length, 35);
});

test('TorDNSEL exit list: 925 ExitNode entries, 862 distinct exit addresses, all exits', () => {
  const p = parseTorDocument(read('exit-list-2018-11-02-01-02-01.txt'));
  assert.equal(p.format, 'exit-list');
  assert.equal(p.badCount, 0);
  assert.equal(new Set(p.relays.map((r) => r.fingerprint)).size, 925);
  assert.equal(new Set(p.relays.map((r) => r.address)).size, 862);
  assert.ok(p.relays.every((r) => r.exit && r.flags.includes('Exit')));
  assert.deepEqual(p.relays[0], { address: '162.247.74.201', flags: ['Exit'], exit: true, fingerprint: '0011BD2485AD45D984EC4159C88FC066E5E3300E' });
});

// Onionoo details document (shape per the Onionoo protocol specification; addresses from documentation ranges).
const ONIONOO = JSON.stringify({
  version: '8.0',
  relays_published: '2024-05-01 12:00:00',
  relays: [
    {
      nickname: 'docExit',
      fingerprint: 'a'.repeat(40),
      or_addresses: ['192.0.2.10:9001', '[2001:db8::10]:9001'],
      exit_addresses: ['192.0.2.11'],
      dir_address: '192.0.2.10:9030',
      running: true,
      flags: ['Exit', 'Fast', 'Running', 'Valid'],
      exit_policy_summary: { reject: ['25', '119'] },
    },
    { nickname: 'docGuard', fingerprint: 'B'.repeat(40), or_addresses: ['198.51.100.20:443'], flags: ['Guard', 'Running'], exit_policy_summary: { reject: ['1-65535'] } },
    { nickname: 'broken', or_addresses: ['not-an-address:1'] },
  ],
  bridges_published: '2024-05-01 12:00:00',
  bridges: [],
});

test('Onionoo details: OR addresses (v4 and v6) with ports, Dir port, separate exit addresses, exit from flags/policy', () => {
  assert.equal(detectTorFormat(ONIONOO), 'onionoo');
  const p = parseTorDocument(ONIONOO);
  assert.deepEqual(
    p.relays.map((r) => [r.nickname, r.address, r.or_port, r.dir_port, r.exit]),
    [
      ['docExit', '192.0.2.10', 9001, 9030, true],
      ['docExit', '2001:db8:0:0:0:0:0:10', 9001, undefined, true],
      ['docExit', '192.0.2.11', undefined, undefined, true],
      ['docGuard', '198.51.100.20', 443, undefined, false],
    ],
  );
  assert.equal(p.relays[0]!.fingerprint, 'A'.repeat(40));
  assert.equal(p.badCount, 1, 'the bad OR address');
  assert.equal(p.bad[0]!.line, 3);
});

test('a plain address list is read as exits; junk lines are counted with their line', () => {
  const p = parseTorDocument('# bulk exit list\n192.0.2.1\n192.0.2.1\nnonsense\n2001:db8::1\n');
  assert.equal(p.format, 'address-list');
  assert.deepEqual(p.relays.map((r) => r.address), ['192.0.2.1', '2001:db8:0:0:0:0:0:1']);
  assert.deepEqual(p.bad, [{ line: 4, reason: 'not an IP address', text: 'nonsense' }]);
  assert.equal(parseTorDocument('{not json').badCount, 1);
});

test('a malformed r line is counted and the rest still loads', () => {
  const p = parseTorDocument('network-status-version 3\nr short 1\nr ok AAoQ1DAR6kkoo19hBAX5K0QztNw evtkDQeqgaEIuj55lP3MXloQYcI 2018-05-31 13:28:36 192.0.2.5 9001 0\ns Running\n');
  assert.equal(p.relays.length, 1);
  assert.equal(p.badCount, 1);
  assert.equal(p.bad[0]!.line, 2);
});

test('the index merges one relay seen in a consensus and an exit list, and answers by any spelling of the address', () => {
  const c = parseTorDocument(read('consensus-2018-06-01-00-00-00.txt'));
  const e = parseTorDocument(read('exit-list-2018-11-02-01-02-01.txt'));
  const idx = TorRelayIndex.build([
    { source: 'tor:consensus', relays: c.relays },
    { source: 'tor:exit-list', relays: e.relays },
  ]);
  assert.equal(idx.lookup('192.0.2.250'), undefined);
  const calyx = idx.lookup('162.247.72.201')!;
  assert.equal(calyx.length, 1);
  assert.equal(calyx[0]!.nickname, 'CalyxInstitute14');
  // Its exit address from the exit list is another address, with the same fingerprint.
  const exitAddr = idx.lookup('162.247.74.201')!;
  assert.equal(exitAddr[0]!.fingerprint, calyx[0]!.fingerprint);
  assert.equal(exitAddr[0]!.or_port, undefined);
  assert.deepEqual(idx.lookup('2607:5300:60:1bd1::1')!.map((r) => r.or_port), [9050]);
  assert.deepEqual(idx.lookup('::ffff:162.247.72.201')!.map((r) => r.nickname), ['CalyxInstitute14']);
  // Merge: the same fingerprint at the same address from two sources is one entry naming both.
  const merged = TorRelayIndex.build([
    { source: 'a', relays: [{ address: '192.0.2.1', fingerprint: 'F'.repeat(40), nickname: 'x', or_port: 9001, flags: ['Guard'], exit: false }] },
    { source: 'b', relays: [{ address: '192.0.2.1', fingerprint: 'F'.repeat(40), flags: ['Exit'], exit: true }] },
  ]);
  assert.deepEqual(merged.lookup('192.0.2.1'), [{ flags: ['Guard', 'Exit'], exit: true, source: 'a, b', nickname: 'x', fingerprint: 'F'.repeat(40), or_port: 9001 }]);
  assert.equal(merged.exits, 1);
});
