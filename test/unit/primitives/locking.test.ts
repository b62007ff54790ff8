import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { LOCKING } from '../../../extension/engine/primitives/locking';
import { ModelError, alloc, fieldName } from '../../../extension/engine/state/state';
import { lock, ptr, rec } from '../../../extension/engine/state/values';
import { blocks, call, fieldOf, lockAt, member, smallWorld, testCtx } from '../../helpers/world';

/** A driver struct with an initialised mutex, an uninitialised spin lock member and another mutex. */
function driver() {
  const w = smallWorld();
  const id = alloc(w.s, 'driver', 'dmirror0', rec('dmirror', { mutex: lock('mutex', 'dmirror0 mutex'), other: lock('mutex', 'other mutex') }));
  return { ...w, mutex: ptr(id, 'mutex'), other: ptr(id, 'other'), spin: ptr(id, 'lock') };
}

test('every locking primitive is a scheduling point of the locking group, except init and mm users', () => {
  for (const p of LOCKING) {
    assert.equal(p.group, 'locking', p.name);
    if (p.name === 'spin_lock_init' || p.name === 'mutex_init' || p.name.startsWith('mm')) continue;
    assert.equal(p.sched, true, p.name);
    assert.deepEqual(p.writes, ['lock'], p.name);
  }
});

test('mutex_lock blocks while another thread holds the mutex and succeeds after mutex_unlock', () => {
  const w = driver();
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'dmirror0');
  assert.equal(call(a, 'mutex_lock', w.mutex), 0);
  assert.deepEqual(lockAt(w.s, w.mutex).holders, ['cpu0']);
  assert.equal(a.log.length, 1, 'the acquisition is logged');
  assert.equal(a.log[0].field, fieldName(w.s, w.mutex), 'logged under the lock\'s place');

  const why = blocks(b, 'mutex_lock', w.mutex);
  assert.match(why.on, /mutex held by cpu0/);
  assert.deepEqual(lockAt(w.s, w.mutex).holders, ['cpu0'], 'a blocked lock changes nothing');
  assert.equal(b.log.length, 0);
  assert.equal(call(b, 'mutex_lock', w.other), 0, 'another mutex is independent');

  assert.equal(call(a, 'mutex_unlock', w.mutex), 0);
  assert.deepEqual(lockAt(w.s, w.mutex).holders, []);
  assert.equal(call(b, 'mutex_lock_nested', w.mutex, 1), 0);
  assert.deepEqual(lockAt(w.s, w.mutex).holders, ['dmirror0']);
  blocks(a, 'mutex_lock_killable', w.mutex);
  blocks(a, 'mutex_lock_interruptible', w.mutex);
});

test('taking a lock the thread already holds is a deadlock (ModelError)', () => {
  const w = driver();
  const a = testCtx(w.s, 'cpu0');
  call(a, 'mutex_lock', w.mutex);
  assert.throws(() => call(a, 'mutex_lock', w.mutex), (e: unknown) => e instanceof ModelError && /deadlock: cpu0 takes mutex it already holds/.test(e.message));
  call(a, 'spin_lock', w.spin);
  assert.throws(() => call(a, 'spin_lock_irq', w.spin), /deadlock/);
  call(a, 'mmap_read_lock', w.mmP);
  assert.throws(() => call(a, 'mmap_write_lock', w.mmP), /deadlock: cpu0 takes mmap_lock/, 'upgrading a read lock deadlocks');
  assert.deepEqual(lockAt(w.s, member(w.mmP, 'mmap_lock')).holders, ['cpu0'], 'the failed upgrade changed nothing');
});

test('an uninitialised lock member starts free; spin_lock_init / mutex_init reset a lock', () => {
  const w = driver();
  const a = testCtx(w.s, 'cpu0');
  assert.equal(fieldOf(w.s, ptr(w.spin.obj), 'lock'), undefined);
  assert.equal(call(a, 'spin_lock', w.spin), 0);
  assert.deepEqual(lockAt(w.s, w.spin).holders, ['cpu0']);
  assert.equal(call(a, 'spin_unlock', w.spin), 0);

  const c = testCtx(w.s, 'cpu1');
  const fresh = member(ptr(w.spin.obj), 'fresh');
  call(c, 'mutex_init', fresh);
  assert.deepEqual(lockAt(w.s, fresh).holders, []);
  assert.equal(c.log.length, 1, 'the initialisation is logged');
  call(c, 'mutex_lock', fresh);
  blocks(a, 'mutex_lock', fresh);
  call(c, 'spin_lock_init', w.spin);
  assert.deepEqual(lockAt(w.s, w.spin).holders, []);
});

test('a lock member that holds something else is not a lock', () => {
  const w = driver();
  const id = alloc(w.s, 'driver', 'bad', rec('bad', { n: 3 }));
  assert.throws(() => call(testCtx(w.s), 'mutex_lock', ptr(id, 'n')), /not a lock/);
  assert.throws(() => call(testCtx(w.s), 'mutex_lock', null), /NULL pointer/);
});

test('releasing a lock the thread does not hold warns and changes nothing', () => {
  const w = driver();
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'cpu1');
  call(a, 'mutex_lock', w.mutex);
  assert.equal(call(b, 'mutex_unlock', w.mutex), 0);
  assert.equal(b.warns.length, 1);
  assert.match(b.warns[0], /cpu1 releases mutex, which it does not hold/);
  assert.deepEqual(lockAt(w.s, w.mutex).holders, ['cpu0']);
  assert.equal(b.log.length, 0);
  call(b, 'spin_unlock', w.spin);
  assert.equal(b.warns.length, 2, 'an uninitialised (free) lock is not held either');
});

test('trylock: 1 when free, 0 when another thread holds it, 0 (no deadlock) when the caller holds it', () => {
  const w = driver();
  const a = testCtx(w.s, 'cpu0');
  const b = testCtx(w.s, 'cpu1');
  assert.equal(call(a, 'spin_trylock', w.spin), 1);
  assert.equal(call(b, 'spin_trylock', w.spin), 0);
  assert.equal(call(a, 'spin_trylock', w.spin), 0);
  assert.deepEqual(lockAt(w.s, w.spin).holders, ['cpu0']);
  call(a, 'raw_spin_unlock', w.spin);
  assert.equal(call(b, 'spin_trylock', w.spin), 1);

  assert.equal(call(a, 'mutex_trylock', w.mutex), 1);
  assert.equal(call(b, 'mutex_trylock', w.mutex), 0);
  call(a, 'mutex_unlock', w.mutex);
  assert.equal(call(b, 'mutex_trylock', w.mutex), 1);
});

test('mmap_read_lock admits several readers but blocks a writer; a writer blocks everyone', () => {
  const w = driver();
  const r1 = testCtx(w.s, 'cpu0');
  const r2 = testCtx(w.s, 'cpu1');
  const wr = testCtx(w.s, 'cpu2');
  const mmapLock = member(w.mmP, 'mmap_lock');

  assert.equal(call(r1, 'mmap_read_lock', w.mmP), 0);
  assert.equal(call(r2, 'mmap_read_lock_killable', w.mmP), 0);
  assert.deepEqual(lockAt(w.s, mmapLock).holders, ['cpu0', 'cpu1']);
  assert.equal(lockAt(w.s, mmapLock).write, false);
  assert.match(blocks(wr, 'mmap_write_lock', w.mmP).on, /mmap_lock held by cpu0, cpu1/);
  assert.equal(call(wr, 'mmap_read_trylock', w.mmP), 1, 'a third reader gets in');
  call(wr, 'mmap_read_unlock', w.mmP);

  call(r1, 'mmap_read_unlock', w.mmP);
  blocks(wr, 'mmap_write_lock_killable', w.mmP);
  assert.deepEqual(lockAt(w.s, mmapLock).holders, ['cpu1'], 'one reader left');
  call(r2, 'mmap_read_unlock', w.mmP);
  assert.equal(lockAt(w.s, mmapLock).write, undefined);

  assert.equal(call(wr, 'mmap_write_lock', w.mmP), 0);
  assert.equal(lockAt(w.s, mmapLock).write, true);
  blocks(r1, 'mmap_read_lock', w.mmP);
  assert.equal(call(r1, 'mmap_read_trylock', w.mmP), 0);
  blocks(r2, 'mmap_write_lock', w.mmP);
  call(wr, 'mmap_write_unlock', w.mmP);
  assert.equal(call(r1, 'mmap_read_lock', w.mmP), 0);
  assert.throws(() => call(r1, 'mmap_read_lock', ptr(w.vma.obj)), /not an mm/);
});

test('mmget_not_zero takes an mm_users reference unless the mm is exiting; mmput drops one', () => {
  const w = driver();
  const a = testCtx(w.s);
  assert.equal(call(a, 'mmget_not_zero', w.mmP), 1);
  assert.equal(fieldOf(w.s, w.mmP, 'mm_users'), 2);
  call(a, 'mmput', w.mmP);
  call(a, 'mmput', w.mmP);
  assert.equal(fieldOf(w.s, w.mmP, 'mm_users'), 0);
  assert.equal(call(a, 'mmget_not_zero', w.mmP), 0);
  assert.equal(fieldOf(w.s, w.mmP, 'mm_users'), 0);
  assert.deepEqual(a.log.map((c) => [c.before, c.after]), [[1, 2], [2, 1], [1, 0]]);
});
