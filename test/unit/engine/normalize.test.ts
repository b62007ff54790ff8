// Counterexamples told with fewer thread switches (normalize.ts): commuting segments move, the
// others keep their order.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { entryThread, fewerSwitches, switches } from '../../../extension/engine/explore/normalize';
import { type Footprint, emptyFootprint } from '../../../extension/engine/explore/footprint';

/** A footprint writing the given places of object 1. */
const writes = (...keys: string[]): Footprint => {
  const f = emptyFootprint();
  if (keys.length) {
    f.writes.set(1, new Set(keys));
    f.reads.set(1, new Set(keys));
  }
  return f;
};

test('fewerSwitches: segments that commute move next to their thread\'s others; conflicting ones keep their order', () => {
  // dev1 maps in two parts, dev0 runs in between on other places: one story each.
  const entries = ['dev1', 'dev1', 'dev0', 'dev0', 'dev1', 'dev0'];
  const fps = [writes('a'), writes('b'), writes('c'), writes('d'), writes('e'), writes('f')];
  const order = fewerSwitches(entries, fps);
  assert.deepEqual(order.map((j) => entries[j]), ['dev1', 'dev1', 'dev1', 'dev0', 'dev0', 'dev0']);
  assert.deepEqual(order, [0, 1, 4, 2, 3, 5]);
  // dev1's last segment writes what dev0's first wrote: it stays after it (dev0 then goes on).
  const tied = [writes('a'), writes('b'), writes('c'), writes('d'), writes('c'), writes('f')];
  assert.deepEqual(fewerSwitches(entries, tied), [0, 1, 2, 3, 5, 4]);
  // Nothing commutes: the order found.
  const all = entries.map(() => writes('x'));
  assert.deepEqual(fewerSwitches(entries, all), [0, 1, 2, 3, 4, 5]);
});

test('switches and entryThread read schedule entries, answers included', () => {
  assert.equal(entryThread('dev0/timeout=expired'), 'dev0');
  assert.equal(switches(['dev1', 'dev1', 'dev0/timeout=expired', 'dev0', 'dev1']), 2);
  assert.equal(switches([]), 0);
});
