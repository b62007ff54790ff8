import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONSTANTS } from '../../../extension/engine/primitives/constants';
import { ModelError, load } from '../../../extension/engine/state/state';
import { type Pte, type Ptr, type Rec, ptr, rec } from '../../../extension/engine/state/values';
import {
  NONE, PAGE_SIZE, PMD_SIZE, PTRS_PER_PTE, folioOf, mapPage, newFolio, pagePtr, pageRec, pmdPtr, pteAt, ptePtr, readPte,
} from '../../../extension/engine/world/layout';
import { ADDR, VM_RW, call, locals, presentPte, recOf, smallWorld, swpPte, testCtx } from '../../helpers/world';

const FAULT_FLAG_WRITE = CONSTANTS.FAULT_FLAG_WRITE as number;
const VM_FAULT_SIGSEGV = CONSTANTS.VM_FAULT_SIGSEGV as number;
const NO_WRITE = VM_RW & ~0x2;

function vmf(w: ReturnType<typeof smallWorld>, address: number, flags: number): Ptr {
  return locals(w.s, { vma: w.vma, address, flags, pte: ptePtr(w.s, w.mm, address, true), orig_pte: undefined });
}

const presentAt = (w: ReturnType<typeof smallWorld>, addr: number): Extract<Pte, { k: 'present' }> => {
  const p = pteAt(w.s, w.mm, addr);
  if (p.k !== 'present') assert.fail(`PTE at 0x${addr.toString(16)} is ${p.k}`);
  return p;
};
const folioRecAt = (w: ReturnType<typeof smallWorld>, pfn: number): Rec => recOf(w.s, folioOf(w.s, pagePtr(w.s, pfn)));

/** A world whose VMA has a PMD-mapped THP (order 9) at ADDR + PMD_SIZE, as buildWorld makes one. */
function thpWorld(write = true) {
  const w = smallWorld();
  const addr = ADDR + PMD_SIZE;
  const vmaRec = recOf(w.s, w.vma);
  vmaRec.fields.vm_end = ADDR + 2 * PMD_SIZE;
  const pfn = 0x200;
  const folio = ptr(newFolio(w.s, { pfn, order: 9 }));
  const pmd = pmdPtr(w.s, w.mm, addr, true)!;
  const pmds = recOf(w.s, ptr(w.mm)).fields.pmds as Rec;
  pmds.fields[String(pmd.path.at(-1))] = rec('pmd', { kind: 'huge', table: null, huge: presentPte(pfn, { write, dirty: true }) });
  recOf(w.s, folio).fields._mapcount = 1;
  recOf(w.s, folio).fields._refcount = 1;
  return { ...w, addr, thp: folio, thpPfn: pfn, thpPmd: pmd };
}

test('kpsim_do_anonymous_page maps a new writable dirty folio on a write fault', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const addr = ADDR + 2 * PAGE_SIZE;
  const folios = w.s.world.folios.length;
  assert.equal(call(ctx, 'kpsim_do_anonymous_page', vmf(w, addr, FAULT_FLAG_WRITE)), 0);
  assert.equal(w.s.world.folios.length, folios + 1);
  const pte = presentAt(w, addr);
  assert.notEqual(pte.pfn, w.pfn);
  assert.deepEqual([pte.write, pte.dirty, pte.young], [true, true, true]);
  const f = folioRecAt(w, pte.pfn);
  assert.deepEqual([f.fields._mapcount, f.fields._refcount, f.fields.anon, f.fields.freed], [1, 1, 1, 0]);
  assert.equal(pageRec(w.s, pagePtr(w.s, pte.pfn)).fields._mapcount, 1);
  assert.ok(ctx.log.some((c) => c.before === undefined && (c.after as Pte).k === 'present'), 'the new PTE is logged');
});

test('kpsim_do_anonymous_page on a read fault maps a clean read-only folio', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const addr = ADDR + 3 * PAGE_SIZE;
  assert.equal(call(ctx, 'kpsim_do_anonymous_page', vmf(w, addr, 0)), 0);
  const pte = presentAt(w, addr);
  assert.deepEqual([pte.write, pte.dirty, pte.young], [false, false, true]);
});

test('kpsim_do_anonymous_page returns VM_FAULT_SIGSEGV for a write fault in a VMA without VM_WRITE', () => {
  const w = smallWorld({ flags: NO_WRITE });
  const ctx = testCtx(w.s);
  const addr = ADDR + 2 * PAGE_SIZE;
  const folios = w.s.world.folios.length;
  assert.equal(VM_FAULT_SIGSEGV, 0x40);
  assert.equal(call(ctx, 'kpsim_do_anonymous_page', vmf(w, addr, FAULT_FLAG_WRITE)), VM_FAULT_SIGSEGV);
  assert.deepEqual(pteAt(w.s, w.mm, addr), NONE);
  assert.equal(w.s.world.folios.length, folios, 'no folio allocated');
  assert.equal(call(ctx, 'kpsim_do_anonymous_page', vmf(w, addr, 0)), 0, 'a read fault is fine');
});

test('kpsim_do_anonymous_page leaves a PTE another thread populated alone and allocates nothing', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const folios = w.s.world.folios.length;
  assert.equal(call(ctx, 'kpsim_do_anonymous_page', vmf(w, ADDR, FAULT_FLAG_WRITE)), 0);
  assert.deepEqual(pteAt(w.s, w.mm, ADDR), presentPte(w.pfn));
  assert.equal(w.s.world.folios.length, folios, 'no orphan folio');
  assert.equal(ctx.log.length, 0);
});

test('kpsim_do_wp_page reuses an exclusive folio', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'kpsim_do_wp_page', vmf(w, ADDR, FAULT_FLAG_WRITE)), 0);
  const pte = presentAt(w, ADDR);
  assert.equal(pte.pfn, w.pfn, 'same folio');
  assert.deepEqual([pte.write, pte.dirty, pte.young], [true, true, true]);
  const f = recOf(w.s, w.folio);
  assert.deepEqual([f.fields._mapcount, f.fields._refcount], [1, 1]);
  assert.ok(ctx.notes.some((n) => /reused/.test(n)));
});

test('kpsim_do_wp_page copies a folio mapped twice, or with an extra reference (COW)', () => {
  const w = smallWorld();
  mapPage(w.s, w.mm, ADDR + PAGE_SIZE, presentPte(w.pfn));
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'kpsim_do_wp_page', vmf(w, ADDR + PAGE_SIZE, FAULT_FLAG_WRITE)), 0);
  const copy = presentAt(w, ADDR + PAGE_SIZE);
  assert.notEqual(copy.pfn, w.pfn, 'a new folio');
  assert.deepEqual([copy.write, copy.dirty], [true, true]);
  assert.deepEqual(presentAt(w, ADDR), presentPte(w.pfn), 'the other mapping is untouched');
  const old = recOf(w.s, w.folio);
  assert.deepEqual([old.fields._mapcount, old.fields._refcount, old.fields.freed], [1, 1, 0]);
  assert.equal(pageRec(w.s, w.page).fields._mapcount, 1);
  const nf = folioRecAt(w, copy.pfn);
  assert.deepEqual([nf.fields._mapcount, nf.fields._refcount], [1, 1]);
  assert.ok(ctx.notes.some((n) => /COW/.test(n)));

  // A pinned-like extra reference forbids reuse too; the last mapping of the old folio frees it.
  const p = smallWorld();
  recOf(p.s, p.folio).fields._refcount = 2;
  const pc = testCtx(p.s);
  call(pc, 'kpsim_do_wp_page', vmf(p, ADDR, FAULT_FLAG_WRITE));
  assert.notEqual(presentAt(p, ADDR).pfn, p.pfn);
  assert.deepEqual([recOf(p.s, p.folio).fields._refcount, recOf(p.s, p.folio).fields._mapcount], [1, 0]);
  const q = smallWorld();
  recOf(q.s, q.folio).fields._refcount = 2;
  recOf(q.s, q.folio).fields.pins = 1;
  call(testCtx(q.s), 'kpsim_do_wp_page', vmf(q, ADDR, FAULT_FLAG_WRITE));
  assert.equal(presentAt(q, ADDR).pfn, q.pfn, 'a reference that the pins account for does not block reuse');
});

test('kpsim_do_wp_page: SIGSEGV without VM_WRITE; nothing to do on a non-present PTE', () => {
  const w = smallWorld({ flags: NO_WRITE });
  assert.equal(call(testCtx(w.s), 'kpsim_do_wp_page', vmf(w, ADDR, FAULT_FLAG_WRITE)), VM_FAULT_SIGSEGV);
  assert.deepEqual(presentAt(w, ADDR), presentPte(w.pfn));
  const v = smallWorld();
  const ctx = testCtx(v.s);
  assert.equal(call(ctx, 'kpsim_do_wp_page', vmf(v, ADDR + PAGE_SIZE, FAULT_FLAG_WRITE)), 0);
  assert.equal(ctx.log.length, 0);
});

test('kpsim_touch: young on a read, dirty on a write, 0 when the PTE does not allow the access', () => {
  const w = smallWorld({ young: false });
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'kpsim_pte_allows', w.mmP, ADDR, 0), 1);
  assert.equal(call(ctx, 'kpsim_pte_allows', w.mmP, ADDR, 1), 0);
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR, 1), 0, 'a write to a read-only PTE faults');
  assert.deepEqual(presentAt(w, ADDR), presentPte(w.pfn, { young: false }), 'and changes nothing');
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR, 0), 1);
  assert.deepEqual(presentAt(w, ADDR), presentPte(w.pfn, { young: true }));
  const n = ctx.log.length;
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR, 0), 1);
  assert.equal(ctx.log.length, n, 'an access that changes no bit logs nothing');

  call(ctx, 'set_pte_at', w.mmP, ADDR, w.pte, presentPte(w.pfn, { write: true, young: false }));
  assert.equal(call(ctx, 'kpsim_pte_allows', w.mmP, ADDR, 1), 1);
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR, 1), 1);
  assert.deepEqual(presentAt(w, ADDR), presentPte(w.pfn, { write: true, dirty: true, young: true }));

  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR + PAGE_SIZE, 0), 0, 'a none PTE');
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR + PMD_SIZE, 0), 0, 'no page table at all');
  mapPage(w.s, w.mm, ADDR + 2 * PAGE_SIZE, swpPte('device_exclusive', w.pfn));
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, ADDR + 2 * PAGE_SIZE, 0), 0, 'a device-exclusive entry');
  assert.equal(call(ctx, 'kpsim_pte_allows', w.mmP, ADDR + 2 * PAGE_SIZE, 0), 0);
});

test('kpsim_split_pmd splits a huge PMD into 512 PTEs and fixes mapcount/refcount', () => {
  const w = thpWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'kpsim_pmd_is_huge', w.mmP, w.addr + 5 * PAGE_SIZE), 1);
  assert.equal(call(ctx, 'kpsim_pte_allows', w.mmP, w.addr + 5 * PAGE_SIZE, 1), 1, 'a writable THP allows the write');
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, w.addr, 1), 1, 'an access to a PMD-mapped THP');
  assert.equal(call(ctx, 'kpsim_pmd_is_huge', w.mmP, ADDR), 0);

  assert.equal(call(ctx, 'kpsim_split_pmd', w.mmP, w.addr + 5 * PAGE_SIZE), 1);
  assert.equal(call(ctx, 'kpsim_pmd_is_huge', w.mmP, w.addr), 0);
  assert.equal((load(w.s, w.thpPmd) as Rec).fields.kind, 'table');
  for (let i = 0; i < PTRS_PER_PTE; i++) {
    const pte = pteAt(w.s, w.mm, w.addr + i * PAGE_SIZE);
    assert.deepEqual(pte, presentPte(w.thpPfn + i, { write: true, dirty: true }), `pte ${i}`);
    assert.equal(pageRec(w.s, pagePtr(w.s, w.thpPfn + i)).fields._mapcount, 1, `page ${i}`);
  }
  const f = recOf(w.s, w.thp);
  assert.deepEqual([f.fields._mapcount, f.fields._refcount], [PTRS_PER_PTE, PTRS_PER_PTE], 'one mapping and one reference per PTE');
  assert.ok(ctx.log.some((c) => /pmds/.test(c.field)), 'the PMD change is logged');
  assert.equal(ctx.log.filter((c) => (c.after as Pte | undefined)?.t === 'pte').length, PTRS_PER_PTE);
  assert.equal(call(ctx, 'kpsim_split_pmd', w.mmP, w.addr), 0, 'nothing left to split');
  assert.equal(call(ctx, 'kpsim_split_pmd', w.mmP, ADDR), 0, 'a PTE-mapped address');
  assert.equal(call(ctx, 'kpsim_split_pmd', w.mmP, ADDR + 8 * PMD_SIZE), 0, 'no PMD at all');
  assert.equal(call(ctx, 'kpsim_touch', w.mmP, w.addr + 3 * PAGE_SIZE, 0), 1, 'the PTEs work after the split');
});

test('kpsim_follow_page takes a reference on the page mapped there, if the access is allowed', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.deepEqual(call(ctx, 'kpsim_follow_page', w.vma, ADDR + 12, 0), w.page);
  assert.equal(recOf(w.s, w.folio).fields._refcount, 2);
  assert.equal(call(ctx, 'kpsim_follow_page', w.vma, ADDR, 1), null, 'FOLL_WRITE on a read-only PTE');
  assert.equal(call(ctx, 'kpsim_follow_page', w.vma, ADDR + PAGE_SIZE, 0), null, 'none');
  assert.equal(recOf(w.s, w.folio).fields._refcount, 2);
  const t = thpWorld();
  assert.deepEqual(call(testCtx(t.s), 'kpsim_follow_page', t.vma, t.addr + 3 * PAGE_SIZE, 1), pagePtr(t.s, t.thpPfn + 3), 'the subpage of a THP');
  assert.equal(recOf(t.s, t.thp).fields._refcount, 2);
});

test('the fault dispatcher\'s helpers: PMD / PTE allocation, the mm of a task, VM_WRITE', () => {
  const w = smallWorld({ flags: NO_WRITE });
  const ctx = testCtx(w.s);
  const addr = ADDR + 3 * PMD_SIZE + 5 * PAGE_SIZE;
  assert.equal(pmdPtr(w.s, w.mm, addr, false), null);
  const pmd = call(ctx, 'kpsim_pmd_of', w.mmP, addr) as Ptr;
  assert.equal((load(w.s, pmd) as Rec).fields.kind, 'none');
  const pte = call(ctx, 'kpsim_pte_of', w.mmP, addr) as Ptr;
  assert.deepEqual(pte, ptePtr(w.s, w.mm, addr));
  assert.deepEqual(readPte(w.s, pte), NONE);
  assert.deepEqual(call(ctx, 'kpsim_pte_of', w.mmP, ADDR), w.pte, 'an existing table is reused');
  assert.deepEqual(call(ctx, 'kpsim_mm_of', null), w.mmP);
  assert.equal(call(ctx, 'kpsim_vm_write', w.vma), 0);
  const rw = smallWorld();
  assert.equal(call(testCtx(rw.s), 'kpsim_vm_write', rw.vma), 1);
  const t = thpWorld();
  assert.throws(() => call(testCtx(t.s), 'kpsim_pte_of', t.mmP, t.addr), (e: unknown) => e instanceof ModelError && /PMD-mapped/.test(e.message));
});
