import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PrimGroup } from '../../../extension/engine/primitives/api';
import { DRIVER, TLB } from '../../../extension/engine/primitives/driver';
import { FAULT } from '../../../extension/engine/primitives/fault';
import { FOLIO } from '../../../extension/engine/primitives/folio';
import { kernelPrimitives } from '../../../extension/engine/primitives/index';
import { LOCKING } from '../../../extension/engine/primitives/locking';
import { NOTIFIER } from '../../../extension/engine/primitives/notifier';
import { PGTABLE } from '../../../extension/engine/primitives/pgtable';
import { PTE_VALUE_PRIMITIVES } from '../../../extension/engine/primitives/pteValues';
import { WALK } from '../../../extension/engine/primitives/walk';

/** Every PrimGroup; the Record makes the compiler insist the list is complete. */
const GROUPS: Record<PrimGroup, true> = {
  pte: true, swapops: true, folio: true, rmap: true, gup: true, mmu_notifier: true, locking: true, err: true, tlb: true, mm: true, driver: true, debug: true, misc: true,
};

test('every primitive of kernelPrimitives() has a one-line doc, a valid group and well-formed fields', () => {
  const all = kernelPrimitives().all();
  assert.ok(all.length > 300, `only ${all.length} primitives`);
  for (const p of all) {
    assert.match(p.name, /^[A-Za-z_][A-Za-z0-9_]*$/, `name ${p.name}`);
    assert.equal(typeof p.doc, 'string', p.name);
    assert.ok(p.doc.trim().length > 0, `${p.name}: empty doc`);
    assert.ok(!p.doc.includes('\n'), `${p.name}: doc on several lines`);
    assert.ok(Object.hasOwn(GROUPS, p.group), `${p.name}: invalid group ${p.group}`);
    assert.ok(Array.isArray(p.reads) && p.reads.every((r) => typeof r === 'string' && r.length > 0), `${p.name}: reads`);
    assert.ok(Array.isArray(p.writes) && p.writes.every((r) => typeof r === 'string' && r.length > 0), `${p.name}: writes`);
    assert.equal(typeof p.sched, 'boolean', p.name);
    assert.equal(typeof p.run, 'function', p.name);
  }
});

test('names are unique across primitives and aliases, and every name finds its primitive', () => {
  const table = kernelPrimitives();
  const owner = new Map<string, string>();
  for (const p of table.all()) {
    for (const n of [p.name, ...(p.aliases ?? [])]) {
      assert.ok(!owner.has(n), `${n} is a name of both ${owner.get(n)} and ${p.name}`);
      owner.set(n, p.name);
      assert.equal(table.get(n), p, `${n} resolves to ${p.name}`);
    }
  }
  // all() is the set of distinct primitives: each appears once however many names it has.
  assert.equal(new Set(table.all()).size, table.all().length);
  assert.throws(() => kernelPrimitives().add(FOLIO[0]), /defined twice/);
});

test('the groups of each file of primitives', () => {
  const groups = (prims: { group: PrimGroup }[]): PrimGroup[] => [...new Set(prims.map((p) => p.group))].sort();
  assert.deepEqual(groups(LOCKING), ['locking']);
  assert.deepEqual(groups(PGTABLE), ['mm']);
  assert.deepEqual(groups(FOLIO), ['folio', 'rmap']);
  assert.deepEqual(groups(WALK), ['rmap']);
  assert.deepEqual(groups(NOTIFIER), ['mmu_notifier']);
  assert.deepEqual(groups(FAULT), ['gup']);
  assert.deepEqual(groups(DRIVER), ['driver']);
  assert.deepEqual(groups(TLB), ['tlb']);
  const table = kernelPrimitives();
  for (const p of [...PTE_VALUE_PRIMITIVES, ...PGTABLE, ...FOLIO, ...WALK, ...NOTIFIER, ...LOCKING, ...FAULT, ...DRIVER, ...TLB]) {
    assert.equal(table.get(p.name), p, `${p.name} is in kernelPrimitives()`);
  }
});

test('lock operations are scheduling points: another thread may run after them', () => {
  const table = kernelPrimitives();
  for (const n of ['spin_lock', 'spin_unlock', 'mutex_lock', 'mutex_unlock', 'mmap_read_lock', 'mmap_write_unlock', 'folio_lock', 'folio_trylock', 'folio_unlock',
    'pte_offset_map_lock', 'pte_unmap_unlock', 'folio_walk_start', 'folio_walk_end', 'page_vma_mapped_walk', 'mmu_interval_read_begin', 'kpsim_mn_begin', 'kpsim_mn_end']) {
    assert.equal(table.get(n)?.sched, true, n);
  }
});
