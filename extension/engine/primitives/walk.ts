/**
 * Walking page tables for a folio: folio_walk_start/end (v6.15+ make_device_exclusive),
 * page_vma_mapped_walk (the rmap_one callbacks before that), and the snapshot the model's
 * rmap_walk uses to visit every (vma, address) that maps a folio.
 */
import { Blocked, type PrimCtx } from './api';
import { ModelError, meta, recOf } from '../state/state';
import { type Ptr, type Rec, type Value, isPtr, isRec, ptr } from '../state/values';
import { PAGE_SIZE, findVma, folioOf, mmRec, pagePtr, ptePtr, readPte, vmaRec } from '../world/layout';
import { def } from './define';
import { acquire, release } from './locking';

const FW_LEVEL_PTE = 0;

function vmaMm(ctx: PrimCtx, vma: Value): number {
  const v = vmaRec(ctx.s, ctx.ptr(vma, 'vma'));
  return (v.fields.vm_mm as Ptr).obj;
}

/** Every (vma, address) whose PTE maps a page of the folio (present or device-exclusive). */
export function mappingsOf(ctx: PrimCtx, folio: Ptr): { vma: Ptr; address: number }[] {
  const f = recOf(ctx.s, folio.obj);
  const first = f.fields.pfn as number;
  const nr = f.fields.nr as number;
  const out: { vma: Ptr; address: number }[] = [];
  for (const mm of ctx.s.world.mms) {
    const pmds = mmRec(ctx.s, mm).fields.pmds as Rec;
    for (const [key, e] of Object.entries(pmds.fields)) {
      if (!isRec(e) || e.fields.kind !== 'table' || !isPtr(e.fields.table)) continue;
      const table = recOf(ctx.s, e.fields.table.obj);
      const entries = (table.fields.entries as { items: Record<number, Value> }).items;
      for (const [i, pte] of Object.entries(entries)) {
        if (!pte || typeof pte !== 'object' || pte.t !== 'pte') continue;
        const pfn = pte.k === 'present' ? pte.pfn : pte.k === 'swp' ? pte.entry.offset : -1;
        if (pfn < first || pfn >= first + nr) continue;
        if (pte.k === 'swp' && !/^(device_exclusive|migration)/.test(pte.entry.kind)) continue;
        const address = Number.parseInt(key, 16) + Number(i) * PAGE_SIZE;
        const vma = findVma(ctx.s, mm, address);
        if (vma) out.push({ vma, address });
      }
    }
  }
  return out;
}

export const WALK = [
  def('rmap', 'folio_walk_start', 'finds the folio mapped at an address, locks its PTE table; NULL if none is mapped there', { reads: ['pte'], writes: ['ptl'], sched: true }, (ctx, a) => {
    const fw = ctx.ptr(a[0], 'folio_walk');
    const mm = vmaMm(ctx, a[1]);
    const addr = ctx.int(a[2], 'address');
    const pte = ptePtr(ctx.s, mm, addr);
    if (!pte) return null;
    const ptl = ptr(pte.obj, 'ptl');
    const r = acquire(ctx, ptl, 'spin', `PTL ${meta(ctx.s, pte.obj).label}`);
    if (r instanceof Blocked) return r;
    const v = readPte(ctx.s, pte);
    if (v.k !== 'present') {
      release(ctx, ptl, 'spin', 'PTL');
      return null;
    }
    const page = pagePtr(ctx.s, v.pfn);
    ctx.store({ ...fw, path: [...fw.path, 'page'] }, page);
    ctx.store({ ...fw, path: [...fw.path, 'level'] }, FW_LEVEL_PTE);
    ctx.store({ ...fw, path: [...fw.path, 'ptep'] }, pte);
    ctx.store({ ...fw, path: [...fw.path, 'pte'] }, v);
    ctx.store({ ...fw, path: [...fw.path, 'ptl'] }, ptl);
    return folioOf(ctx.s, page);
  }),
  def('rmap', 'folio_walk_end', 'unlocks what folio_walk_start locked', { writes: ['ptl'], sched: true }, (ctx, a) => {
    const fw = ctx.ptr(a[0], 'folio_walk');
    return release(ctx, ctx.ptr(ctx.load({ ...fw, path: [...fw.path, 'ptl'] }), 'fw.ptl'), 'spin', 'PTL');
  }),
  def('rmap', ['DEFINE_FOLIO_VMA_WALK', 'DEFINE_PAGE_VMA_WALK'], 'declares a page_vma_mapped_walk for a folio, vma, address', { }, (ctx, a) => {
    const w = ctx.ptr(a[0], 'pvmw');
    const set = (k: string, v: Value): void => ctx.store({ ...w, path: [...w.path, k] }, v);
    set('folio', a[1] === undefined ? null : folioOf(ctx.s, ctx.ptr(a[1], 'folio')));
    set('vma', a[2]);
    set('address', a[3]);
    set('flags', a[4] ?? 0);
    set('pte', null);
    set('ptl', null);
    set('pmd', null);
    set('__done', 0);
    return 0;
  }),
  def('rmap', 'page_vma_mapped_walk', "next PTE of the vma that maps a page of the walk's folio, with its PTL held; 0 when done", { reads: ['pte'], writes: ['ptl'], sched: true }, (ctx, a) => {
    const w = ctx.ptr(a[0], 'pvmw');
    const get = (k: string): Value => ctx.load({ ...w, path: [...w.path, k] });
    const set = (k: string, v: Value): void => ctx.store({ ...w, path: [...w.path, k] }, v);
    // v5.x walks carried the page (.page), later ones the folio.
    const target = get('folio');
    const folio = folioOf(ctx.s, ctx.ptr(isPtr(target) ? target : get('page'), 'pvmw.folio'));
    const f = recOf(ctx.s, folio.obj);
    const first = f.fields.pfn as number;
    const nr = f.fields.nr as number;
    const vma = vmaRec(ctx.s, ctx.ptr(get('vma'), 'pvmw.vma'));
    const mm = (vma.fields.vm_mm as Ptr).obj;
    const held = get('ptl');
    // Like the kernel's walk: from the current address on, the next PTE that maps a page of the
    // folio; the PTL stays held while the walk stays in one PTE table.
    let next = get('__next');
    // A zero-initialised walk (an initializer list) reads 0 for __next: not started.
    let address = typeof next === 'number' && next > 0 ? next : ctx.int(get('address'), 'address');
    const end = Math.min(vma.fields.vm_end as number, address + nr * PAGE_SIZE);
    for (; address < end; address += PAGE_SIZE) {
      const pte = ptePtr(ctx.s, mm, address);
      if (!pte) continue;
      const v = readPte(ctx.s, pte);
      const pfn = v.k === 'present' ? v.pfn : v.k === 'swp' && /^(device_exclusive|migration)/.test(v.entry.kind) ? v.entry.offset : -1;
      if (pfn < first || pfn >= first + nr) continue;
      const ptl = ptr(pte.obj, 'ptl');
      if (isPtr(held) && !(held.obj === ptl.obj)) {
        release(ctx, held, 'spin', 'PTL');
        set('ptl', null);
      }
      if (!(isPtr(held) && held.obj === ptl.obj)) {
        const r = acquire(ctx, ptl, 'spin', `PTL ${meta(ctx.s, pte.obj).label}`);
        if (r instanceof Blocked) return r;
        set('ptl', ptl);
      }
      set('pte', pte);
      set('address', address);
      set('__next', address + PAGE_SIZE);
      return 1;
    }
    if (isPtr(held)) release(ctx, held, 'spin', 'PTL');
    set('ptl', null);
    set('pte', null);
    next = undefined;
    return 0;
  }),
  def('rmap', 'page_vma_mapped_walk_done', 'ends a page_vma_mapped_walk early: drops the PTL', { writes: ['ptl'], sched: true }, (ctx, a) => {
    const w = ctx.ptr(a[0], 'pvmw');
    const held = ctx.load({ ...w, path: [...w.path, 'ptl'] });
    if (isPtr(held)) release(ctx, held, 'spin', 'PTL');
    ctx.store({ ...w, path: [...w.path, 'ptl'] }, null);
    ctx.store({ ...w, path: [...w.path, '__done'] }, 1);
    return 0;
  }),
  def('rmap', 'kpsim_rmap_snapshot', 'model: records, per VMA that maps the folio, the VMA and the folio\'s address in it (what the anon_vma interval tree gives rmap_walk); returns how many', { reads: ['page tables'] }, (ctx, a) => {
    const folio = folioOf(ctx.s, ctx.ptr(a[0], 'folio'));
    const snap = ctx.ptr(a[1], 'snapshot');
    const f = recOf(ctx.s, folio.obj);
    const byVma = new Map<string, { vma: Ptr; address: number }>();
    for (const m of mappingsOf(ctx, folio)) {
      const key = `${m.vma.obj}`;
      const pte = readPte(ctx.s, ptePtr(ctx.s, (vmaRec(ctx.s, m.vma).fields.vm_mm as Ptr).obj, m.address)!);
      const pfn = pte.k === 'present' ? pte.pfn : pte.k === 'swp' ? pte.entry.offset : (f.fields.pfn as number);
      // vma_address(): where the folio's first page would be mapped in this vma.
      const start = Math.max(vmaRec(ctx.s, m.vma).fields.vm_start as number, m.address - (pfn - (f.fields.pfn as number)) * PAGE_SIZE);
      const seen = byVma.get(key);
      if (!seen || start < seen.address) byVma.set(key, { vma: m.vma, address: start });
    }
    const maps = [...byVma.values()];
    const fields: Record<string, Value> = {};
    maps.forEach((m, i) => {
      fields[`vma${i}`] = m.vma;
      fields[`addr${i}`] = m.address;
    });
    ctx.store(snap, { t: 'rec', type: 'kpsim_rmap', fields });
    return maps.length;
  }),
  def('rmap', 'kpsim_rmap_vma', 'model: the i-th vma of a snapshot', {}, (ctx, a) => {
    const snap = ctx.load(a[0], 'snapshot');
    if (!isRec(snap)) throw new ModelError('kpsim_rmap_vma: not a snapshot');
    return snap.fields[`vma${ctx.int(a[1], 'i')}`];
  }),
  def('rmap', 'kpsim_rmap_address', 'model: the i-th address of a snapshot', {}, (ctx, a) => {
    const snap = ctx.load(a[0], 'snapshot');
    if (!isRec(snap)) throw new ModelError('kpsim_rmap_address: not a snapshot');
    return snap.fields[`addr${ctx.int(a[1], 'i')}`];
  }),
];
