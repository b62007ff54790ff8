// Models under the fork, mprotect, MADV_DONTNEED and device-mapping dispatchers, and nouveau's NVIF calls.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { alloc } from '../../../extension/engine/state/state';
import { type Ptr, type Rec, isPtr, lock, ptr, rec } from '../../../extension/engine/state/values';
import { pteAt, readPte } from '../../../extension/engine/world/layout';
import { ADDR, call, fieldOf, locals, member, recOf, smallWorld, testCtx } from '../../helpers/world';

test('kpsim_dup_mm creates a child mm with a copy of each VMA pointing at the child', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const child = call(ctx, 'kpsim_dup_mm', w.mmP) as Ptr;
  assert.equal(w.s.world.mms.length, 2);
  assert.equal(call(ctx, 'kpsim_vma_count', child), 1);
  const vma = call(ctx, 'kpsim_vma_get', child, 0) as Ptr;
  assert.notEqual(vma.obj, w.vma.obj);
  assert.deepEqual(fieldOf(w.s, vma, 'vm_mm'), child);
  assert.equal(fieldOf(w.s, vma, 'vm_start'), ADDR);
  assert.equal(pteAt(w.s, child.obj, ADDR).k, 'none', 'no PTEs copied yet');
  assert.equal(call(ctx, 'kpsim_vma_get', child, 5), null);
});

test('kpsim_copy_present_pte write-protects both PTEs (COW) and accounts the new mapping', () => {
  const w = smallWorld({ write: true, dirty: true });
  const ctx = testCtx(w.s);
  const child = call(ctx, 'kpsim_dup_mm', w.mmP) as Ptr;
  const dst = call(ctx, 'kpsim_pte_of', child, ADDR) as Ptr;
  call(ctx, 'kpsim_copy_present_pte', call(ctx, 'kpsim_vma_get', child, 0), w.vma, dst, w.pte, readPte(w.s, w.pte), ADDR);
  const parent = readPte(w.s, w.pte);
  const copy = readPte(w.s, dst);
  assert.ok(parent.k === 'present' && !parent.write && parent.dirty, 'the parent keeps its dirty bit, loses write');
  assert.ok(copy.k === 'present' && !copy.write && copy.pfn === w.pfn && copy.dirty && !copy.young, 'the child keeps the dirty bit of a private page (made clean only for VM_SHARED), and is old');
  const f = recOf(w.s, w.folio);
  assert.deepEqual([f.fields._mapcount, f.fields._refcount], [2, 2]);
});

test('kpsim_zap_present clears the PTE, keeps dirty data in the folio and frees it with the last reference', () => {
  const w = smallWorld({ write: true, dirty: true });
  const ctx = testCtx(w.s);
  call(ctx, 'kpsim_zap_present', null, w.vma, w.pte, ADDR);
  assert.equal(readPte(w.s, w.pte).k, 'none');
  const f = recOf(w.s, w.folio);
  assert.deepEqual([f.fields.dirty, f.fields._mapcount, f.fields._refcount, f.fields.freed], [1, 0, 0, 1]);
});

test('__tlb_remove_folio_pages drops the zapped pages\' references now (the model flushes the TLB at once)', () => {
  const w = smallWorld({ write: true });
  const ctx = testCtx(w.s);
  const f = () => recOf(w.s, w.folio).fields;
  f()._refcount = 3;
  assert.equal(call(ctx, '__tlb_remove_folio_pages', null, w.page, 2, 0), 0, 'the batch is never full');
  assert.deepEqual([f()._refcount, f().freed], [1, 0]);
  call(ctx, '__tlb_remove_folio_pages', null, w.page, 1, 0);
  assert.deepEqual([f()._refcount, f().freed], [0, 1], 'the last reference frees the folio');
});

test('kpsim_set_vm_flags, kpsim_pte_populated, kpsim_lookup_page, memset', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  call(ctx, 'kpsim_set_vm_flags', w.vma, 0x31);
  assert.equal(fieldOf(w.s, w.vma, 'vm_flags'), 0x31);
  assert.equal(call(ctx, 'kpsim_pte_populated', w.mmP, ADDR), 1);
  assert.equal(call(ctx, 'kpsim_pte_populated', w.mmP, ADDR + 4096), 0);
  assert.deepEqual(call(ctx, 'kpsim_lookup_page', w.mmP, ADDR), w.page);
  assert.equal(call(ctx, 'kpsim_lookup_page', w.mmP, ADDR + 4096), null);
  const l = locals(w.s, { rss: { t: 'arr', items: { 0: 5, 1: 7 }, length: 4 } });
  call(ctx, 'memset', member(l, 'rss'), 0, 32);
  assert.deepEqual(fieldOf(w.s, l, 'rss'), { t: 'arr', items: { 0: 0, 1: 0, 2: 0, 3: 0 }, length: 4 });
  // init_rss_vec(rss): the array decayed to a pointer to its first element fills all of it.
  const m = locals(w.s, { rss: { t: 'arr', items: {}, length: 4 } });
  call(ctx, 'memset', { ...member(m, 'rss'), path: [...member(m, 'rss').path, 0] }, 0, 32);
  assert.deepEqual(fieldOf(w.s, m, 'rss'), { t: 'arr', items: { 0: 0, 1: 0, 2: 0, 3: 0 }, length: 4 });
});

test('nouveau: a PFNMAP ioctl maps the page atomically, PFNCLR unmaps the range', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const vmm = alloc(w.s, 'driver', 'gpu0', rec('nouveau_vmm', { vmm: rec('nvif_vmm', { object: rec('nvif_object', {}) }) }));
  const object = ptr(vmm, 'vmm', 'object');
  const args = locals(w.s, { a: rec('args', { p: rec('p', { addr: ADDR, size: 4096, phys: { t: 'arr', items: { 0: w.pfn * 4096 | 0x1 | 0x2 | 0x4 }, length: 1 } }) }) });
  assert.equal(call(ctx, 'page_to_phys', w.page), w.pfn * 4096);
  call(ctx, 'nvif_object_ioctl', object, member(args, 'a'), 64, null);
  const entries = () => ((fieldOf(w.s, object, 'pt') as Rec).fields.entries as Rec).fields;
  const e = entries()[String(ADDR / 4096)];
  assert.ok(e && typeof e === 'object' && e.t === 'rec' && e.fields.tag === 1 && isPtr(e.fields.ptr));
  const clr = locals(w.s, { c: rec('pfnclr', { addr: ADDR, size: 4096 }) });
  call(ctx, 'nvif_object_mthd', object, 0x0b, member(clr, 'c'), 16);
  assert.equal(entries()[String(ADDR / 4096)], undefined);
  assert.throws(() => call(ctx, 'nvif_object_mthd', object, 0x99, member(clr, 'c'), 16), /only PFNCLR/);
});

test('mmu_interval_notifier_insert registers a notifier over the range, remove drops it', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  const sn = alloc(w.s, 'record', 'svm_notifier', rec('svm_notifier', { notifier: rec('mmu_interval_notifier', {}), mutex: lock('mutex', 'm') }));
  const mni = ptr(sn, 'notifier');
  call(ctx, 'mmu_interval_notifier_insert', mni, w.mmP, ADDR, 4096, null);
  assert.equal(w.s.world.notifiers.length, 1);
  assert.deepEqual(fieldOf(w.s, mni, 'interval_tree'), rec('interval_tree_node', { start: ADDR, last: ADDR + 4095 }));
  // No invalidation running (the mm's sequence is even): one behind, so read_begin does not wait.
  const mmSeqNow = (w.s.heap[w.mm].v as unknown as { fields: { notifier_subscriptions: { fields: { invalidate_seq: number } } } }).fields.notifier_subscriptions.fields.invalidate_seq;
  assert.equal(fieldOf(w.s, mni, 'invalidate_seq'), mmSeqNow - 1);
  call(ctx, 'mmu_interval_notifier_remove', mni);
  assert.equal(w.s.world.notifiers.length, 0);
  assert.equal(call(ctx, 'time_after', 5, 0), 0, 'the timeout has not expired unless chosen');
  assert.equal(call(testCtx(w.s, 'cpu0', { choices: { timeout: 1 } }), 'time_after', 5, 0), 1);
});

test('older zap and fork helpers: nothing filtered, no markers, pre-folio dup of an anonymous page', () => {
  const w = smallWorld();
  const ctx = testCtx(w.s);
  assert.equal(call(ctx, 'should_zap_page', null, w.page), 1);
  assert.equal(call(ctx, 'should_zap_folio', null, w.folio), 1);
  assert.equal(call(ctx, 'zap_install_uffd_wp_if_needed', w.vma, ADDR, w.pte, null, readPte(w.s, w.pte)), 0);
  assert.equal(call(ctx, 'page_try_dup_anon_rmap', w.page, 0, w.vma), 0);
  assert.equal(recOf(w.s, w.folio).fields._mapcount, 2);
});
