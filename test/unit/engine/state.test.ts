// The state is plain data: canonical serialisation, deep copies and a deep diff.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { alloc, canonical, cloneState, deepDiff, emptyState, forkState, obj, reading } from '../../../extension/engine/state/state';
import { addVma, mapPage, newFolio, newMm, pteAt } from '../../../extension/engine/world/layout';
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
  assert.equal(canonical({ ...whole, own: undefined }), canonical({ ...c, own: undefined }));
});

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
