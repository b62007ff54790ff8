// The race explorer on the examples tree (MIT): every invariant can fail — each is broken here by
// a small change to the examples' code (in memory) or by a state built for it — and the explorer's
// counterexamples replay step for step.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { type ExploreResult, explore } from '../../../extension/engine/explore/explore';
import { SCENARIOS } from '../../../extension/engine/scenarios/catalog';
import { stateKey } from '../../../extension/engine/explore/stateKey';
import { INVARIANTS, checkEnd, checkState, checkStep, classifyFailure, dirtyAfter, dirtyPfns, locksLeftHeld } from '../../../extension/engine/explore/invariants';
import type { TraceStep } from '../../../extension/engine/interp/machine';
import { type EngineTree, simulate } from '../../../extension/engine/simulate';
import { FunctionLookup } from '../../../extension/parsing/lookup';
import { overlayIndex } from '../../../extension/parsing/treeIndex';
import { EXAMPLES } from '../../helpers/parser';
import { engineTree } from '../../helpers/engine';
import { ADDR, presentPte, smallWorld, swpPte } from '../../helpers/world';
import { store } from '../../../extension/engine/state/state';
import { mapPage, newMm } from '../../../extension/engine/world/layout';

/** The examples tree with `file` changed by `edit` (asserted to change something), in memory. */
async function mutant(file: string, edit: (text: string) => string): Promise<EngineTree> {
  const base = await engineTree(EXAMPLES);
  const before = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit of ${file} changed nothing`);
  const texts = new Map([[file, after]]);
  return { root: EXAMPLES, parser: base.parser, lookup: new FunctionLookup(overlayIndex(base.parser, base.lookup.index, texts)), overrides: texts };
}

const invariantsOf = (r: ExploreResult): string[] => r.violations.map((v) => v.invariant).sort();

test('every invariant is named and documented in kernel terms', () => {
  assert.ok(INVARIANTS.length >= 12);
  for (const i of INVARIANTS) {
    assert.match(i.id, /^[a-z][a-z-]+$/);
    assert.ok(i.doc.length > 80, `${i.id} is documented`);
  }
});

test('the examples, unchanged: every race is explored completely, with no violation', async () => {
  const tree = await engineTree(EXAMPLES);
  for (const id of SCENARIOS.filter((x) => x.threads.length > 1 && !x.expectedViolations).map((x) => x.id)) {
    const r = explore(tree, id, { maxSeconds: 60 });
    assert.equal(r.complete, true, `${id}: ${JSON.stringify(r.bounds)}`);
    assert.deepEqual(r.violations, [], `${id}: ${r.violations.map((v) => v.message).join('; ')}`);
    assert.ok(r.states > 10 && r.endStates >= 1, `${id}: ${r.states} states`);
  }
});

test('the partial-order reduction prunes transitions and loses no end state or violation', async () => {
  const tree = await mutant('mm/rmap.c', (t) => t.replace(/\tif \(pte_dirty\(fw\.pte\)\)\n\t\tfolio_mark_dirty\(folio\);\n/, ''));
  const withPor = explore(tree, 'exclusive-then-cpu-read', { maxSeconds: 60 });
  const full = explore(tree, 'exclusive-then-cpu-read', { maxSeconds: 60, por: false });
  assert.ok(withPor.pruned > 0 && withPor.transitions < full.transitions, `${withPor.transitions} vs ${full.transitions}`);
  assert.deepEqual(invariantsOf(withPor), invariantsOf(full));
  assert.equal(withPor.complete && full.complete, true);
});

test('the partial-order reduction reaches every end state a full search reaches (footprints per PTE and per field)', async () => {
  const tree = await engineTree(EXAMPLES);
  for (const id of ['exclusive-then-cpu-write', 'exclusive-then-gup', 'exclusive-two-devices', 'exclusive-thp-cpu-write']) {
    const ends = (por: boolean): { keys: Set<string>; r: ExploreResult } => {
      const keys = new Set<string>();
      const r = explore(tree, id, { maxSeconds: 60, por, onEnd: (s) => void keys.add(stateKey(s)) });
      return { keys, r };
    };
    const reduced = ends(true);
    const full = ends(false);
    assert.equal(reduced.r.complete && full.r.complete, true, id);
    assert.ok(reduced.r.pruned > 0, `${id}: the reduction pruned nothing`);
    assert.deepEqual([...full.keys].filter((k) => !reduced.keys.has(k)), [], `${id}: end states the reduction missed`);
    assert.deepEqual([...reduced.keys].filter((k) => !full.keys.has(k)), [], `${id}: end states only the reduction saw`);
  }
});

test('running ahead (persistent sets by lookahead) reaches every end state and violation the search without it reaches', async () => {
  const tree = await engineTree(EXAMPLES);
  const undirty = await mutant('mm/rmap.c', (t) => t.replace(/\tif \(pte_dirty\(fw\.pte\)\)\n\t\tfolio_mark_dirty\(folio\);\n/, ''));
  let ranAhead = 0;
  for (const [name, tr, id] of [['examples', tree, 'exclusive-thp-cpu-write'], ['examples', tree, 'exclusive-then-cpu-write'], ['examples', tree, 'exclusive-then-gup'],
    ['examples', tree, 'exclusive-two-devices'], ['examples', tree, 'exclusive-then-fault-and-zap'], ['no folio_mark_dirty', undirty, 'exclusive-thp-cpu-write'],
    ['no folio_mark_dirty', undirty, 'exclusive-then-cpu-read']] as const) {
    const run = (ahead: boolean): { keys: Set<string>; r: ExploreResult } => {
      const keys = new Set<string>();
      // From the first state, and for any run ahead however short: the machinery at work on small searches.
      const r = explore(tr, id, { maxSeconds: 60, ahead, aheadAfter: 0, aheadMin: 1, maxDepth: 4000, onEnd: (s) => void keys.add(stateKey(s)) });
      return { keys, r };
    };
    const withAhead = run(true);
    const without = run(false);
    const what = `${name}: ${id}`;
    assert.equal(withAhead.r.complete && without.r.complete, true, what);
    assert.equal(without.r.heldBack + without.r.ranAhead, 0, what);
    assert.deepEqual([...without.keys].filter((k) => !withAhead.keys.has(k)), [], `${what}: end states missed by running ahead`);
    assert.deepEqual([...withAhead.keys].filter((k) => !without.keys.has(k)), [], `${what}: end states only running ahead saw`);
    assert.deepEqual(invariantsOf(withAhead.r), invariantsOf(without.r), what);
    ranAhead += withAhead.r.ranAhead + withAhead.r.heldBack;
  }
  assert.ok(ranAhead > 100, `running ahead did little: ${ranAhead}`);
});

test('dirty-preserved: make_device_exclusive without folio_mark_dirty loses the dirty bit; the counterexample replays', async () => {
  const tree = await mutant('mm/rmap.c', (t) => t.replace(/\tif \(pte_dirty\(fw\.pte\)\)\n\t\tfolio_mark_dirty\(folio\);\n/, ''));
  const r = explore(tree, 'exclusive-then-cpu-read', { maxSeconds: 60 });
  const v = r.violations.find((x) => x.invariant === 'dirty-preserved');
  assert.ok(v, invariantsOf(r).join(', '));
  // Breadth first: no shorter schedule reaches it.
  assert.ok(v.steps <= Math.min(...r.violations.map((x) => x.steps)) + 40);
  const replay = simulate(tree, 'exclusive-then-cpu-read', { schedule: v.schedule });
  assert.ok(replay.checks.some((c) => !c.ok && /dirty/.test(c.name)), 'the replayed run fails the dirty check too');
});

test('folio-locked-on-restore: remove_device_exclusive_entry without the folio lock', async () => {
  const tree = await mutant('mm/memory.c', (t) => t
    .replace(/\tret = folio_lock_or_retry\(folio, vmf\);\n\tif \(ret\) \{\n\t\tfolio_put\(folio\);\n\t\treturn ret;\n\t\}\n/, '')
    .replace(/\n\tfolio_unlock\(folio\);\n\tfolio_put\(folio\);\n\tmmu_notifier_invalidate_range_end\(&range\);/, '\n\tfolio_put(folio);\n\tmmu_notifier_invalidate_range_end(&range);'));
  const r = explore(tree, 'exclusive-then-cpu-write', { maxSeconds: 60 });
  const v = r.violations.find((x) => x.invariant === 'folio-locked-on-restore');
  assert.ok(v, invariantsOf(r).join(', '));
  assert.equal(v.file, 'mm/memory.c');
});

test('secondary-mmu-coherence: make_device_exclusive without its MMU-notifier invalidation leaves the second device mapped', async () => {
  const tree = await mutant('mm/rmap.c', (t) => t
    .replace(/\tmmu_notifier_invalidate_range_start\(&range\);\n/, '')
    .replace(/\t\tmmu_notifier_invalidate_range_end\(&range\);\n/, '')
    .replace(/\tmmu_notifier_invalidate_range_end\(&range\);\n\t\*foliop/, '\t*foliop'));
  const r = explore(tree, 'exclusive-two-devices', { maxSeconds: 60 });
  assert.ok(invariantsOf(r).includes('secondary-mmu-coherence'), invariantsOf(r).join(', '));
  const clean = explore(await engineTree(EXAMPLES), 'exclusive-two-devices', { maxSeconds: 60 });
  assert.deepEqual(invariantsOf(clean), []);
});

test('refcount-balanced: a driver that leaks its folio reference', async () => {
  const tree = await mutant('lib/test_hmm.c', (t) => t.replace(/(ret = dmirror_atomic_map\(addr, page, dmirror\);\n\t\tmutex_unlock\(&dmirror->mutex\);\n\n\t\tfolio_unlock\(folio\);\n)\t\tfolio_put\(folio\);\n/, '$1'));
  const r = explore(tree, 'exclusive-then-cpu-write', { maxSeconds: 60 });
  assert.ok(invariantsOf(r).includes('refcount-balanced'), invariantsOf(r).join(', '));
});

test('progress: a driver that does not filter its own MMU_NOTIFY_EXCLUSIVE livelocks; with the filter it does not', async () => {
  const tree = await engineTree(EXAMPLES);
  const bad = explore(tree, 'driver-without-own-filter', { maxSeconds: 60 });
  // The scenario is built to break it: found, and filed as expected rather than as a finding.
  assert.deepEqual(bad.expected.map((v) => v.invariant), ['progress']);
  assert.deepEqual(bad.violations, []);
  assert.deepEqual(bad.missingExpected, []);
  const good = explore(tree, 'driver-filters-own-exclusive', { maxSeconds: 60 });
  assert.deepEqual(invariantsOf(good), []);
});

test('no-crash: a NULL dereference is a crash, not a silent stop', async () => {
  const tree = await mutant('lib/test_hmm.c', (t) => t.replace('make_device_exclusive(mm, addr, dmirror, &folio)', 'make_device_exclusive(mm, addr, dmirror, NULL)'));
  const r = explore(tree, 'exclusive-stays', { maxSeconds: 60 });
  const v = r.violations.find((x) => x.invariant === 'no-crash');
  assert.ok(v, invariantsOf(r).join(', '));
  assert.match(v.message, /NULL/);
});

test('bounds: a bound hit says which and is never "complete"', async () => {
  const tree = await engineTree(EXAMPLES);
  const r = explore(tree, 'exclusive-then-cpu-write', { maxStates: 20 });
  assert.equal(r.complete, false);
  assert.deepEqual(r.bounds.map((b) => b.bound), ['states']);
  const d = explore(tree, 'exclusive-then-cpu-write', { maxDepth: 5 });
  assert.equal(d.complete, false);
  assert.ok(d.bounds.some((b) => b.bound === 'depth' && b.limit === 5));
  const p = explore(tree, 'exclusive-then-cpu-write', { maxPreemptions: 0 });
  assert.equal(p.complete, false);
  assert.ok(p.states < explore(tree, 'exclusive-then-cpu-write', {}).states);
});

test('the explorer is deterministic', async () => {
  const tree = await engineTree(EXAMPLES);
  const a = explore(tree, 'exclusive-two-devices', {});
  const b = explore(tree, 'exclusive-two-devices', {});
  assert.deepEqual([a.states, a.transitions, a.endStates], [b.states, b.transitions, b.endStates]);
});

// The invariants that the examples' scenarios do not reach through their code, on states built for them.

test('no-stale-device-mapping and secondary-mmu-coherence on built states', () => {
  const w = smallWorld({ write: true, dirty: true });
  const pt = { t: 'ptr' as const, obj: 0, path: [] as (string | number)[] };
  // A device whose page table maps ADDR to the folio's page, read-only.
  const dev = { t: 'rec' as const, type: 'mirror', fields: { pt: { t: 'rec' as const, type: 'xarray', fields: { entries: { t: 'rec' as const, type: 'xa_entries', fields: { [String(ADDR / 4096)]: w.page } } } } } };
  const id = w.s.nextId++;
  w.s.heap[id] = { kind: 'driver', label: 'mirror0', v: dev };
  w.s.world.devices.push({ name: 'mirror0', obj: id, pt: { ...pt, obj: id, path: ['pt'] }, driver: 'kpsim/refdriver.c', notifier: pt, owner: null });
  w.s.world.addresses = [ADDR];
  assert.deepEqual(checkState(w.s), [], 'a read mapping of the page the CPU maps is fine');
  const tableP = w.pte;
  (w.s.heap[tableP.obj].v as unknown as { fields: { entries: { items: Record<number, unknown> } } }).fields.entries.items[tableP.path[1] as number] = { t: 'pte', k: 'none' };
  assert.deepEqual(checkState(w.s).map((f) => f.invariant), ['no-stale-device-mapping']);
  (w.s.heap[tableP.obj].v as unknown as { fields: { entries: { items: Record<number, unknown> } } }).fields.entries.items[tableP.path[1] as number] = swpPte('device_exclusive_write', w.pfn);
  assert.deepEqual(checkState(w.s).map((f) => f.invariant), ['secondary-mmu-coherence'], 'reading while another holds it exclusive');
  // While an invalidation of the address runs, the device may still map it.
  w.s.events.push({ id: 1, phase: 'start', event: 'MMU_NOTIFY_CLEAR', start: ADDR, end: ADDR + 4096, owner: null, thread: 'cpu1', deliveries: [] });
  assert.deepEqual(checkState(w.s), []);
});

function stepWith(thread: string, fn: string, changes: TraceStep['changes']): TraceStep {
  return { i: 0, thread, fn, file: 'mm/memory.c', line: 1, depth: 0, prims: [], changes, notes: [] };
}

test('no-write-without-vm-write and pte-not-clobbered on built steps', () => {
  const w = smallWorld({ flags: 0x31, write: false });
  const field = `PTE 0x${ADDR.toString(16)}`;
  const ro = presentPte(w.pfn);
  const rw = presentPte(w.pfn, { write: true });
  assert.deepEqual(checkStep(w.s, stepWith('cpu1', 'restore_exclusive_pte', [{ field, before: swpPte('device_exclusive_write', w.pfn), after: rw }]), new Map()).map((f) => f.invariant), ['folio-locked-on-restore', 'no-write-without-vm-write']);
  assert.deepEqual(checkStep(w.s, stepWith('cpu1', 'f', [{ field, before: ro, after: ro }]), new Map()), []);
  // The thread last read a different value than the one it overwrites.
  const seen = new Map([[`cpu1|${field}`, swpPte('device_exclusive_write', w.pfn)]]);
  assert.deepEqual(checkStep(w.s, stepWith('cpu1', 'f', [{ field, before: ro, after: ro }]), seen).map((f) => f.invariant), ['pte-not-clobbered']);
});

test('fork-entries, dirty-preserved and refcount-balanced at the end, on built states', () => {
  const w = smallWorld({ write: true, dirty: true });
  const facts = { dirty: [w.pfn], initialRefs: new Map([[w.folio.obj, 1]]), balanced: true, forked: false };
  (w.s.heap[w.folio.obj].v as { fields: Record<string, unknown> }).fields._refcount = 1;
  (w.s.heap[w.folio.obj].v as { fields: Record<string, unknown> }).fields._mapcount = 1;
  w.s.world.addresses = [ADDR];
  assert.deepEqual(checkEnd(w.s, facts), []);
  (w.s.heap[w.folio.obj].v as { fields: Record<string, unknown> }).fields._refcount = 2;
  assert.deepEqual(checkEnd(w.s, facts).map((f) => f.invariant), ['refcount-balanced']);
  const entries = (w.s.heap[w.pte.obj].v as unknown as { fields: { entries: { items: Record<number, unknown> } } }).fields.entries.items;
  entries[w.pte.path[1] as number] = presentPte(w.pfn, { write: true, dirty: false });
  assert.ok(checkEnd(w.s, facts).some((f) => f.invariant === 'dirty-preserved'));
  // After a fork: a child with a device-exclusive entry, and a page shared writable.
  const child = newMm(w.s, 'child mm');
  mapPage(w.s, child, ADDR, swpPte('device_exclusive_write', w.pfn));
  const forked = { dirty: [], initialRefs: new Map<number, number>(), balanced: false, forked: true };
  assert.ok(checkEnd(w.s, forked).some((f) => f.invariant === 'fork-entries' && /copied/.test(f.message)));
  mapPage(w.s, child, ADDR, presentPte(w.pfn, { write: false }));
  assert.ok(checkEnd(w.s, forked).some((f) => f.invariant === 'fork-entries' && /no COW/.test(f.message)), 'the parent still maps it writable');
});

test('at the end: a folio freed while mapped, an unmapped folio still referenced, a lock left held', () => {
  const w = smallWorld({ write: true, dirty: false });
  w.s.world.addresses = [ADDR];
  const folio = (w.s.heap[w.folio.obj].v as { fields: Record<string, unknown> }).fields;
  const facts = { dirty: [], initialRefs: new Map<number, number>(), balanced: false, forked: false };
  folio._refcount = 1;
  folio._mapcount = 1;
  assert.deepEqual(checkEnd(w.s, facts), [], 'mapped once, one reference');
  // Zapped: PTE gone, rmap removed, reference dropped, folio freed.
  const entries = (w.s.heap[w.pte.obj].v as unknown as { fields: { entries: { items: Record<number, unknown> } } }).fields.entries.items;
  entries[w.pte.path[1] as number] = { t: 'pte', k: 'none' };
  folio._mapcount = 0;
  folio._refcount = 0;
  folio.freed = 1;
  assert.deepEqual(checkEnd(w.s, facts), []);
  folio._mapcount = 1;
  assert.match(checkEnd(w.s, facts).find((f) => f.invariant === 'refcount-balanced')?.message ?? '', /freed while still mapped \(mapcount 1\)/);
  folio._mapcount = 0;
  folio.freed = 0;
  folio._refcount = 1;
  assert.match(checkEnd(w.s, facts).find((f) => f.invariant === 'refcount-balanced')?.message ?? '', /no page table maps it any more, yet it keeps 1 reference/);
  folio._refcount = 0;
  // A thread that finished with the folio lock held.
  w.s.threads.push({ id: 'cpu1', title: 'CPU', status: 'done', frames: [] });
  (folio.lock as { holders: string[] }).holders = ['cpu1'];
  assert.deepEqual(checkEnd(w.s, facts).map((f) => [f.invariant, f.thread]), [['no-deadlock', 'cpu1']]);
  assert.deepEqual(locksLeftHeld(w.s).map((f) => f.message.split(' is ')[0]), ['the folio lock of folio@pfn' + String(w.pfn)]);
});

test('dirty-preserved: a dirty large folio keeps every one of its pages dirty, not only the head', () => {
  // The v6.12 rmap walk converts every PTE of a THP; the folio's dirty flag then stands for all of them.
  const w = smallWorld({ write: true, dirty: true, order: 9 });
  w.s.world.addresses = [ADDR];
  const facts = { dirty: [w.pfn, w.pfn + 1], initialRefs: new Map<number, number>(), balanced: false, forked: false };
  const entries = (w.s.heap[w.pte.obj].v as unknown as { fields: { entries: { items: Record<number, unknown> } } }).fields.entries.items;
  entries[w.pte.path[1] as number] = swpPte('device_exclusive_write', w.pfn);
  const folio = (w.s.heap[w.folio.obj].v as { fields: Record<string, unknown> }).fields;
  folio.dirty = true;
  assert.deepEqual(dirtyPfns(w.s).slice(0, 2), [w.pfn, w.pfn + 1]);
  assert.equal(dirtyPfns(w.s).length, 512);
  assert.deepEqual(checkEnd(w.s, facts).filter((f) => f.invariant === 'dirty-preserved'), []);
  folio.dirty = false;
  assert.deepEqual(checkEnd(w.s, facts).filter((f) => f.invariant === 'dirty-preserved').map((f) => f.message.split(' ')[1]), [String(w.pfn), String(w.pfn + 1)]);
});

test('dirtyAfter: from what a segment stored, the pfns dirtyPfns finds; a folio\'s dirty flag is looked at in full', () => {
  const w = smallWorld({ write: true, dirty: false });
  w.s.world.addresses = [ADDR];
  const seen = [7];
  w.s.stores = new Map();
  store(w.s, w.pte, presentPte(w.pfn, { write: true, dirty: true }));
  const stores = w.s.stores;
  w.s.stores = undefined;
  assert.deepEqual(dirtyAfter(w.s, stores, seen), [7, w.pfn]);
  assert.deepEqual(dirtyAfter(w.s, new Map(), seen), seen);
  // The PTE made dirty by a store the segment did not note: only the full look finds it.
  assert.deepEqual(dirtyAfter(w.s, new Map([[w.folio.obj, new Set(['dirty'])]]), seen), [7, w.pfn]);
  // A refcount is not where dirty data lives.
  assert.deepEqual(dirtyAfter(w.s, new Map([[w.folio.obj, new Set(['_refcount'])]]), seen), seen);
});

test('failures are classified: use after free, deadlock, livelock, crash; unmodelled calls are not findings', () => {
  const t = (error: string) => ({ id: 'cpu1', title: '', status: 'failed' as const, frames: [], error });
  assert.equal(classifyFailure(t('use after free: folio@pfn256 (at mm/memory.c:12 in f)'))?.invariant, 'no-use-after-free');
  assert.equal(classifyFailure(t('deadlock: cpu1 takes PTL it already holds'))?.invariant, 'no-deadlock');
  assert.equal(classifyFailure(t('loop bound (2000 iterations) hit at mm/x.c:3 (at mm/x.c:3 in f)'))?.invariant, 'progress');
  assert.equal(classifyFailure(t('step bound (400000 instructions) hit (at mm/x.c:3 in f)'))?.invariant, 'progress');
  assert.equal(classifyFailure(t('NULL pointer: assignment through NULL at mm/rmap.c:2474 (at mm/rmap.c:2474 in make_device_exclusive)'))?.invariant, 'no-crash');
  assert.equal(classifyFailure(t('unmodelled call pte_modify() (at mm/mprotect.c:35 in change_pte_range)')), undefined);
});
