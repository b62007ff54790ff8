/** What the model's fork, mprotect and device-mapping dispatchers need below them. */
import { ModelError, alloc, deepCopy, meta, recOf } from '../state/state';
import { type Ptr, type Value, isPtr, ptr, rec } from '../state/values';
import { folioOf, mmRec, newMm, pagePtr, pageRec, ptePtr, readPte, vmaRec, pteAt } from '../world/layout';
import { def } from './define';
import { CHOICES } from './choices';
import { addRef } from './folio';
import { pteArg, ptePtrArg } from './pgtable';

function vmas(s: Parameters<typeof mmRec>[0], mm: number): { items: Record<number, Value>; length: number } {
  return mmRec(s, mm).fields.vmas as { items: Record<number, Value>; length: number };
}

export const PROCESS = [
  def('mm', 'kpsim_dup_mm', 'model: fork creates the child mm with a copy of every VMA (dup_mmap), no PTEs yet', { writes: ['mm'], sched: true }, (ctx, a) => {
    const parent = ctx.ptr(a[0], 'mm').obj;
    const child = newMm(ctx.s, 'child mm');
    const list = vmas(ctx.s, parent);
    const out = vmas(ctx.s, child);
    for (let i = 0; i < list.length; i++) {
      const v = deepCopy(vmaRec(ctx.s, list.items[i] as Ptr));
      v.fields.vm_mm = ptr(child);
      v.fields.anon_vma = ptr(alloc(ctx.s, 'record', 'child anon_vma', rec('anon_vma')));
      const id = alloc(ctx.s, 'vma', `child ${meta(ctx.s, (list.items[i] as Ptr).obj).label}`, v);
      out.items[out.length++] = ptr(id);
    }
    ctx.note('fork: child mm created');
    return ptr(child);
  }),
  def('mm', 'kpsim_vma_count', 'model: VMAs of an mm', { reads: ['vmas'] }, (ctx, a) => vmas(ctx.s, ctx.ptr(a[0], 'mm').obj).length),
  def('mm', 'kpsim_vma_get', 'model: the i-th VMA of an mm', { reads: ['vmas'] }, (ctx, a) => vmas(ctx.s, ctx.ptr(a[0], 'mm').obj).items[ctx.int(a[1], 'i')] ?? null),
  def('mm', 'kpsim_pte_populated', 'model: the address has a PTE that is not none', { reads: ['pte'] }, (ctx, a) => (pteAt(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address')).k !== 'none' ? 1 : 0)),
  def('mm', 'kpsim_copy_present_pte', 'model: copy_present_pte for a private anonymous page: both PTEs write-protected (COW), the folio gains a mapping and a reference', { reads: ['pte'], writes: ['pte', 'mapcount', 'folio refcount'], sched: true }, (ctx, a) => {
    const dst = ptePtrArg(ctx, a[2], 'dst_pte');
    const src = ptePtrArg(ctx, a[3], 'src_pte');
    const pte = pteArg(a[4], 'pte');
    if (pte.k !== 'present') throw new ModelError('kpsim_copy_present_pte: not present');
    const cow = { ...pte, write: false };
    if (pte.write) ctx.store(src, cow);
    // __copy_present_ptes(): the child's PTE is made old; it is made clean only for VM_SHARED
    // mappings, so a private anonymous page keeps its dirty bit in the child.
    ctx.store(dst, { ...cow, young: false });
    const page = pagePtr(ctx.s, pte.pfn);
    const folio = folioOf(ctx.s, page);
    const f = recOf(ctx.s, folio.obj);
    ctx.store({ ...page, path: [...page.path, '_mapcount'] }, (pageRec(ctx.s, page).fields._mapcount as number) + 1);
    ctx.store({ ...folio, path: ['_mapcount'] }, (f.fields._mapcount as number) + 1);
    ctx.store({ ...folio, path: ['_refcount'] }, (f.fields._refcount as number) + 1);
    return 0;
  }),
  def('mm', 'kpsim_set_vm_flags', 'model: mprotect_fixup sets the new vm_flags and page protections', { writes: ['vma'] }, (ctx, a) => {
    const vma = ctx.ptr(a[0], 'vma');
    ctx.store({ ...vma, path: [...vma.path, 'vm_flags'] }, ctx.int(a[1], 'flags'));
    return 0;
  }),
  def('gup', 'kpsim_lookup_page', 'model: the page mapped at an address (what hmm_range_fault reports for a present PTE), or NULL', { reads: ['pte'], sched: true }, (ctx, a) => {
    const pte = pteAt(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'));
    return pte.k === 'present' ? pagePtr(ctx.s, pte.pfn) : null;
  }),
  def('mm', 'kpsim_zap_present', 'model: zap of a present anonymous PTE: cleared, one mapping and one reference fewer', { reads: ['pte'], writes: ['pte', 'mapcount', 'folio refcount'], sched: true }, (ctx, a) => {
    const p = ptePtrArg(ctx, a[2], 'pte');
    const pte = readPte(ctx.s, p);
    if (pte.k !== 'present') return 0;
    ctx.store(p, { t: 'pte', k: 'none' });
    const page = pagePtr(ctx.s, pte.pfn);
    const folio = folioOf(ctx.s, page);
    const f = recOf(ctx.s, folio.obj);
    if (pte.dirty) ctx.store({ ...folio, path: ['dirty'] }, 1);
    ctx.store({ ...page, path: [...page.path, '_mapcount'] }, (pageRec(ctx.s, page).fields._mapcount as number) - 1);
    ctx.store({ ...folio, path: ['_mapcount'] }, (f.fields._mapcount as number) - 1);
    const refs = (f.fields._refcount as number) - 1;
    ctx.store({ ...folio, path: ['_refcount'] }, refs);
    if (refs === 0) ctx.store({ ...folio, path: ['freed'] }, 1);
    return 0;
  }),
  def('mm', '__tlb_remove_folio_pages', "zap's mmu_gather takes nr pages of a folio to free after the TLB flush: the model flushes at once, so their references go now; 0 (the batch is not full)", { writes: ['folio refcount'], sched: true }, (ctx, a) => {
    addRef(ctx, a[1], -ctx.int(a[2], 'nr_pages'), '__tlb_remove_folio_pages');
    return 0;
  }),
  def('misc', 'memset', 'fills an array or struct with a byte value (0 is what kernel code uses)', { writes: ['memory'] }, (ctx, a) => {
    const p = ctx.ptr(a[0], 'memset');
    const fill = ctx.int(a[1], 'value');
    // A pointer to an array's element (an array passed as `int *`, as init_rss_vec() does): the
    // elements from there to the array's end (the model's sizeof is not the kernel's, so the byte
    // count cannot say how many).
    const last = p.path.at(-1);
    const outer = typeof last === 'number' ? ctx.load({ ...p, path: p.path.slice(0, -1) }) : undefined;
    if (typeof last === 'number' && typeof outer === 'object' && outer !== null && outer.t === 'arr') {
      for (let i = last; i < Math.min(outer.length, last + 4096); i++) ctx.store({ ...p, path: [...p.path.slice(0, -1), i] }, fill);
      return a[0];
    }
    const v = ctx.load(p);
    if (typeof v === 'object' && v !== null && v.t === 'arr') {
      for (let i = 0; i < Math.min(v.length, 4096); i++) ctx.store({ ...p, path: [...p.path, i] }, fill);
    } else if (typeof v === 'object' && v !== null && v.t === 'rec') ctx.store(p, { ...v, fields: {}, zero: true });
    else ctx.store(p, fill);
    return a[0];
  }),
  def('misc', ['need_resched', 'spin_needbreak'], 'no rescheduling requests in the model: 0', {}, () => 0),
  def('misc', ['fatal_signal_pending', 'signal_pending'], "a choice point: is a (fatal) signal pending? (no, unless the scenario chooses 'pending')", { choice: 'signal' }, (ctx) => ctx.choose('signal', [...CHOICES.signal], 0)),
  def('mm', ['should_zap_page', 'should_zap_folio'], 'zap_details filters nothing in the modelled zaps (no mapping to skip): 1', {}, () => 1),
  def('mm', ['zap_install_uffd_wp_if_needed', 'zap_drop_markers', 'zap_drop_file_uffd_wp'], 'no userfaultfd markers in the model: 0', {}, () => 0),
  def('rmap', ['page_try_dup_anon_rmap'], 'fork shares an anonymous page (pre-folio API): mapcount up, 0 (success)', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    const page = ctx.ptr(a[0], 'page');
    const folio = folioOf(ctx.s, page);
    const f = recOf(ctx.s, folio.obj);
    ctx.store({ ...page, path: [...page.path, '_mapcount'] }, (pageRec(ctx.s, page).fields._mapcount as number) + 1);
    ctx.store({ ...folio, path: ['_mapcount'] }, (f.fields._mapcount as number) + 1);
    return 0;
  }),
  def('mm', ['reclaim_pt_is_enabled', 'try_get_and_clear_pmd', 'should_zap_cows'], 'page-table reclaim is off in the model: 0 / zap private copies: 1', {}, (_ctx, a) => (a.length === 1 ? 1 : 0)),
  def('mm', 'kpsim_pte_ptr', 'model: pointer to the PTE of an address (NULL without a table)', {}, (ctx, a) => ptePtr(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'))),
];

export function isPagePtr(v: Value): boolean {
  return isPtr(v) && v.path.length === 1;
}
void readPte;
