// The comparison worker (dist/compareWorker.js, built by `node esbuild.mjs`) and the panel's report
// made from what it sends: counterexamples of new violations (after tree) and of fixed ones (before
// tree), replayed with the panel's views, and what was applied.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { compactSchedule } from '../../../extension/engine/explore/compare';
import { indexTree } from '../../../extension/parsing/treeIndex';
import { isCompareView, isPanelTrace, parseHostMessage } from '../../../extension/protocol';
import { compareInWorker } from '../../../extension/run/compareClient';
import { compareView } from '../../../extension/views/compareView';
import { EXAMPLES, REPO, wasmService } from '../../helpers/parser';

const worker = path.join(REPO, 'dist/compareWorker.js');
const grammarDir = path.join(REPO, 'grammars');

/** examples/mm/rmap.c whose make_device_exclusive() forgets the dirty bit (what the fixture series' 2/2 does). */
function lossyRmap(): string {
  const text = fs.readFileSync(path.join(EXAMPLES, 'mm/rmap.c'), 'utf8');
  const lossy = text.replace(/\tif \(pte_dirty\(fw\.pte\)\)\n\t\tfolio_mark_dirty\(folio\);\n/, '');
  assert.notEqual(lossy, text, 'examples/mm/rmap.c marks the folio dirty in make_device_exclusive()');
  return lossy;
}

test('a new violation: its counterexample comes back for the panel, the report says what was applied', async () => {
  const index = indexTree(await wasmService(), EXAMPLES);
  const patches = { applied: ['[v1 2/2] mm/rmap: stop marking the folio dirty'], skipped: ['lib/other.c: not in the tree'], notes: ['both trees have [v1 1/2]'] };
  const progress: string[] = [];
  const out = await compareInWorker(worker, {
    root: EXAMPLES, grammarDir, index, before: {}, after: { 'mm/rmap.c': lossyRmap() }, scenarios: ['exclusive-stays'],
    labels: { before: 'examples', after: 'examples with [v1 2/2]' }, patches, maxSeconds: 30,
  }, (m) => progress.push(m));
  assert.deepEqual(out.report.patches, patches);
  assert.match(out.text, /^kpsim compare: examples -> examples with \[v1 2\/2\]\n {2}\[v1 2\/2\] mm\/rmap: stop marking the folio dirty\n {2}skipped: lib\/other\.c: not in the tree\n {2}note: both trees have \[v1 1\/2\]\n/);
  assert.deepEqual(out.traces.map((t) => [t.scenario, t.invariant, t.side]), [['exclusive-stays', 'dirty-preserved', 'after']]);
  assert.ok(isPanelTrace(out.traces[0].trace), 'recorded with the panel\'s views');
  const found = out.report.scenarios[0].newViolations[0];
  assert.deepEqual(out.traces[0].trace.schedule.slice(0, found.schedule.length), found.schedule, 'the counterexample replays the violation\'s schedule (then runs to the end)');
  assert.ok(progress.includes('replaying the counterexamples for the panel'), progress.join(' | '));

  const view = compareView(out.report, out.traces, '[v1 2/2] mm/rmap: stop marking the folio dirty');
  assert.ok(isCompareView(view));
  // What crosses to the webview is JSON: it still passes the check there.
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify({ v: 1, type: 'compareReport', report: view }))));
  assert.equal(view.summary, '1 new violation, 0 fixed, in 1 scenario');
  assert.deepEqual(view.limits, []);
  const v = view.scenarios[0].violations[0];
  assert.deepEqual([v.kind, v.invariant, v.title, v.counterexample], ['new', 'dirty-preserved', 'The dirty bit is never lost', 0]);
  assert.match(v.message, /was dirty, and now neither a PTE nor its folio says so/);
  assert.equal(v.steps, found.steps);
  assert.equal(v.schedule, compactSchedule(found.schedule));
  assert.match(view.scenarios[0].exploration.after, /^\d+ states, \d+ transitions, [\d.]+ s: complete$/);
});

test('a fixed violation: its counterexample is replayed on the before tree', async () => {
  const index = indexTree(await wasmService(), EXAMPLES);
  const out = await compareInWorker(worker, {
    root: EXAMPLES, grammarDir, index, before: { 'mm/rmap.c': lossyRmap() }, after: {}, scenarios: ['exclusive-stays'],
    labels: { before: 'lossy', after: 'fixed' }, maxSeconds: 30,
  });
  assert.equal(out.report.patches, undefined, 'nothing said of patches when none were given');
  assert.equal(out.report.fixed, 1);
  assert.deepEqual(out.traces.map((t) => [t.scenario, t.invariant, t.side]), [['exclusive-stays', 'dirty-preserved', 'before']]);
  assert.ok(isPanelTrace(out.traces[0].trace));
  const view = compareView(out.report, out.traces, 'the fix');
  assert.equal(view.summary, '0 new violations, 1 fixed, in 1 scenario');
  assert.equal(view.scenarios[0].tone, 'fixed');
  assert.deepEqual(view.scenarios[0].violations.map((x) => [x.kind, x.invariant, x.counterexample]), [['fixed', 'dirty-preserved', 0]]);
});
