/** Folios and pages: references, the folio lock, flags, mapcounts (rmap accounting). */
import { Blocked, type PrimCtx } from './api';
import { meta, recOf } from '../state/state';
import type { Ptr, Rec, Value } from '../state/values';
import { folioOf, pagePtr, pageRec } from '../world/layout';
import { def } from './define';
import { acquire, release, tryAcquire } from './locking';

function folio(ctx: PrimCtx, v: Value, what: string): { p: Ptr; f: Rec } {
  const p = folioOf(ctx.s, ctx.ptr(v, what));
  const f = recOf(ctx.s, p.obj);
  return { p, f };
}

/** Reads or updates a folio field, warning on a folio that was freed. */
function touch(ctx: PrimCtx, v: Value, what: string): { p: Ptr; f: Rec } {
  const r = folio(ctx, v, what);
  if (r.f.fields.freed) ctx.warn(`${what} on a freed folio (${meta(ctx.s, r.p.obj).label})`);
  return r;
}

function set(ctx: PrimCtx, p: Ptr, field: string, v: Value): void {
  ctx.store({ ...p, path: [field] }, v);
}

/** Adds `delta` references to the folio of `v` (a folio or a page); the folio is freed at zero. */
export function addRef(ctx: PrimCtx, v: Value, delta: number, what: string): number {
  const { p, f } = touch(ctx, v, what);
  const refs = (f.fields._refcount as number) + delta;
  set(ctx, p, '_refcount', refs);
  if (refs < 0) ctx.warn(`${what}: refcount underflow on ${meta(ctx.s, p.obj).label}`);
  if (refs === 0) {
    set(ctx, p, 'freed', 1);
    ctx.note(`${meta(ctx.s, p.obj).label} freed`);
  }
  return refs;
}

const lockPtr = (p: Ptr): Ptr => ({ ...p, path: ['lock'] });

function lockFolio(ctx: PrimCtx, v: Value, what: string): Value | Blocked {
  const { p } = touch(ctx, v, what);
  return acquire(ctx, lockPtr(p), 'mutex', `folio lock of ${meta(ctx.s, p.obj).label}`);
}

function mapcountDelta(ctx: PrimCtx, folioV: Value, pageV: Value, nr: number, delta: number, what: string): number {
  const { p, f } = touch(ctx, folioV, what);
  const first = pageV === undefined ? pagePtr(ctx.s, f.fields.pfn as number) : ctx.ptr(pageV, 'page');
  const firstPfn = pageRec(ctx.s, first).fields.pfn as number;
  for (let i = 0; i < nr; i++) {
    const pg = pagePtr(ctx.s, firstPfn + i);
    const rec = pageRec(ctx.s, pg);
    const next = (rec.fields._mapcount as number) + delta;
    ctx.store({ ...pg, path: [...pg.path, '_mapcount'] }, next);
    if (next < 0) ctx.warn(`${what}: mapcount underflow on pfn ${firstPfn + i}`);
  }
  const total = (f.fields._mapcount as number) + delta * nr;
  set(ctx, p, '_mapcount', total);
  return total;
}

const ref = { reads: ['folio refcount'], writes: ['folio refcount'], sched: true };
const flag = (name: string, field: string) => def('folio', name, `folio flag ${field}`, { reads: [`folio.${field}`] }, (ctx, a) => (folio(ctx, a[0], name).f.fields[field] ? 1 : 0));

export const FOLIO = [
  def('folio', ['page_folio', 'virt_to_folio'], 'the folio a page belongs to', {}, (ctx, a) => folioOf(ctx.s, ctx.ptr(a[0], 'page_folio'))),
  def('folio', ['folio_page', 'nth_page'], 'the n-th page of a folio', {}, (ctx, a) => {
    const { f } = folio(ctx, a[0], 'folio_page');
    return pagePtr(ctx.s, (f.fields.pfn as number) + ctx.int(a[1], 'n'));
  }),
  def('folio', 'folio_pfn', 'first pfn of a folio', {}, (ctx, a) => folio(ctx, a[0], 'folio_pfn').f.fields.pfn),
  def('folio', 'folio_nr_pages', 'pages in a folio', {}, (ctx, a) => folio(ctx, a[0], 'folio_nr_pages').f.fields.nr),
  def('folio', ['folio_size', 'page_size'], 'bytes in a folio (page_size: of the compound page)', {}, (ctx, a) => (folio(ctx, a[0], 'folio_size').f.fields.nr as number) * 4096),
  def('folio', ['compound_head'], 'the head page of a compound page', {}, (ctx, a) => pagePtr(ctx.s, folio(ctx, a[0], 'compound_head').f.fields.pfn as number)),
  def('folio', 'folio_order', 'order of a folio', {}, (ctx, a) => folio(ctx, a[0], 'folio_order').f.fields.order),
  def('folio', ['folio_test_large', 'folio_test_pmd_mappable'], 'folio has more than one page', {}, (ctx, a) => ((folio(ctx, a[0], 'folio_test_large').f.fields.nr as number) > 1 ? 1 : 0)),
  flag('folio_test_anon', 'anon'), flag('folio_test_hugetlb', 'hugetlb'), flag('folio_test_dirty', 'dirty'),
  flag('folio_test_swapcache', 'swapcache'), flag('folio_test_lru', 'lru'),
  def('folio', ['PageAnon'], 'page of an anonymous folio', {}, (ctx, a) => (folio(ctx, a[0], 'PageAnon').f.fields.anon ? 1 : 0)),
  def('folio', ['folio_test_ksm', 'PageKsm', 'folio_test_mlocked', 'folio_is_device_private', 'folio_is_zone_device', 'is_device_private_page', 'is_zone_device_page', 'PageHWPoison', 'folio_test_hwpoison', 'PageHuge', 'folio_maybe_dma_pinned', 'page_maybe_dma_pinned'], 'not modelled kinds of folio: false', {}, () => 0),
  def('folio', 'PageTail', 'a page other than the first of its folio', {}, (ctx, a) => {
    const page = ctx.ptr(a[0], 'PageTail');
    const { f } = folio(ctx, page, 'PageTail');
    return pageRec(ctx.s, page).fields.pfn !== f.fields.pfn ? 1 : 0;
  }),
  def('folio', ['folio_test_locked', 'PageLocked'], 'the folio lock is held', { reads: ['folio lock'] }, (ctx, a) => {
    const { f } = folio(ctx, a[0], 'folio_test_locked');
    return (f.fields.lock as { holders: string[] }).holders.length ? 1 : 0;
  }),
  def('folio', ['folio_mark_dirty', 'folio_set_dirty', 'set_page_dirty', 'SetPageDirty', 'folio_mark_dirty_lock'], 'marks a folio dirty; 1 if it was clean', { writes: ['folio.dirty'], sched: true }, (ctx, a) => {
    const { p, f } = touch(ctx, a[0], 'folio_mark_dirty');
    const was = f.fields.dirty;
    set(ctx, p, 'dirty', 1);
    return was ? 0 : 1;
  }),
  def('folio', ['folio_clear_dirty_for_io', 'folio_clear_dirty'], 'clears the dirty flag; 1 if it was set', { writes: ['folio.dirty'], sched: true }, (ctx, a) => {
    const { p, f } = touch(ctx, a[0], 'folio_clear_dirty');
    const was = f.fields.dirty;
    set(ctx, p, 'dirty', 0);
    return was ? 1 : 0;
  }),
  def('folio', ['folio_try_get', 'get_page_unless_zero', 'folio_try_get_rcu'], 'takes a reference unless the folio is being freed: 1/0', ref, (ctx, a) => {
    const { f } = folio(ctx, a[0], 'folio_try_get');
    if ((f.fields._refcount as number) <= 0) return 0;
    addRef(ctx, a[0], 1, 'folio_try_get');
    return 1;
  }),
  def('folio', ['folio_get', 'get_page'], 'takes a reference', ref, (ctx, a) => {
    addRef(ctx, a[0], 1, 'folio_get');
    return 0;
  }),
  def('folio', ['folio_ref_add'], 'takes n references', ref, (ctx, a) => {
    addRef(ctx, a[0], ctx.int(a[1], 'n'), 'folio_ref_add');
    return 0;
  }),
  def('folio', ['folio_put', 'put_page'], 'drops a reference (the folio is freed at zero)', ref, (ctx, a) => {
    addRef(ctx, a[0], -1, 'folio_put');
    return 0;
  }),
  def('folio', ['folio_put_refs', 'folio_ref_sub'], 'drops n references', ref, (ctx, a) => {
    addRef(ctx, a[0], -ctx.int(a[1], 'n'), 'folio_put_refs');
    return 0;
  }),
  def('folio', ['folio_ref_count', 'page_count', 'page_ref_count'], 'the reference count', { reads: ['folio refcount'] }, (ctx, a) => folio(ctx, a[0], 'folio_ref_count').f.fields._refcount),
  def('folio', ['folio_lock', 'lock_page'], 'takes the folio lock (sleeps while held)', { reads: ['folio lock'], writes: ['folio lock'], sched: true }, (ctx, a) => lockFolio(ctx, a[0], 'folio_lock')),
  def('folio', ['folio_lock_killable'], 'takes the folio lock; 0 (no fatal signals in the model)', { reads: ['folio lock'], writes: ['folio lock'], sched: true }, (ctx, a) => lockFolio(ctx, a[0], 'folio_lock_killable')),
  def('folio', ['folio_lock_or_retry', 'lock_page_or_retry'], 'takes the folio lock for a fault (the model faults without FAULT_FLAG_ALLOW_RETRY, so it sleeps for it): v6.5+ (folio, vmf) returns 0; the older (folio|page, mm, flags) and (folio, vma, flags, &lock_dropped) forms return true', { reads: ['folio lock'], writes: ['folio lock'], sched: true }, (ctx, a) => {
    const r = lockFolio(ctx, a[0], 'folio_lock_or_retry');
    if (r instanceof Blocked || a.length === 2) return r;
    if (a.length === 4) ctx.store(a[3], 0, 'lock_dropped');
    return 1;
  }),
  def('folio', ['folio_trylock', 'trylock_page'], 'takes the folio lock if free: 1/0', { reads: ['folio lock'], writes: ['folio lock'], sched: true }, (ctx, a) => {
    const { p } = touch(ctx, a[0], 'folio_trylock');
    return tryAcquire(ctx, lockPtr(p), 'mutex', `folio lock of ${meta(ctx.s, p.obj).label}`);
  }),
  def('folio', ['folio_unlock', 'unlock_page'], 'releases the folio lock', { writes: ['folio lock'], sched: true }, (ctx, a) => {
    const { p } = touch(ctx, a[0], 'folio_unlock');
    return release(ctx, lockPtr(p), 'mutex', `folio lock of ${meta(ctx.s, p.obj).label}`);
  }),
  def('rmap', ['folio_mapcount', 'total_mapcount', 'folio_mapcount_read'], 'PTE mappings of a folio', { reads: ['mapcount'] }, (ctx, a) => folio(ctx, a[0], 'folio_mapcount').f.fields._mapcount),
  def('rmap', ['folio_mapped', 'page_mapped'], 'the folio is mapped somewhere', { reads: ['mapcount'] }, (ctx, a) => ((folio(ctx, a[0], 'folio_mapped').f.fields._mapcount as number) > 0 ? 1 : 0)),
  def('rmap', ['page_mapcount', 'folio_precise_page_mapcount'], 'mappings of one page', { reads: ['mapcount'] }, (ctx, a) => pageRec(ctx.s, ctx.ptr(a[a.length - 1], 'page')).fields._mapcount),
  def('rmap', ['folio_remove_rmap_pte'], 'one PTE mapping fewer', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    mapcountDelta(ctx, a[0], a[1], 1, -1, 'folio_remove_rmap_pte');
    return 0;
  }),
  def('rmap', ['folio_remove_rmap_ptes'], 'nr PTE mappings fewer', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    mapcountDelta(ctx, a[0], a[1], ctx.int(a[2], 'nr'), -1, 'folio_remove_rmap_ptes');
    return 0;
  }),
  def('rmap', ['page_remove_rmap'], 'one mapping fewer (pre-folio API)', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    mapcountDelta(ctx, a[0], a[0], 1, -1, 'page_remove_rmap');
    return 0;
  }),
  def('rmap', ['folio_add_anon_rmap_pte', 'folio_add_new_anon_rmap'], 'one anonymous PTE mapping more', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    mapcountDelta(ctx, a[0], a.length >= 5 ? a[1] : undefined, 1, 1, 'folio_add_anon_rmap_pte');
    return 0;
  }),
  def('rmap', ['folio_add_anon_rmap_ptes'], 'nr anonymous PTE mappings more', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    mapcountDelta(ctx, a[0], a[1], ctx.int(a[2], 'nr'), 1, 'folio_add_anon_rmap_ptes');
    return 0;
  }),
  def('rmap', ['page_add_anon_rmap', 'do_page_add_anon_rmap'], 'one anonymous mapping more (pre-folio API)', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    mapcountDelta(ctx, a[0], a[0], 1, 1, 'page_add_anon_rmap');
    return 0;
  }),
  def('rmap', ['folio_try_dup_anon_rmap_pte', 'folio_try_dup_anon_rmap_ptes'], 'fork shares an anonymous mapping: mapcount up, 0 (success)', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    // _ptes: (folio, page, nr, src_vma) in v6.12, (folio, page, nr, dst_vma, src_vma) since; _pte: no nr.
    const nr = typeof a[2] === 'number' ? ctx.int(a[2], 'nr') : 1;
    mapcountDelta(ctx, a[0], a[1], nr, 1, 'folio_try_dup_anon_rmap_pte');
    return 0;
  }),
  def('rmap', ['folio_dup_file_rmap_pte', 'folio_dup_file_rmap_ptes', 'page_dup_file_rmap'], 'fork shares a file mapping', { writes: ['mapcount'], sched: true }, (ctx, a) => {
    // folio_dup_file_rmap_ptes(folio, page, nr[, dst_vma]); page_dup_file_rmap(page, compound) before folios.
    const nr = typeof a[2] === 'number' ? ctx.int(a[2], 'nr') : 1;
    mapcountDelta(ctx, a[0], typeof a[1] === 'number' ? a[0] : a[1], nr, 1, 'folio_dup_file_rmap_pte');
    return 0;
  }),
  def('rmap', ['folio_lock_anon_vma_read', 'page_lock_anon_vma_read'], 'the anon_vma lock (not modelled apart from the rmap walk): NULL', {}, () => null),
];

