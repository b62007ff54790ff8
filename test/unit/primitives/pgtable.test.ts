import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONSTANTS } from '../../../extension/engine/primitives/constants';
import { ModelError, fieldName, load } from '../../../extension/engine/state/state';
import { type Pte, type Ptr, type Value, isPtr, ptr } from '../../../extension/engine/state/values';
import { NONE, PAGE_SIZE, PMD_SIZE, folioOf, pmdPtr, readPte } from '../../../extension/engine/world/layout';
import {
  ADDR, VM_READ, VM_RW, VM_SHARED, blocks, call, fieldOf, lockAt, locals, member, presentPte, recOf, smallWorld, swpPte, testCtx,
} from '../../helpers/world';

/** `ptep + n` */
const next = (p: Ptr, n: number): Ptr => ({ ...p, path: [...p.path.slice(0, -1), Number(p.path.at(-1)) + n] });

test('ptep_get reads the PTE; an entry never written reads as none', () => {
  const w = smallWorld({ write: true });
  const ctx = testCtx(w.s);
  assert.deepEqual(call(ctx, 'ptep_get', w.pte), presentPte(w.pfn, { write: true }));
  assert.deepEqual(call(ctx, 'ptep_get_lockless', next(w.pte, 1)), NONE);
  assert.throws(() => call(ctx, 'ptep_get', w.vma), /not a pointer into a page table/);
  assert.equal(ctx.log.length, 0, 'reading logs nothing');
});

test('set_pte_at / ptep_clear_flush / ptep_get round trip, each write in the change log', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const p1 = next(w.pte, 1);
  const pte = presentPte(w.pfn, { write: true, dirty: true });
  assert.equal(call(ctx, 'set_pte_at', w.mmP, ADDR + PAGE_SIZE, p1, pte), 0);
  assert.deepEqual(call(ctx, 'ptep_get', p1), pte);
  assert.equal(ctx.log.length, 1);
  assert.equal(ctx.log[0].field, fieldName(w.s, p1));
  assert.equal(ctx.log[0].before, undefined);
  assert.deepEqual(ctx.log[0].after, pte);

  const old = call(ctx, 'ptep_clear_flush', w.vma, ADDR + PAGE_SIZE, p1);
  assert.deepEqual(old, pte, 'ptep_clear_flush returns the old PTE');
  assert.deepEqual(call(ctx, 'ptep_get', p1), NONE);
  assert.equal(ctx.log.length, 2);
  assert.deepEqual([ctx.log[1].before, ctx.log[1].after], [pte, NONE]);

  for (const name of ['ptep_get_and_clear', 'ptep_get_and_clear_full', 'ptep_clear']) {
    call(ctx, 'set_pte_at', w.mmP, ADDR + PAGE_SIZE, p1, pte);
    assert.deepEqual(call(ctx, name, w.mmP, ADDR + PAGE_SIZE, p1, 0), pte, name);
    assert.deepEqual(readPte(w.s, p1), NONE, name);
  }
  call(ctx, 'set_pte_at', w.mmP, ADDR + PAGE_SIZE, p1, swpPte('device_exclusive', w.pfn));
  assert.equal(call(ctx, 'pte_clear', w.mmP, ADDR + PAGE_SIZE, p1), 0);
  assert.deepEqual(readPte(w.s, p1), NONE);
  assert.throws(() => call(ctx, 'set_pte_at', w.mmP, ADDR, w.pte, 5), /not a pte_t/);
  assert.deepEqual(readPte(w.s, w.pte), presentPte(w.pfn), 'a refused write changes nothing');
});

test('set_ptes advances the pfn; get_and_clear_full_ptes gathers dirty/young and clears all', () => {
  const w = smallWorld({ order: 2 });
  const ctx = testCtx(w.s);
  call(ctx, 'set_ptes', w.mmP, ADDR, w.pte, presentPte(w.pfn, { young: false }), 4);
  for (let i = 0; i < 4; i++) assert.deepEqual(readPte(w.s, next(w.pte, i)), presentPte(w.pfn + i, { young: false }), `pte ${i}`);
  assert.deepEqual(readPte(w.s, next(w.pte, 4)), NONE);
  call(ctx, 'set_pte_at', w.mmP, ADDR + 2 * PAGE_SIZE, next(w.pte, 2), presentPte(w.pfn + 2, { dirty: true, young: false }));
  call(ctx, 'set_pte_at', w.mmP, ADDR + 3 * PAGE_SIZE, next(w.pte, 3), presentPte(w.pfn + 3, { young: true }));
  const first = call(ctx, 'get_and_clear_full_ptes', w.mmP, ADDR, w.pte, 4, 0);
  assert.deepEqual(first, presentPte(w.pfn, { dirty: true, young: true }));
  for (let i = 0; i < 4; i++) assert.deepEqual(readPte(w.s, next(w.pte, i)), NONE, `pte ${i}`);

  const sw = swpPte('swap', 9);
  call(ctx, 'set_ptes', w.mmP, ADDR, w.pte, sw, 2);
  assert.deepEqual(readPte(w.s, next(w.pte, 1)), sw, 'a non-present PTE is copied as it is');
  call(ctx, 'clear_not_present_full_ptes', w.mmP, ADDR, w.pte, 2, 0);
  assert.deepEqual([readPte(w.s, w.pte), readPte(w.s, next(w.pte, 1))], [NONE, NONE]);

  // The anonymous zap of v6.16+: present PTEs cleared without gathering their A/D bits.
  call(ctx, 'set_ptes', w.mmP, ADDR, w.pte, presentPte(w.pfn, { dirty: true }), 3);
  call(ctx, 'clear_full_ptes', w.mmP, ADDR, w.pte, 2, 0);
  assert.deepEqual([readPte(w.s, w.pte), readPte(w.s, next(w.pte, 1)), readPte(w.s, next(w.pte, 2))], [NONE, NONE, presentPte(w.pfn + 2, { dirty: true })]);
});

test('ptep_set_wrprotect and the protection-change pair', () => {
  const w = smallWorld({ write: true, dirty: true });
  const ctx = testCtx(w.s);
  call(ctx, 'ptep_set_wrprotect', w.mmP, ADDR, w.pte);
  assert.deepEqual(readPte(w.s, w.pte), presentPte(w.pfn, { write: false, dirty: true }));
  const none = next(w.pte, 1);
  call(ctx, 'ptep_set_wrprotect', w.mmP, ADDR + PAGE_SIZE, none);
  assert.deepEqual(readPte(w.s, none), NONE, 'a none PTE stays none');

  const old = call(ctx, 'ptep_modify_prot_start', w.vma, ADDR, w.pte);
  assert.deepEqual(old, presentPte(w.pfn, { dirty: true }));
  assert.deepEqual(readPte(w.s, w.pte), NONE, 'cleared during the change');
  const nw = presentPte(w.pfn, { write: true, dirty: true });
  call(ctx, 'ptep_modify_prot_commit', w.vma, ADDR, w.pte, old, nw);
  assert.deepEqual(readPte(w.s, w.pte), nw);
});

test('pte_offset_map_lock returns the PTE pointer, stores the PTL into *ptlp and holds it', () => {
  const w = smallWorld();
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'cpu1');
  const la = locals(w.s, { ptl: undefined });
  const lb = locals(w.s, { ptl: undefined });
  const ptlp = member(la, 'ptl');
  const pte = call(a, 'pte_offset_map_lock', w.mmP, w.pmd, ADDR + 3 * PAGE_SIZE + 12, ptlp);
  assert.deepEqual(pte, next(w.pte, 3), 'points at the entry of the address');
  const ptl = load(w.s, ptlp);
  assert.ok(isPtr(ptl));
  assert.deepEqual(ptl, ptr(w.pte.obj, 'ptl'));
  assert.deepEqual(lockAt(w.s, ptl).holders, ['cpu0']);

  assert.match(blocks(b, 'pte_offset_map_lock', w.mmP, w.pmd, ADDR, member(lb, 'ptl')).on, /PTL .* held by cpu0/);
  assert.equal(load(w.s, member(lb, 'ptl')), undefined, 'a blocked call does not store *ptlp');
  assert.deepEqual(call(b, 'pte_lockptr', w.mmP, w.pmd), ptl);
  const nolock = locals(w.s, { ptl: undefined });
  assert.deepEqual(call(b, 'pte_offset_map_nolock', w.mmP, w.pmd, ADDR, member(nolock, 'ptl')), w.pte, 'the _nolock form does not block');
  assert.deepEqual(load(w.s, member(nolock, 'ptl')), ptl);
  assert.deepEqual(call(b, 'pte_offset_map', w.pmd, ADDR), w.pte);

  assert.equal(call(a, 'pte_unmap_unlock', pte, ptl), 0);
  assert.deepEqual(lockAt(w.s, ptl).holders, []);
  assert.deepEqual(call(b, 'pte_offset_map_lock', w.mmP, w.pmd, ADDR, member(lb, 'ptl')), w.pte);
  assert.deepEqual(lockAt(w.s, ptl).holders, ['cpu1']);
  assert.throws(() => call(b, 'pte_offset_map_lock', w.mmP, w.pmd, ADDR, member(lb, 'ptl')), /deadlock/);
});

test('pte_offset_map_lock on a PMD without a PTE table is NULL and takes nothing', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const far = ADDR + 4 * PMD_SIZE;
  const pmd = pmdPtr(w.s, w.mm, far, true)!;
  const l = locals(w.s, { ptl: undefined });
  assert.equal(call(ctx, 'pte_offset_map_lock', w.mmP, pmd, far, member(l, 'ptl')), null);
  assert.equal(load(w.s, member(l, 'ptl')), undefined);
  assert.equal(call(ctx, 'pte_offset_map', pmd, far), null);
  assert.equal(ctx.log.length, 0);
  assert.throws(() => call(ctx, 'pte_lockptr', w.mmP, pmd), /no PTE table/);
});

test('pmd_none: of the pmd_t value, as the kernel calls it (pmd_none(*pmd)), and of a pointer', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const far = ADDR + 4 * PMD_SIZE;
  const empty = pmdPtr(w.s, w.mm, far, true)!;
  assert.equal(call(ctx, 'pmd_none', structuredClone(load(w.s, empty))), 1);
  assert.equal(call(ctx, 'pmd_none', structuredClone(load(w.s, w.pmd))), 0);
  assert.equal(call(ctx, 'pmd_none', empty), 1);
  assert.equal(call(ctx, 'pmd_none', w.pmd), 0);
  assert.throws(() => call(ctx, 'pmd_none', 3), ModelError);
});

test('pte_unmap_same: 1 when the PTE still holds vmf->orig_pte, 0 after a change; vmf->pte is unmapped', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const vmf = locals(w.s, { pte: w.pte, orig_pte: presentPte(w.pfn) });
  assert.equal(call(ctx, 'pte_unmap_same', vmf), 1);
  assert.equal(fieldOf(w.s, vmf, 'pte'), null);
  const vmf2 = locals(w.s, { pte: w.pte, orig_pte: presentPte(w.pfn, { write: true }) });
  assert.equal(call(ctx, 'pte_unmap_same', vmf2), 0);
});

test('VMAs: lookup by address, anonymous, COW mapping, maybe_mkwrite follows VM_WRITE', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.deepEqual(call(ctx, 'vma_lookup', w.mmP, ADDR + 5 * PAGE_SIZE), w.vma);
  assert.deepEqual(call(ctx, 'find_vma', w.mmP, ADDR), w.vma);
  assert.equal(call(ctx, 'vma_lookup', w.mmP, ADDR - 1), null);
  assert.equal(call(ctx, 'vma_lookup', w.mmP, ADDR + 16 * PAGE_SIZE), null, 'vm_end is exclusive');
  assert.equal(call(ctx, 'vma_is_anonymous', w.vma), 1);
  assert.equal(call(ctx, 'is_cow_mapping', VM_RW), 1);
  assert.equal(call(ctx, 'is_cow_mapping', VM_RW | VM_SHARED), 0);
  assert.equal(call(ctx, 'is_cow_mapping', VM_READ), 0);

  const ro = presentPte(w.pfn);
  assert.equal((call(ctx, 'maybe_mkwrite', ro, w.vma) as Extract<Pte, { k: 'present' }>).write, true);
  const r = smallWorld({ flags: 0x31 });
  assert.deepEqual(call(testCtx(r.s), 'maybe_mkwrite', ro, r.vma), ro, 'no VM_WRITE: unchanged');
  assert.deepEqual(call(ctx, 'maybe_mkwrite', NONE, w.vma), NONE);
});

test('can_change_pte_writable: only an exclusively mapped anonymous folio in a VM_WRITE VMA', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const pte = presentPte(w.pfn);
  assert.equal(call(ctx, 'can_change_pte_writable', w.vma, ADDR, pte), 1);
  recOf(w.s, w.folio).fields._mapcount = 2;
  assert.equal(call(ctx, 'can_change_pte_writable', w.vma, ADDR, pte), 0, 'shared');
  recOf(w.s, w.folio).fields._mapcount = 1;
  recOf(w.s, w.folio).fields.anon = 0;
  assert.equal(call(ctx, 'can_change_pte_writable', w.vma, ADDR, pte), 0, 'not anonymous');
  const r = smallWorld({ flags: 0x31 });
  assert.equal(call(testCtx(r.s), 'can_change_pte_writable', r.vma, ADDR, presentPte(r.pfn)), 0, 'no VM_WRITE');
  assert.equal(call(ctx, 'can_change_pte_writable', w.vma, ADDR, NONE), 0);
});

test('pte <-> page <-> folio conversions', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'page_to_pfn', w.page), w.pfn);
  assert.deepEqual(call(ctx, 'pfn_to_page', w.pfn), w.page);
  assert.throws(() => call(ctx, 'pfn_to_page', 5), /no struct page for pfn 5/);
  const mk = call(ctx, 'mk_pte', w.page, 0);
  assert.deepEqual(mk, presentPte(w.pfn, { young: true }));
  assert.equal((call(ctx, 'pfn_pte', w.pfn, 2) as Extract<Pte, { k: 'present' }>).write, true);
  assert.equal(call(ctx, 'vm_get_page_prot', VM_RW), 0, 'private mappings start read-only');
  assert.deepEqual(call(ctx, 'vm_normal_page', w.vma, ADDR, presentPte(w.pfn)), w.page);
  assert.deepEqual(call(ctx, 'vm_normal_folio', w.vma, ADDR, presentPte(w.pfn)), w.folio);
  assert.equal(call(ctx, 'vm_normal_page', w.vma, ADDR, NONE), null);
  assert.equal(call(ctx, 'vm_normal_folio', w.vma, ADDR, swpPte('device_exclusive', w.pfn)), null);
  const e: Value = { t: 'swp', kind: 'device_exclusive', offset: w.pfn };
  assert.deepEqual(call(ctx, 'pfn_swap_entry_to_page', e), w.page);
  assert.deepEqual(call(ctx, 'pfn_swap_entry_folio', e), folioOf(w.s, w.page));
  assert.throws(() => call(ctx, 'pfn_swap_entry_to_page', presentPte(w.pfn)), /not a swap entry/);
});

test('add_mm_counter updates the RSS counter of the mm', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const anon = CONSTANTS.MM_ANONPAGES as number;
  call(ctx, 'add_mm_counter', w.mmP, anon, 3);
  call(ctx, 'add_mm_counter', w.mmP, anon, -1);
  assert.equal(load(w.s, member(w.mmP, 'rss', anon)), 2);
  assert.deepEqual(ctx.log.map((c) => c.after), [3, 2]);
  call(ctx, 'add_mm_rss_vec', w.mmP, ptr(w.mm, 'rss'));
  assert.equal(load(w.s, member(w.mmP, 'rss', anon)), 2, 'the vector form changes nothing');
});
