// The panel's view helpers: view at a step, thread lanes, change highlighting, notifier arrows.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { simulate } from '../../../extension/engine/simulate';
import type { ViewModel } from '../../../extension/engine/trace/view';
import { type PanelTrace, type Step, TraceIndex, changeMark, formatValue, lastAtOrBefore, ownerLabel, positionLabel, stepRow } from '../../../webview/panelModel';
import { engineTree } from '../../helpers/engine';
import { EXAMPLES } from '../../helpers/parser';

function view(kind: 'present-rw' | 'device-exclusive', threads: Record<string, string>, mutex = ''): ViewModel {
  return {
    addresses: [{ addr: '0x1000', pte: { kind, label: kind }, devices: { dev: kind === 'device-exclusive' ? 'pfn 1 atomic' : '' }, folio: { pfn: 1, refcount: 1, mapcount: 1, dirty: false, locked: '', freed: false } }],
    devices: [{ name: 'dev', driver: 'lib/test_hmm.c', mutex, seq: 2 }],
    locks: { mmap_lock: '' },
    notifier: { seq: 2, active: 0, event: '' },
    threads,
  };
}

function step(i: number, thread: string, fn: string, line: number, extra: Partial<Step> = {}): Step {
  return { i, thread, fn, file: 'mm/x.c', line, depth: 0, prims: [], changes: [], notes: [], ...extra };
}

/** Six steps of two threads; views after steps 2 and 4; one invalidation from step 1 to step 3. */
function synthetic(): PanelTrace {
  const steps = [
    step(0, 'a', 'fa', 10),
    step(1, 'a', 'fa', 11, { notes: ['MMU notifier: MMU_NOTIFY_EXCLUSIVE [0x1000, 0x2000) starts'] }),
    step(2, 'a', 'ga', 20, { changes: [{ field: 'PTE 0x1000', before: 0, after: 1 }] }),
    step(3, 'a', 'fa', 12, { notes: ['MMU notifier: MMU_NOTIFY_EXCLUSIVE ends'] }),
    step(4, 'b', 'fb', 30, { changes: [{ field: 'dev.mutex', before: 0, after: 1 }] }),
    step(5, 'b', 'fb', 31),
  ];
  return {
    format: 'kpsim-trace', version: 1, scenario: { id: 's', title: 'S', description: '', mirrors: '' }, tree: 't', api: '', driver: '',
    schedule: [], choices: {}, threads: [{ id: 'a', title: 'thread a', entry: 'fa', status: 'done' }, { id: 'b', title: 'thread b', entry: 'fb', status: 'done' }],
    steps,
    events: [
      { id: 0, phase: 'start', event: 'MMU_NOTIFY_EXCLUSIVE', start: 0x1000, end: 0x2000, owner: { t: 'ptr', obj: 7, path: [] }, thread: 'a', deliveries: [{ device: 'dev', filtered: true }] },
      { id: 1, phase: 'end', event: 'MMU_NOTIFY_EXCLUSIVE', start: 0x1000, end: 0x2000, owner: null, thread: 'a', deliveries: [] },
    ],
    unmodelled: [], warnings: [], checks: [], initial: [], final: [], assumptions: [],
    objects: { 7: { kind: 'driver', label: 'dmirror0' } },
    views: [
      { step: -1, view: view('present-rw', { a: 'runnable', b: 'runnable' }), changed: [] },
      { step: 2, view: view('device-exclusive', { a: 'running', b: 'runnable' }), changed: ['addresses.0.pte.kind', 'addresses.0.pte.label', 'addresses.0.devices.dev', 'threads.a'] },
      { step: 4, view: view('device-exclusive', { a: 'done', b: 'running' }, 'b'), changed: ['devices.0.mutex', 'threads.a', 'threads.b'] },
    ],
    stats: { steps: 6, instructions: 60, ms: 1 },
  };
}

test('lastAtOrBefore: binary search for the latest value <= x', () => {
  const a = [-1, 2, 4, 9];
  assert.deepEqual([-2, -1, 0, 2, 3, 4, 8, 9, 100].map((x) => lastAtOrBefore(a, x)), [-1, 0, 0, 1, 1, 2, 2, 3, 3]);
  assert.equal(lastAtOrBefore([], 5), -1);
});

test('view at step i: the latest recorded view whose step is <= i', () => {
  const idx = new TraceIndex(synthetic());
  const kinds = [-1, 0, 1, 2, 3, 4, 5].map((i) => idx.viewAt(i).addresses[0].pte.kind);
  assert.deepEqual(kinds, ['present-rw', 'present-rw', 'present-rw', 'device-exclusive', 'device-exclusive', 'device-exclusive', 'device-exclusive']);
  assert.equal(idx.viewAt(3).devices[0].mutex, '');
  assert.equal(idx.viewAt(4).devices[0].mutex, 'b');
  assert.equal(idx.viewIndexAt(-1), 0);
  assert.equal(idx.viewIndexAt(5), 2);
  // Positions are clamped to [-1, last].
  assert.deepEqual([-5, -1, 3, 99, NaN].map((i) => idx.clamp(i)), [-1, -1, 3, 5, -1]);
});

test('changed at step i: only the step that recorded the view, as a set', () => {
  const idx = new TraceIndex(synthetic());
  assert.deepEqual([...idx.changedAt(2)].sort(), ['addresses.0.devices.dev', 'addresses.0.pte.kind', 'addresses.0.pte.label', 'threads.a']);
  assert.equal(idx.changedAt(3).size, 0, 'step 3 changed nothing the panel draws');
  assert.equal(idx.changedAt(-1).size, 0, 'the initial view is no change');
  assert.deepEqual([...idx.changedAt(4)].sort(), ['devices.0.mutex', 'threads.a', 'threads.b']);
});

test('change highlighting reaches deep fields: self, an ancestor replaced whole, or something inside', () => {
  const changed = new Set(['addresses.0.pte.kind', 'addresses.1.folio', 'locks.PTL 0x7f0000000000']);
  assert.equal(changeMark(changed, 'addresses.0.pte.kind'), 'self');
  assert.equal(changeMark(changed, 'addresses.0.pte'), 'within', 'the chip holds a changed field');
  assert.equal(changeMark(changed, 'addresses.0'), 'within');
  assert.equal(changeMark(changed, 'addresses.0.pte.label'), undefined);
  assert.equal(changeMark(changed, 'addresses.1.folio.refcount'), 'self', 'a folio that appeared: all its fields are new');
  assert.equal(changeMark(changed, 'locks.PTL 0x7f0000000000'), 'self');
  assert.equal(changeMark(changed, 'locks'), 'within');
  assert.equal(changeMark(changed, 'devices.0.mutex'), undefined);
  // Not fooled by a common prefix.
  assert.equal(changeMark(new Set(['addresses.10.pte']), 'addresses.1'), undefined);
  assert.equal(changeMark(new Set(), 'addresses'), undefined);
});

test('lanes at step i: each thread at its latest step <= i, the active one marked', () => {
  const idx = new TraceIndex(synthetic());
  const at = (i: number): string[] => idx.lanesAt(i).map((l) => `${l.thread}:${l.fn ?? '-'}:${l.line ?? '-'}:${l.status}${l.active ? '*' : ''}`);
  assert.deepEqual(at(-1), ['a:-:-:runnable', 'b:-:-:runnable']);
  assert.deepEqual(at(0), ['a:fa:10:runnable*', 'b:-:-:runnable']);
  assert.deepEqual(at(2), ['a:ga:20:running*', 'b:-:-:runnable']);
  assert.deepEqual(at(4), ['a:fa:12:done', 'b:fb:30:running*']);
  assert.deepEqual(at(5), ['a:fa:12:done', 'b:fb:31:running*']);
  assert.equal(idx.lanesAt(5)[1].file, 'mm/x.c');
});

test('notifier events: placed at the steps of their notes; running ones drawn, else the last one as over', () => {
  const idx = new TraceIndex(synthetic());
  assert.deepEqual(idx.eventSteps, [1, 3]);
  assert.deepEqual(idx.eventsAt(0), []);
  const running = idx.eventsAt(2);
  assert.equal(running.length, 1);
  assert.deepEqual({ ...running[0], deliveries: undefined }, {
    id: 0, event: 'MMU_NOTIFY_EXCLUSIVE', range: '[0x1000, 0x2000)', owner: '&dmirror0', thread: 'a', phase: 'active', startStep: 1, endStep: 3, deliveries: undefined,
  });
  assert.deepEqual(running[0].deliveries, [{ device: 'dev', filtered: true }]);
  assert.equal(idx.eventsAt(3)[0].phase, 'ended', 'the step that ends it');
  assert.equal(idx.eventsAt(5)[0].phase, 'ended', 'the last one, over');
});

test('the next / previous change, the step list rows, the counter', () => {
  const idx = new TraceIndex(synthetic());
  assert.deepEqual(idx.changeSteps, [1, 2, 3, 4]);
  assert.equal(idx.nextChange(-1, 1), 1);
  assert.equal(idx.nextChange(2, 1), 3);
  assert.equal(idx.nextChange(4, 1), 5, 'none left: the last step');
  assert.equal(idx.nextChange(4, -1), 3);
  assert.equal(idx.nextChange(1, -1), -1);
  assert.deepEqual(stepRow(idx.steps[2]), { i: 2, thread: 'a', fn: 'ga', where: 'mm/x.c:20', prims: '', changed: true });
  assert.equal(positionLabel(-1, 6), 'start / 5');
  assert.equal(positionLabel(5, 6), 'step 5 / 5');
});

test('values and owners are named after what they point at', () => {
  const objects = { 3: { kind: 'pgtable', label: 'PTE table 0x7f0000000000', base: 0x7f0000000000 }, 7: { kind: 'driver', label: 'dmirror0' } };
  assert.equal(ownerLabel(null), 'NULL');
  assert.equal(ownerLabel({ t: 'ptr', obj: 7, path: [] }, objects), '&dmirror0');
  assert.equal(ownerLabel({ t: 'ptr', obj: 99, path: [] }, objects), '&#99');
  assert.equal(formatValue({ t: 'ptr', obj: 3, path: ['entries', 1] }, objects), '&PTE 0x7f0000001000');
  assert.equal(formatValue({ t: 'lock', kind: 'spin', name: 'ptl', holders: ['cpu1'] }, objects), 'held by cpu1');
  assert.equal(formatValue(4096), '0x1000');
  assert.equal(formatValue(undefined), '(none)');
});

test('a real trace (examples tree, GPU atomic then CPU write): the PTE goes device-exclusive, then present', async () => {
  const r = simulate(await engineTree(EXAMPLES), 'exclusive-then-cpu-write', { views: true }) as PanelTrace;
  const idx = new TraceIndex(r);
  assert.equal(idx.viewAt(-1).addresses[0].pte.kind, 'present-rw');
  // The kinds the chip takes, in order, at the steps that changed it.
  const kinds: string[] = [];
  for (let i = -1; i < idx.length; i++) {
    const k = idx.viewAt(i).addresses[0].pte.kind;
    if (kinds[kinds.length - 1] !== k) kinds.push(k);
  }
  assert.deepEqual(kinds.filter((k) => k !== 'none'), ['present-rw', 'device-exclusive', 'present-rw']);
  const excl = r.views.find((v) => v.view.addresses[0].pte.kind === 'device-exclusive')!;
  assert.ok(idx.changedAt(excl.step).has('addresses.0.pte.kind'));
  assert.equal(changeMark(idx.changedAt(excl.step), 'addresses.0.pte'), 'within');
  // The CPU lane reaches remove_device_exclusive_entry while the chip is still device-exclusive.
  const rdee = r.steps.find((s) => s.fn === 'remove_device_exclusive_entry')!;
  const lane = idx.lanesAt(rdee.i).find((l) => l.thread === rdee.thread)!;
  assert.equal(lane.fn, 'remove_device_exclusive_entry');
  assert.equal(lane.file, 'mm/memory.c');
  assert.ok(lane.active);
  assert.equal(idx.viewAt(rdee.i).addresses[0].pte.kind, 'device-exclusive');
  // Every event start has a step, and an invalidation is drawn while it runs.
  assert.equal(idx.eventSteps.length, r.events.length);
  const start = idx.eventSteps[0];
  assert.equal(idx.eventsAt(start)[0].phase, 'active');
  assert.equal(idx.eventsAt(start)[0].event, r.events[0].event);
  // Steps carry their frame's locals.
  assert.ok(r.steps.every((s) => s.locals !== undefined));
});
