import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONSTANTS } from '../../../extension/engine/primitives/constants';
import { type State, alloc } from '../../../extension/engine/state/state';
import { type Ptr, type Value, ptr, rec } from '../../../extension/engine/state/values';
import { PAGE_SIZE } from '../../../extension/engine/world/layout';
import { ADDR, blocks, call, fieldOf, locals, smallWorld, testCtx } from '../../helpers/world';

const EXCLUSIVE = CONSTANTS.MMU_NOTIFY_EXCLUSIVE as number;
const END = ADDR + 16 * PAGE_SIZE;

/** A device with an interval notifier on [start, last] of the mm, registered in the world. */
function addDevice(s: State, mm: number, name: string, start = ADDR, last = END - 1): Ptr {
  const id = alloc(s, 'driver', name, rec('dmirror', {
    notifier: rec('mmu_interval_notifier', { mm: ptr(mm), interval_tree: rec('interval_tree_node', { start, last }), invalidate_seq: 2 }),
  }));
  const notifier = ptr(id, 'notifier');
  s.world.devices.push({ name, obj: id, pt: ptr(id, 'pt'), driver: 'test', notifier, owner: null });
  s.world.notifiers.push(notifier);
  return notifier;
}

function world() {
  const w = smallWorld();
  const mni = addDevice(w.s, w.mm, 'dmirror0');
  return { ...w, mni };
}

function range(s: State, mm: Ptr, start = ADDR, end = ADDR + PAGE_SIZE, event = EXCLUSIVE, owner: Value = null): Ptr {
  const r = locals(s, { range: rec('mmu_notifier_range') });
  const p = ptr(r.obj, 'range');
  call(testCtx(s, 'setup'), 'mmu_notifier_range_init_owner', p, event, 0, mm, start, end, owner);
  return p;
}

const mmSeq = (w: ReturnType<typeof world>): Value => fieldOf(w.s, ptr(w.mm, 'notifier_subscriptions'), 'invalidate_seq');

test('mmu_notifier_range_init and _owner fill the range, in the argument orders of v5.x and v6.x', () => {
  const w = world();
  const ctx = testCtx(w.s);
  const r = ptr(locals(w.s).obj, 'r');
  call(ctx, 'mmu_notifier_range_init', r, EXCLUSIVE, 0, w.mmP, ADDR, END);
  assert.deepEqual(['event', 'flags', 'mm', 'start', 'end', 'owner'].map((k) => fieldOf(w.s, r, k)), [EXCLUSIVE, 0, w.mmP, ADDR, END, null]);
  assert.equal(call(ctx, 'mmu_notifier_range_blockable', r), 0);
  const owner = ptr(w.mni.obj);
  call(ctx, 'mmu_notifier_range_init_owner', r, 1, CONSTANTS.MMU_NOTIFIER_RANGE_BLOCKABLE, w.mmP, ADDR, END, owner);
  assert.deepEqual(fieldOf(w.s, r, 'owner'), owner);
  assert.equal(call(ctx, 'mmu_notifier_range_blockable', r), 1);
  // v5.x: (range, event, flags, vma, mm, start, end[, owner])
  call(ctx, 'mmu_notifier_range_init', r, 2, 0, w.vma, w.mmP, ADDR + PAGE_SIZE, END);
  assert.deepEqual(['event', 'mm', 'start', 'owner'].map((k) => fieldOf(w.s, r, k)), [2, w.mmP, ADDR + PAGE_SIZE, null]);
  call(ctx, 'mmu_notifier_range_init_owner', r, 6, 0, w.vma, w.mmP, ADDR, END, owner);
  assert.deepEqual(['event', 'mm', 'start', 'end', 'owner'].map((k) => fieldOf(w.s, r, k)), [6, w.mmP, ADDR, END, owner]);
});

test('the notifiers of an mm: count, get, overlap, mm_has_notifiers', () => {
  const w = world();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'mm_has_notifiers', w.mmP), 1);
  assert.equal(call(ctx, 'kpsim_mn_count', w.mmP), 1);
  assert.deepEqual(call(ctx, 'kpsim_mn_get', w.mmP, 0), w.mni);
  assert.equal(call(ctx, 'kpsim_mn_get', w.mmP, 1), null);
  const other = smallWorld();
  assert.equal(call(testCtx(other.s), 'mm_has_notifiers', other.mmP), 0);
  assert.equal(call(ctx, 'mmu_notifier_range_update_to_read_only', range(w.s, w.mmP)), 0);

  const narrow = addDevice(w.s, w.mm, 'dmirror1', ADDR + 4 * PAGE_SIZE, ADDR + 8 * PAGE_SIZE - 1);
  assert.equal(call(ctx, 'kpsim_mn_count', w.mmP), 2);
  assert.equal(call(ctx, 'kpsim_mn_overlaps', narrow, range(w.s, w.mmP, ADDR, ADDR + 4 * PAGE_SIZE)), 0, 'the range ends where the interval starts');
  assert.equal(call(ctx, 'kpsim_mn_overlaps', narrow, range(w.s, w.mmP, ADDR, ADDR + 4 * PAGE_SIZE + 1)), 1);
  assert.equal(call(ctx, 'kpsim_mn_overlaps', narrow, range(w.s, w.mmP, ADDR + 7 * PAGE_SIZE, END)), 1);
  assert.equal(call(ctx, 'kpsim_mn_overlaps', narrow, range(w.s, w.mmP, ADDR + 8 * PAGE_SIZE, END)), 0, 'starts after the last byte');
  assert.equal(call(ctx, 'kpsim_mn_overlaps', w.mni, range(w.s, w.mmP)), 1);
});

test('kpsim_mn_begin makes the mm sequence odd and records the event; kpsim_mn_end makes it even again', () => {
  const w = world();
  const ctx = testCtx(w.s, 'cpu0');
  const r = range(w.s, w.mmP, ADDR, ADDR + PAGE_SIZE, EXCLUSIVE, ptr(w.mni.obj));
  assert.equal(mmSeq(w), 2);
  assert.equal(call(ctx, 'kpsim_mn_begin', r), 3);
  assert.equal(mmSeq(w), 3);
  assert.equal(fieldOf(w.s, ptr(w.mm, 'notifier_subscriptions'), 'active_invalidate_ranges'), 1);
  assert.equal(call(ctx, 'mmu_notifier_range_blockable', r), 1, 'the model runs blockable invalidations');
  assert.equal(w.s.events.length, 1);
  assert.deepEqual(w.s.events[0], {
    id: 0, phase: 'start', event: 'MMU_NOTIFY_EXCLUSIVE', start: ADDR, end: ADDR + PAGE_SIZE, owner: ptr(w.mni.obj), thread: 'cpu0', deliveries: [],
  });
  assert.ok(ctx.notes.some((n) => /MMU_NOTIFY_EXCLUSIVE .* starts/.test(n)));
  assert.ok(ctx.log.some((c) => c.before === 2 && c.after === 3), 'the sequence change is logged');

  assert.equal(call(ctx, 'kpsim_mn_end', r), 0);
  assert.equal(mmSeq(w), 4);
  assert.equal(w.s.events.length, 2);
  assert.deepEqual({ ...w.s.events[1], deliveries: undefined }, {
    // The end carries its start's id: an invalidation in progress is a start without its end.
    id: 0, phase: 'end', event: 'MMU_NOTIFY_EXCLUSIVE', start: ADDR, end: ADDR + PAGE_SIZE, owner: ptr(w.mni.obj), thread: 'cpu0', deliveries: undefined,
  });
  assert.throws(() => call(ctx, 'kpsim_mn_end', r), /without a start/);
});

test('nested invalidations: the sequence goes odd once and even when the last one ends', () => {
  const w = world();
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'cpu1');
  const r1 = range(w.s, w.mmP);
  const r2 = range(w.s, w.mmP, ADDR + PAGE_SIZE, ADDR + 2 * PAGE_SIZE, 0);
  assert.equal(call(a, 'kpsim_mn_begin', r1), 3);
  assert.equal(call(b, 'kpsim_mn_begin', r2), 3);
  assert.equal(w.s.events[1].event, 'MMU_NOTIFY_UNMAP');
  call(a, 'kpsim_mn_end', r1);
  assert.equal(mmSeq(w), 3, 'still odd: one invalidation is running');
  call(b, 'kpsim_mn_end', r2);
  assert.equal(mmSeq(w), 4);
  assert.equal(call(a, 'kpsim_mn_begin', r1), 5);
});

test('mmu_interval_read_begin blocks while an invalidation of its notifier runs; read_retry tells whether one ran', () => {
  const w = world();
  const cpu = testCtx(w.s, 'cpu0');
  const dev = testCtx(w.s, 'dmirror0');
  const r = range(w.s, w.mmP);

  const seq0 = call(dev, 'mmu_interval_read_begin', w.mni);
  assert.equal(seq0, 2);
  assert.equal(call(dev, 'mmu_interval_read_retry', w.mni, seq0), 0, 'nothing happened since');

  const cur = call(cpu, 'kpsim_mn_begin', r);
  call(cpu, 'kpsim_mn_deliver', w.mni, r);
  assert.deepEqual(w.s.events[0].deliveries, [{ device: 'dmirror0', filtered: true }]);
  assert.equal(call(dev, 'mmu_interval_read_begin', w.mni), 2, 'not this notifier\'s invalidation until its callback sets the sequence');

  call(cpu, 'mmu_interval_set_seq', w.mni, cur);
  assert.equal(fieldOf(w.s, w.mni, 'invalidate_seq'), 3);
  assert.deepEqual(w.s.events[0].deliveries, [{ device: 'dmirror0', filtered: false }], 'the driver acted on the event');
  assert.match(blocks(dev, 'mmu_interval_read_begin', w.mni).on, /invalidation of dmirror0 is running/);
  assert.equal(call(dev, 'mmu_interval_read_retry', w.mni, seq0), 1);
  assert.equal(call(dev, 'mmu_interval_check_retry', w.mni, seq0), 1);

  call(cpu, 'kpsim_mn_end', r);
  const seq1 = call(dev, 'mmu_interval_read_begin', w.mni);
  assert.equal(seq1, 3);
  assert.equal(call(dev, 'mmu_interval_read_retry', w.mni, seq1), 0);
  assert.equal(call(dev, 'mmu_interval_read_retry', w.mni, seq0), 1, 'an invalidation ran since seq0');
});

test('an invalidation of another notifier does not block mmu_interval_read_begin', () => {
  const w = world();
  const other = addDevice(w.s, w.mm, 'dmirror1');
  const cpu = testCtx(w.s, 'cpu0');
  const r = range(w.s, w.mmP);
  const cur = call(cpu, 'kpsim_mn_begin', r);
  call(cpu, 'kpsim_mn_deliver', w.mni, r);
  call(cpu, 'kpsim_mn_deliver', other, r);
  call(cpu, 'mmu_interval_set_seq', other, cur);
  assert.deepEqual(w.s.events[0].deliveries, [{ device: 'dmirror0', filtered: true }, { device: 'dmirror1', filtered: false }]);
  assert.equal(call(testCtx(w.s, 'dmirror0'), 'mmu_interval_read_begin', w.mni), 2);
  blocks(testCtx(w.s, 'dmirror1'), 'mmu_interval_read_begin', other);
});
