import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWN_CAPTURES, loadSeeds, runFuzz, withBuiltSeeds } from './fuzz-lib.js';
import { SURICATA_CORPUS, ZEEK_CORPUS } from '../helpers/paths.js';

test('mutated corpus packets never make the pipeline throw, and skipped packets are counted', { timeout: 600_000 }, async () => {
  const seeds = withBuiltSeeds(await loadSeeds([ZEEK_CORPUS, SURICATA_CORPUS]), await loadSeeds(OWN_CAPTURES));
  assert.ok(seeds.length > 1000, `expected a real corpus, got ${seeds.length} packets`);
  const result = runFuzz(seeds, 200_000, 12345);
  assert.equal(result.packets, 200_000);
  const malformed = Object.values(result.stats.malformed).reduce((a, b) => a + b, 0);
  assert.ok(malformed > 0, 'mutations must produce counted malformed packets');
  assert.equal(Object.keys(result.stats.app.exceptions).length, 0, `analyzer exceptions: ${JSON.stringify(result.stats.app.exceptions)}`);
  assert.ok(result.stats.decoded > 0);
  assert.ok((result.stats.app.flows.dhcpv6 ?? 0) > 0, 'the built DHCPv6 seeds reached their analyzer');
});
