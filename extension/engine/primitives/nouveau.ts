/**
 * What lies below nouveau's SVM code: the NVIF calls that program the GPU's page tables (here a
 * device page table in the model: one entry per page, atomic when NVIF_VMM_PFNMAP_V0_A is set),
 * jiffies, and the interval-notifier registration nouveau_atomic_range_fault() does per fault.
 */
import { Blocked, type PrimCtx } from './api';
import { ModelError } from '../state/state';
import { type Ptr, type Rec, type Value, isPtr, isRec, rec, samePtr } from '../state/values';
import { pagePtr, pfnOfPage } from '../world/layout';
import { def } from './define';
import { CHOICES } from './choices';

export const NVIF_CONSTANTS: Record<string, number> = {
  // Flags of a PFNMAP entry as the model reads them (drivers/gpu/drm/nouveau/include/nvif/if000c.h).
  NVIF_VMM_PFNMAP_V0_V: 0x1, NVIF_VMM_PFNMAP_V0_W: 0x2, NVIF_VMM_PFNMAP_V0_A: 0x4, NVIF_VMM_PFNMAP_V0_HOST: 0x0,
  NVIF_VMM_PFNMAP_V0_VRAM: 0x8, NVIF_VMM_PFNMAP_V0_NONE: 0x0, NVIF_VMM_PFNMAP_V0_ADDR_SHIFT: 12,
  NVIF_VMM_V0_PFNCLR: 0x0b, NVIF_VMM_V0_PFNMAP: 0x0a,
  HMM_RANGE_DEFAULT_TIMEOUT: 1000, jiffies: 0,
};

/** The device page table behind an nvif object: `pt` inside it (created empty). */
function devicePt(ctx: PrimCtx, object: Value): Ptr {
  const o = ctx.ptr(object, 'nvif object');
  const pt: Ptr = { ...o, path: [...o.path, 'pt'] };
  const v = ctx.load(pt);
  if (!isRec(v) || v.type !== 'xarray') ctx.store(pt, rec('xarray', { entries: rec('xa_entries') }));
  return pt;
}

function field(ctx: PrimCtx, p: Ptr, ...path: (string | number)[]): Value {
  return ctx.load({ ...p, path: [...p.path, ...path] });
}

function markActed(ctx: PrimCtx, object: Ptr): void {
  const dev = ctx.s.world.devices.find((d) => d.pt.obj === object.obj);
  if (!dev) return;
  for (let i = ctx.s.events.length - 1; i >= 0; i--) {
    const d = ctx.s.events[i].deliveries.find((x) => x.device === dev.name && x.filtered);
    if (d) {
      d.filtered = false;
      break;
    }
  }
}

export const NOUVEAU = [
  // jiffies stay 0 (timeout = jiffies + msecs_to_jiffies(...) = 0); whether the timeout has passed
  // is the choice. The explorer tries both answers at every check.
  def('driver', 'time_after', "a choice point: has the driver's timeout expired? (the explorer tries both; a single run: no, unless the scenario chooses 'expired')", { choice: 'timeout' }, (ctx) => ctx.choose('timeout', [...CHOICES.timeout], 0)),
  def('driver', 'time_before', "a choice point: is it still before the driver's timeout? (the explorer tries both; a single run: yes, unless the scenario chooses 'expired')", { choice: 'timeout' }, (ctx) => 1 - ctx.choose('timeout', [...CHOICES.timeout], 0)),
  def('driver', ['msecs_to_jiffies', 'usecs_to_jiffies'], 'jiffies do not advance in the model: 0', {}, () => 0),
  def('driver', ['SVMM_DBG', 'SVMM_ERR', 'SVM_DBG', 'SVM_ERR', 'NV_DEBUG', 'NV_WARN', 'NV_ERROR', 'pr_debug', 'pr_info', 'pr_warn', 'pr_err', 'dev_dbg', 'dev_warn'], 'logging: nothing to model', {}, () => 0),
  def('driver', 'page_to_phys', 'physical address of a page', {}, (ctx, a) => pfnOfPage(ctx.s, ctx.ptr(a[0], 'page')) * 4096),
  def('driver', 'nvif_object_ioctl', 'nouveau: a PFNMAP ioctl maps pages in the GPU page table (atomic when NVIF_VMM_PFNMAP_V0_A is set)', { writes: ['device page table'], sched: true }, (ctx, a) => {
    const object = ctx.ptr(a[0], 'nvif object');
    const args = ctx.ptr(a[1], 'pfnmap args');
    const addr = ctx.int(field(ctx, args, 'p', 'addr'), 'addr');
    const size = ctx.int(field(ctx, args, 'p', 'size'), 'size');
    const pt = devicePt(ctx, object);
    for (let i = 0; i < size / 4096; i++) {
      const phys = ctx.int(field(ctx, args, 'p', 'phys', i), 'phys');
      const index = Math.floor(addr / 4096) + i;
      const slot = { ...pt, path: [...pt.path, 'entries', String(index)] };
      if (!(phys & 0x1)) {
        ctx.store(slot, undefined);
        continue;
      }
      const page = pagePtr(ctx.s, Math.floor(phys / 4096));
      ctx.store(slot, rec('xa_tagged', { ptr: page, tag: phys & 0x4 ? 1 : phys & 0x2 ? 3 : 0 }));
    }
    return 0;
  }),
  def('driver', 'nvif_object_mthd', 'nouveau: a PFNCLR method unmaps a range from the GPU page table', { writes: ['device page table'], sched: true }, (ctx, a) => {
    const object = ctx.ptr(a[0], 'nvif object');
    if (ctx.int(a[1], 'method') !== NVIF_CONSTANTS.NVIF_VMM_V0_PFNCLR) throw new ModelError('nvif_object_mthd: only PFNCLR is modelled');
    const args = ctx.ptr(a[2], 'pfnclr args');
    const addr = ctx.int(field(ctx, args, 'addr'), 'addr');
    const size = ctx.int(field(ctx, args, 'size'), 'size');
    const pt = devicePt(ctx, object);
    const entries = ctx.load({ ...pt, path: [...pt.path, 'entries'] }) as Rec;
    for (const k of Object.keys(entries.fields)) {
      const index = Number(k);
      if (index * 4096 >= addr && index * 4096 < addr + size && entries.fields[k] !== undefined) ctx.store({ ...pt, path: [...pt.path, 'entries', k] }, undefined);
    }
    markActed(ctx, { ...object, path: [...object.path, 'pt'] });
    return 0;
  }),
  def('mmu_notifier', 'mmu_interval_notifier_insert', 'registers an interval notifier over [start, start + length)', { writes: ['notifiers'], sched: true }, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    const mm = ctx.ptr(a[1], 'mm');
    const start = ctx.int(a[2], 'start');
    const subs = ctx.load({ ...mm, path: ['notifier_subscriptions'] }) as Rec;
    const seq = subs.fields.invalidate_seq as number;
    ctx.store({ ...mni, path: [...mni.path, 'mm'] }, mm);
    ctx.store({ ...mni, path: [...mni.path, 'interval_tree'] }, rec('interval_tree_node', { start, last: start + ctx.int(a[3], 'length') - 1 }));
    ctx.store({ ...mni, path: [...mni.path, 'ops'] }, a[4]);
    // As __mmu_interval_notifier_insert: during an invalidation (odd sequence) the new notifier takes
    // the current sequence, so mmu_interval_read_begin() waits for it to end; otherwise one behind.
    ctx.store({ ...mni, path: [...mni.path, 'invalidate_seq'] }, seq % 2 ? seq : seq - 1);
    ctx.s.world.notifiers.push(mni);
    return 0;
  }),
  def('mmu_notifier', 'mmu_interval_notifier_remove', 'unregisters an interval notifier (waiting, as the kernel does, for a running invalidation to end)', { writes: ['notifiers'], sched: true }, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    const mm = ctx.load({ ...mni, path: [...mni.path, 'mm'] });
    if (isPtr(mm)) {
      const subs = ctx.load({ ...mm, path: ['notifier_subscriptions'] }) as Rec;
      if (Number(subs.fields.active_invalidate_ranges) > 0) return new Blocked('mmu_interval_notifier_remove: an invalidation is running');
    }
    ctx.s.world.notifiers = ctx.s.world.notifiers.filter((n) => !samePtr(n, mni));
    return 0;
  }),
];
