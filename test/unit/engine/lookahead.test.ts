// Persistent sets by lookahead (lookahead.ts): which addresses a footprint's writes can change for
// the state checks, when a segment may run ahead of the others' futures, how far a future is run,
// and when a cached future still holds.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { AheadStats, FutureCache, LOOKAHEAD_SEGMENTS, type SegmentRunner, lookahead, observedAddresses, runsAhead } from '../../../extension/engine/explore/lookahead';
import { EVENTS, type Footprint, emptyFootprint } from '../../../extension/engine/explore/footprint';
import { type Reads, type State, forkState, store } from '../../../extension/engine/state/state';
import { ptr } from '../../../extension/engine/state/values';
import { PAGE_SIZE } from '../../../extension/engine/world/layout';
import { ADDR, presentPte, smallWorld } from '../../helpers/world';

function fp(writes: [number, string[] | null][], reads: [number, string[] | null][] = []): Footprint {
  const f = emptyFootprint();
  for (const [o, k] of writes) f.writes.set(o, k && new Set(k));
  for (const [o, k] of [...reads, ...writes]) f.reads.set(o, k && new Set(k));
  return f;
}

test('observedAddresses: a PTE by the address it maps; the event log, PMDs and a folio\'s dirty flag for every address; locks and refcounts for none', () => {
  const w = smallWorld();
  const table = w.pte.obj;
  const folio = w.folio.obj;
  assert.deepEqual(observedAddresses(w.s, fp([[table, ['entries.0', 'entries.3']]])), new Set([ADDR, ADDR + 3 * PAGE_SIZE]));
  assert.deepEqual(observedAddresses(w.s, fp([[table, ['ptl']], [folio, ['_refcount', '_mapcount', 'lock']], [w.mm, ['mmap_lock', 'mm_users']]])), new Set());
  assert.equal(observedAddresses(w.s, fp([[folio, ['dirty']]])), 'all');
  assert.equal(observedAddresses(w.s, fp([[w.mm, ['pmds']]])), 'all');
  assert.equal(observedAddresses(w.s, fp([[table, null]])), 'all');
  assert.equal(observedAddresses(w.s, fp([[EVENTS, null]])), 'all');
});

test('runsAhead: a segment runs ahead only if it commutes with every future and no state check reads an address both write', () => {
  const w = smallWorld();
  const table = w.pte.obj;
  const s = w.s;
  const future = (f: Footprint): { fp: Footprint; observed: Set<number> | 'all' } => ({ fp: f, observed: observedAddresses(s, f) });
  // The walk writes PTE 3; the CPU's future writes PTE 0 and takes the mmap_lock: they commute.
  const walk = fp([[table, ['entries.3']]]);
  const cpu = future(fp([[table, ['entries.0']], [w.mm, ['mmap_lock']]]));
  assert.equal(runsAhead(s, walk, [cpu]), true);
  // The CPU's future reads PTE 3: the walk must not run ahead of it.
  assert.equal(runsAhead(s, walk, [future(fp([], [[table, ['entries.3']]]))]), false);
  // No place in common, but the future starts an invalidation, which the state checks read
  // together with the PTE the segment writes (secondary-MMU coherence).
  assert.equal(runsAhead(s, fp([[table, ['entries.0']]]), [future(fp([[EVENTS, null]]))]), false);
  // Two other threads whose futures touch the same place: their orders matter, no reduction.
  assert.equal(runsAhead(s, walk, [future(fp([[w.mm, ['mmap_lock']]])), future(fp([], [[w.mm, ['mmap_lock']]]))]), false);
  assert.equal(runsAhead(s, walk, []), true);
});

/** A runner that writes PTE `i` of the test table at its i-th segment, then stops as told. */
function runner(stops: ('sched' | 'waits' | 'done' | 'unknown')[], table: number): SegmentRunner & { calls: number } {
  const r = ((from: State, id: string) => {
    const s = forkState(from);
    const i = r.calls++;
    store(s, ptr(table, 'entries', i), presentPte(900 + i));
    const f = fp([[table, [`entries.${i}`]]]);
    void id;
    const reads: Reads = new Map([[table, new Set([`entries.${i}`])]]);
    return { s, fp: f, reads, stop: stops[Math.min(i, stops.length - 1)] };
  }) as SegmentRunner & { calls: number };
  r.calls = 0;
  return r;
}

test('lookahead: a future runs until the thread waits or finishes; a choice, a crash or a longer run gives none', () => {
  const w = smallWorld();
  const table = w.pte.obj;
  w.s.threads.push({ id: 'cpu0', title: 'CPU', status: 'runnable', frames: [] }, { id: 'dev0', title: 'device', status: 'runnable', frames: [] });
  const f = lookahead(w.s, 'cpu0', runner(['sched', 'sched', 'waits'], table)).future;
  assert.ok(f);
  assert.deepEqual([...(f.fp.writes.get(table) ?? [])].sort(), ['entries.0', 'entries.1', 'entries.2']);
  assert.deepEqual(f.observed, new Set([ADDR, ADDR + PAGE_SIZE, ADDR + 2 * PAGE_SIZE]));
  assert.ok(lookahead(w.s, 'cpu0', runner(['done'], table)).future);
  assert.equal(lookahead(w.s, 'cpu0', runner(['sched', 'unknown'], table)).future, undefined);
  const long = runner(['sched'], table);
  assert.equal(lookahead(w.s, 'cpu0', long).future, undefined);
  assert.equal(long.calls, LOOKAHEAD_SEGMENTS);
  // A thread that starts once this one finished would move after it: no future.
  w.s.threads[1].after = 'cpu0';
  assert.equal(lookahead(w.s, 'cpu0', runner(['done'], table)).future, undefined);
});

test('FutureCache: a future is reused while the thread has not moved and what it read is unchanged', () => {
  const w = smallWorld();
  const table = w.pte.obj;
  w.s.threads.push({ id: 'cpu0', title: 'CPU', status: 'runnable', frames: [] });
  let computed = 0;
  const cache = new FutureCache((s, id) => {
    computed++;
    return lookahead(s, id, runner(['waits'], table));
  });
  const first = cache.get(w.s, 'cpu0');
  assert.ok(first);
  // Another thread wrote a PTE the future did not read: the same future.
  const other = forkState(w.s);
  store(other, ptr(table, 'entries', 7), presentPte(77));
  assert.equal(cache.get(other, 'cpu0'), first);
  assert.equal(computed, 1);
  // It wrote the PTE the future read: computed again.
  const changed = forkState(w.s);
  store(changed, ptr(table, 'entries', 0), presentPte(55));
  cache.get(changed, 'cpu0');
  assert.equal(computed, 2);
  // The thread moved: computed again.
  const moved = forkState(w.s);
  moved.threads[0].status = 'blocked';
  cache.get(moved, 'cpu0');
  assert.equal(computed, 3);
});

test('AheadStats: a place where running ahead seldom works is no longer tried; one where it works still is', () => {
  const st = new AheadStats();
  for (let i = 0; i < 40; i++) st.note('cpu0', 'do_swap_page', i % 10 === 0);
  for (let i = 0; i < 40; i++) st.note('dev0', 'page_make_device_exclusive_one', i % 10 !== 0);
  assert.equal(st.worth('cpu0', 'do_swap_page'), false);
  assert.equal(st.worth('dev0', 'page_make_device_exclusive_one'), true);
  assert.equal(st.worth('cpu0', 'handle_mm_fault'), true);
});
