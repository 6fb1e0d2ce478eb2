/**
 * nd.solicit, nd.advert and nd.router_advert events (IPv6 neighbor
 * discovery, read by scan.arp, arp.spoofing and ipv6.rogue_router) from the
 * lab's nd-spoof and rogue-ra captures: the same events on one
 * pipeline thread, on two, and behind a decode thread, with analyzers and
 * without (when only neighbor discovery's target and link address option
 * travel between threads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EventBus } from '../../src/events/bus.js';
import { replayCaptures, type ReplayOptions } from '../../src/pipeline/replay.js';
import type { NeighborAdvertEvent } from '../../src/events/neighbor-advert.js';
import type { NeighborSolicitEvent } from '../../src/events/neighbor-solicit.js';
import type { RouterAdvertEvent } from '../../src/events/router-advert.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'nd-spoof.pcap');

async function neighborEvents(opts: Partial<ReplayOptions>): Promise<(NeighborAdvertEvent | NeighborSolicitEvent)[]> {
  const bus = new EventBus();
  const seen: (NeighborAdvertEvent | NeighborSolicitEvent)[] = [];
  bus.on('nd.advert', (e) => seen.push(e));
  bus.on('nd.solicit', (e) => seen.push(e));
  await replayCaptures([CAPTURE], { bus, ...opts });
  return seen.sort((a, b) => a.ts - b.ts || a.type.localeCompare(b.type));
}

test('advertisements carry the target and the link address they advertise; solicitations their target', async () => {
  const events = await neighborEvents({});
  const adverts = events.filter((e): e is NeighborAdvertEvent => e.type === 'nd.advert');
  // parasite6's answers: the victim's neighbour's address, at the poisoner's MAC, sent to the victim.
  const spoofed = adverts.filter((e) => e.src_mac === '02:77:02:00:00:42');
  assert.ok(spoofed.length >= 3);
  for (const e of spoofed) assert.deepEqual([e.target, e.tlla, e.dst], ['fd77:2::21', '02:77:02:00:00:42', 'fd77:2::20']);
  assert.ok(adverts.some((e) => e.target === 'fd77:2::21' && e.tlla === '02:77:02:00:00:15'));
  assert.ok(events.some((e) => e.type === 'nd.solicit' && e.src === 'fd77:2::20' && e.target === 'fd77:2::21'));
});

test('the same events whatever the threads, with analyzers or without', async () => {
  const one = await neighborEvents({ protocols: [] });
  assert.ok(one.length > 10);
  for (const layout of [{ workers: 2 }, { decodeThread: true }, { workers: 2, protocols: [] }, { decodeThread: true, protocols: [] }] as Partial<ReplayOptions>[]) {
    assert.deepEqual(await neighborEvents(layout), one, JSON.stringify(layout));
  }
});

test('router advertisements carry the router\u2019s link address, prefixes and DNS servers, whatever the threads', async () => {
  const capture = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'rogue-ra.pcap');
  const adverts = async (opts: Partial<ReplayOptions>): Promise<RouterAdvertEvent[]> => {
    const bus = new EventBus();
    const seen: RouterAdvertEvent[] = [];
    bus.on('nd.router_advert', (e) => seen.push(e));
    await replayCaptures([capture], { bus, ...opts });
    return seen.sort((a, b) => a.ts - b.ts);
  };
  const one = await adverts({ protocols: [] });
  assert.ok(one.length >= 1);
  assert.deepEqual(
    { ...one[0]!, ts: 0 },
    { type: 'nd.router_advert', ts: 0, src_mac: '02:77:02:00:00:42', src: 'fe80::77:2ff:fe00:42', dst: 'ff02::1', slla: '02:77:02:00:00:42', prefixes: ['2001:db8:bad::/64'], dns_servers: ['ff02::fb'] },
  );
  for (const layout of [{}, { workers: 2 }, { decodeThread: true, protocols: [] }, { workers: 2, protocols: [] }] as Partial<ReplayOptions>[]) {
    assert.deepEqual(await adverts(layout), one, JSON.stringify(layout));
  }
});
