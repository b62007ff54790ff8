import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONSTANTS } from '../../../extension/engine/primitives/constants';
import { DRIVER, TLB } from '../../../extension/engine/primitives/driver';
import { alloc, canonical, load } from '../../../extension/engine/state/state';
import { type Ptr, type Value, ptr, rec } from '../../../extension/engine/state/values';
import { ADDR, call, fieldOf, locals, member, smallWorld, testCtx } from '../../helpers/world';

const TAG_ATOMIC = CONSTANTS.DPT_XA_TAG_ATOMIC as number;
const TAG_WRITE = CONSTANTS.DPT_XA_TAG_WRITE as number;

/** A dmirror-like driver struct whose `pt` xarray is not initialised yet. */
function driver() {
  const w = smallWorld();
  const id = alloc(w.s, 'driver', 'dmirror0', rec('dmirror', {}));
  return { ...w, dmirror: ptr(id), xa: ptr(id, 'pt') };
}

test('xa_store / xa_load / xa_erase: the old entry is returned, a missing one is NULL', () => {
  const w = driver();
  const ctx = testCtx(w.s);
  const idx = ADDR / 4096;
  assert.equal(call(ctx, 'xa_load', w.xa, idx), null, 'an uninitialised xarray is empty');
  assert.equal(call(ctx, 'xa_store', w.xa, idx, w.page, 0), null);
  assert.deepEqual(call(ctx, 'xa_load', w.xa, idx), w.page);
  assert.equal(call(ctx, 'xa_load', w.xa, idx + 1), null);
  const tagged = call(ctx, 'xa_tag_pointer', w.page, TAG_WRITE);
  assert.deepEqual(call(ctx, 'xa_store', w.xa, idx, tagged, 0), w.page, 'xa_store returns the entry it replaced');
  assert.deepEqual(call(ctx, 'xa_load', w.xa, idx), tagged);
  assert.deepEqual(call(ctx, 'xa_erase', w.xa, idx), tagged);
  assert.equal(call(ctx, 'xa_load', w.xa, idx), null);
  assert.equal(call(ctx, 'xa_erase', w.xa, idx), null, 'erasing an empty index');
  assert.ok(ctx.log.some((c) => c.after === undefined && c.before !== undefined), 'the erase is logged');
  assert.equal(call(ctx, 'xa_is_err', tagged), 0);
  assert.equal(call(ctx, 'xa_err', tagged), 0);
});

test('xa_init empties an xarray', () => {
  const w = driver();
  const ctx = testCtx(w.s);
  call(ctx, 'xa_store', w.xa, 1, w.page, 0);
  call(ctx, 'xa_init_flags', w.xa, 0);
  assert.equal(call(ctx, 'xa_load', w.xa, 1), null);
});

test('xa_tag_pointer / xa_pointer_tag / xa_untag_pointer', () => {
  const w = driver();
  const ctx = testCtx(w.s);
  for (const tag of [TAG_ATOMIC, TAG_WRITE]) {
    const e = call(ctx, 'xa_tag_pointer', w.page, tag);
    assert.equal(call(ctx, 'xa_pointer_tag', e), tag);
    assert.deepEqual(call(ctx, 'xa_untag_pointer', e), w.page);
  }
  assert.equal(call(ctx, 'xa_pointer_tag', w.page), 0, 'an untagged pointer has tag 0');
  assert.deepEqual(call(ctx, 'xa_untag_pointer', w.page), w.page);
  assert.equal(call(ctx, 'xa_pointer_tag', null), 0);
});

/** Runs an xa_for_each_range loop as the macro expands: first call, then next calls until 0. */
function forEach(ctx: ReturnType<typeof testCtx>, xa: Ptr, first: number, last: number): [Value, Value][] {
  const l = locals(ctx.s, { index: undefined, entry: undefined });
  const out: [Value, Value][] = [];
  let firstTime = 1;
  while (call(ctx, 'xa_for_each_range__next', xa, member(l, 'index'), member(l, 'entry'), first, last, firstTime)) {
    out.push([load(ctx.s, member(l, 'index')), load(ctx.s, member(l, 'entry'))]);
    firstTime = 0;
    assert.ok(out.length < 100, 'the loop ends');
  }
  return out;
}

test('xa_for_each_range__next iterates the present indices in [first, last], in order', () => {
  const w = driver();
  const ctx = testCtx(w.s);
  for (const i of [20, 5, 9, 7, 30]) call(ctx, 'xa_store', w.xa, i, i * 10, 0);
  call(ctx, 'xa_erase', w.xa, 9);
  assert.deepEqual(forEach(ctx, w.xa, 6, 20), [[7, 70], [20, 200]], 'erased and out-of-range indices skipped, last included');
  assert.deepEqual(forEach(ctx, w.xa, 0, 100), [[5, 50], [7, 70], [20, 200], [30, 300]]);
  assert.deepEqual(forEach(ctx, w.xa, 8, 19), []);
  assert.deepEqual(forEach(ctx, w.xa, 30, 30), [[30, 300]]);

  const l = locals(w.s, { index: undefined, entry: undefined });
  const seen: Value[] = [];
  for (let first = 1; call(ctx, 'xa_for_each__next', w.xa, member(l, 'index'), member(l, 'entry'), first); first = 0) seen.push(load(w.s, member(l, 'index')));
  assert.deepEqual(seen, [5, 7, 20, 30]);
});

test('test_hmm helpers: bounce buffer and dmirror_do_read (-ENOENT unless every page is device-mapped)', () => {
  const w = driver();
  const ctx = testCtx(w.s);
  const bounce = locals(w.s);
  call(ctx, 'dmirror_bounce_init', bounce, ADDR, 2 * 4096);
  assert.deepEqual(['addr', 'size', 'cpages', 'ptr'].map((k) => fieldOf(w.s, bounce, k)), [ADDR, 2 * 4096, 0, null]);
  const idx = ADDR / 4096;
  call(ctx, 'xa_store', w.xa, idx, call(ctx, 'xa_tag_pointer', w.page, TAG_ATOMIC), 0);
  assert.equal(call(ctx, 'dmirror_do_read', w.dmirror, ADDR, ADDR + 2 * 4096, bounce), -(CONSTANTS.ENOENT as number));
  assert.equal(fieldOf(w.s, bounce, 'cpages'), 0);
  call(ctx, 'xa_store', w.xa, idx + 1, w.page, 0);
  assert.equal(call(ctx, 'dmirror_do_read', w.dmirror, ADDR, ADDR + 2 * 4096, bounce), 0);
  assert.equal(fieldOf(w.s, bounce, 'cpages'), 2);
  assert.equal(call(ctx, 'dmirror_bounce_fini', bounce), 0);
  assert.equal(call(ctx, 'copy_to_user', 0, bounce, 8), 0);
  assert.equal(call(ctx, 'copy_from_user', bounce, 0, 8), 0);
  assert.equal(call(ctx, 'u64_to_user_ptr', 1234), 1234);
});

test('the driver group: every primitive is in group driver', () => {
  for (const p of DRIVER) assert.equal(p.group, 'driver', p.name);
});

test('TLB, cache, accounting and tracing no-ops: 0, no state change, no log, no warning', () => {
  const w = smallWorld({ write: true });
  const ctx = testCtx(w.s);
  const before = canonical(w.s);
  assert.ok(TLB.length >= 40);
  const names = new Set<string>();
  for (const p of TLB) {
    assert.equal(p.group, 'tlb', p.name);
    assert.equal(p.sched, false, p.name);
    assert.deepEqual([p.reads, p.writes, p.aliases], [[], [], []], p.name);
    assert.ok(p.doc.length > 10, p.name);
    assert.equal(call(ctx, p.name, w.vma, ADDR, w.pte, w.page), 0, p.name);
    assert.equal(call(ctx, p.name), 0, `${p.name} without arguments`);
    names.add(p.name);
  }
  assert.equal(names.size, TLB.length, 'no name twice');
  for (const n of ['flush_tlb_page', 'update_mmu_cache', 'tlb_finish_mmu', 'rcu_read_lock', 'count_vm_event']) assert.ok(names.has(n), n);
  assert.equal(canonical(w.s), before);
  assert.deepEqual([ctx.log, ctx.warns, ctx.notes], [[], [], []]);
});
