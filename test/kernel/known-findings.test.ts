// The explorer on the unmodified trees: no violation in any scenario, every exploration complete
// (a bound hit would say which); the one known finding (test_hmm's dmirror_exclusive() maps without
// mmu_interval_read_retry()) reported apart, and gone once test_hmm re-checks the sequence.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { explore } from '../../extension/engine/explore/explore';
import { KNOWN_FINDINGS, knownFindingOf } from '../../extension/engine/explore/knownFindings';
import { SCENARIOS } from '../../extension/engine/scenarios/catalog';
import { kpsimOrThrow as run } from '../helpers/cli';
import { engineTree } from '../helpers/engine';
import { kernelTrees } from '../helpers/kernelTrees';
import { REPO } from '../helpers/parser';

const { trees, source } = kernelTrees();
const FIX = path.join(REPO, 'test/fixtures/known/test-hmm-read-retry.patch');
const FIX_UNBOUNDED = path.join(REPO, 'test/fixtures/known/test-hmm-read-retry-unbounded.patch');
const ZAP = 'exclusive-then-zap';
const KNOWN = 'test-hmm-exclusive-no-read-retry';

test('a known finding matches only its invariant, function, and a mapping made after another thread\'s invalidation began', () => {
  const at = { file: 'lib/test_hmm.c', fn: 'dmirror_atomic_map', line: 1, thread: 'dev0', afterInvalidation: true };
  assert.equal(knownFindingOf('no-stale-device-mapping', at)?.id, KNOWN);
  // Mapped before any other invalidation: core mm did not invalidate it — a violation.
  assert.equal(knownFindingOf('no-stale-device-mapping', { ...at, afterInvalidation: false }), undefined);
  assert.equal(knownFindingOf('secondary-mmu-coherence', at), undefined);
  assert.equal(knownFindingOf('no-stale-device-mapping', { ...at, fn: 'dmirror_do_fault' }), undefined);
  assert.equal(knownFindingOf('no-stale-device-mapping', { ...at, file: 'drivers/gpu/drm/nouveau/nouveau_svm.c' }), undefined);
  assert.equal(knownFindingOf('no-stale-device-mapping', undefined), undefined);
  for (const k of KNOWN_FINDINGS) assert.ok(k.why.length > 200 && k.title && k.id, 'each known finding explains itself');
});

for (const label of ['v6.12.107', 'v6.18.15']) {
  const root = trees.find((t) => path.basename(t) === label);
  const skip = root ? false : `no ${label} tree in ${source}`;

  test(`${label}: no violation in any scenario; the known finding only in ${ZAP}`, { skip }, async (t) => {
    const tree = await engineTree(root!);
    for (const sc of SCENARIOS) {
      // Every one complete under the default bounds, the pre-6.15 THP walk (512 PTE updates racing
      // a CPU write) too: the walk runs ahead of the CPU (lookahead.ts).
      const r = explore(tree, sc.id, { maxSeconds: 60 });
      t.diagnostic(`${sc.id}: ${r.states} states, ${r.seconds.toFixed(2)} s, ${r.complete ? 'complete' : `incomplete (${r.bounds.map((b) => b.bound).join(', ')})`}${r.known.length ? `, known ${r.known.map((k) => k.known).join(', ')}` : ''}`);
      assert.deepEqual(r.violations.map((v) => `${v.invariant}: ${v.message}`), [], sc.id);
      assert.deepEqual(r.missingExpected, [], sc.id);
      // A bound hit says so: never "complete" with bounds.
      assert.equal(r.complete, r.bounds.length === 0, sc.id);
      assert.ok(r.complete, `${sc.id}: ${JSON.stringify(r.bounds)}`);
      assert.deepEqual(r.known.map((k) => k.known), sc.id === ZAP ? [KNOWN] : [], sc.id);
    }
  });

  test(`${label}: the known finding is a shortest counterexample the panel can replay, and --no-known counts it`, { skip }, async () => {
    const j = await run('explore', '--tree', root!, '--scenario', ZAP, '--json');
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out) as { violations: unknown[]; complete: boolean; known: { id: string; invariant: string; why: string; schedule: string[]; trace: { steps: { file: string; fn: string }[] } }[] };
    assert.deepEqual(doc.violations, []);
    assert.equal(doc.complete, true);
    assert.equal(doc.known.length, 1);
    assert.equal(doc.known[0].id, KNOWN);
    assert.equal(doc.known[0].invariant, 'no-stale-device-mapping');
    assert.match(doc.known[0].why, /mmu_interval_read_retry/);
    // The replayed trace runs the tree's zap_*() and test_hmm's late dmirror_atomic_map().
    assert.ok(doc.known[0].trace.steps.some((s) => s.file === 'lib/test_hmm.c' && s.fn === 'dmirror_atomic_map'));
    assert.ok(doc.known[0].trace.steps.some((s) => s.file === 'mm/memory.c' && /^zap_/.test(s.fn)));
    const text = await run('explore', '--tree', root!, '--scenario', ZAP);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /: no violation \(complete: every interleaving explored; .*\); known finding: test-hmm-exclusive-no-read-retry\n/);
    assert.match(text.out, /\n {2}known finding test-hmm-exclusive-no-read-retry \(no-stale-device-mapping\): test_hmm's dmirror_exclusive\(\) maps without mmu_interval_read_retry\(\)\n/);
    const strict = await run('explore', '--tree', root!, '--scenario', ZAP, '--no-known');
    assert.equal(strict.code, 1, strict.err);
    assert.match(strict.out, /: 1 violation: no-stale-device-mapping /);
  });
}

const V618 = trees.find((t) => path.basename(t) === 'v6.18.15');
test('v6.18.15 + a test_hmm fix (read_begin/read_retry, own MMU_NOTIFY_EXCLUSIVE ignored, bounded retries): compare reports the known finding fixed, nothing new', { skip: V618 ? false : `no v6.18.15 tree in ${source}` }, async () => {
  const r = await run('compare', '--tree', V618!, '--patch', FIX, '--scenario', `${ZAP},exclusive-two-devices,exclusive-then-cpu-write`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\n0 new violations, 1 fixed, in 3 scenarios\n/);
  assert.match(r.out, new RegExp(`\\n {2}${ZAP} +fixed no-stale-device-mapping \\(known finding\\s+${KNOWN}\\);\\s+no new\\s+violation`));
  assert.match(r.out, /\n {2}exclusive-two-devices +no new violation/);
});

test('v6.18.15 + the same fix with an unbounded retry loop: compare reports the livelock as a new progress violation (exit 1)', { skip: V618 ? false : `no v6.18.15 tree in ${source}` }, async () => {
  // After one lost race, each retry faults the mirror's own device-exclusive entry back, and that
  // fault's invalidation (no owner to ignore) fails the re-check again.
  const r = await run('compare', '--tree', V618!, '--patch', FIX_UNBOUNDED, '--scenario', ZAP, '--max-seconds', '8');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /\n1 new violation, 1 fixed, in 1 scenario\n/);
  assert.match(r.out, new RegExp(`\\n {2}${ZAP} +NEW progress`));
  assert.match(r.out, /dev0 does not finish: step bound \(\d+ instructions\) hit[\s\S]*lib\/test_hmm\.c/);
});
