/**
 * The DNS volume rules' per-client tallies stay bounded as a whole: names
 * held across clients never pass the budget, and a restarted or evicted
 * client gives its names back; clients idle for two windows are swept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsTallies, namesText } from '../../src/detect/dns-tally.js';

function noteNames(t: DnsTallies, client: string, from: number, count: number, restart = false): void {
  for (let i = 0; i < count; i++) t.note(client, restart && i === 0, 'A', `n${from + i}.example`, false, 0);
}

test('names past the budget across clients are not kept, and the client count reads as a lower bound', () => {
  const t = new DnsTallies(10, 600, 25);
  noteNames(t, '10.0.0.1', 0, 20);
  noteNames(t, '10.0.0.2', 0, 10);
  assert.equal(t.namesHeld, 25);
  const b = t.note('10.0.0.2', false, 'A', 'n0.example', false, 0);
  assert.equal(b.names.size, 5);
  assert.equal(b.namesCapped, true);
  assert.equal(namesText(b), '5+ different names');
  // Queries still count by type once names are no longer kept.
  assert.equal(b.byType.get('A'), 11);
});

test('a restarted tally gives its names back to the budget', () => {
  const t = new DnsTallies(10, 600, 25);
  noteNames(t, '10.0.0.1', 0, 20);
  noteNames(t, '10.0.0.1', 100, 1, true);
  assert.equal(t.namesHeld, 1);
  noteNames(t, '10.0.0.2', 0, 24);
  assert.equal(t.namesHeld, 25);
  assert.equal(t.note('10.0.0.2', false, 'A', 'n0.example', false, 0).namesCapped, false);
});

test('a client evicted from the full client map gives its names back', () => {
  const t = new DnsTallies(2, 600, 100);
  noteNames(t, '10.0.0.1', 0, 30);
  noteNames(t, '10.0.0.2', 0, 30);
  noteNames(t, '10.0.0.3', 0, 5);
  assert.equal(t.namesHeld, 35);
});

test('tallies of clients idle for the idle span are swept as packet time moves on, their names given back', () => {
  const t = new DnsTallies(100, 600);
  for (let c = 0; c < 10; c++) t.note(`10.0.0.${c}`, false, 'A', `n${c}.example`, false, 1000 + c);
  t.note('10.0.0.0', false, 'A', 'again.example', false, 1500);
  assert.equal(t.size, 10);
  // At 1800 the clients last seen at 1001..1009 have been idle for over 600 s; 10.0.0.0 was seen at 1500.
  t.note('10.0.0.99', false, 'A', 'y.example', false, 1800);
  assert.equal(t.size, 2, 'swept: only 10.0.0.0 and 10.0.0.99 are left');
  assert.equal(t.namesHeld, 3);
  assert.equal(t.note('10.0.0.0', false, 'A', 'n0.example', false, 1801).names.size, 2, 'a client seen within the span keeps its tally');
});
