/** Bounded sliding windows and the LRU map. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistinctWindow, RateWindow, SumWindow } from '../../src/state/window.js';
import { LruMap } from '../../src/state/lru.js';

test('DistinctWindow counts distinct members inside the window only', () => {
  const w = new DistinctWindow<number>({ window: 10, maxKeys: 10, maxMembers: 100 });
  assert.equal(w.add('k', 1, 0), 1);
  assert.equal(w.add('k', 1, 1), 1, 'repeat member');
  assert.equal(w.add('k', 2, 5), 2);
  assert.equal(w.add('k', 3, 11.5), 2, 'member 1 (last seen at 1) expired');
  assert.deepEqual(w.members('k'), [2, 3]);
  assert.equal(w.oldest('k'), 5);
  w.add('k', 2, 12);
  assert.deepEqual(w.entries('k'), [[3, 11.5], [2, 12]], 'members with their last-seen times, least recent first');
  assert.deepEqual(w.entries('k', 1), [[3, 11.5]]);
  assert.deepEqual(w.entries('nothing'), []);
  assert.equal(w.count('k', 100), 0);
});

test('DistinctWindow bounds keys (LRU) and members per key', () => {
  const w = new DistinctWindow<number>({ window: 1000, maxKeys: 2, maxMembers: 3 });
  w.add('a', 1, 0);
  w.add('b', 1, 1);
  w.add('a', 2, 200); // touched long after its last move: moved to the young end
  w.add('c', 1, 201); // evicts b
  assert.equal(w.size, 2);
  assert.equal(w.count('b', 201), 0);
  assert.equal(w.count('a', 201), 2);
  assert.equal(w.evictions, 1);
  for (let i = 0; i < 10; i++) w.add('a', 100 + i, 202);
  assert.equal(w.count('a', 202), 3);
  assert.ok(w.membersCapped > 0);
});

test('DistinctWindow keeps a ceiling on members across all keys', () => {
  const w = new DistinctWindow<number>({ window: 1000, maxKeys: 1000, maxMembers: 10, maxTotalMembers: 25 });
  for (let k = 0; k < 10; k++) for (let m = 0; m < 10; m++) w.add(`k${k}`, m, k);
  assert.ok(w.totalMembers <= 25, String(w.totalMembers));
  assert.equal(w.count('k9', 9), 10, 'the newest key is whole');
  assert.equal(w.count('k0', 9), 0, 'the oldest keys went first');
  assert.ok(w.evictions >= 7);
});

test('DistinctWindow sweeps idle keys as time advances', () => {
  const w = new DistinctWindow<number>({ window: 10, maxKeys: 1000, maxMembers: 10 });
  for (let i = 0; i < 100; i++) w.add(`k${i}`, 1, i * 0.01);
  assert.equal(w.size, 100);
  w.add('late', 1, 100);
  assert.equal(w.size, 1);
});

test('DistinctWindow: a key with one member and a key with many count, order and expire alike (checked against a plain model)', () => {
  // The model: per key a Map of member -> last seen, in last-seen order, expired from its front while the front is out of the window.
  let seed = 11;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const window = 10;
  const w = new DistinctWindow<number>({ window, maxKeys: 1000, maxMembers: 1000 });
  const model = new Map<string, Map<number, number>>();
  let ts = 0;
  for (let i = 0; i < 20_000; i++) {
    ts += rand() < 0.01 ? 12 * rand() : rand() * 0.05;
    const at = ts;
    const key = `k${Math.floor(rand() * 5)}`;
    // Mostly one member per key for a while, sometimes several.
    const member = rand() < 0.7 ? 0 : Math.floor(rand() * 6);
    let m = model.get(key);
    if (m === undefined) model.set(key, (m = new Map()));
    for (const [k, t] of m) {
      if (t > at - window) break;
      m.delete(k);
    }
    m.delete(member);
    m.set(member, at);
    assert.equal(w.add(key, member, at), m.size, `event ${i}`);
    assert.deepEqual(w.entries(key), [...m.entries()], `entries, event ${i}`);
    assert.equal(w.oldest(key), m.size === 0 ? NaN : [...m.values()][0], `oldest, event ${i}`);
    let total = 0;
    for (const [k, mm] of model) total += k === key ? mm.size : w.count(k, -Infinity);
    assert.equal(w.totalMembers, total, `total members, event ${i}`);
  }
  // The edge, for a lone member and for several: exactly one window old is outside.
  const edge = new DistinctWindow<number>({ window: 10, maxKeys: 10, maxMembers: 10 });
  edge.add('one', 1, 0);
  edge.add('two', 1, 0);
  edge.add('two', 2, 5);
  assert.equal(edge.count('one', 10), 0);
  assert.equal(edge.count('two', 10), 1);
  assert.equal(edge.add('one', 1, 10), 1);
  assert.equal(edge.totalMembers, 2);
});

test('DistinctWindow keeps an owner\'s extra figures per key, made when the key is added and dropped with it', () => {
  let made = 0;
  const w = new DistinctWindow<number, { hits: number }>({ window: 10, maxKeys: 2, maxMembers: 10, extra: () => ({ hits: made++ * 0 }) });
  w.add('a', 1, 0);
  w.extraOf('a')!.hits++;
  w.add('a', 2, 1);
  w.extraOf('a')!.hits++;
  assert.equal(w.extraOf('a')!.hits, 2, 'one per key, kept as members come');
  assert.equal(made, 1);
  assert.equal(w.extraOf('b'), undefined);
  w.add('b', 1, 2);
  w.add('c', 1, 3); // full: the least recently used key (a) goes, with its figures
  assert.equal(w.extraOf('a'), undefined);
  w.add('d', 1, 100); // b and c idle for a whole window: swept
  assert.equal(w.extraOf('b'), undefined);
  assert.equal(w.extraOf('c'), undefined);
  assert.equal(w.extraOf('d')!.hits, 0);
  assert.equal(made, 4);
});

test('RateWindow: N events within the window, exactly', () => {
  const r = new RateWindow({ window: 60, capacity: 5, maxKeys: 10 });
  assert.equal(r.add('c', 0), 1);
  assert.equal(r.add('c', 20), 2);
  assert.equal(r.add('c', 40), 3);
  assert.equal(r.add('c', 60), 3, 'the event at 0 is exactly one window old: outside');
  assert.equal(r.count('c', 60), 3);
  assert.equal(r.add('c', 61), 4);
  assert.equal(r.add('c', 62), 5);
  assert.equal(r.add('c', 63), 5, 'saturates at capacity');
  assert.equal(r.oldest('c'), 40);
});

test('RateWindow: rings that grow from small (wrapped, pruned, saturated) count like a plain list', () => {
  // A plain reference: every timestamp kept, counted over the window, capped at the capacity.
  let seed = 7;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  for (const capacity of [1, 3, 8, 9, 40, 1000]) {
    const window = 10;
    const r = new RateWindow({ window, capacity, maxKeys: 10 });
    const seen: number[] = [];
    let ts = 0;
    for (let i = 0; i < 3000; i++) {
      // Bursts and pauses, so rings fill, wrap, empty and grow again.
      ts += rand() < 0.02 ? 8 * rand() : rand() * 0.05;
      seen.push(ts);
      const inWindow = seen.filter((t) => t > ts - window);
      const expected = Math.min(capacity, inWindow.length);
      assert.equal(r.add('k', ts), expected, `capacity ${capacity}, event ${i}`);
      assert.equal(r.oldest('k'), inWindow[inWindow.length - expected], `oldest, capacity ${capacity}, event ${i}`);
    }
  }
});

test('RateWindow keeps a ceiling on ring slots across all keys', () => {
  const r = new RateWindow({ window: 1000, capacity: 100, maxKeys: 1000, maxTotalSlots: 250 });
  for (let k = 0; k < 10; k++) for (let i = 0; i < 100; i++) r.add(`k${k}`, k + i * 0.001);
  assert.ok(r.totalSlots <= 250, String(r.totalSlots));
  assert.equal(r.count('k9', 10), 100, 'the newest key still counts up to its capacity');
  assert.equal(r.count('k0', 10), 0, 'the least recently used keys went first');
  assert.ok(r.evictions >= 7);
  // Slots come back when a key is deleted or swept.
  r.delete('k9');
  assert.ok(r.totalSlots <= 250 - 100, String(r.totalSlots));
  r.add('late', 5000);
  assert.equal(r.totalSlots, 8, 'idle keys swept: only the new ring is left');
});

test('SumWindow sums over the window at bucket granularity', () => {
  const s = new SumWindow({ window: 100, maxKeys: 10 });
  assert.equal(s.add('c', 10, 0), 10);
  assert.equal(s.add('c', 5, 50), 15);
  assert.equal(s.sum('c', 99), 15);
  assert.equal(s.sum('c', 105), 5, 'the bucket of t=0 has left');
  assert.equal(s.add('c', 1, 1000), 1);
  // Adding nothing to a key it does not hold keeps no entry.
  assert.equal(s.add('none', 0, 1000), 0);
  assert.equal(s.size, 1);
});

test('SumWindow agrees with a plain list of additions, for keys added to once, rarely and often', () => {
  const window = 100;
  const width = window / 10;
  const s = new SumWindow({ window, maxKeys: 100 });
  const added = new Map<string, [number, number][]>();
  let seed = 7;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let ts = 0;
  for (let i = 0; i < 5000; i++) {
    // Mostly small steps, sometimes a jump past several buckets or the whole window.
    const r = rand();
    ts += r < 0.8 ? rand() * 3 : r < 0.95 ? rand() * 40 : rand() * 150;
    const key = `k${Math.floor(rand() * rand() * 20)}`;
    const value = Math.floor(rand() * 1000);
    const list = added.get(key) ?? [];
    list.push([ts, value]);
    added.set(key, list);
    const head = Math.floor(ts / width);
    const expected = list.filter(([t]) => Math.floor(t / width) > head - 10).reduce((a, [, v]) => a + v, 0);
    assert.equal(s.add(key, value, ts), expected, `add ${i} to ${key} at ${ts}`);
    const other = `k${Math.floor(rand() * 20)}`;
    const otherList = added.get(other) ?? [];
    assert.equal(s.sum(other, ts), otherList.filter(([t]) => Math.floor(t / width) > head - 10).reduce((a, [, v]) => a + v, 0), `sum of ${other} at ${ts}`);
  }
});

test('LruMap evicts the oldest entry; entries in the older half are renewed on access', () => {
  const m = new LruMap<string, number>(4);
  for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) m.set(k, i);
  assert.equal(m.get('a'), 0); // oldest: moved to the young end
  m.set('e', 4);
  assert.ok(m.has('a') && !m.has('b'));
  assert.equal(m.evictions, 1);
  assert.equal(m.peek('a'), 0);
  m.set('a', 9);
  assert.equal(m.get('a'), 9);
  assert.equal(m.size, 4);
});

test('a key sliding through many members expires them in order and keeps its count and oldest time right', () => {
  const w = new DistinctWindow<number>({ window: 10_000, maxKeys: 10, maxMembers: 65536 });
  for (let i = 0; i < 100_000; i++) {
    const n = w.add('scanner', i, i);
    assert.equal(n, Math.min(i + 1, 10_000));
  }
  assert.equal(w.totalMembers, 10_000);
  // At t = 99,999 the window starts after 89,999: the oldest member left is 90,000.
  assert.equal(w.oldest('scanner'), 90_000);
  assert.deepEqual(w.members('scanner', 3), [90_000, 90_001, 90_002]);
  // Seeing the oldest again moves it to the end: the next oldest takes its place.
  w.add('scanner', 90_000, 99_999.5);
  assert.equal(w.oldest('scanner'), 90_001);
  assert.deepEqual(w.members('scanner', 2), [90_001, 90_002]);
  assert.equal(w.count('scanner', 99_999.5), 10_000);
});
