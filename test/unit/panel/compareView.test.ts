// The comparison report as the panel shows it (extension/views/compareView.ts): every part of the
// engine's report is there, bounds are said plainly, each violation finds its own counterexample.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { type CompareReport, type NewViolation, type ScenarioComparison, type SideReport, assembleReport, renderCompareText } from '../../../extension/engine/explore/compare';
import { isCompareView } from '../../../extension/protocol';
import { appliedNotes, compareView, explorationText } from '../../../extension/views/compareView';
import { counted } from '../../../webview/reportModel';

function side(over: Partial<SideReport> = {}): SideReport {
  return {
    simulated: true, explored: true, violations: [], complete: true, bounds: [], states: 40, transitions: 39, seconds: 0.25,
    final: [], results: [], events: [], checks: [], unmodelled: [], schedule: [], ...over,
  };
}

function violation(invariant: string, over: Partial<NewViolation> = {}): NewViolation {
  return { invariant, title: `title of ${invariant}`, message: `message of ${invariant}`, schedule: ['dev0', 'dev0', 'cpu1'], steps: 3, ...over };
}

function scenario(id: string, over: Partial<ScenarioComparison> = {}): ScenarioComparison {
  return {
    id, before: side(), after: side(), newViolations: [], fixedViolations: [], changedEndState: [], changedResults: [],
    changedEvents: { removed: [], added: [] }, changedChecks: [], errors: [], ...over,
  };
}

/** A report with one scenario of each kind. */
function report(): CompareReport {
  const r = assembleReport([
    scenario('s-new', {
      newViolations: [violation('dirty-preserved', { file: 'mm/rmap.c', line: 82, thread: 'dev0' }), violation('no-crash', { caveat: 'the before tree\'s exploration was incomplete' })],
      changedEndState: [{ where: '0x7f0000000000', field: 'dirty', before: 'true', after: 'false' }],
    }),
    scenario('s-fixed', { fixedViolations: [violation('dirty-preserved', { message: 'before: lost' })] }),
    scenario('s-cut', {
      before: side({ complete: false, bounds: [{ bound: 'time', limit: 4 }], states: 1084 }),
      after: side({ complete: false, bounds: [{ bound: 'states', limit: 20000 }, { bound: 'depth', limit: 400 }], states: 20000 }),
    }),
    scenario('s-broken', {
      after: side({ simulated: false, explored: false, complete: false }),
      errors: [{ side: 'after', stage: 'simulate', name: 'SimulationError', message: 'the tree has no device-exclusive support' }],
    }),
    scenario('s-changed', {
      changedResults: [{ where: 'dev0', field: 'outcome', before: 'returned 0', after: 'returned -16' }],
      changedEvents: { removed: ['MMU_NOTIFY_EXCLUSIVE [0x7f0000000000, 0x7f0000001000) from dev0: dmirror0 filtered it'], added: [] },
      changedChecks: [{ where: 'dev0 finished', field: 'check', before: 'ok: returned 0', after: 'FAIL: returned -16' }],
    }),
    scenario('s-same', { after: side({ unmodelled: ['folio_foo at mm/rmap.c:9'] }) }),
  ], { before: 'v6.12', after: 'v6.12 with [v1 2/2]' });
  r.patches = { applied: ['[v1 2/2] mm/rmap: x'], skipped: ['lib/a.c: not in the tree'], notes: ['a note'] };
  return r;
}

test('the summary counts what the text report counts, and says how many explorations a bound cut', () => {
  const r = report();
  const v = compareView(r, [], '[v1 2/2] mm/rmap: x');
  assert.equal(v.summary, '2 new violations, 1 fixed, in 6 scenarios; 1 of 6 not explored completely (a bound was hit); 1 of 6 not explored at all on one side');
  assert.match(renderCompareText(r), /^2 new violations, 1 fixed, in 6 scenarios$/m, 'the same counts as the text');
  assert.deepEqual([v.patch, v.before, v.after], ['[v1 2/2] mm/rmap: x', 'v6.12', 'v6.12 with [v1 2/2]']);
  assert.deepEqual([v.applied, v.skipped, v.notes], [['[v1 2/2] mm/rmap: x'], ['lib/a.c: not in the tree'], ['a note']]);
  assert.deepEqual(v.assumptions, r.assumptions);
  assert.ok(isCompareView(v));
});

test('a search cut short is said plainly: which side, which bound, how far; never a bare "no violation"', () => {
  const v = compareView(report(), [], 'p');
  assert.deepEqual(v.limits, [
    's-cut: not every interleaving was explored (the before tree\'s search was cut by the time bound (4 s) after 1084 states; the after tree\'s search was cut by the states bound (20000), the depth bound (400) after 20000 states): no new violation was found within the bounds, which is not the same as none.',
    's-broken: the after tree was not explored (see the scenario\'s errors): nothing is known of its races.',
  ]);
  const cut = v.scenarios.find((s) => s.id === 's-cut')!;
  assert.equal(cut.tone, 'incomplete');
  assert.match(cut.verdict, /^no new violation found within the bounds/);
  assert.equal(cut.exploration.before, '1084 states, 39 transitions, 0.3 s: incomplete, cut by the time bound (4 s)');
  assert.equal(explorationText(side({ explored: false })), 'not explored');
  assert.equal(explorationText(side({ complete: false, bounds: [{ bound: 'cancelled', limit: 0 }] })), '40 states, 39 transitions, 0.3 s: incomplete, cut by cancellation');
  for (const s of v.scenarios) assert.doesNotMatch(s.verdict, /^no violation/, s.id);
});

test('each scenario: its tone, violations with their counterexamples, changed default run, errors, calls newly unmodelled', () => {
  // The worker's traces: new ones on the after tree, fixed ones on the before tree (a key on the wrong side matches nothing).
  const keys = [
    { scenario: 's-new', invariant: 'dirty-preserved', side: 'after' as const },
    { scenario: 's-fixed', invariant: 'dirty-preserved', side: 'after' as const },
    { scenario: 's-fixed', invariant: 'dirty-preserved', side: 'before' as const },
  ];
  const v = compareView(report(), keys, 'p');
  assert.deepEqual(v.scenarios.map((s) => [s.id, s.tone]), [['s-new', 'new'], ['s-fixed', 'fixed'], ['s-cut', 'incomplete'], ['s-broken', 'error'], ['s-changed', 'changed'], ['s-same', 'same']]);
  const [neu, fixed, , broken, changed, same] = v.scenarios;
  assert.deepEqual(neu.violations, [
    { kind: 'new', invariant: 'dirty-preserved', title: 'title of dirty-preserved', message: 'message of dirty-preserved', at: 'mm/rmap.c:82 (dev0)', steps: 3, schedule: 'dev0 x2, cpu1', counterexample: 0 },
    // Not replayed: no counterexample to show.
    { kind: 'new', invariant: 'no-crash', title: 'title of no-crash', message: 'message of no-crash', steps: 3, schedule: 'dev0 x2, cpu1', caveat: 'the before tree\'s exploration was incomplete' },
  ]);
  assert.equal(neu.verdict, 'NEW dirty-preserved, no-crash');
  assert.deepEqual(neu.endState, [{ where: '0x7f0000000000', field: 'dirty', before: 'true', after: 'false' }]);
  assert.deepEqual(fixed.violations.map((x) => [x.kind, x.message, x.counterexample]), [['fixed', 'before: lost', 2]]);
  assert.deepEqual(broken.errors, ['The after tree could not run this scenario (SimulationError): the tree has no device-exclusive support']);
  assert.deepEqual(changed.results, [{ where: 'dev0', field: 'outcome', before: 'returned 0', after: 'returned -16' }]);
  assert.deepEqual(changed.events, { removed: ['MMU_NOTIFY_EXCLUSIVE [0x7f0000000000, 0x7f0000001000) from dev0: dmirror0 filtered it'], added: [] });
  assert.deepEqual(changed.checks.map((c) => c.after), ['FAIL: returned -16']);
  assert.deepEqual(same.unmodelled, ['folio_foo at mm/rmap.c:9']);
  assert.ok(isCompareView(v));
});

test('what was applied, from a reviewed patch: files the tree lacks are skipped, not repeated as notes', () => {
  const notes = appliedNotes({
    label: '[v2 3/4] mm: y',
    files: [
      { path: 'mm/rmap.c', status: 'applied' }, { path: 'drivers/gpu/x.c', status: 'missing', reason: 'drivers/gpu/x.c is not in the tree' },
      { path: 'lib/z.c', status: 'missing', reason: 'gone' }, { path: 'mm/memory.c' },
    ] as Parameters<typeof appliedNotes>[0]['files'],
    problems: ['drivers/gpu/x.c: drivers/gpu/x.c is not in the tree', 'lib/z.c: gone', 'a binary diff of firmware.bin'],
  }, ['[v2 1/4] mm: a', '[v2 2/4] mm: b']);
  assert.deepEqual(notes, {
    applied: ['[v2 3/4] mm: y'],
    skipped: ['drivers/gpu/x.c: not in the tree', 'lib/z.c: gone'],
    notes: ['both trees have the series\' earlier patches applied: [v2 1/4] mm: a; [v2 2/4] mm: b', 'a binary diff of firmware.bin'],
  });
  assert.deepEqual(appliedNotes({ label: 'p', files: [], problems: [] }, []), { applied: ['p'], skipped: [], notes: [] });
});

test('repeated notifier lines are counted once each, in order of first occurrence', () => {
  assert.deepEqual(counted(['a', 'b', 'a', 'a', 'c']), [['a', 3], ['b', 1], ['c', 1]]);
  assert.deepEqual(counted([]), []);
});

test('a known finding and a new violation of the same invariant: each named and shown with its own counterexample', () => {
  const r = assembleReport([
    scenario('zap', {
      newViolations: [violation('no-stale-device-mapping', { message: 'new one' })],
      fixedViolations: [violation('no-stale-device-mapping', { known: 'test-hmm-exclusive-no-read-retry', message: 'known one' })],
    }),
  ], { before: 'a', after: 'b' });
  const keys = [
    { scenario: 'zap', invariant: 'no-stale-device-mapping', known: 'test-hmm-exclusive-no-read-retry', side: 'before' as const },
    { scenario: 'zap', invariant: 'no-stale-device-mapping', side: 'before' as const },
    { scenario: 'zap', invariant: 'no-stale-device-mapping', side: 'after' as const },
  ];
  const [zap] = compareView(r, keys, 'p').scenarios;
  assert.deepEqual(zap.violations.map((x) => [x.kind, x.invariant, x.message, x.counterexample]), [
    ['new', 'no-stale-device-mapping', 'new one', 2],
    ['fixed', 'no-stale-device-mapping (known finding test-hmm-exclusive-no-read-retry)', 'known one', 0],
  ]);
});
