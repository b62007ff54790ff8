// Mutation tests of the race explorer on real kernel trees. Each fixture in test/fixtures/mutants is
// a small diff against one stored tree: a MUTANT plants a known bug (the explorer must find the
// named invariant on the patched tree and not on the tree as released); a REFACTOR changes the code
// without changing what it does (the explorer must find nothing new). Patches are applied in
// memory; no kernel file is copied or written.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { type ExploreOptions, type ExploreResult, explore } from '../../extension/engine/explore/explore';
import { INVARIANTS } from '../../extension/engine/explore/invariants';
import { type DriverPreference, type EngineTree, simulate } from '../../extension/engine/simulate';
import { applyPatchToTree, fsTreeReader } from '../../extension/patches/apply';
import { parseDiff } from '../../extension/patches/diff';
import { FunctionLookup } from '../../extension/parsing/lookup';
import { overlayIndex } from '../../extension/parsing/treeIndex';
import { show } from '../../extension/engine/state/values';
import { stateKey } from '../../extension/engine/explore/stateKey';
import { engineTree } from '../helpers/engine';
import { kernelTrees } from '../helpers/kernelTrees';
import { FIXTURES } from '../helpers/parser';

const MUTANTS = path.join(FIXTURES, 'mutants');
const { trees, source } = kernelTrees();
const byLabel = new Map(trees.map((t) => [path.basename(t), t]));

type Label = 'v6.18.15' | 'v6.12.107';

interface Case {
  /** Fixture file name (its first line says what it does). */
  patch: string;
  tree: Label;
  scenario: string;
  driver: DriverPreference;
  /**
   * Invariants the planted bug breaks: the patched tree must violate at least one of them and the
   * tree as released none of them. `null`: a refactor, neither tree may violate anything.
   */
  expect: string[] | null;
  /** A refactor that leaves every scheduling point where it was: the same state graph. */
  sameGraph?: boolean;
  options?: Omit<ExploreOptions, 'driver' | 'onProgress' | 'isCancelled'>;
  /** Why the engine does not catch it yet (the case still runs and says what it found). */
  todo?: string;
}

// Generous bounds: a case must never end on the time or state bound (that would make the result
// depend on the machine), and says so if it does.
const BOUNDS = { maxSeconds: 120, maxStates: 60000 };

const CASES: Case[] = [
  // 1. The dirty bit of the PTE is not moved to the folio before the PTE is cleared.
  { patch: 'v6.18.15-dirty-lost.patch', tree: 'v6.18.15', scenario: 'exclusive-stays', driver: 'auto', expect: ['dirty-preserved'] },
  { patch: 'v6.18.15-dirty-lost.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-read', driver: 'auto', expect: ['dirty-preserved'] },
  { patch: 'v6.12.107-dirty-lost.patch', tree: 'v6.12.107', scenario: 'exclusive-stays', driver: 'auto', expect: ['dirty-preserved'] },
  // 2. The CPU fault restores the device-exclusive entry without the folio lock.
  { patch: 'v6.18.15-restore-unlocked.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: ['folio-locked-on-restore'] },
  { patch: 'v6.12.107-restore-unlocked.patch', tree: 'v6.12.107', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: ['folio-locked-on-restore'] },
  // 3. nouveau maps the page on the GPU without mmu_interval_read_retry(): MADV_DONTNEED between
  // make_device_exclusive() and the GPU mapping frees the page the GPU then maps. (The CPU fault
  // cannot race there: nouveau holds the folio lock until the page is mapped. lib/test_hmm.c has
  // no read_retry in dmirror_exclusive() at all, in either version.)
  // The released nouveau livelocks there once a retry happens (each retry faults its own entry back,
  // an invalidation it cannot ignore, until its timeout gives up; the notifier sequence numbers
  // grow with each try, so no state repeats): the search has no end, so it is cut by depth
  // (deterministic), and a livelocking path by a smaller instruction bound.
  {
    patch: 'v6.18.15-nouveau-no-read-retry.patch', tree: 'v6.18.15', scenario: 'exclusive-then-zap', driver: 'nouveau', expect: ['no-stale-device-mapping', 'secondary-mmu-coherence'],
    options: { maxDepth: 60, limits: { maxSteps: 100_000 } },
  },
  {
    patch: 'v6.12.107-nouveau-no-read-retry.patch', tree: 'v6.12.107', scenario: 'exclusive-then-zap', driver: 'nouveau', expect: ['no-stale-device-mapping', 'secondary-mmu-coherence'],
    options: { maxDepth: 60, limits: { maxSteps: 100_000 } },
  },
  // 4. nouveau's interval notifier acts on the MMU_NOTIFY_EXCLUSIVE of its own request: read_retry
  // always fails (the timeout choice is 'not expired' by default, so it never ends).
  { patch: 'v6.18.15-nouveau-no-owner-filter.patch', tree: 'v6.18.15', scenario: 'exclusive-stays', driver: 'nouveau', expect: ['progress'] },
  { patch: 'v6.12.107-nouveau-no-owner-filter.patch', tree: 'v6.12.107', scenario: 'exclusive-stays', driver: 'nouveau', expect: ['progress'] },
  // 5. A folio reference leaked: by the driver, or by make_device_exclusive() when its second walk
  // finds the other device's entry and it retries (only a race takes that path).
  { patch: 'v6.18.15-dmirror-leak.patch', tree: 'v6.18.15', scenario: 'exclusive-stays', driver: 'auto', expect: ['refcount-balanced'] },
  { patch: 'v6.12.107-dmirror-leak.patch', tree: 'v6.12.107', scenario: 'exclusive-stays', driver: 'auto', expect: ['refcount-balanced'] },
  { patch: 'v6.18.15-retry-leak.patch', tree: 'v6.18.15', scenario: 'exclusive-two-atomics', driver: 'auto', expect: ['refcount-balanced'], options: { maxPreemptions: 2 } },
  // 2b. The CPU fault restores without re-checking the PTE under the PTL: the fault that lost the
  // race to another fault, or to MADV_DONTNEED, writes its stale entry back.
  { patch: 'v6.18.15-restore-no-pte-same.patch', tree: 'v6.18.15', scenario: 'exclusive-then-two-cpu-faults', driver: 'auto', expect: ['pte-not-clobbered'] },
  { patch: 'v6.18.15-restore-no-pte-same.patch', tree: 'v6.18.15', scenario: 'exclusive-then-fault-and-zap', driver: 'auto', expect: ['pte-not-clobbered', 'refcount-balanced'] },
  // 5b. The zap of a device-exclusive entry keeps the folio's reference (never freed), or drops it
  // with the rmap left (freed while mapped): scenarios that free the page on purpose.
  { patch: 'v6.12.107-zap-keeps-ref.patch', tree: 'v6.12.107', scenario: 'exclusive-then-zap', driver: 'auto', expect: ['refcount-balanced'] },
  { patch: 'v6.18.15-zap-keeps-rmap.patch', tree: 'v6.18.15', scenario: 'exclusive-then-zap', driver: 'auto', expect: ['refcount-balanced'] },
  // 5c. The CPU fault returns with the folio still locked: the next folio_lock() waits for ever,
  // even where no other thread comes to take it.
  { patch: 'v6.18.15-restore-leaves-folio-locked.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: ['no-deadlock'] },
  // 6. Refactors: nothing new may be reported.
  { patch: 'v6.18.15-refactor-rename.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: null, sameGraph: true },
  { patch: 'v6.18.15-refactor-reorder.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: null },
  { patch: 'v6.18.15-refactor-reorder.patch', tree: 'v6.18.15', scenario: 'exclusive-two-atomics', driver: 'auto', expect: null, options: { maxPreemptions: 2 } },
  { patch: 'v6.18.15-refactor-split-condition.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: null },
  { patch: 'v6.18.15-refactor-put-page.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: null, sameGraph: true },
  { patch: 'v6.18.15-refactor-comments.patch', tree: 'v6.18.15', scenario: 'exclusive-then-cpu-write', driver: 'auto', expect: null, sameGraph: true },
];

/** The patched tree: the fixture applied in memory, its files indexed again over the tree's index. */
const patchedTrees = new Map<string, Promise<EngineTree>>();
function patchedTree(label: Label, patch: string): Promise<EngineTree> {
  const key = `${label}|${patch}`;
  let t = patchedTrees.get(key);
  if (!t) {
    t = (async () => {
      const root = byLabel.get(label)!;
      const base = await engineTree(root);
      const diff = parseDiff(fs.readFileSync(path.join(MUTANTS, patch), 'utf8'));
      assert.deepEqual(diff.problems, [], patch);
      const { result, texts } = applyPatchToTree(diff, fsTreeReader(root), undefined, { missingOk: true });
      assert.ok(result.ok, `${patch}: ${result.files.map((f) => `${f.path} ${f.status} ${f.reason ?? ''}`).join('; ')}`);
      for (const f of result.files) {
        assert.equal(f.status, 'applied', `${patch}: ${f.path} is in ${label}`);
        assert.ok(f.hunks.every((h) => h.applied && h.offset === 0 && h.fuzz === 0), `${patch}: ${f.path} applies exactly to ${label}`);
      }
      const overrides = new Map([...texts].filter((e): e is [string, string] => e[1] !== null));
      return { root, parser: base.parser, lookup: new FunctionLookup(overlayIndex(base.parser, base.lookup.index, texts)), overrides };
    })();
    patchedTrees.set(key, t);
  }
  return t;
}

/** Explorations of the trees as released, shared by the cases that need the same one. */
const released = new Map<string, ExploreResult>();
function exploreReleased(c: Case, tree: EngineTree): ExploreResult {
  const key = `${c.tree}|${c.scenario}|${c.driver}|${JSON.stringify(c.options ?? {})}`;
  let r = released.get(key);
  if (!r) {
    r = explore(tree, c.scenario, { ...BOUNDS, ...c.options, driver: c.driver });
    released.set(key, r);
  }
  return r;
}

function summary(r: ExploreResult): string {
  const bounds = r.bounds.map((b) => `${b.bound} ${b.limit}`).join(', ');
  return `${r.states} states, ${r.transitions} transitions, ${r.seconds.toFixed(2)} s, ${r.complete ? 'complete' : `bounded (${bounds})`}`;
}

function violationsText(r: ExploreResult): string {
  return r.violations.map((v) => `${v.invariant} (${v.steps} steps${v.file ? `, ${v.file}:${v.line ?? '?'}` : ''}): ${v.message}`).join('\n    ') || 'none';
}

/** The search ended on its own or on the bounds the case chose, never on time or states. */
function assertDeterministic(r: ExploreResult, what: string): void {
  const bad = r.bounds.filter((b) => b.bound === 'time' || b.bound === 'states' || b.bound === 'cancelled');
  assert.deepEqual(bad, [], `${what}: the exploration stopped on ${bad.map((b) => `${b.bound} ${b.limit}`).join(', ')}; raise the bound (the result would depend on the machine)`);
}

test('every mutant fixture names a known invariant, says what it does, and is a git diff', () => {
  const known = new Set(INVARIANTS.map((i) => i.id));
  for (const c of CASES) for (const inv of c.expect ?? []) assert.ok(known.has(inv), `${c.patch}: unknown invariant ${inv}`);
  const files = fs.readdirSync(MUTANTS).filter((f) => f.endsWith('.patch')).sort();
  assert.deepEqual(files, [...new Set(CASES.map((c) => c.patch))].sort(), 'every fixture has a case, every case a fixture');
  for (const f of files) {
    const text = fs.readFileSync(path.join(MUTANTS, f), 'utf8');
    assert.match(text.split('\n')[0], /^# (MUTANT \(must be caught: [a-z-]+( \/ [a-z-]+)*\)|REFACTOR \(must not be flagged\)): .{20,}/, `${f}: header line`);
    assert.match(text, /^diff --git a\/(\S+) b\/\1$/m, f);
    assert.ok(f.startsWith('v6.18.15-') || f.startsWith('v6.12.107-'), `${f}: named after its tree`);
  }
});

test('v6.18.15: nouveau\'s timeout is explored at every check; without its owner filter the request only ever gives up', { skip: byLabel.has('v6.18.15') ? false : `no v6.18.15 tree in ${source}` }, async (t) => {
  // Each time_after() check is a scheduling point with two answers, so the explorer also follows
  // the paths where nouveau_atomic_range_fault() gives up with -EBUSY, after any number of tries.
  const released = await engineTree(byLabel.get('v6.18.15')!);
  const results = (tree: EngineTree, extra: ExploreOptions = {}) => {
    const seen = new Set<string>();
    const r = explore(tree, 'exclusive-stays', { driver: 'nouveau', ...extra, onEnd: (s) => {
      // What the request returned, on the paths where it returned (a livelock stops at the bound).
      const dev = s.threads.find((x) => x.id === 'dev0');
      if (dev?.status === 'done') seen.add(show(dev.result ?? null));
    } });
    return { r, results: [...seen].sort() };
  };
  const ok = results(released);
  assert.deepEqual(ok.r.violations, []);
  assert.ok(ok.r.complete, summary(ok.r));
  assert.deepEqual(ok.results, ['-16', '0'], 'the request succeeds, or gives up when the timeout expires first');

  const tree = await patchedTree('v6.18.15', 'v6.18.15-nouveau-no-owner-filter.patch');
  const bad = results(tree);
  assert.deepEqual(bad.r.violations.map((v) => v.invariant), ['progress']);
  // Seen as a spin (the same state at the next check) or, as here where the notifier sequence
  // numbers grow with each try, by the instruction bound.
  assert.match(bad.r.violations[0].message, /only its timeout ends it|does not finish: step bound/);
  assert.deepEqual(bad.results, ['-16'], 'every path that ends gives up');
  // A schedule can give a check its answer: expired at the first check, before anything was tried.
  const r = simulate(tree, 'exclusive-stays', { driver: 'nouveau', schedule: Array(8).fill('dev0/timeout=expired') });
  assert.equal(r.threads[0].result, -16);
  assert.equal(r.schedule.filter((e) => e === 'dev0/timeout=expired').length, 1, r.schedule.join(','));
  assert.ok(!r.steps.some((s) => s.fn === 'make_device_exclusive'), 'the request gave up before converting anything');
  // The scenario can still fix the choice for a whole run: then it is not explored.
  const fixed = results(tree, { choices: { timeout: 1 } });
  assert.deepEqual(fixed.r.violations, []);
  assert.deepEqual(fixed.results, ['-16']);
  t.diagnostic(`released: ${summary(ok.r)}; without the owner filter: ${summary(bad.r)}`);
});

for (const c of CASES) {
  const kind = c.expect ? `finds ${c.expect.join(' or ')}` : 'finds nothing new';
  const name = `${c.tree}: ${c.patch.replace(/^v[\d.]+-|\.patch$/g, '')} (${c.scenario}, driver ${c.driver}) ${kind}`;
  const skip = byLabel.has(c.tree) ? false : `no ${c.tree} tree in ${source}`;
  test(name, { skip, todo: c.todo }, async (t) => {
    const before = await engineTree(byLabel.get(c.tree)!);
    const after = await patchedTree(c.tree, c.patch);
    const base = exploreReleased(c, before);
    t.diagnostic(`released: ${summary(base)}; violations: ${violationsText(base)}`);
    const r = explore(after, c.scenario, { ...BOUNDS, ...c.options, driver: c.driver });
    t.diagnostic(`patched:  ${summary(r)}; violations: ${violationsText(r)}`);
    if (r.unmodelled.length) t.diagnostic(`unmodelled on some path: ${[...new Set(r.unmodelled.map((u) => `${u.name} (${u.file}:${u.line})`))].join(', ')}`);
    assertDeterministic(base, `${c.tree} ${c.scenario}`);
    assertDeterministic(r, `${c.tree} + ${c.patch} ${c.scenario}`);

    if (!c.expect) {
      // A refactor: the tree as released is clean here, and so must the patched tree be.
      assert.deepEqual(base.violations.map((v) => v.invariant), [], 'the released tree is clean in this scenario');
      assert.deepEqual(r.violations.map((v) => `${v.invariant}: ${v.message}`), [], 'a refactor must not be flagged');
      assert.equal(r.complete, base.complete);
      if (c.sameGraph) assert.deepEqual([r.states, r.transitions, r.endStates], [base.states, base.transitions, base.endStates], 'the same state graph as the released tree');
      return;
    }

    const expected = new Set(c.expect);
    const falseAlarm = base.violations.filter((v) => expected.has(v.invariant));
    assert.deepEqual(falseAlarm.map((v) => `${v.invariant}: ${v.message}`), [], `the released ${c.tree} must not violate ${c.expect.join('/')}`);
    const found = r.violations.filter((v) => expected.has(v.invariant));
    assert.ok(found.length > 0, `the mutant must violate ${c.expect.join(' or ')}; found: ${violationsText(r)}`);
    const cx = found.reduce((a, b) => (b.steps < a.steps ? b : a));
    t.diagnostic(`caught: ${cx.invariant}, counterexample ${cx.steps} scheduling decisions (${r.seconds.toFixed(2)} s): ${cx.message}`);
    assert.equal(cx.schedule.length, cx.steps);
    // The counterexample is a schedule the simulator replays (up to the explorer's step bound).
    if (cx.invariant !== 'progress') {
      const replay = simulate(after, c.scenario, { driver: c.driver, schedule: cx.schedule });
      assert.ok(replay.threads.every((x) => x.status === 'done' || x.status === 'failed'), 'the replay ran every thread to its end');
    }
  });
}

test('running ahead on the v6.12.107 THP race: the end states of the search without it, in a fraction of the states; the lost dirty bit caught both ways', { skip: byLabel.has('v6.12.107') ? false : `no v6.12.107 tree in ${source}` }, async (t) => {
  const tree = await engineTree(byLabel.get('v6.12.107')!);
  const id = 'exclusive-thp-cpu-write';
  const run = (ahead: boolean, on: EngineTree, extra: ExploreOptions = {}): { r: ExploreResult; ends: Set<string> } => {
    const ends = new Set<string>();
    // Without running ahead the 512-PTE walk needs about 3 100 transitions along a path.
    const r = explore(on, id, { ahead, maxDepth: ahead ? undefined : 4000, maxStates: 100000, maxSeconds: 120, onEnd: (s) => void ends.add(stateKey(s)), ...extra });
    return { r, ends };
  };
  const ahead = run(true, tree);
  const plain = run(false, tree);
  t.diagnostic(`running ahead: ${summary(ahead.r)}, ${ahead.r.ranAhead} segments run ahead; without: ${summary(plain.r)}`);
  assert.equal(ahead.r.complete && plain.r.complete, true);
  assert.deepEqual([...plain.ends].sort(), [...ahead.ends].sort());
  assert.deepEqual(ahead.r.violations, []);
  assert.ok(ahead.r.ranAhead > 1000 && ahead.r.states * 10 < plain.r.states, `${ahead.r.states} vs ${plain.r.states} states`);
  const mutant = await patchedTree('v6.12.107', 'v6.12.107-dirty-lost.patch');
  for (const on of [true, false]) {
    const r = run(on, mutant, { all: false }).r;
    assert.deepEqual(r.violations.map((v) => v.invariant), ['dirty-preserved'], `ahead: ${on}`);
  }
});
