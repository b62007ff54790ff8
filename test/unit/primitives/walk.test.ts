import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONSTANTS } from '../../../extension/engine/primitives/constants';
import { type Ptr, ptr } from '../../../extension/engine/state/values';
import { PAGE_SIZE, PMD_SIZE, addVma, mapPage, newFolio, newMm, nextPfn } from '../../../extension/engine/world/layout';
import {
  ADDR, VM_RW, blocks, call, fieldOf, lockAt, locals, presentPte, smallWorld, swpPte, testCtx,
} from '../../helpers/world';

const ptlOf = (pte: Ptr): Ptr => ptr(pte.obj, 'ptl');
const holders = (w: ReturnType<typeof smallWorld>): string[] => lockAt(w.s, ptlOf(w.pte)).holders;

test('folio_walk_start on a present PTE fills the walk and holds the PTL until folio_walk_end', () => {
  const w = smallWorld({ write: true });
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'cpu1');
  const fw = locals(w.s);
  assert.deepEqual(call(a, 'folio_walk_start', fw, w.vma, ADDR + 7, 0), w.folio);
  assert.deepEqual(fieldOf(w.s, fw, 'page'), w.page);
  assert.deepEqual(fieldOf(w.s, fw, 'pte'), presentPte(w.pfn, { write: true }));
  assert.deepEqual(fieldOf(w.s, fw, 'ptep'), w.pte);
  assert.equal(fieldOf(w.s, fw, 'level'), CONSTANTS.FW_LEVEL_PTE);
  assert.deepEqual(fieldOf(w.s, fw, 'ptl'), ptlOf(w.pte));
  assert.deepEqual(holders(w), ['cpu0']);

  // Another thread cannot take the PTL meanwhile, nor walk.
  const lb = locals(w.s);
  blocks(b, 'pte_offset_map_lock', w.mmP, w.pmd, ADDR, ptr(lb.obj, 'ptl'));
  blocks(b, 'folio_walk_start', locals(w.s), w.vma, ADDR, 0);

  assert.equal(call(a, 'folio_walk_end', fw, w.vma), 0);
  assert.deepEqual(holders(w), []);
  assert.deepEqual(call(b, 'pte_offset_map_lock', w.mmP, w.pmd, ADDR, ptr(lb.obj, 'ptl')), w.pte);
});

test('folio_walk_start returns NULL with the PTL released on a none PTE, a device-exclusive entry or no table', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const fw = locals(w.s);
  assert.equal(call(ctx, 'folio_walk_start', fw, w.vma, ADDR + PAGE_SIZE, 0), null);
  assert.deepEqual(holders(w), []);
  assert.equal(fieldOf(w.s, fw, 'page'), undefined, 'the walk is not filled');

  mapPage(w.s, w.mm, ADDR + 2 * PAGE_SIZE, swpPte('device_exclusive', w.pfn));
  assert.equal(call(ctx, 'folio_walk_start', fw, w.vma, ADDR + 2 * PAGE_SIZE, 0), null);
  assert.deepEqual(holders(w), []);

  const vma2 = ptr(addVma(w.s, w.mm, { start: ADDR + PMD_SIZE, end: ADDR + 2 * PMD_SIZE, flags: VM_RW }));
  assert.equal(call(ctx, 'folio_walk_start', fw, vma2, ADDR + PMD_SIZE, 0), null, 'no PTE table there');
  assert.equal(ctx.log.length, 4, 'only the two PTL round trips were logged');
});

test('page_vma_mapped_walk visits the mapping once with the PTL held, then returns 0 and releases it', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const pvmw = locals(w.s);
  call(ctx, 'DEFINE_FOLIO_VMA_WALK', pvmw, w.folio, w.vma, ADDR, 0);
  assert.equal(call(ctx, 'page_vma_mapped_walk', pvmw), 1);
  assert.deepEqual(fieldOf(w.s, pvmw, 'pte'), w.pte);
  assert.deepEqual(fieldOf(w.s, pvmw, 'ptl'), ptlOf(w.pte));
  assert.equal(fieldOf(w.s, pvmw, 'address'), ADDR);
  assert.deepEqual(holders(w), ['cpu0']);

  const other = testCtx(w.s, 'cpu1');
  const pv2 = locals(w.s);
  call(other, 'DEFINE_FOLIO_VMA_WALK', pv2, w.folio, w.vma, ADDR, 0);
  blocks(other, 'page_vma_mapped_walk', pv2);
  assert.equal(fieldOf(w.s, pv2, '__done'), 0, 'a blocked walk is retried from the start');

  assert.equal(call(ctx, 'page_vma_mapped_walk', pvmw), 0);
  assert.deepEqual(holders(w), []);
  assert.equal(fieldOf(w.s, pvmw, 'ptl'), null);
  assert.equal(call(ctx, 'page_vma_mapped_walk', pvmw), 0, 'stays done');
  assert.equal(call(other, 'page_vma_mapped_walk', pv2), 1);
  assert.deepEqual(holders(w), ['cpu1']);
  call(other, 'page_vma_mapped_walk_done', pv2);
  assert.deepEqual(holders(w), []);
  assert.equal(call(other, 'page_vma_mapped_walk', pv2), 0, 'done after page_vma_mapped_walk_done');
  assert.deepEqual(holders(w), []);
});

test('page_vma_mapped_walk finds where the folio is mapped, from a page walk too; 0 if not mapped in the vma', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const pfn = nextPfn(w.s);
  const folio = ptr(newFolio(w.s, { pfn }));
  mapPage(w.s, w.mm, ADDR + 5 * PAGE_SIZE, presentPte(pfn));
  const pvmw = locals(w.s);
  call(ctx, 'DEFINE_PAGE_VMA_WALK', pvmw, ptr(w.s.world.memmap, pfn), w.vma, ADDR + 5 * PAGE_SIZE, 0);
  assert.deepEqual(fieldOf(w.s, pvmw, 'folio'), folio);
  assert.equal(call(ctx, 'page_vma_mapped_walk', pvmw), 1);
  assert.equal(fieldOf(w.s, pvmw, 'address'), ADDR + 5 * PAGE_SIZE);
  assert.deepEqual(fieldOf(w.s, pvmw, 'pte'), { ...w.pte, path: ['entries', 5] });
  call(ctx, 'page_vma_mapped_walk_done', pvmw);

  const lonely = ptr(newFolio(w.s, { pfn: pfn + 1 }));
  const pv2 = locals(w.s);
  call(ctx, 'DEFINE_FOLIO_VMA_WALK', pv2, lonely, w.vma, ADDR, 0);
  assert.equal(call(ctx, 'page_vma_mapped_walk', pv2), 0);
  assert.deepEqual(holders(w), []);
});

test('kpsim_rmap_snapshot gives each VMA that maps the folio once, with the folio\'s address there (device-exclusive entries count)', () => {
  const w = smallWorld({ order: 1 });
  const ctx = testCtx(w.s);
  mapPage(w.s, w.mm, ADDR + 3 * PAGE_SIZE, swpPte('device_exclusive', w.pfn + 1));
  mapPage(w.s, w.mm, ADDR + 4 * PAGE_SIZE, swpPte('swap', w.pfn));
  // Another process maps the folio too.
  const mm2 = newMm(w.s, 'mm2');
  const vma2 = ptr(addVma(w.s, mm2, { start: ADDR, end: ADDR + PMD_SIZE, flags: VM_RW }));
  mapPage(w.s, mm2, ADDR + 9 * PAGE_SIZE, presentPte(w.pfn));

  const snap = locals(w.s, { snap: undefined });
  const sp = ptr(snap.obj, 'snap');
  assert.equal(call(ctx, 'kpsim_rmap_snapshot', w.folio, sp), 2);
  const found = [0, 1].map((i) => [call(ctx, 'kpsim_rmap_vma', sp, i), call(ctx, 'kpsim_rmap_address', sp, i)]);
  // In the first vma the folio starts at ADDR (page 1 at ADDR + 3 pages would put page 0 at ADDR + 2 pages: the lower wins).
  assert.deepEqual(found, [[w.vma, ADDR], [vma2, ADDR + 9 * PAGE_SIZE]]);
  assert.equal(call(ctx, 'kpsim_rmap_vma', sp, 2), undefined);

  assert.equal(call(ctx, 'kpsim_rmap_snapshot', w.page, sp), 2, 'a page pointer stands for its folio');
  const lonely = ptr(newFolio(w.s, { pfn: nextPfn(w.s) }));
  assert.equal(call(ctx, 'kpsim_rmap_snapshot', lonely, sp), 0);
  assert.throws(() => call(ctx, 'kpsim_rmap_vma', ptr(w.mm, 'mm_users'), 0), /not a snapshot/);
});
