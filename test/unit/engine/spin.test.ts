// A retry loop whose state comes back with only the MMU-notifier sequence numbers moved on.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { compare, samePlace, sameUpToSequence } from '../../../extension/engine/explore/spin';
import { alloc, cloneState, emptyState, type State } from '../../../extension/engine/state/state';
import { type Rec, ptr, rec } from '../../../extension/engine/state/values';
import { newMm } from '../../../extension/engine/world/layout';

/** An mm, a driver's interval notifier, and a thread in its retry loop holding a sequence and a try count. */
function loop(seq: number, tries = 0): State {
  const s = emptyState();
  s.world.mm = newMm(s);
  alloc(s, 'record', 'gpu0 interval notifier', rec('mmu_interval_notifier', { mm: ptr(s.world.mm), invalidate_seq: seq - 1 }));
  const locals = alloc(s, 'frame', 'retry()', rec('frame', { notifier_seq: seq - 1, tries }));
  s.threads.push({ id: 'dev0', title: 'device', status: 'runnable', frames: [{ code: 'drv.c:retry', fn: 'retry', file: 'drv.c', pc: 7, locals, stack: [], loops: {} }] });
  const subs = ((s.heap[s.world.mm].v as Rec).fields.notifier_subscriptions as Rec).fields;
  subs.invalidate_seq = seq;
  return s;
}

test('the same state, or one whose sequence numbers (and the loop\'s copy) all moved on by whole invalidations', () => {
  const a = loop(2);
  assert.equal(compare(a, cloneState(a), 'dev0'), 'same');
  assert.equal(compare(a, loop(6), 'dev0'), 'shifted', 'two invalidations later, nothing else changed');
  assert.ok(sameUpToSequence(a, loop(6), 'dev0'));
  assert.ok(samePlace(a, loop(6), 'dev0'));
});

test('progress is not a spin: a counter that moved, a sequence moved alone, an odd move, another field', () => {
  const a = loop(2);
  assert.equal(compare(a, loop(6, 1), 'dev0'), false, 'the loop counts its tries: it ends when they run out');
  const notifierOnly = loop(2);
  const mni = Object.values(notifierOnly.heap).find((o) => o.label === 'gpu0 interval notifier')!;
  (mni.v as Rec).fields.invalidate_seq = 5;
  assert.equal(compare(a, notifierOnly, 'dev0'), false, 'the notifier moved but the mm did not');
  assert.equal(compare(a, loop(3), 'dev0'), false, 'an odd move: an invalidation is half done');
  const other = loop(6);
  ((other.heap[other.world.mm].v as Rec).fields as Record<string, unknown>).mm_users = 9;
  assert.equal(compare(a, other, 'dev0'), false, 'something besides the sequence changed');
  const moved = loop(6);
  moved.threads[0].frames[0].pc = 8;
  assert.ok(!samePlace(a, moved, 'dev0'));
  assert.equal(compare(a, moved, 'dev0'), false);
});
