/** Page tables: reading and writing PTEs, mapping a PTE table and its lock, VMAs, pte <-> page. */
import { Blocked, type PrimCtx } from './api';
import { ModelError, load, meta, recOf } from '../state/state';
import { type Pte, type Ptr, type Rec, type Value, isPte, isPtr, isRec, isSwp, ptr } from '../state/values';
import {
  NONE, PAGE_SIZE, PTRS_PER_PTE, addressOfPte, findVma, folioOf, pagePtr, pfnOfPage, readPte, tableOf, vmaRec,
} from '../world/layout';
import { def } from './define';
import { acquire, release } from './locking';

export function ptePtrArg(ctx: PrimCtx, v: Value, what: string): Ptr {
  const p = ctx.ptr(v, what);
  if (meta(ctx.s, p.obj).kind !== 'pgtable') throw new ModelError(`${what}: not a pointer into a page table (${ctx.where})`);
  return p;
}

export function pteArg(v: Value, what: string): Pte {
  if (!isPte(v)) throw new ModelError(`${what}: not a pte_t`);
  return v;
}

function clearRange(ctx: PrimCtx, p: Ptr, nr: number): Pte {
  const first = readPte(ctx.s, p);
  for (let i = 0; i < nr; i++) {
    const q = { ...p, path: [...p.path.slice(0, -1), Number(p.path.at(-1)) + i] };
    ctx.store(q, NONE);
  }
  return first;
}

/** The PMD entry record a `pmd_t *` points at. */
function pmdEntry(ctx: PrimCtx, pmd: Value): Rec {
  const e = ctx.load(pmd, 'pmd');
  if (!isRec(e) || e.type !== 'pmd') throw new ModelError(`${ctx.where}: not a pmd_t *`);
  return e;
}

function mapTable(ctx: PrimCtx, pmd: Value, addr: Value): Ptr | null {
  const p = ctx.ptr(pmd, 'pmd');
  pmdEntry(ctx, pmd);
  const table = tableOf(ctx.s, p, false);
  if (table === null) return null;
  const a = ctx.int(addr, 'address');
  return ptr(table, 'entries', Math.floor((a % (PAGE_SIZE * PTRS_PER_PTE)) / PAGE_SIZE));
}

const ptlOf = (p: Ptr): Ptr => ptr(p.obj, 'ptl');

const pteIo = { reads: ['pte'], sched: true };
const pteWrite = { reads: ['pte'], writes: ['pte'], sched: true };

export const PGTABLE = [
  def('mm', ['ptep_get', 'ptep_get_lockless'], 'reads a PTE', pteIo, (ctx, a) => readPte(ctx.s, ptePtrArg(ctx, a[0], 'ptep_get'))),
  def('mm', 'set_pte_at', 'writes a PTE', pteWrite, (ctx, a) => {
    ctx.store(ptePtrArg(ctx, a[2], 'set_pte_at'), pteArg(a[3], 'set_pte_at'));
    return 0;
  }),
  def('mm', 'set_ptes', 'writes nr consecutive PTEs (pfn advancing)', pteWrite, (ctx, a) => {
    const p = ptePtrArg(ctx, a[2], 'set_ptes');
    const pte = pteArg(a[3], 'set_ptes');
    const nr = ctx.int(a[4], 'nr');
    for (let i = 0; i < nr; i++) {
      const q = { ...p, path: [...p.path.slice(0, -1), Number(p.path.at(-1)) + i] };
      ctx.store(q, pte.k === 'present' ? { ...pte, pfn: pte.pfn + i } : pte);
    }
    return 0;
  }),
  def('mm', 'ptep_clear_flush', 'clears a PTE and flushes the TLB; returns the old PTE', pteWrite, (ctx, a) => clearRange(ctx, ptePtrArg(ctx, a[2], 'ptep_clear_flush'), 1)),
  def('mm', ['ptep_get_and_clear', 'ptep_get_and_clear_full', 'ptep_clear'], 'clears a PTE; returns the old PTE', pteWrite, (ctx, a) => clearRange(ctx, ptePtrArg(ctx, a[2], 'ptep_get_and_clear'), 1)),
  def('mm', 'get_and_clear_full_ptes', 'clears nr PTEs; returns the first (dirty/young gathered)', pteWrite, (ctx, a) => {
    const p = ptePtrArg(ctx, a[2], 'get_and_clear_full_ptes');
    const nr = ctx.int(a[3], 'nr');
    let first = readPte(ctx.s, p);
    for (let i = 1; i < nr; i++) {
      const q = readPte(ctx.s, { ...p, path: [...p.path.slice(0, -1), Number(p.path.at(-1)) + i] });
      if (first.k === 'present' && q.k === 'present') first = { ...first, dirty: first.dirty || q.dirty, young: first.young || q.young };
    }
    clearRange(ctx, p, nr);
    return first;
  }),
  def('mm', ['pte_clear', 'pte_clear_not_present_full'], 'clears a PTE', pteWrite, (ctx, a) => {
    clearRange(ctx, ptePtrArg(ctx, a[2], 'pte_clear'), 1);
    return 0;
  }),
  def('mm', 'clear_full_ptes', 'clears nr present PTEs whose A/D bits the caller does not need (anonymous zap)', pteWrite, (ctx, a) => {
    clearRange(ctx, ptePtrArg(ctx, a[2], 'clear_full_ptes'), ctx.int(a[3], 'nr'));
    return 0;
  }),
  def('mm', 'clear_not_present_full_ptes', 'clears nr non-present PTEs', pteWrite, (ctx, a) => {
    clearRange(ctx, ptePtrArg(ctx, a[2], 'clear_not_present_full_ptes'), ctx.int(a[3], 'nr'));
    return 0;
  }),
  def('mm', 'ptep_set_wrprotect', 'write-protects a present PTE', pteWrite, (ctx, a) => {
    const p = ptePtrArg(ctx, a[2], 'ptep_set_wrprotect');
    const old = readPte(ctx.s, p);
    if (old.k === 'present') ctx.store(p, { ...old, write: false });
    return 0;
  }),
  def('mm', ['ptep_modify_prot_start', 'modify_prot_start_ptes'], 'starts a protection change: clears the PTE, returns it', pteWrite, (ctx, a) => clearRange(ctx, ptePtrArg(ctx, a[2], 'ptep_modify_prot_start'), 1)),
  def('mm', ['ptep_modify_prot_commit', 'modify_prot_commit_ptes'], 'ends a protection change: writes the new PTE', pteWrite, (ctx, a) => {
    ctx.store(ptePtrArg(ctx, a[2], 'ptep_modify_prot_commit'), pteArg(a[4], 'ptep_modify_prot_commit'));
    return 0;
  }),
  def('mm', ['pte_offset_map_lock'], "maps the PTE table under a PMD and takes its lock; NULL if there is no table", { reads: ['pmd', 'ptl'], writes: ['ptl'], sched: true }, (ctx, a) => {
    const pte = mapTable(ctx, a[1], a[2]);
    if (!pte) return null;
    const r = acquire(ctx, ptlOf(pte), 'spin', `PTL ${meta(ctx.s, pte.obj).label}`);
    if (r instanceof Blocked) return r;
    ctx.store(a[3], ptlOf(pte), 'ptlp');
    return pte;
  }),
  def('mm', ['pte_offset_map'], 'maps the PTE table under a PMD (no lock); NULL if none', { reads: ['pmd'] }, (ctx, a) => mapTable(ctx, a[a.length === 3 ? 1 : 0], a[a.length === 3 ? 2 : 1])),
  def('mm', ['pte_offset_map_nolock', 'pte_offset_map_ro_nolock'], 'maps the PTE table, gives its lock without taking it', { reads: ['pmd'] }, (ctx, a) => {
    const pte = mapTable(ctx, a[1], a[2]);
    if (pte) ctx.store(a[3], ptlOf(pte), 'ptlp');
    return pte;
  }),
  def('mm', 'pte_offset_map_rw_nolock', 'maps the PTE table, gives the pmd value and its lock without taking it', { reads: ['pmd'] }, (ctx, a) => {
    const pte = mapTable(ctx, a[1], a[2]);
    if (pte) {
      ctx.store(a[3], structuredClone(pmdEntry(ctx, a[1])), 'pmdvalp');
      ctx.store(a[4], ptlOf(pte), 'ptlp');
    }
    return pte;
  }),
  def('mm', 'pte_unmap_same', "do_swap_page's check that the PTE still holds vmf->orig_pte (under the PTL); unmaps vmf->pte", { reads: ['pte'], sched: true }, (ctx, a) => {
    const vmf = ctx.ptr(a[0], 'vmf');
    const pteP = ctx.load({ ...vmf, path: [...vmf.path, 'pte'] });
    const orig = ctx.load({ ...vmf, path: [...vmf.path, 'orig_pte'] });
    const same = isPtr(pteP) ? JSON.stringify(readPte(ctx.s, pteP)) === JSON.stringify(orig) : true;
    ctx.store({ ...vmf, path: [...vmf.path, 'pte'] }, null);
    return same ? 1 : 0;
  }),
  def('mm', 'migration_entry_wait', 'waits for a migration to finish (the model has no migration running: returns)', { sched: true }, () => 0),
  def('mm', ['DECLARE_WAITQUEUE', 'DEFINE_WAIT'], 'declares a wait queue entry', {}, () => 0),
  def('mm', ['pte_unmap', 'pte_unmap_same_nolock'], 'unmaps a PTE table mapping (nothing to do here)', {}, () => 0),
  def('mm', 'pte_unmap_unlock', 'unmaps a PTE table and drops its lock', { writes: ['ptl'], sched: true }, (ctx, a) => release(ctx, ctx.ptr(a[1], 'ptl'), 'spin', 'PTL')),
  def('mm', ['pte_lockptr', 'ptep_lockptr'], 'the lock of a PTE table', {}, (ctx, a) => {
    const pmd = ctx.ptr(a[1], 'pmd');
    const table = tableOf(ctx.s, pmd, false);
    if (table === null) throw new ModelError('pte_lockptr: no PTE table');
    return ptr(table, 'ptl');
  }),
  def('mm', 'pmd_none', 'the PMD entry is empty', { reads: ['pmd'] }, (ctx, a) => {
    // The kernel passes the pmd_t value (pmd_none(*pmd)); a pmd_t * is accepted too.
    const e = isRec(a[0]) && a[0].type === 'pmd' ? a[0] : pmdEntry(ctx, a[0]);
    return e.fields.kind === 'none' ? 1 : 0;
  }),
  def('mm', ['vma_lookup'], 'the VMA containing an address, or NULL', { reads: ['vmas'] }, (ctx, a) => findVma(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'))),
  def('mm', ['find_vma'], 'the first VMA ending above an address (the containing one here), or NULL', { reads: ['vmas'] }, (ctx, a) => findVma(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'))),
  def('mm', ['mk_pte'], "a present PTE for a page with a VMA's protections", {}, (ctx, a) => {
    const page = ctx.ptr(a[0], 'page');
    return { t: 'pte', k: 'present', pfn: pfnOfPage(ctx.s, page), write: (ctx.int(a[1], 'prot') & 2) !== 0, dirty: false, young: true, softDirty: false, uffdWp: false };
  }),
  def('mm', ['pfn_pte'], 'a present PTE for a pfn', {}, (ctx, a) => ({ t: 'pte', k: 'present', pfn: ctx.int(a[0], 'pfn'), write: (ctx.int(a[1], 'prot') & 2) !== 0, dirty: false, young: true, softDirty: false, uffdWp: false })),
  def('mm', ['vm_get_page_prot'], 'protections of VM_* flags (write kept out: private mappings start read-only)', {}, () => 0),
  def('mm', ['page_to_pfn'], 'the pfn of a page', {}, (ctx, a) => pfnOfPage(ctx.s, ctx.ptr(a[0], 'page'))),
  def('mm', ['pfn_to_page'], 'the page of a pfn', {}, (ctx, a) => pagePtr(ctx.s, ctx.int(a[0], 'pfn'))),
  def('mm', ['pfn_swap_entry_to_page', 'pfn_swap_entry_to_folio_page'], 'the page a device-exclusive / migration entry refers to', {}, (ctx, a) => {
    if (!isSwp(a[0])) throw new ModelError('pfn_swap_entry_to_page: not a swap entry');
    return pagePtr(ctx.s, a[0].offset);
  }),
  def('mm', ['pfn_swap_entry_folio'], 'the folio a device-exclusive / migration entry refers to', {}, (ctx, a) => {
    if (!isSwp(a[0])) throw new ModelError('pfn_swap_entry_folio: not a swap entry');
    return folioOf(ctx.s, pagePtr(ctx.s, a[0].offset));
  }),
  def('mm', ['vm_normal_page'], 'the page a present PTE maps (NULL for none)', { reads: ['pte'] }, (ctx, a) => {
    const pte = pteArg(a[2], 'vm_normal_page');
    return pte.k === 'present' ? pagePtr(ctx.s, pte.pfn) : null;
  }),
  def('mm', ['vm_normal_folio'], 'the folio a present PTE maps (NULL for none)', { reads: ['pte'] }, (ctx, a) => {
    const pte = pteArg(a[2], 'vm_normal_folio');
    return pte.k === 'present' ? folioOf(ctx.s, pagePtr(ctx.s, pte.pfn)) : null;
  }),
  def('mm', ['is_zero_pfn', 'is_huge_zero_pmd'], 'the zero page is not used by the model', {}, () => 0),
  def('mm', ['pte_needs_flush', 'pte_needs_soft_dirty_wp'], 'no TLB-flush subtleties in the model', {}, () => 0),
  def('mm', ['userfaultfd_wp', 'userfaultfd_pte_wp', 'userfaultfd_missing', 'uffd_disable_fault_around', 'vma_has_uffd_without_event_remap', 'userfaultfd_wp_use_markers'], 'no userfaultfd in the modelled VMAs', {}, () => 0),
  def('mm', ['is_cow_mapping'], 'private writable mapping', {}, (ctx, a) => ((ctx.int(a[0], 'vm_flags') & 0x28) === 0x20 ? 1 : 0)),
  def('mm', ['vma_is_anonymous'], 'anonymous VMA', { reads: ['vma'] }, (ctx, a) => (vmaRec(ctx.s, ctx.ptr(a[0], 'vma')).fields.vm_ops === null ? 1 : 0)),
  def('mm', 'maybe_mkwrite', 'makes a PTE writable if the VMA has VM_WRITE', { reads: ['vma'] }, (ctx, a) => {
    const pte = pteArg(a[0], 'maybe_mkwrite');
    const vma = vmaRec(ctx.s, ctx.ptr(a[1], 'vma'));
    if (!((vma.fields.vm_flags as number) & 2) || pte.k !== 'present') return pte;
    return { ...pte, write: true };
  }),
  def('mm', ['can_change_pte_writable'], 'a PTE may be made writable: VM_WRITE and an exclusively mapped anon folio', { reads: ['vma', 'folio'] }, (ctx, a) => {
    const vma = vmaRec(ctx.s, ctx.ptr(a[0], 'vma'));
    const pte = pteArg(a[2], 'can_change_pte_writable');
    if (!((vma.fields.vm_flags as number) & 2) || pte.k !== 'present') return 0;
    const f = recOf(ctx.s, folioOf(ctx.s, pagePtr(ctx.s, pte.pfn)).obj);
    return (f.fields.anon as number) && (f.fields._mapcount as number) <= 1 ? 1 : 0;
  }),
  def('mm', ['add_mm_counter', 'add_mm_rss_vec'], 'RSS accounting', { writes: ['rss'] }, (ctx, a) => {
    if (a.length === 3) {
      const mm = ctx.ptr(a[0], 'mm');
      const i = ctx.int(a[1], 'counter');
      const p = { ...mm, path: ['rss', i] };
      ctx.store(p, ctx.int(load(ctx.s, p) ?? 0, 'rss') + ctx.int(a[2], 'value'));
    }
    return 0;
  }),
  def('mm', ['inc_mm_counter', 'dec_mm_counter'], 'RSS accounting', { writes: ['rss'] }, () => 0),
  def('mm', ['mm_counter', 'mm_counter_file'], 'the RSS counter of a folio (anon)', {}, () => 0),
  def('mm', ['pte_install_uffd_wp_if_needed'], 'no userfaultfd in the model: false', {}, () => 0),
  def('mm', ['vma_end_read', 'vma_start_write', 'vma_assert_write_locked', 'vma_pgtable_walk_begin', 'vma_pgtable_walk_end'], 'per-VMA locks are not modelled separately from mmap_lock', {}, () => 0),
];

/** The address a pte pointer stands for (for messages). */
export function pteAddress(ctx: PrimCtx, p: Ptr): number {
  return addressOfPte(ctx.s, p);
}
