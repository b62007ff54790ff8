// The explorer's per-path data, shared with the parent path instead of copied at every transition.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { NO_DECISIONS, PathMap, decisionList, extend, push, rangesText, withPfns } from '../../../extension/engine/explore/pathData';

test('decisions: a child path extends its parent, which stays as it was', () => {
  const a = extend(NO_DECISIONS, 'dev0');
  push(a, 'dev0');
  const b = extend(a, 'cpu1');
  const c = extend(a, 'dev0/timeout=expired');
  push(c, 'dev0');
  assert.deepEqual(decisionList(b), ['dev0', 'dev0', 'cpu1']);
  assert.deepEqual(decisionList(c), ['dev0', 'dev0', 'dev0/timeout=expired', 'dev0']);
  assert.deepEqual(decisionList(a), ['dev0', 'dev0']);
  assert.equal(c.length, 4);
  assert.deepEqual(decisionList(NO_DECISIONS), []);
});

test('path maps: a child sees its parent\'s entries and shadows them; deep chains flatten without losing any', () => {
  const root = new PathMap<number | undefined>();
  root.set('a', 1);
  root.set('gone', 5);
  let m = new PathMap(root);
  m.set('a', 2);
  m.set('gone', undefined);
  assert.equal(root.get('a'), 1, 'the parent is unchanged');
  assert.equal(m.get('a'), 2);
  assert.equal(m.get('gone'), undefined, 'a value set to undefined shadows the parent\'s');
  for (let i = 0; i < 100; i++) {
    m = new PathMap(m);
    m.set(`k${i}`, i);
  }
  assert.equal(m.get('a'), 2);
  assert.equal(m.get('k0'), 0);
  assert.equal(m.get('k99'), 99);
  assert.equal(m.entries().size, 102);
  assert.ok(m.entries().has('gone'));
});

test('dirty pfns: ranges in the key, the same list kept while nothing new is dirty', () => {
  const thp = Array.from({ length: 512 }, (_, i) => 512 + i);
  assert.equal(rangesText([...thp, 2048]), '512-1023,2048');
  assert.equal(rangesText([]), '');
  assert.equal(rangesText([3, 5, 6]), '3,5-6');
  const old = [512, 513];
  assert.equal(withPfns(old, [513]), old, 'nothing new: the same list');
  assert.equal(withPfns(old, []), old);
  assert.deepEqual(withPfns(old, [2, 514]), [2, 512, 513, 514]);
  assert.deepEqual(old, [512, 513]);
});
