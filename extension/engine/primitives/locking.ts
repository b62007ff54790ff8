/** Spin locks, mutexes, the mmap_lock rwsem, mm users. Taking a held lock blocks the thread. */
import { Blocked, type PrimCtx } from './api';
import { ModelError, fieldName, load, noteStore, store } from '../state/state';
import { type Lock, type Ptr, type Value, isLock, lock } from '../state/values';
import { mmRec } from '../world/layout';
import { def } from './define';

function copyLock(l: Lock): Lock {
  return { ...l, holders: [...l.holders] };
}

/** The lock at `p`; an uninitialised lock member (a driver struct) starts free. */
export function lockAtPtr(ctx: PrimCtx, p: Ptr, kind: Lock['kind']): Lock {
  const v = load(ctx.s, p);
  if (isLock(v)) return v;
  if (v === undefined || (typeof v === 'object' && v !== null && v.t === 'rec' && Object.keys(v.fields).length === 0)) {
    const l = lock(kind, String(p.path.at(-1) ?? 'lock'));
    store(ctx.s, p, l);
    return l;
  }
  throw new ModelError(`${ctx.where}: not a lock`);
}

export function acquire(ctx: PrimCtx, p: Ptr, kind: Lock['kind'], what: string, write = true): Value | Blocked {
  const l = lockAtPtr(ctx, p, kind);
  const me = ctx.thread.id;
  if (l.holders.includes(me) && (write || l.write)) throw new ModelError(`deadlock: ${me} takes ${what} it already holds (${ctx.where})`);
  const free = l.holders.length === 0 || (!write && !l.write && kind === 'rwsem');
  if (!free) return new Blocked(`${what} held by ${l.holders.join(', ')}`);
  const before = copyLock(l);
  // The lock changes in place: noted for a thread running ahead (state.ts `stores`).
  noteStore(ctx.s, p.obj, p.path);
  l.holders = [...l.holders, me];
  l.write = kind === 'rwsem' ? write : undefined;
  ctx.log.push({ field: fieldName(ctx.s, p), before, after: copyLock(l) });
  return 0;
}

export function release(ctx: PrimCtx, p: Ptr, kind: Lock['kind'], what: string): Value {
  const l = lockAtPtr(ctx, p, kind);
  const me = ctx.thread.id;
  if (!l.holders.includes(me)) {
    ctx.warn(`${me} releases ${what}, which it does not hold`);
    return 0;
  }
  const before = copyLock(l);
  noteStore(ctx.s, p.obj, p.path);
  l.holders = l.holders.filter((h) => h !== me);
  if (!l.holders.length) l.write = undefined;
  ctx.log.push({ field: fieldName(ctx.s, p), before, after: copyLock(l) });
  return 0;
}

export function tryAcquire(ctx: PrimCtx, p: Ptr, kind: Lock['kind'], what: string, write = true): number {
  const l = lockAtPtr(ctx, p, kind);
  if (l.holders.includes(ctx.thread.id)) return 0;
  const r = acquire(ctx, p, kind, what, write);
  return r instanceof Blocked ? 0 : 1;
}

const mmapLock = (ctx: PrimCtx, mm: Value): Ptr => {
  const p = ctx.ptr(mm, 'mm');
  mmRec(ctx.s, p.obj);
  return { t: 'ptr', obj: p.obj, path: ['mmap_lock'] };
};

const io = { reads: ['lock'], writes: ['lock'], sched: true };

export const LOCKING = [
  def('locking', ['spin_lock', 'spin_lock_irq', 'spin_lock_bh', 'raw_spin_lock'], 'takes a spin lock (blocks while another thread holds it)', io,
    (ctx, a) => acquire(ctx, ctx.ptr(a[0], 'spin_lock'), 'spin', 'spin lock')),
  def('locking', 'spin_lock_nested', 'takes a spin lock of another class', io, (ctx, a) => acquire(ctx, ctx.ptr(a[0], 'spin_lock'), 'spin', 'spin lock')),
  def('locking', ['spin_unlock', 'spin_unlock_irq', 'spin_unlock_bh', 'raw_spin_unlock'], 'releases a spin lock', io,
    (ctx, a) => release(ctx, ctx.ptr(a[0], 'spin_unlock'), 'spin', 'spin lock')),
  def('locking', 'spin_trylock', 'takes a spin lock if free: 1, else 0', io, (ctx, a) => tryAcquire(ctx, ctx.ptr(a[0], 'spin_trylock'), 'spin', 'spin lock')),
  def('locking', 'spin_lock_init', 'initialises a spin lock', { writes: ['lock'] }, (ctx, a) => {
    ctx.store(a[0], lock('spin', 'lock'));
    return 0;
  }),
  def('locking', 'mutex_init', 'initialises a mutex', { writes: ['lock'] }, (ctx, a) => {
    ctx.store(a[0], lock('mutex', 'mutex'));
    return 0;
  }),
  def('locking', ['mutex_lock', 'mutex_lock_nested'], 'takes a mutex (sleeps while another thread holds it)', io,
    (ctx, a) => acquire(ctx, ctx.ptr(a[0], 'mutex_lock'), 'mutex', 'mutex')),
  def('locking', ['mutex_lock_killable', 'mutex_lock_interruptible'], 'takes a mutex; 0 (no fatal signal in the model)', io,
    (ctx, a) => acquire(ctx, ctx.ptr(a[0], 'mutex_lock'), 'mutex', 'mutex')),
  def('locking', 'mutex_unlock', 'releases a mutex', io, (ctx, a) => release(ctx, ctx.ptr(a[0], 'mutex_unlock'), 'mutex', 'mutex')),
  def('locking', 'mutex_trylock', 'takes a mutex if free: 1, else 0', io, (ctx, a) => tryAcquire(ctx, ctx.ptr(a[0], 'mutex_trylock'), 'mutex', 'mutex')),
  def('locking', 'mmap_read_lock', 'takes mmap_lock for reading', io, (ctx, a) => acquire(ctx, mmapLock(ctx, a[0]), 'rwsem', 'mmap_lock', false)),
  def('locking', ['mmap_read_lock_killable'], 'takes mmap_lock for reading; 0', io, (ctx, a) => acquire(ctx, mmapLock(ctx, a[0]), 'rwsem', 'mmap_lock', false)),
  def('locking', 'mmap_read_trylock', 'takes mmap_lock for reading if it can: 1, else 0', io, (ctx, a) => tryAcquire(ctx, mmapLock(ctx, a[0]), 'rwsem', 'mmap_lock', false)),
  def('locking', 'mmap_read_unlock', 'releases mmap_lock (read)', io, (ctx, a) => release(ctx, mmapLock(ctx, a[0]), 'rwsem', 'mmap_lock')),
  def('locking', ['mmap_write_lock', 'mmap_write_lock_killable'], 'takes mmap_lock for writing', io, (ctx, a) => acquire(ctx, mmapLock(ctx, a[0]), 'rwsem', 'mmap_lock', true)),
  def('locking', 'mmap_write_unlock', 'releases mmap_lock (write)', io, (ctx, a) => release(ctx, mmapLock(ctx, a[0]), 'rwsem', 'mmap_lock')),
  def('locking', 'mmget_not_zero', 'takes an mm_users reference unless the mm is exiting: 1/0', { reads: ['mm users'], writes: ['mm users'] }, (ctx, a) => {
    const p = ctx.ptr(a[0], 'mm');
    const users = ctx.int(ctx.load({ ...p, path: ['mm_users'] }), 'mm_users');
    if (users <= 0) return 0;
    ctx.store({ ...p, path: ['mm_users'] }, users + 1);
    return 1;
  }),
  def('locking', 'mmput', 'drops an mm_users reference', { writes: ['mm users'] }, (ctx, a) => {
    const p = ctx.ptr(a[0], 'mm');
    ctx.store({ ...p, path: ['mm_users'] }, ctx.int(ctx.load({ ...p, path: ['mm_users'] }), 'mm_users') - 1);
    return 0;
  }),
];
