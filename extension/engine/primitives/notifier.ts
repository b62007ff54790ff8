/**
 * MMU notifiers. The mm keeps an invalidation sequence that is odd while invalidations run; an
 * interval notifier's callback records the sequence with mmu_interval_set_seq(); a driver's
 * mmu_interval_read_begin() waits for a running invalidation of its notifier and
 * mmu_interval_read_retry() tells whether one happened since (mm/mmu_notifier.c). The walk that
 * calls each notifier is the model's C (kpsim/notifier.c), so callbacks run as interpreted code.
 */
import { Blocked, type PrimCtx } from './api';
import { ModelError, type NotifierEvent, meta } from '../state/state';
import { type Ptr, type Rec, type Value, isPtr, samePtr, show } from '../state/values';
import { mmRec } from '../world/layout';
import { MMU_NOTIFY_NAMES } from './constants';
import { def } from './define';

function field(ctx: PrimCtx, p: Ptr, k: string): Value {
  return ctx.load({ ...p, path: [...p.path, k] });
}
function setField(ctx: PrimCtx, p: Ptr, k: string, v: Value): void {
  ctx.store({ ...p, path: [...p.path, k] }, v);
}

function subscriptions(ctx: PrimCtx, mm: Value): Ptr {
  const p = ctx.ptr(mm, 'mm');
  mmRec(ctx.s, p.obj);
  return { t: 'ptr', obj: p.obj, path: ['notifier_subscriptions'] };
}

export function deviceOf(ctx: PrimCtx, mni: Ptr): string {
  return ctx.s.world.devices.find((d) => samePtr(d.notifier, mni) || (d.mn && samePtr(d.mn, mni)) || d.obj === mni.obj)?.name ?? meta(ctx.s, mni.obj).label;
}

function notifiersOf(ctx: PrimCtx, mm: Value): Ptr[] {
  const m = ctx.ptr(mm, 'mm').obj;
  return ctx.s.world.notifiers.filter((n) => {
    const v = ctx.load({ ...n, path: [...n.path, 'mm'] });
    return isPtr(v) && v.obj === m;
  });
}

function classicOf(ctx: PrimCtx, mm: Value): Ptr[] {
  const m = ctx.ptr(mm, 'mm').obj;
  return ctx.s.world.mmuNotifiers.filter((n) => {
    const v = ctx.load({ ...n, path: [...n.path, 'mm'] });
    return isPtr(v) && v.obj === m;
  });
}

function init(ctx: PrimCtx, a: Value[], owner: Value): number {
  const r = ctx.ptr(a[0], 'range');
  setField(ctx, r, 'event', ctx.int(a[1], 'event'));
  setField(ctx, r, 'flags', ctx.int(a[2], 'flags'));
  setField(ctx, r, 'mm', a[3]);
  setField(ctx, r, 'start', ctx.int(a[4], 'start'));
  setField(ctx, r, 'end', ctx.int(a[5], 'end'));
  setField(ctx, r, 'owner', owner);
  return 0;
}

export const NOTIFIER = [
  def('mmu_notifier', 'mmu_notifier_range_init', 'fills a struct mmu_notifier_range (event, flags, mm, start, end)', { writes: ['range'] }, (ctx, a) => {
    // v5.x had a vma argument between flags and mm: mmu_notifier_range_init(range, event, flags, vma, mm, start, end).
    if (a.length === 7) return init(ctx, [a[0], a[1], a[2], a[4], a[5], a[6]], null);
    return init(ctx, a, null);
  }),
  def('mmu_notifier', 'mmu_notifier_range_init_owner', 'fills a struct mmu_notifier_range with an owner (whose driver may skip the event)', { writes: ['range'] }, (ctx, a) => {
    if (a.length === 8) return init(ctx, [a[0], a[1], a[2], a[4], a[5], a[6]], a[7]);
    return init(ctx, a, a[6]);
  }),
  def('mmu_notifier', 'mmu_notifier_range_blockable', 'the invalidation may sleep', { reads: ['range'] }, (ctx, a) => (ctx.int(field(ctx, ctx.ptr(a[0], 'range'), 'flags'), 'flags') & 1 ? 1 : 0)),
  def('mmu_notifier', ['mmu_notifier_range_update_to_read_only', 'mm_has_notifiers'], 'model: false / whether notifiers exist', {}, (ctx, a) => (a.length === 1 && isPtr(a[0]) && meta(ctx.s, a[0].obj).kind === 'mm' ? (notifiersOf(ctx, a[0]).length ? 1 : 0) : 0)),
  def('mmu_notifier', 'kpsim_mn_begin', 'model: an invalidation starts: the mm sequence goes odd, the event is recorded; returns the sequence', { reads: ['notifier seq'], writes: ['notifier seq'], sched: true }, (ctx, a) => {
    const r = ctx.ptr(a[0], 'range');
    const subs = subscriptions(ctx, field(ctx, r, 'mm'));
    const active = ctx.int(field(ctx, subs, 'active_invalidate_ranges'), 'active');
    let seq = ctx.int(field(ctx, subs, 'invalidate_seq'), 'seq');
    if (active === 0) {
      seq |= 1;
      setField(ctx, subs, 'invalidate_seq', seq);
    }
    setField(ctx, subs, 'active_invalidate_ranges', active + 1);
    setField(ctx, r, 'flags', ctx.int(field(ctx, r, 'flags'), 'flags') | 1);
    const ev: NotifierEvent = {
      id: ctx.s.events.length, phase: 'start', event: MMU_NOTIFY_NAMES[ctx.int(field(ctx, r, 'event'), 'event')] ?? show(field(ctx, r, 'event')),
      start: ctx.int(field(ctx, r, 'start'), 'start'), end: ctx.int(field(ctx, r, 'end'), 'end'), owner: field(ctx, r, 'owner'), thread: ctx.thread.id, deliveries: [],
    };
    ctx.s.events.push(ev);
    setField(ctx, r, '__kpsim_event', ev.id);
    ctx.note(`MMU notifier: ${ev.event} [0x${ev.start.toString(16)}, 0x${ev.end.toString(16)}) starts`);
    return seq;
  }),
  def('mmu_notifier', 'kpsim_mn_end', 'model: an invalidation ends: when none is left the mm sequence goes even and waiters wake', { reads: ['notifier seq'], writes: ['notifier seq'], sched: true }, (ctx, a) => {
    const r = ctx.ptr(a[0], 'range');
    const subs = subscriptions(ctx, field(ctx, r, 'mm'));
    const active = ctx.int(field(ctx, subs, 'active_invalidate_ranges'), 'active') - 1;
    if (active < 0) throw new ModelError('mmu_notifier_invalidate_range_end without a start');
    setField(ctx, subs, 'active_invalidate_ranges', active);
    if (active === 0) setField(ctx, subs, 'invalidate_seq', ctx.int(field(ctx, subs, 'invalidate_seq'), 'seq') + 1);
    const startId = field(ctx, r, '__kpsim_event');
    const start = typeof startId === 'number' ? ctx.s.events[startId] : undefined;
    // The end carries its start's id: that is how an invalidation still in progress is told apart.
    ctx.s.events.push({ id: typeof startId === 'number' ? startId : ctx.s.events.length, phase: 'end', event: start?.event ?? '?', start: start?.start ?? 0, end: start?.end ?? 0, owner: start?.owner ?? null, thread: ctx.thread.id, deliveries: [] });
    ctx.note(`MMU notifier: ${start?.event ?? ''} ends`);
    return 0;
  }),
  def('mmu_notifier', 'kpsim_mn_count', 'model: interval notifiers registered on an mm', { reads: ['notifiers'] }, (ctx, a) => notifiersOf(ctx, a[0]).length),
  def('mmu_notifier', 'kpsim_mn_get', 'model: the i-th interval notifier of an mm', { reads: ['notifiers'] }, (ctx, a) => notifiersOf(ctx, a[0])[ctx.int(a[1], 'i')] ?? null),
  def('mmu_notifier', 'kpsim_mn_classic_count', 'model: classic MMU notifiers (struct mmu_notifier) registered on an mm', { reads: ['notifiers'] }, (ctx, a) => classicOf(ctx, a[0]).length),
  def('mmu_notifier', 'kpsim_mn_classic_get', 'model: the i-th classic MMU notifier of an mm', { reads: ['notifiers'] }, (ctx, a) => classicOf(ctx, a[0])[ctx.int(a[1], 'i')] ?? null),
  def('mmu_notifier', 'kpsim_mn_overlaps', "model: a notifier's interval overlaps the range", { reads: ['notifiers'] }, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    const r = ctx.ptr(a[1], 'range');
    const it = ctx.load({ ...mni, path: [...mni.path, 'interval_tree'] }) as Rec;
    const start = ctx.int(it.fields.start, 'start');
    const last = ctx.int(it.fields.last, 'last');
    return ctx.int(field(ctx, r, 'start'), 'start') <= last && start < ctx.int(field(ctx, r, 'end'), 'end') ? 1 : 0;
  }),
  def('mmu_notifier', 'kpsim_mn_deliver', 'model: records that the invalidation is delivered to a notifier (filtered until it sets its sequence)', {}, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    const id = field(ctx, ctx.ptr(a[1], 'range'), '__kpsim_event');
    if (typeof id === 'number') ctx.s.events[id].deliveries.push({ device: deviceOf(ctx, mni), filtered: true });
    return 0;
  }),
  def('mmu_notifier', 'mmu_interval_set_seq', 'a notifier callback records the invalidation sequence (the driver acts on the event)', { writes: ['notifier seq'], sched: true }, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    setField(ctx, mni, 'invalidate_seq', ctx.int(a[1], 'cur_seq'));
    const dev = deviceOf(ctx, mni);
    for (let i = ctx.s.events.length - 1; i >= 0; i--) {
      const d = ctx.s.events[i].deliveries.find((x) => x.device === dev && x.filtered);
      if (d) {
        d.filtered = false;
        break;
      }
    }
    return 0;
  }),
  def('mmu_notifier', 'mmu_interval_read_begin', 'starts a driver critical section: waits out a running invalidation of this notifier; returns its sequence', { reads: ['notifier seq'], sched: true }, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    const seq = ctx.int(field(ctx, mni, 'invalidate_seq'), 'invalidate_seq');
    const subs = subscriptions(ctx, field(ctx, mni, 'mm'));
    const mmSeq = ctx.int(field(ctx, subs, 'invalidate_seq'), 'seq');
    if (seq === mmSeq && seq % 2 === 1) return new Blocked(`mmu_interval_read_begin: an invalidation of ${deviceOf(ctx, mni)} is running`);
    return seq;
  }),
  def('mmu_notifier', ['mmu_interval_read_retry', 'mmu_interval_check_retry'], 'an invalidation ran since mmu_interval_read_begin(): 1', { reads: ['notifier seq'], sched: true }, (ctx, a) => {
    const mni = ctx.ptr(a[0], 'mni');
    return ctx.int(field(ctx, mni, 'invalidate_seq'), 'invalidate_seq') !== ctx.int(a[1], 'seq') ? 1 : 0;
  }),
];
