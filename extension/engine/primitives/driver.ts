/**
 * What lies below the drivers: the XArray that test_hmm uses as its device page table, and the
 * test_hmm helpers around the atomic request that only copy data back to user space.
 */
import type { PrimCtx } from './api';
import { ModelError } from '../state/state';
import { type Ptr, type Rec, type Value, isPtr, isRec, rec } from '../state/values';
import { def } from './define';

/** The entries record of the xarray at `p` (an uninitialised struct xarray starts empty). */
function entries(ctx: PrimCtx, v: Value): { p: Ptr; e: Rec } {
  const p = ctx.ptr(v, 'xarray');
  const x = ctx.load(p);
  if (!isRec(x) || x.type !== 'xarray') {
    ctx.store(p, rec('xarray', { entries: rec('xa_entries') }));
  }
  const e = ctx.load({ ...p, path: [...p.path, 'entries'] });
  if (!isRec(e)) throw new ModelError('corrupt xarray');
  return { p, e };
}

function put(ctx: PrimCtx, p: Ptr, index: number, v: Value): Value {
  const q = { ...p, path: [...p.path, 'entries', String(index)] };
  const old = ctx.load(q) ?? null;
  ctx.store(q, v === null ? undefined : v);
  return old;
}

export function untag(v: Value): Value {
  return isRec(v) && v.type === 'xa_tagged' ? v.fields.ptr : v;
}

export function tagOf(v: Value): number {
  return isRec(v) && v.type === 'xa_tagged' ? (v.fields.tag as number) : 0;
}

function iterate(ctx: PrimCtx, xa: Value, indexP: Value, entryP: Value, first: number, last: number, firstTime: boolean): number {
  const { e } = entries(ctx, xa);
  const from = firstTime ? first : ctx.int(ctx.load(indexP), 'index') + 1;
  const keys = Object.keys(e.fields).map(Number).filter((k) => k >= from && k <= last && e.fields[String(k)] !== undefined).sort((x, y) => x - y);
  if (!keys.length) return 0;
  ctx.store(indexP, keys[0]);
  ctx.store(entryP, e.fields[String(keys[0])]);
  return 1;
}

const xaIo = { reads: ['device page table'], writes: ['device page table'], sched: true };

export const DRIVER = [
  def('driver', ['xa_init', 'xa_init_flags'], 'an empty XArray', { writes: ['device page table'] }, (ctx, a) => {
    ctx.store(a[0], rec('xarray', { entries: rec('xa_entries') }));
    return 0;
  }),
  def('driver', 'xa_load', 'the entry at an index, or NULL', { reads: ['device page table'], sched: true }, (ctx, a) => entries(ctx, a[0]).e.fields[String(ctx.int(a[1], 'index'))] ?? null),
  def('driver', ['xa_store'], 'stores an entry; returns the old one', xaIo, (ctx, a) => put(ctx, entries(ctx, a[0]).p, ctx.int(a[1], 'index'), a[2])),
  def('driver', ['xa_erase'], 'removes an entry; returns it', xaIo, (ctx, a) => put(ctx, entries(ctx, a[0]).p, ctx.int(a[1], 'index'), null)),
  def('driver', 'xa_tag_pointer', 'a pointer with a tag in its low bits', {}, (_ctx, a) => rec('xa_tagged', { ptr: a[0], tag: a[1] })),
  def('driver', 'xa_untag_pointer', 'the pointer of a tagged entry', {}, (_ctx, a) => untag(a[0])),
  def('driver', 'xa_pointer_tag', 'the tag of an entry', {}, (_ctx, a) => tagOf(a[0])),
  def('driver', 'xa_is_err', 'stores cannot fail in the model: 0', {}, () => 0),
  def('driver', 'xa_err', 'stores cannot fail in the model: 0', {}, () => 0),
  def('driver', 'xa_for_each_range__next', 'xa_for_each_range: the next present entry with index in [first, last]', { reads: ['device page table'] }, (ctx, a) =>
    iterate(ctx, a[0], a[1], a[2], ctx.int(a[3], 'first'), ctx.int(a[4], 'last'), ctx.int(a[5], 'first time') !== 0)),
  def('driver', 'xa_for_each__next', 'xa_for_each: the next present entry', { reads: ['device page table'] }, (ctx, a) =>
    iterate(ctx, a[0], a[1], a[2], 0, Number.MAX_SAFE_INTEGER, ctx.int(a[3], 'first time') !== 0)),
  def('driver', 'dmirror_bounce_init', 'test_hmm: allocates the bounce buffer that returns data to user space (no mm state)', {}, (ctx, a) => {
    const b = ctx.ptr(a[0], 'bounce');
    ctx.store({ ...b, path: [...b.path, 'addr'] }, a[1]);
    ctx.store({ ...b, path: [...b.path, 'size'] }, a[2]);
    ctx.store({ ...b, path: [...b.path, 'cpages'] }, 0);
    ctx.store({ ...b, path: [...b.path, 'ptr'] }, null);
    return 0;
  }),
  def('driver', 'dmirror_bounce_fini', 'test_hmm: frees the bounce buffer', {}, () => 0),
  def('driver', 'dmirror_do_read', 'test_hmm: copies device-mapped pages to the bounce buffer; -ENOENT if a page is not mapped by the device', { reads: ['device page table'] }, (ctx, a) => {
    const { e } = entries(ctx, { ...ctx.ptr(a[0], 'dmirror'), path: [...ctx.ptr(a[0], 'dmirror').path, 'pt'] });
    const start = ctx.int(a[1], 'start');
    const end = ctx.int(a[2], 'end');
    for (let addr = start; addr < end; addr += 4096) {
      const ent = e.fields[String(Math.floor(addr / 4096))];
      if (!ent || !isPtr(untag(ent))) return -2;
    }
    const b = ctx.ptr(a[3], 'bounce');
    ctx.store({ ...b, path: [...b.path, 'cpages'] }, (end - start) / 4096);
    return 0;
  }),
  def('driver', ['copy_to_user', 'copy_from_user'], 'user copies succeed in the model: 0 bytes left', {}, () => 0),
  def('driver', ['u64_to_user_ptr'], 'a user pointer', {}, (_ctx, a) => a[0]),
];

export const TLB = [
  'flush_cache_page', 'flush_cache_range', 'update_mmu_cache', 'update_mmu_cache_range', 'flush_tlb_page', 'flush_tlb_range', 'flush_tlb_mm',
  'tlb_flush_pte_range', 'tlb_remove_tlb_entry', 'tlb_remove_tlb_entries', 'tlb_change_page_size', 'tlb_start_vma', 'tlb_end_vma', 'tlb_gather_mmu', 'tlb_finish_mmu',
  'arch_enter_lazy_mmu_mode', 'arch_leave_lazy_mmu_mode', 'lazy_mmu_mode_enable', 'lazy_mmu_mode_disable', 'flush_tlb_batched_pending', 'tlb_flush_rmaps',
  'update_mmu_tlb', 'flush_dcache_page', 'sync_core_before_usermode', 'ksm_might_unmap_zero_page', 'arch_check_zapped_pte', 'arch_swap_restore', 'arch_do_swap_page_nr',
  'count_vm_event', 'count_memcg_event_mm', 'perf_sw_event', 'mm_account_fault', 'delayacct_wpcopy_start', 'delayacct_wpcopy_end', 'rcu_read_lock', 'rcu_read_unlock',
  'trace_mm_filemap_fault', 'trace_set_migration_pte', 'trace_remove_migration_pte', 'dump_page', 'print_bad_pte', 'print_bad_page_map', 'folio_set_swap_entry',
].map((n) => def('tlb', n, 'cache/TLB maintenance, accounting or tracing: nothing to model (returns 0)', {}, () => 0));
