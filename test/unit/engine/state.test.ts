// The state is plain data: canonical serialisation, deep copies and a deep diff.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { alloc, canonical, cloneState, deepDiff, emptyState, forkState, load, obj, reading, recOf, store } from '../../../extension/engine/state/state';
import { ptr } from '../../../extension/engine/state/values';
import { type HeapObj } from '../../../extension/engine/state/state';
import { type ObjectText, stateKey } from '../../../extension/engine/explore/stateKey';
import { footprintOf } from '../../../extension/engine/explore/footprint';
import { addVma, mapPage, newFolio, newMm, pageRec, pteAt } from '../../../extension/engine/world/layout';
import { changedPaths, viewOf } from '../../../extension/engine/trace/view';

function world() {
  const s = emptyState();
  const mm = newMm(s);
  addVma(s, mm, { start: 0x10000, end: 0x20000, flags: 0x33 });
  newFolio(s, { pfn: 0x100 });
  mapPage(s, mm, 0x10000, { t: 'pte', k: 'present', pfn: 0x100, write: true, dirty: true, young: true, softDirty: false, uffdWp: false });
  s.world.addresses.push(0x10000);
  return { s, mm };
}

test('equal states serialise equally whatever the key order; a copy is independent', () => {
  const { s } = world();
  const c = cloneState(s);
  assert.equal(canonical(c), canonical(s));
  assert.equal(canonical({ b: 1, a: { d: 2, c: undefined } }), canonical({ a: { d: 2 }, b: 1 }));
  (c.heap[1].v as { fields: Record<string, unknown> }).fields.mm_users = 7;
  assert.notEqual(canonical(c), canonical(s));
});

test('a forked state shares the heap until an object is accessed, then owns a copy: the parent never changes', () => {
  const { s, mm } = world();
  const before = canonical(s);
  const c = forkState(s);
  assert.equal(c.heap[mm], s.heap[mm], 'untouched objects are shared');
  // A read through obj() copies too: callers may change what they get (a lock's holder).
  reading(c, () => assert.equal(obj(c, mm), s.heap[mm], 'reading() does not copy'));
  (obj(c, mm).v as { fields: Record<string, unknown> }).fields.mm_users = 9;
  assert.notEqual(c.heap[mm], s.heap[mm]);
  assert.ok(c.own?.has(mm));
  mapPage(c, mm, 0x11000, { t: 'pte', k: 'none' });
  const id = alloc(c, 'record', 'new', { t: 'rec', type: 'x', fields: {} });
  assert.ok(c.own?.has(id) && !(id in s.heap));
  assert.equal(canonical(s), before, 'the parent is unchanged');
  // A fork of the fork shares the child's objects, and so on.
  const g = forkState(c);
  assert.equal(g.heap[mm], c.heap[mm]);
  // cloneState gives a whole, independent copy with no ownership set.
  const whole = cloneState(c);
  assert.equal(whole.own, undefined);
  assert.notEqual(whole.heap[mm], c.heap[mm]);
  assert.equal(canonical({ ...whole, own: undefined }), canonical({ ...c, own: undefined, ownedElements: undefined }));
});

test('a forked PTE table or memmap shares its elements; a store inside a struct page copies that page only', () => {
  const { s, mm } = world();
  const before = canonical(s);
  const t = table(s);
  const items = (o: { v: unknown }) => (o.v as { fields: { entries: { items: Record<number, unknown> } } }).fields.entries.items;
  const c = forkState(s);
  const copy = obj(c, t);
  assert.notEqual(copy, s.heap[t], 'the table itself is copied on access');
  assert.equal(items(copy)[16], items(s.heap[t])[16], 'its PTEs are shared (a PTE is replaced, never changed in place)');
  store(c, ptr(t, 'entries', 16), { t: 'pte', k: 'none' });
  assert.equal(pteAt(c, mm, 0x10000).k, 'none');
  const pages = (o: { v: unknown }) => (o.v as { items: Record<number, { fields: Record<string, unknown> }> }).items;
  const memmap = c.world.memmap;
  store(c, ptr(memmap, 0x100, '_mapcount'), 5);
  assert.equal(pages(c.heap[memmap])[0x100].fields._mapcount, 5);
  assert.equal(pages(s.heap[memmap])[0x100].fields._mapcount, 1);
  store(c, ptr(memmap, 0x100, '_mapcount'), 6);
  assert.equal(pages(c.heap[memmap])[0x100].fields._mapcount, 6, 'a page this copy owns is written in place');
  // A helper that changes the struct page it was handed (pageRec) changes this copy's only.
  const g = forkState(c);
  (pageRec(g, ptr(memmap, 0x100)).fields._mapcount as number)++;
  assert.equal(pages(g.heap[memmap])[0x100].fields._mapcount, 7);
  assert.equal(pages(c.heap[memmap])[0x100].fields._mapcount, 6);
  assert.equal(canonical(s), before, 'the parent is unchanged');
});

test('while the explorer notes reads, a helper reading one field of a folio reads that field only', () => {
  const { s } = world();
  const folio = s.world.folios[0];
  const c = forkState(s);
  c.reads = new Map();
  assert.equal(recOf(c, folio).fields._refcount, 1);
  load(c, ptr(table(c), 'entries', 16));
  assert.deepEqual([...(c.reads.get(folio) ?? [])], ['_refcount']);
  assert.deepEqual([...(c.reads.get(table(c)) ?? [])], ['entries.16']);
  obj(c, folio);
  assert.equal(c.reads.get(folio), null, 'obj() hands out the whole object: a read of all of it');
});

function table(s: ReturnType<typeof emptyState>): number {
  return Number(Object.keys(s.heap).find((k) => s.heap[Number(k)].kind === 'pgtable'));
}

test('the deep diff names each changed leaf, before and after', () => {
  const { s, mm } = world();
  const c = cloneState(s);
  mapPage(c, mm, 0x11000, { t: 'pte', k: 'none' });
  (c.heap[1].v as { fields: Record<string, unknown> }).fields.mm_users = 2;
  const d = deepDiff(s, c).map((x) => x.path);
  assert.ok(d.includes('heap.1.v.fields.mm_users'), d.join(' '));
  assert.ok(d.some((p) => p.includes('entries.items.17')), d.join(' '));
  assert.deepEqual(deepDiff(s, cloneState(s)), []);
});

test('the view follows the state and says which fields changed', () => {
  const { s, mm } = world();
  const before = viewOf(s);
  assert.equal(before.addresses[0].pte.kind, 'present-rw');
  mapPage(s, mm, 0x10000, { t: 'pte', k: 'swp', entry: { t: 'swp', kind: 'device_exclusive', offset: 0x100 }, softDirty: false, uffdWp: false });
  const after = viewOf(s);
  assert.equal(after.addresses[0].pte.kind, 'device-exclusive');
  assert.equal(pteAt(s, mm, 0x10000).k, 'swp');
  assert.ok(changedPaths(before, after).includes('addresses.0.pte.kind'));
});

test('state keys and footprints of a copy that replaced some PTEs equal those computed from scratch', () => {
  const { s, mm } = world();
  const t = table(s);
  const texts = new WeakMap<HeapObj, ObjectText>();
  const parentKey = stateKey(s, null, texts);
  const c = forkState(s);
  store(c, ptr(t, 'entries', 16), { t: 'pte', k: 'none' });
  store(c, ptr(t, 'entries', 17), { t: 'pte', k: 'present', pfn: 0x100, write: false, dirty: false, young: true, softDirty: false, uffdWp: false });
  store(c, ptr(c.world.memmap, 0x100, '_mapcount'), 3);
  // The same contents in objects made afresh (no original to derive from).
  const fresh = cloneState(c);
  assert.equal(stateKey(c, null, texts), stateKey(fresh, null, new WeakMap()), 'derived from the parent\'s digest = combined from scratch');
  assert.notEqual(stateKey(c, null, texts), parentKey);
  const fp = footprintOf(s, c, new Map());
  assert.deepEqual([...(fp.writes.get(t) ?? [])].sort(), ['entries.16', 'entries.17']);
  assert.deepEqual([...(fp.writes.get(c.world.memmap) ?? [])], ['256._mapcount']);
  // Written back as it was: the same state as the parent, and no write in the footprint.
  const d = forkState(s);
  const old = load(d, ptr(t, 'entries', 16));
  store(d, ptr(t, 'entries', 16), { t: 'pte', k: 'none' });
  store(d, ptr(t, 'entries', 16), old);
  assert.equal(stateKey(d, null, texts), parentKey);
  assert.equal(footprintOf(s, d, new Map()).writes.get(t), undefined);
  assert.equal(pteAt(s, mm, 0x10000).k, 'present', 'the parent is unchanged');
});
