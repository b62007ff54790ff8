// `kpsim explore` and `kpsim compare` on the repository's examples/ tree (MIT, written for this project).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createTwoFilesPatch } from 'diff';
import { CliError } from '../../extension/cli/common';
import { LIVELOCK_REPLAY_STEPS, compactSchedule, counterexampleTrace } from '../../extension/engine/explore/compare';
import { SCENARIOS } from '../../extension/engine/scenarios/catalog';
import { readPanelTrace } from '../../extension/run/panelTrace';
import { type CliRun as Run, kpsimOrThrow as run } from '../helpers/cli';
import { engineTree } from '../helpers/engine';
import { EXAMPLES, FIXTURES, REPO } from '../helpers/parser';

const SERIES = path.join(FIXTURES, 'review/dirty-series.mbox');
const STALE = path.join(FIXTURES, 'review/does-not-apply.patch');

function tmpdir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-explore-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of examples/ whose make_device_exclusive() forgets the dirty bit (what the series' patch 2 does). */
function dirtyLosingTree(dir: string): string {
  const root = path.join(dir, 'lossy');
  fs.cpSync(EXAMPLES, root, { recursive: true });
  const rmap = path.join(root, 'mm/rmap.c');
  const text = fs.readFileSync(rmap, 'utf8');
  const lossy = text.replace(/\tif \(pte_dirty\(fw\.pte\)\)\n\t\tfolio_mark_dirty\(folio\);\n/, '');
  assert.notEqual(lossy, text, 'examples/mm/rmap.c marks the folio dirty in make_device_exclusive()');
  fs.writeFileSync(rmap, lossy);
  return root;
}

// The JSON of `kpsim explore --json`, as far as these tests read it.
interface JsonViolation { invariant: string; title: string; message: string; steps: number; schedule: string[]; trace: unknown }
interface JsonExplore { scenario: string; states: number; transitions: number; seconds: number; complete: boolean; bounds: { bound: string; limit: number }[]; violations: JsonViolation[] }
interface JsonExploreAll { tree: string; shard: string | null; scenarios: (JsonExplore | { scenario: string; error: { name: string; message: string } })[] }

test('explore --json: states, transitions, time, complete, no bounds and no violation for a scenario the example gets right', async () => {
  const r = await run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-then-cpu-read', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as JsonExplore;
  assert.equal(j.scenario, 'exclusive-then-cpu-read');
  assert.ok(j.states > 10 && j.transitions >= j.states - 1, `${j.states} states, ${j.transitions} transitions`);
  assert.equal(typeof j.seconds, 'number');
  assert.equal(j.complete, true);
  assert.deepEqual(j.bounds, []);
  assert.deepEqual(j.violations, []);
  const text = await run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-then-cpu-read');
  assert.equal(text.code, 0);
  assert.match(text.out, /^exclusive-then-cpu-read on examples: no violation \(complete: every interleaving explored; \d+ states, \d+ transitions, [\d.]+ s\)\n$/);
});

test('explore: a scenario built to break an invariant says whether it did; exit 1 when, over every interleaving, it did not', async (t) => {
  const r = await run('explore', '--tree', EXAMPLES, '--scenario', 'driver-without-own-filter', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as JsonExplore & { expected: { invariant: string; steps: number }[]; missingExpected: string[] };
  assert.deepEqual(j.expected.map((v) => v.invariant), ['progress']);
  assert.deepEqual(j.missingExpected, []);
  assert.deepEqual(j.violations, []);
  const text = await run('explore', '--tree', EXAMPLES, '--scenario', 'driver-without-own-filter');
  assert.match(text.out, /; built to show progress: seen\n$/);
  // make_device_exclusive() without its invalidation: the driver is never told, so it never retries.
  const root = path.join(tmpdir(t), 'silent');
  fs.cpSync(EXAMPLES, root, { recursive: true });
  const rmap = path.join(root, 'mm/rmap.c');
  fs.writeFileSync(rmap, fs.readFileSync(rmap, 'utf8').replace(/\tmmu_notifier_invalidate_range_(start|end)\(&range\);\n/g, ''));
  const silent = await run('explore', '--tree', root, '--scenario', 'driver-without-own-filter');
  assert.equal(silent.code, 1, silent.out);
  assert.match(silent.out, /built to show progress: NOT seen\n$/);
});

test('explore: a violation comes with its schedule and a counterexample trace the panel opens; exit 1', async (t) => {
  const root = dirtyLosingTree(tmpdir(t));
  const r = await run('explore', '--tree', root, '--scenario', 'exclusive-stays', '--json');
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out) as JsonExplore;
  assert.equal(j.complete, true);
  assert.deepEqual(j.violations.map((v) => v.invariant), ['dirty-preserved']);
  const v = j.violations[0];
  assert.equal(v.title, 'The dirty bit is never lost');
  assert.match(v.message, /was dirty, and now neither a PTE nor its folio says so/);
  assert.equal(v.steps, v.schedule.length);
  assert.ok(v.schedule.every((id) => id === 'dev0'));
  const back = readPanelTrace(JSON.stringify(v.trace));
  assert.ok('trace' in back, 'error' in back ? back.error : '');
  assert.equal(back.trace.scenario.id, 'exclusive-stays');
  assert.deepEqual(back.trace.schedule.slice(0, v.schedule.length), v.schedule);
  assert.ok(back.trace.views.length > 1);

  const text = await run('explore', '--tree', root, '--scenario', 'exclusive-stays');
  assert.equal(text.code, 1);
  assert.match(text.out, /^exclusive-stays on lossy: 1 violation: dirty-preserved \(complete; /);
  assert.match(text.out, /\n {2}dirty-preserved: The dirty bit is never lost\n/);
  assert.match(text.out, /\n {4}schedule: dev0( x\d+)? \(\d+ decisions?\)\n/);
  // The ASCII timeline of the counterexample: the conversion, without folio_mark_dirty().
  assert.match(text.out, /mm\/rmap\.c:\d+ +make_device_exclusive +PTE 0x7f0000000000: present pfn=\d+ rw dirty,young -> none/);
  assert.doesNotMatch(text.out, /folio@pfn\d+\.dirty: 0 -> 1/);
});

test('explore --max-states 5: incomplete, the bound named, exit 3, never "no violation" as if complete', async () => {
  const r = await run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-two-devices', '--max-states', '5', '--json');
  assert.equal(r.code, 3, r.err);
  const j = JSON.parse(r.out) as JsonExplore;
  assert.equal(j.complete, false);
  assert.deepEqual(j.bounds, [{ bound: 'states', limit: 5 }]);
  assert.deepEqual(j.violations, []);
  const text = await run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-two-devices', '--max-states', '5');
  assert.equal(text.code, 3);
  assert.match(text.out, /: no violation found within the bounds \(incomplete: states at 5; /);
  assert.doesNotMatch(text.out, /: no violation \(/);
});

test('explore --all --shard 1/2 and 2/2 partition the scenarios, in the catalog\'s order', async () => {
  const ids = async (shard: string): Promise<string[]> => {
    // Most scenarios stop at 5 states (exit 3); one with a single thread may finish or find a livelock.
    const r = await run('explore', '--tree', EXAMPLES, '--all', '--shard', shard, '--max-states', '5', '--json', '--jobs', '1');
    assert.ok(r.code === 3 || r.code === 1, `exit ${r.code}: ${r.err}`);
    const j = JSON.parse(r.out) as JsonExploreAll;
    assert.equal(j.shard, shard);
    return j.scenarios.map((s) => s.scenario);
  };
  const all = SCENARIOS.map((s) => s.id);
  const one = await ids('1/2');
  const two = await ids('2/2');
  assert.deepEqual(one, all.filter((_, k) => k % 2 === 0));
  assert.deepEqual(two, all.filter((_, k) => k % 2 === 1));
  assert.deepEqual([...one, ...two].sort(), [...all].sort());
  assert.equal(new Set([...one, ...two]).size, all.length);
  for (const bad of ['0/2', '3/2', '1/0', 'x', '1-2']) {
    await assert.rejects(run('explore', '--tree', EXAMPLES, '--all', '--shard', bad), (e: unknown) => e instanceof CliError && /--shard wants i\/n/.test(e.message), bad);
  }
});

test('explore: usage mistakes are usage errors (exit 64 from the binary)', async () => {
  const usage = (re: RegExp) => (e: unknown) => e instanceof CliError && re.test(e.message);
  await assert.rejects(run('explore', '--tree', EXAMPLES), usage(/--scenario ID\[,ID\.\.\.\] or --all is required/));
  await assert.rejects(run('explore', '--tree', EXAMPLES, '--scenario', 'nope'), usage(/unknown scenario 'nope'/));
  await assert.rejects(run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-stays', '--all'), usage(/exclude each other/));
  await assert.rejects(run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-stays', '--max-states', '0'), usage(/--max-states wants a positive integer/));
  await assert.rejects(run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-stays', '--jobs', '0'), usage(/--jobs wants a positive integer/));
  await assert.rejects(run('explore', '--tree', EXAMPLES, '--scenario', 'exclusive-stays', '--driver', 'amdgpu'), usage(/--driver must be/));
  await assert.rejects(run('compare', '--tree', EXAMPLES, '--scenario', 'exclusive-stays'), usage(/--patch FILE is required/));
});

const WORKER = path.join(REPO, 'dist/exploreWorker.js');

test('explore --jobs 2 in worker threads (dist/exploreWorker.js) gives what one thread gives', { skip: !fs.existsSync(WORKER) && 'dist/exploreWorker.js is not built (node esbuild.mjs)' }, async () => {
  const args = ['explore', '--tree', EXAMPLES, '--scenario', 'exclusive-stays,exclusive-then-gup,exclusive-thp', '--json'];
  const inThread = JSON.parse((await run(...args, '--jobs', '1')).out) as JsonExploreAll;
  process.env.KPSIM_EXPLORE_WORKER = WORKER;
  let workers: JsonExploreAll;
  try {
    workers = JSON.parse((await run(...args, '--jobs', '2')).out) as JsonExploreAll;
  } finally {
    delete process.env.KPSIM_EXPLORE_WORKER;
  }
  const strip = (j: JsonExploreAll) => j.scenarios.map((s) => ('error' in s ? s : { ...s, seconds: 0 }));
  assert.deepEqual(strip(workers), strip(inThread));
  // compare runs each side as a job too.
  const cmp = ['compare', '--tree', EXAMPLES, '--patch', SERIES, '--scenario', 'exclusive-stays,exclusive-then-gup', '--json'];
  const one = await run(...cmp, '--jobs', '1');
  process.env.KPSIM_EXPLORE_WORKER = WORKER;
  let two: Run;
  try {
    two = await run(...cmp, '--jobs', '2');
  } finally {
    delete process.env.KPSIM_EXPLORE_WORKER;
  }
  assert.equal(two.code, one.code);
  const noTime = (r: Run): unknown => JSON.parse(r.out, (k, v: unknown) => (k === 'seconds' ? 0 : v));
  assert.deepEqual(noTime(two), noTime(one));
});

// The JSON of `kpsim compare --json`, as far as these tests read it.
interface JsonCompare {
  newViolations: number;
  fixed: number;
  patches: { applied: string[]; skipped: string[]; notes: string[] };
  scenarios: { id: string; newViolations: { invariant: string; schedule: string[]; timeline?: string }[]; fixedViolations: unknown[]; changedEndState: { where: string; field: string; before: string; after: string }[]; errors: unknown[]; before: { complete: boolean; violations: unknown[] }; after: { complete: boolean } }[];
}

test('compare: the fixture series loses the dirty bit: a new dirty-preserved violation, exit 1, traces in --out', async (t) => {
  const out = path.join(tmpdir(t), 'traces');
  const r = await run('compare', '--tree', EXAMPLES, '--patch', SERIES, '--scenario', 'exclusive-then-cpu-read,exclusive-then-cpu-write', '--out', out);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^kpsim compare: examples -> examples \+ 2 patches\n {2}\[v1 1\/2\] mm\/rmap: explain which entries the GUP fault undoes\n {2}\[v1 2\/2\] mm\/rmap: stop marking the folio dirty in make_device_exclusive\(\)\n/);
  assert.match(r.out, /\n2 new violations, 0 fixed, in 2 scenarios\n/);
  assert.match(r.out, /\n {2}exclusive-then-cpu-read +NEW dirty-preserved\n/);
  assert.match(r.out, /\nexclusive-then-cpu-read: new violation of dirty-preserved\n {2}The dirty bit is never lost\n/);
  assert.match(r.out, /\n {2}schedule: dev0 x\d+, cpu1[^\n]* \(\d+ decisions\)\n/);
  assert.match(r.out, /\n {4}kpsim: exclusive-then-cpu-read on examples: FAIL/);
  assert.match(r.out, /exclusive-then-cpu-read: the patch changes the default run \(no race\):\n(.*\n)*? {4}0x7f0000000000 dirty: true -> false\n/);
  // Mail text: the report's own lines stay within 72 columns (the quoted timelines are renderAscii's).
  const own = r.out.split('\n').filter((l) => !/^ {4}/.test(l) && !/^ {2}\[v/.test(l));
  assert.deepEqual(own.filter((l) => l.length > 72), []);

  const files = fs.readdirSync(out).sort();
  assert.deepEqual(files, ['exclusive-then-cpu-read-dirty-preserved.json', 'exclusive-then-cpu-write-dirty-preserved.json']);
  for (const f of files) {
    const back = readPanelTrace(fs.readFileSync(path.join(out, f), 'utf8'));
    assert.ok('trace' in back, 'error' in back ? back.error : '');
    assert.equal(back.trace.scenario.id, f.replace(/-dirty-preserved\.json$/, ''));
  }
  assert.match(r.err, /wrote .*exclusive-then-cpu-read-dirty-preserved\.json/);

  const j = await run('compare', '--tree', EXAMPLES, '--patch', SERIES, '--scenario', 'exclusive-then-cpu-read', '--json');
  assert.equal(j.code, 1);
  const rep = JSON.parse(j.out) as JsonCompare;
  assert.equal(rep.newViolations, 1);
  assert.equal(rep.fixed, 0);
  assert.equal(rep.patches.applied.length, 2);
  const sc = rep.scenarios[0];
  assert.deepEqual(sc.newViolations.map((v) => v.invariant), ['dirty-preserved']);
  assert.deepEqual(sc.before.violations, []);
  assert.equal(sc.before.complete, true);
  assert.equal(sc.after.complete, true);
  assert.ok(sc.changedEndState.some((c) => c.field === 'dirty' && c.before === 'true' && c.after === 'false'));
  assert.match(sc.newViolations[0].timeline ?? '', /^kpsim: exclusive-then-cpu-read on examples: FAIL/);
});

test('compare: a patch that does not apply is refused with the hunk and why; exit 2, nothing compared', async () => {
  const r = await run('compare', '--tree', EXAMPLES, '--patch', STALE, '--scenario', 'exclusive-stays');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /kpsim: \[v1\] mm\/rmap: take the folio lock without trying first does not apply to examples: nothing is compared\n/);
  assert.match(r.err, /\n {2}mm\/rmap\.c: hunk #1 @@ -49,7 \+49,6 @@ does not apply: line \d+ is `.*` where the hunk expects `.*`/);
  // An mbox holding the series and, later, a stale patch: one series per file, the first; the other named.
  const both = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-compare-')), 'both.mbox');
  try {
    fs.writeFileSync(both, fs.readFileSync(SERIES, 'utf8') + '\n' + fs.readFileSync(STALE, 'utf8'));
    const m = await run('compare', '--tree', EXAMPLES, '--patch', both, '--scenario', 'exclusive-stays');
    assert.equal(m.code, 1, m.err);
    assert.match(m.out, /\n {2}note: both\.mbox: also holds "mm\/rmap: take the folio lock without\n {4}trying first" \(v1, 1 patch\): not applied, one series per file\n/);
    assert.match(m.out, /\n {2}exclusive-stays +NEW dirty-preserved\n/);
  } finally {
    fs.rmSync(path.dirname(both), { recursive: true, force: true });
  }
  // Usage errors stay usage errors.
  await assert.rejects(run('compare', '--tree', EXAMPLES, '--patch', path.join(FIXTURES, 'no-such.patch')), (e: unknown) => e instanceof CliError && /no such file/.test(e.message));
});

/** A behaviour-preserving cleanup of make_device_exclusive(): a local renamed, two declarations swapped. */
function refactorPatch(dir: string, mail: boolean): string {
  const before = fs.readFileSync(path.join(EXAMPLES, 'mm/rmap.c'), 'utf8');
  const after = before
    .replace(/\bwalked\b/g, 'found')
    .replace('\tswp_entry_t entry;\n\tpte_t swp_pte;\n', '\tpte_t swp_pte;\n\tswp_entry_t entry;\n');
  assert.notEqual(after, before);
  assert.equal((after.match(/\bfound\b/g) ?? []).length, 4);
  const diff = createTwoFilesPatch('a/mm/rmap.c', 'b/mm/rmap.c', before, after, '', '', { context: 3 })
    .replace(/^={5,}\n/m, '').replace(/^--- a\/mm\/rmap\.c\t?\n/m, '--- a/mm/rmap.c\n').replace(/^\+\+\+ b\/mm\/rmap\.c\t?\n/m, '+++ b/mm/rmap.c\n');
  const body = `diff --git a/mm/rmap.c b/mm/rmap.c\n${diff.slice(diff.indexOf('--- a/'))}`;
  const text = mail
    ? ['From: Patch Author <author@example.org>', 'To: linux-mm@kvack.org', 'Subject: [PATCH] mm/rmap: tidy make_device_exclusive() locals',
      'Date: Sun, 22 Nov 2026 10:00:00 +0000', 'Message-ID: <tidy-1@example.org>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '',
      'Rename walked to found and declare the PTE before the entry. No functional change.', '', 'Signed-off-by: Patch Author <author@example.org>', '---', body, '-- ', '2.47.1', ''].join('\n')
    : body;
  const file = path.join(dir, mail ? 'tidy.eml' : 'tidy.diff');
  fs.writeFileSync(file, text);
  return file;
}

test('compare: a semantics-preserving refactor adds no violation and changes no behaviour; exit 0', async (t) => {
  const dir = tmpdir(t);
  const r = await run('compare', '--tree', EXAMPLES, '--patch', refactorPatch(dir, true), '--scenario', 'exclusive-then-cpu-read,exclusive-two-devices', '--json');
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as JsonCompare;
  assert.deepEqual(rep.patches.applied, ['[v1] mm/rmap: tidy make_device_exclusive() locals']);
  assert.equal(rep.newViolations, 0);
  assert.equal(rep.fixed, 0);
  for (const s of rep.scenarios) {
    assert.deepEqual(s.newViolations, []);
    assert.deepEqual(s.changedEndState, []);
    assert.deepEqual(s.errors, []);
    assert.equal(s.before.complete && s.after.complete, true);
  }
  // A plain `git diff` (no mail around it) is read too.
  const plain = await run('compare', '--tree', EXAMPLES, '--patch', refactorPatch(dir, false), '--scenario', 'exclusive-stays');
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /^kpsim compare: examples -> examples \+ 1 patch\n {2}tidy\.diff\n/);
  assert.match(plain.out, /\n {2}exclusive-stays +no new violation\n/);
});

/** A git diff of examples/mm/rmap.c edited by `edit`, written to `dir/name`. */
function rmapPatch(dir: string, name: string, edit: (text: string) => string): string {
  const before = fs.readFileSync(path.join(EXAMPLES, 'mm/rmap.c'), 'utf8');
  const after = edit(before);
  assert.notEqual(after, before);
  const diff = createTwoFilesPatch('a/mm/rmap.c', 'b/mm/rmap.c', before, after, '', '', { context: 3 })
    .replace(/^={5,}\n/m, '').replace(/^--- a\/mm\/rmap\.c\t?\n/m, '--- a/mm/rmap.c\n').replace(/^\+\+\+ b\/mm\/rmap\.c\t?\n/m, '+++ b/mm/rmap.c\n');
  const file = path.join(dir, name);
  fs.writeFileSync(file, `diff --git a/mm/rmap.c b/mm/rmap.c\n${diff.slice(diff.indexOf('--- a/'))}`);
  return file;
}

test('compare on a scenario built to livelock: its cut-short default run is not diffed; losing the livelock is said', async (t) => {
  const dir = tmpdir(t);
  // One more instruction per call of make_device_exclusive(): the livelock is cut elsewhere.
  const slower = rmapPatch(dir, 'slower.diff', (x) => x.replace('\tmmu_notifier_invalidate_range_start(&range);\n', '\tmmu_notifier_invalidate_range_start(&range);\n\taddr = PAGE_ALIGN_DOWN(addr);\n'));
  const r = await run('compare', '--tree', EXAMPLES, '--patch', slower, '--scenario', 'driver-without-own-filter', '--json');
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as JsonCompare;
  const s = rep.scenarios[0] as JsonCompare['scenarios'][number] & { changedResults: unknown[]; changedChecks: unknown[]; before: { cutShort?: string } };
  assert.match(s.before.cutShort ?? '', /step bound/);
  assert.deepEqual([s.changedEndState, s.changedResults, s.changedChecks], [[], [], []]);
  const text = await run('compare', '--tree', EXAMPLES, '--patch', slower, '--scenario', 'driver-without-own-filter');
  assert.match(text.out.replace(/\s+/g, ' '), /default run cut by the instruction bound \(a livelock\): its end state not compared/);
  // Without the invalidation the driver is never told of its own conversion: no livelock left to show.
  const silent = rmapPatch(dir, 'silent.diff', (x) => x.replace(/\tmmu_notifier_invalidate_range_(start|end)\(&range\);\n/g, ''));
  const lost = await run('compare', '--tree', EXAMPLES, '--patch', silent, '--scenario', 'driver-without-own-filter');
  assert.match(lost.out.replace(/\s+/g, ' '), /built to show progress, no longer does/);
});

test('a livelock\'s counterexample is replayed to 40,000 instructions (enough loops to see it), not the explorer\'s 400,000', async () => {
  const tree = await engineTree(EXAMPLES);
  const loop = { schedule: ['dev0'], invariant: 'progress', message: 'dev0 does not finish: step bound (400000 instructions) hit' };
  const t = counterexampleTrace(tree, 'driver-without-own-filter', loop, { views: false });
  assert.equal(t.stats.instructions, LIVELOCK_REPLAY_STEPS + 1);
  assert.match(t.checks.find((c) => c.name === 'dev0 finished')?.detail ?? '', /^step bound \(40000 instructions\) hit/);
  // Any other counterexample runs as far as the exploration did.
  const other = counterexampleTrace(tree, 'exclusive-stays', { schedule: ['dev0'] }, { views: false });
  assert.ok(other.threads.every((th) => th.status === 'done'));
  assert.equal(compactSchedule(['dev1', 'dev1', 'dev0', 'cpu2', 'cpu2', 'cpu2']), 'dev1 x2, dev0, cpu2 x3');
  assert.equal(compactSchedule([]), '(none)');
});
