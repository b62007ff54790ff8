/**
 * What the model's fault and GUP dispatchers (kpsim/*.c) need below them: the anonymous-page and
 * write-protect fault handlers (not on the device-exclusive paths, so modelled rather than run),
 * THP splitting, following a page for GUP, and the CPU's access itself.
 */
import { Blocked, type PrimCtx } from './api';
import { ModelError, meta, recOf } from '../state/state';
import { type Pte, type Ptr, type Rec, type Value, isRec, ptr } from '../state/values';
import {
  PAGE_SIZE, PTRS_PER_PTE, folioOf, mmRec, newFolio, nextPfn, pagePtr, pageRec, pmdPtr, ptePtr, readPte, tableOf, vmaRec,
} from '../world/layout';
import { def } from './define';

const VM_WRITE = 0x2;
const FAULT_FLAG_WRITE = 0x1;
const VM_FAULT_SIGSEGV = 0x40;

function vmfField(ctx: PrimCtx, vmf: Ptr, k: string): Value {
  return ctx.load({ ...vmf, path: [...vmf.path, k] });
}

function vmaOfVmf(ctx: PrimCtx, vmf: Ptr): { vma: Ptr; mm: number; flags: number } {
  const vma = ctx.ptr(vmfField(ctx, vmf, 'vma'), 'vmf->vma');
  const v = vmaRec(ctx.s, vma);
  return { vma, mm: (v.fields.vm_mm as Ptr).obj, flags: v.fields.vm_flags as number };
}

function account(ctx: PrimCtx, page: Ptr, delta: number): void {
  const f = folioOf(ctx.s, page);
  const fr = recOf(ctx.s, f.obj);
  ctx.store({ ...page, path: [...page.path, '_mapcount'] }, (pageRec(ctx.s, page).fields._mapcount as number) + delta);
  ctx.store({ ...f, path: ['_mapcount'] }, (fr.fields._mapcount as number) + delta);
  ctx.store({ ...f, path: ['_refcount'] }, (fr.fields._refcount as number) + delta);
  if ((fr.fields._refcount as number) === 0) ctx.store({ ...f, path: ['freed'] }, 1);
}

/** The PTE of an address after the fault handlers ran, or of a PMD-mapped THP. */
function currentPte(ctx: PrimCtx, mm: number, addr: number): Pte | undefined {
  const pmd = pmdPtr(ctx.s, mm, addr, false);
  if (!pmd) return undefined;
  const e = ctx.load(pmd) as Rec;
  if (e.fields.kind === 'huge') {
    const h = e.fields.huge as Pte;
    return h.k === 'present' ? { ...h, pfn: h.pfn + Math.floor((addr % (PAGE_SIZE * PTRS_PER_PTE)) / PAGE_SIZE) } : h;
  }
  const p = ptePtr(ctx.s, mm, addr);
  return p ? readPte(ctx.s, p) : undefined;
}

/**
 * The model's fault handlers stand for kernel code that takes the PTE table's lock
 * (pte_offset_map_lock) and re-checks the entry under it: while another thread holds that lock
 * they wait, so they never act in the middle of its update.
 */
function waitForPtl(ctx: PrimCtx, p: Ptr | null): Blocked | undefined {
  if (!p) return undefined;
  const l = ctx.load(ptr(p.obj, 'ptl')) as { holders?: string[] } | undefined;
  const others = (l?.holders ?? []).filter((h) => h !== ctx.thread.id);
  return others.length ? new Blocked(`PTL ${meta(ctx.s, p.obj).label} held by ${others.join(', ')}`) : undefined;
}

/** The PTE, read the way the kernel does (so the explorer sees the read). */
function readPteSeen(ctx: PrimCtx, p: Ptr): Pte {
  const v = ctx.load(p) as Pte | undefined;
  return v === undefined ? { t: 'pte', k: 'none' } : v;
}

export const FAULT = [
  def('gup', 'kpsim_pte_allows', 'model: the CPU page table allows this access now (present, and writable for a write)', { reads: ['pte'], sched: true }, (ctx, a) => {
    const pte = currentPte(ctx, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'));
    return pte?.k === 'present' && (!ctx.int(a[2], 'write') || pte.write) ? 1 : 0;
  }),
  def('gup', 'kpsim_pmd_of', 'model: the PMD entry of an address (an empty one is created, as __handle_mm_fault allocates)', { writes: ['pmd'] }, (ctx, a) => pmdPtr(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'), true)),
  def('gup', 'kpsim_pte_of', 'model: pointer to the PTE of an address, allocating the PTE table (pte_alloc)', { writes: ['pmd'] }, (ctx, a) => {
    const p = ptePtr(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'), true);
    if (!p) throw new ModelError('kpsim_pte_of: the address is PMD-mapped');
    return p;
  }),
  def('gup', 'kpsim_pmd_is_huge', 'model: the address is mapped by a huge PMD', { reads: ['pmd'] }, (ctx, a) => {
    const pmd = pmdPtr(ctx.s, ctx.ptr(a[0], 'mm').obj, ctx.int(a[1], 'address'), false);
    return pmd && (ctx.load(pmd) as Rec).fields.kind === 'huge' ? 1 : 0;
  }),
  def('gup', 'kpsim_split_pmd', 'model: splits a PMD-mapped THP into 512 PTEs (__split_huge_pmd for FOLL_SPLIT_PMD)', { reads: ['pmd'], writes: ['pmd', 'pte', 'mapcount', 'folio refcount'], sched: true }, (ctx, a) => {
    const mm = ctx.ptr(a[0], 'mm').obj;
    const pmd = pmdPtr(ctx.s, mm, ctx.int(a[1], 'address'), false);
    if (!pmd) return 0;
    const e = ctx.load(pmd) as Rec;
    if (e.fields.kind !== 'huge') return 0;
    const huge = e.fields.huge as Pte;
    if (huge.k !== 'present') throw new ModelError('kpsim_split_pmd: non-present huge PMD');
    const before = structuredClone(e);
    e.fields.kind = 'none';
    e.fields.huge = null;
    const table = tableOf(ctx.s, pmd, true)!;
    for (let i = 0; i < PTRS_PER_PTE; i++) ctx.store(ptr(table, 'entries', i), { ...huge, pfn: huge.pfn + i });
    const folio = folioOf(ctx.s, pagePtr(ctx.s, huge.pfn));
    const f = recOf(ctx.s, folio.obj);
    for (let i = 0; i < PTRS_PER_PTE; i++) {
      const page = pagePtr(ctx.s, huge.pfn + i);
      ctx.store({ ...page, path: [...page.path, '_mapcount'] }, (pageRec(ctx.s, page).fields._mapcount as number) + 1);
    }
    ctx.store({ ...folio, path: ['_mapcount'] }, (f.fields._mapcount as number) - 1 + PTRS_PER_PTE);
    ctx.store({ ...folio, path: ['_refcount'] }, (f.fields._refcount as number) + PTRS_PER_PTE - 1);
    ctx.log.push({ field: `${meta(ctx.s, mm).label}.pmds.${String(pmd.path.at(-1))}`, before, after: structuredClone(e) });
    ctx.note('THP PMD split into PTEs');
    return 1;
  }),
  def('gup', 'kpsim_follow_page', 'model: follow_page_mask: the page mapped at an address with a reference taken (FOLL_GET), or NULL', { reads: ['pte'], writes: ['folio refcount'], sched: true }, (ctx, a) => {
    const vma = vmaRec(ctx.s, ctx.ptr(a[0], 'vma'));
    const mm = (vma.fields.vm_mm as Ptr).obj;
    const busy = waitForPtl(ctx, ptePtr(ctx.s, mm, ctx.int(a[1], 'address')));
    if (busy) return busy;
    const pte = currentPte(ctx, mm, ctx.int(a[1], 'address'));
    if (pte?.k !== 'present') return null;
    if (ctx.int(a[2], 'write') && !pte.write) return null;
    const page = pagePtr(ctx.s, pte.pfn);
    const f = folioOf(ctx.s, page);
    const fr = recOf(ctx.s, f.obj);
    ctx.store({ ...f, path: ['_refcount'] }, (fr.fields._refcount as number) + 1);
    return page;
  }),
  def('gup', 'kpsim_do_anonymous_page', 'model: do_anonymous_page: a new zeroed anonymous folio mapped at the address', { writes: ['pte', 'folio'], sched: true }, (ctx, a) => {
    const vmf = ctx.ptr(a[0], 'vmf');
    const { mm, flags } = vmaOfVmf(ctx, vmf);
    const addr = ctx.int(vmfField(ctx, vmf, 'address'), 'address');
    const write = (ctx.int(vmfField(ctx, vmf, 'flags'), 'flags') & FAULT_FLAG_WRITE) !== 0;
    if (write && !(flags & VM_WRITE)) return VM_FAULT_SIGSEGV;
    // Another thread populated the PTE meanwhile: nothing to do (and no folio to allocate).
    const p = ptePtr(ctx.s, mm, addr, true)!;
    const busy = waitForPtl(ctx, p);
    if (busy) return busy;
    if (readPteSeen(ctx, p).k !== 'none') return 0;
    const pfn = nextPfn(ctx.s);
    newFolio(ctx.s, { pfn });
    ctx.store(p, { t: 'pte', k: 'present', pfn, write: write, dirty: write, young: true, softDirty: true, uffdWp: false });
    account(ctx, pagePtr(ctx.s, pfn), 1);
    ctx.note(`new anonymous folio pfn ${pfn}`);
    return 0;
  }),
  def('gup', 'kpsim_do_wp_page', 'model: do_wp_page for anonymous memory: reuse an exclusive folio, copy a shared one', { reads: ['pte', 'folio'], writes: ['pte', 'folio'], sched: true }, (ctx, a) => {
    const vmf = ctx.ptr(a[0], 'vmf');
    const { mm, flags } = vmaOfVmf(ctx, vmf);
    if (!(flags & VM_WRITE)) return VM_FAULT_SIGSEGV;
    const addr = ctx.int(vmfField(ctx, vmf, 'address'), 'address');
    const p = ptePtr(ctx.s, mm, addr)!;
    const busy = waitForPtl(ctx, p);
    if (busy) return busy;
    const pte = readPteSeen(ctx, p);
    // handle_pte_fault re-checks under the PTL: an entry changed since the fault read it is retried.
    const orig = vmfField(ctx, vmf, 'orig_pte');
    if (pte.k !== 'present' || (orig !== undefined && JSON.stringify(orig) !== JSON.stringify(pte))) return 0;
    const page = pagePtr(ctx.s, pte.pfn);
    const f = recOf(ctx.s, folioOf(ctx.s, page).obj);
    if ((f.fields._mapcount as number) <= 1 && (f.fields._refcount as number) <= 1 + (f.fields.pins as number)) {
      ctx.store(p, { ...pte, write: true, dirty: true, young: true });
      ctx.note('write fault: folio reused');
      return 0;
    }
    const pfn = nextPfn(ctx.s);
    newFolio(ctx.s, { pfn });
    account(ctx, page, -1);
    ctx.store(p, { t: 'pte', k: 'present', pfn, write: true, dirty: true, young: true, softDirty: true, uffdWp: false });
    account(ctx, pagePtr(ctx.s, pfn), 1);
    ctx.note(`write fault: copied to a new folio pfn ${pfn} (COW)`);
    return 0;
  }),
  def('gup', 'kpsim_touch', 'model: the CPU access itself, if the PTE allows it (then it becomes young, and dirty on a write): 1; else 0 (it faults)', { reads: ['pte'], writes: ['pte'], sched: true }, (ctx, a) => {
    const mm = ctx.ptr(a[0], 'mm').obj;
    const addr = ctx.int(a[1], 'address');
    const write = ctx.int(a[2], 'write') !== 0;
    const now = currentPte(ctx, mm, addr);
    if (now?.k !== 'present' || (write && !now.write)) return 0;
    const p = ptePtr(ctx.s, mm, addr);
    if (!p) return 1; // a huge PMD: its young/dirty bits are not tracked per page
    const pte = readPteSeen(ctx, p);
    if (pte.k !== 'present') return 0;
    const next = { ...pte, young: true, dirty: pte.dirty || write };
    if (JSON.stringify(next) !== JSON.stringify(pte)) ctx.store(p, next);
    return 1;
  }),
  def('gup', 'kpsim_mm_of', 'model: the mm of a task (the current one)', {}, (ctx) => ptr(ctx.s.world.mm)),
  def('gup', 'kpsim_vm_write', 'model: the VMA has VM_WRITE', { reads: ['vma'] }, (ctx, a) => ((vmaRec(ctx.s, ctx.ptr(a[0], 'vma')).fields.vm_flags as number) & VM_WRITE ? 1 : 0)),
];

export function mmOfVma(ctx: PrimCtx, vma: Value): number {
  const v = vmaRec(ctx.s, ctx.ptr(vma, 'vma'));
  const mm = v.fields.vm_mm;
  if (!isRec(mmRec(ctx.s, (mm as Ptr).obj))) throw new ModelError('vma without mm');
  return (mm as Ptr).obj;
}
