import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONSTANTS } from '../../../extension/engine/primitives/constants';
import { ModelError, load } from '../../../extension/engine/state/state';
import type { Ptr } from '../../../extension/engine/state/values';
import { newFolio, nextPfn, pagePtr, pageRec } from '../../../extension/engine/world/layout';
import { ADDR, blocks, call, locals, lockAt, member, recOf, smallWorld, testCtx } from '../../helpers/world';

const RMAP_EXCLUSIVE = CONSTANTS.RMAP_EXCLUSIVE as number;
const pageMapcount = (w: ReturnType<typeof smallWorld>, pfn: number): number => pageRec(w.s, pagePtr(w.s, pfn)).fields._mapcount as number;
const folioField = (w: ReturnType<typeof smallWorld>, f: Ptr, k: string) => recOf(w.s, f).fields[k];

test('page <-> folio and the shape of a folio', () => {
  const w = smallWorld({ order: 2 });
  const ctx = testCtx(w.s);
  const third = pagePtr(w.s, w.pfn + 2);
  assert.deepEqual(call(ctx, 'page_folio', third), w.folio);
  assert.deepEqual(call(ctx, 'page_folio', w.folio), w.folio, 'a folio pointer is its own folio');
  assert.deepEqual(call(ctx, 'folio_page', w.folio, 2), third);
  assert.deepEqual(call(ctx, 'compound_head', third), w.page);
  assert.equal(call(ctx, 'PageTail', third), 1);
  assert.equal(call(ctx, 'PageTail', w.page), 0);
  assert.equal(call(ctx, 'folio_pfn', w.folio), w.pfn);
  assert.equal(call(ctx, 'folio_nr_pages', w.folio), 4);
  assert.equal(call(ctx, 'folio_order', w.folio), 2);
  assert.equal(call(ctx, 'folio_size', w.folio), 4 * 4096);
  assert.equal(call(ctx, 'folio_test_large', w.folio), 1);
  assert.equal(call(ctx, 'folio_test_anon', third), 1);
  assert.equal(call(ctx, 'PageAnon', third), 1);
  assert.equal(call(ctx, 'folio_test_ksm', w.folio), 0);
  const small = smallWorld();
  assert.equal(call(testCtx(small.s), 'folio_test_large', small.folio), 0);
  assert.throws(() => call(ctx, 'page_folio', w.vma), /is not a page or folio/);
});

test('references: get/put, and folio_put to zero frees the folio; touching it afterwards warns', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 1, 'mapPage took the mapping reference');
  call(ctx, 'folio_get', w.folio);
  call(ctx, 'get_page', w.page);
  call(ctx, 'folio_ref_add', w.folio, 2);
  assert.equal(call(ctx, 'page_count', w.page), 5);
  call(ctx, 'folio_put_refs', w.folio, 3);
  call(ctx, 'put_page', w.page);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 1);
  assert.equal(folioField(w, w.folio, 'freed'), 0);
  assert.deepEqual(ctx.warns, []);

  call(ctx, 'folio_put', w.folio);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 0);
  assert.equal(folioField(w, w.folio, 'freed'), 1, 'freed at zero');
  assert.ok(ctx.notes.some((n) => /freed/.test(n)));
  assert.ok(ctx.log.some((c) => c.after === 1 && /freed$/.test(c.field)), 'the free is in the change log');
  assert.deepEqual(ctx.warns, []);

  assert.equal(call(ctx, 'folio_mark_dirty', w.folio), 1);
  assert.equal(ctx.warns.length, 1);
  assert.match(ctx.warns[0], /folio_mark_dirty on a freed folio/);
  call(ctx, 'folio_lock', w.folio);
  assert.match(ctx.warns[1], /freed folio/, 'locking a freed folio is a use after free too');
  call(ctx, 'folio_put', w.folio);
  assert.ok(ctx.warns.some((x) => /refcount underflow/.test(x)));
});

test('folio_try_get fails at refcount 0 and takes a reference otherwise', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'folio_try_get', w.folio), 1);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 2);
  assert.equal(call(ctx, 'get_page_unless_zero', w.page), 1);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 3);
  call(ctx, 'folio_put_refs', w.folio, 3);
  const before = ctx.log.length;
  assert.equal(call(ctx, 'folio_try_get', w.folio), 0);
  assert.equal(call(ctx, 'folio_try_get_rcu', w.folio), 0);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 0, 'no reference taken');
  assert.equal(ctx.log.length, before);
  assert.deepEqual(ctx.warns, [], 'a speculative get on a freed folio is legitimate');
});

test('folio lock: trylock 1 then 0 for another thread; folio_lock blocks; self-deadlock is a ModelError', () => {
  const w = smallWorld();
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'cpu1');
  assert.equal(call(a, 'folio_test_locked', w.folio), 0);
  assert.equal(call(a, 'folio_trylock', w.folio), 1);
  assert.equal(call(a, 'PageLocked', w.page), 1);
  assert.deepEqual(lockAt(w.s, member(w.folio, 'lock')).holders, ['cpu0']);
  assert.equal(call(b, 'folio_trylock', w.folio), 0);
  assert.equal(call(b, 'trylock_page', w.page), 0);
  assert.equal(call(a, 'folio_trylock', w.folio), 0, 'a second trylock by the holder fails');
  assert.match(blocks(b, 'folio_lock', w.folio).on, /folio lock/);
  blocks(b, 'lock_page', w.page);
  assert.throws(() => call(a, 'folio_lock', w.folio), (e: unknown) => e instanceof ModelError && /deadlock/.test(e.message));

  call(b, 'folio_unlock', w.folio);
  assert.match(b.warns[0], /does not hold/);
  assert.equal(call(a, 'PageLocked', w.page), 1, 'an unlock by another thread does not release it');
  call(a, 'unlock_page', w.page);
  assert.equal(call(a, 'folio_test_locked', w.folio), 0);
  assert.equal(call(b, 'folio_lock_killable', w.folio), 0);
  assert.equal(call(a, 'folio_trylock', w.folio), 0);
  call(b, 'folio_unlock', w.folio);
  assert.equal(call(a, 'folio_lock_or_retry', w.folio, null), 0);
});

test('dirty flag: folio_mark_dirty / folio_clear_dirty_for_io return whether the flag changed', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'folio_test_dirty', w.folio), 0);
  assert.equal(call(ctx, 'folio_mark_dirty', w.folio), 1);
  assert.equal(call(ctx, 'set_page_dirty', w.page), 0, 'already dirty');
  assert.equal(call(ctx, 'folio_test_dirty', w.folio), 1);
  assert.equal(call(ctx, 'folio_clear_dirty_for_io', w.folio), 1);
  assert.equal(call(ctx, 'folio_clear_dirty_for_io', w.folio), 0);
  assert.equal(call(ctx, 'folio_test_dirty', w.folio), 0);
  assert.deepEqual(ctx.warns, []);
});

test('rmap: folio_remove_rmap_pte / folio_add_anon_rmap_pte move page and folio mapcounts', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'folio_mapcount', w.folio), 1);
  assert.equal(call(ctx, 'page_mapcount', w.page), 1);
  assert.equal(call(ctx, 'folio_mapped', w.folio), 1);

  call(ctx, 'folio_remove_rmap_pte', w.folio, w.page, w.vma);
  assert.equal(call(ctx, 'folio_mapcount', w.folio), 0);
  assert.equal(call(ctx, 'page_mapcount', w.page), 0);
  assert.equal(call(ctx, 'folio_mapped', w.folio), 0);
  assert.equal(call(ctx, 'folio_ref_count', w.folio), 1, 'rmap does not touch the refcount');

  call(ctx, 'folio_add_anon_rmap_pte', w.folio, w.page, w.vma, ADDR, RMAP_EXCLUSIVE);
  assert.equal(call(ctx, 'folio_mapcount', w.folio), 1);
  assert.equal(call(ctx, 'folio_precise_page_mapcount', w.folio, w.page), 1);
  call(ctx, 'page_remove_rmap', w.page, w.vma, 0);
  call(ctx, 'page_add_anon_rmap', w.page, w.vma, ADDR, 0);
  assert.equal(call(ctx, 'total_mapcount', w.page), 1);
  assert.deepEqual(ctx.warns, []);

  call(ctx, 'folio_remove_rmap_pte', w.folio, w.page, w.vma);
  call(ctx, 'folio_remove_rmap_pte', w.folio, w.page, w.vma);
  assert.ok(ctx.warns.some((x) => /mapcount underflow/.test(x)));
});

test('rmap of a new folio: folio_add_new_anon_rmap maps its first page', () => {
  const w = smallWorld();
  const pfn = nextPfn(w.s);
  const f: Ptr = { t: 'ptr', obj: newFolio(w.s, { pfn }), path: [] };
  const ctx = testCtx(w.s);
  call(ctx, 'folio_add_new_anon_rmap', f, w.vma, ADDR + 4096, RMAP_EXCLUSIVE);
  assert.equal(pageMapcount(w, pfn), 1);
  assert.equal(folioField(w, f, '_mapcount'), 1);
  assert.equal(pageMapcount(w, w.pfn), 1, 'the other folio is untouched');
});

test('rmap of a range of pages of a large folio: the _ptes forms', () => {
  const w = smallWorld({ order: 2 });
  const ctx = testCtx(w.s);
  const p1 = pagePtr(w.s, w.pfn + 1);
  call(ctx, 'folio_add_anon_rmap_ptes', w.folio, p1, 2, w.vma, ADDR + 4096, 0);
  assert.deepEqual([0, 1, 2, 3].map((i) => pageMapcount(w, w.pfn + i)), [1, 1, 1, 0]);
  assert.equal(folioField(w, w.folio, '_mapcount'), 3);
  call(ctx, 'folio_remove_rmap_ptes', w.folio, p1, 2, w.vma);
  assert.deepEqual([0, 1, 2, 3].map((i) => pageMapcount(w, w.pfn + i)), [1, 0, 0, 0]);
  assert.equal(folioField(w, w.folio, '_mapcount'), 1);
});

test('fork duplicates mappings: the _pte and _ptes forms, in the argument orders of v6.12 and v6.18', () => {
  const w = smallWorld({ order: 2 });
  const ctx = testCtx(w.s);
  const counts = () => [0, 1, 2, 3].map((i) => pageMapcount(w, w.pfn + i));
  // v6.12: folio_try_dup_anon_rmap_pte(folio, page, src_vma)
  assert.equal(call(ctx, 'folio_try_dup_anon_rmap_pte', w.folio, w.page, w.vma), 0);
  assert.deepEqual(counts(), [2, 0, 0, 0]);
  // v6.18: folio_try_dup_anon_rmap_pte(folio, page, dst_vma, src_vma)
  assert.equal(call(ctx, 'folio_try_dup_anon_rmap_pte', w.folio, w.page, w.vma, w.vma), 0);
  assert.deepEqual(counts(), [3, 0, 0, 0]);
  // v6.12: folio_try_dup_anon_rmap_ptes(folio, page, nr_pages, src_vma)
  assert.equal(call(ctx, 'folio_try_dup_anon_rmap_ptes', w.folio, w.page, 4, w.vma), 0);
  assert.deepEqual(counts(), [4, 1, 1, 1]);
  // v6.18: folio_try_dup_anon_rmap_ptes(folio, page, nr_pages, dst_vma, src_vma)
  assert.equal(call(ctx, 'folio_try_dup_anon_rmap_ptes', w.folio, w.page, 4, w.vma, w.vma), 0);
  assert.deepEqual(counts(), [5, 2, 2, 2]);
  assert.equal(folioField(w, w.folio, '_mapcount'), 1 + 1 + 1 + 4 + 4);

  // v6.12: folio_dup_file_rmap_ptes(folio, page, nr_pages); v6.18 adds dst_vma, and to the _pte form.
  call(ctx, 'folio_dup_file_rmap_ptes', w.folio, w.page, 2);
  assert.deepEqual(counts(), [6, 3, 2, 2]);
  call(ctx, 'folio_dup_file_rmap_ptes', w.folio, w.page, 3, w.vma);
  assert.deepEqual(counts(), [7, 4, 3, 2]);
  call(ctx, 'folio_dup_file_rmap_pte', w.folio, w.page, w.vma);
  call(ctx, 'folio_dup_file_rmap_pte', w.folio, w.page);
  assert.deepEqual(counts(), [9, 4, 3, 2]);
  assert.equal(folioField(w, w.folio, '_mapcount'), 11 + 2 + 3 + 2);
  // v6.1-v6.7: page_dup_file_rmap(page, compound)
  call(ctx, 'page_dup_file_rmap', pagePtr(w.s, w.pfn + 3), 0);
  assert.deepEqual(counts(), [9, 4, 3, 3]);
});

test('the anon_vma lock is not modelled apart from the walk: NULL', () => {
  const w = smallWorld();
  assert.equal(call(testCtx(w.s), 'folio_lock_anon_vma_read', w.folio, null), null);
});

test('folio_lock_or_retry speaks each version\'s convention: 0 for (folio, vmf), true for the older forms', () => {
  for (const [args, expect] of [[1, 0], [2, 1], [3, 1]] as const) {
    const w = smallWorld();
    const ctx = testCtx(w.s);
    const extra = args === 1 ? [null] : args === 2 ? [w.mmP, 0] : [w.vma, 0, member(locals(w.s, { dropped: 1 }), 'dropped')];
    assert.equal(call(ctx, 'folio_lock_or_retry', w.folio, ...extra), expect);
    assert.deepEqual(lockAt(w.s, member(w.folio, 'lock')).holders, ['cpu0']);
    if (args === 3) assert.equal(load(w.s, extra[2] as Ptr), 0, 'lock_dropped is false');
  }
});
